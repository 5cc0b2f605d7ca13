package io.gatewatch.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.track.ConnectionTracker;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import org.junit.jupiter.api.Test;

class WatchesTest {
  private final GatewayProfile profile = ProfileLoader.load("fluxer-seed");

  @Test
  void eachSourceAndGatewayIsWatchedOnceAndCountedInTheAgentGauge() {
    Watches w = new Watches(new TokenFingerprinter(new byte[] {1}));
    ConnectionTracker a =
        w.add(profile, TrackerSettings.DEFAULTS, Source.PROXY, "eu", Signals.NONE);
    w.add(profile, TrackerSettings.DEFAULTS, Source.PROBE, "eu", Signals.NONE);
    a.open("c1", 0);
    a.open("c2", 0);

    assertThat(w.registry().get("gatewatch.tracked.connections").gauge().value()).isEqualTo(2);
    assertThat(
            w.registry()
                .get("gateway.connections.active")
                .tags("source", "proxy", "gateway", "eu")
                .gauge()
                .value())
        .isEqualTo(2);
    assertThatThrownBy(
            () -> w.add(profile, TrackerSettings.DEFAULTS, Source.PROXY, "eu", Signals.NONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("gateway \"eu\" is already watched as source proxy");
  }
}
