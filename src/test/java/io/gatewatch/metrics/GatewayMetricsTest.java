package io.gatewatch.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.ScannedFrame;
import io.gatewatch.track.PolicyRule;
import io.gatewatch.track.RttKind;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class GatewayMetricsTest {
  private final GatewayProfile profile = ProfileLoader.load("fluxer-seed");
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void signalsBeforeBindingAreDroppedNotThrown() {
    GatewayMetrics m = new GatewayMetrics(profile, Source.PROBE, "g");
    m.frame(Direction.SERVER, 11, 9);
    m.connectionClosed(4009, profile.closeCode(4009), Initiator.SERVER);
    m.bindTo(registry);

    assertThat(registry.get("gateway.frames").tags("op", "heartbeat_ack").counter().count())
        .isZero();
    assertThat(registry.find("gateway.close").counters()).isEmpty();
  }

  @Test
  void unknownOpcodesAndUnclassifiableFramesAreOther() {
    GatewayMetrics m = new GatewayMetrics(profile, Source.PROXY, "g");
    m.bindTo(registry);
    m.frame(Direction.CLIENT, 200, 10);
    m.frame(Direction.CLIENT, 1_000_000, 10);
    m.frame(Direction.CLIENT, ScannedFrame.NO_OP, 10);

    assertThat(
            registry
                .get("gateway.frames")
                .tags("from", "client", "op", "other", "source", "proxy", "gateway", "g")
                .counter()
                .count())
        .isEqualTo(3);
  }

  @Test
  void closeRemovesThisBindersMetersAndLaterSignalsAreIgnored() {
    GatewayMetrics m = new GatewayMetrics(profile, Source.CLIENT, "g");
    m.bindTo(registry);
    m.connectionClosed(4000, profile.closeCode(4000), Initiator.CLIENT);
    m.heartbeatRtt(RttKind.CLIENT, 5_000_000);
    m.violation(PolicyRule.IDENTIFY_TWICE, profile.clients().unknown());
    m.decodeError();

    m.close();
    m.frame(Direction.SERVER, 0, 100);

    assertThat(registry.getMeters().stream().map(Meter::getId).map(Meter.Id::getName))
        .allMatch(name -> name.startsWith("gatewatch."));
  }

  @Test
  void twoTapsShareTheAgentWideCounters() {
    GatewayMetrics a = new GatewayMetrics(profile, Source.PROXY, "a");
    GatewayMetrics b = new GatewayMetrics(profile, Source.PROXY, "b");
    a.bindTo(registry);
    b.bindTo(registry);
    a.decodeError();
    b.decodeError();

    assertThat(registry.get("gatewatch.decode.errors").tags("source", "proxy").counter().count())
        .isEqualTo(2);
  }

  @Test
  void gatewayNamesAreCheckedBecauseTheyBecomeLabels() {
    assertThatThrownBy(() -> new GatewayMetrics(profile, Source.PROXY, "10.0.0.1 prod"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("gateway name must match");
  }
}
