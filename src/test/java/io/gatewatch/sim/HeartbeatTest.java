package io.gatewatch.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The heartbeat over a real socket with short timings. Timers never fire early, so only lower
 * bounds are tight; upper bounds are generous (the exact timeline is {@link
 * HeartbeatDeadlineTest}'s).
 */
class HeartbeatTest extends SimTestSupport {
  static final Duration INTERVAL = Duration.ofMillis(300);
  static final Duration TIMEOUT = Duration.ofMillis(450);
  static final long GENEROUS = Duration.ofSeconds(5).toNanos();

  private GatewaySimulator sim() {
    return start(base().heartbeatInterval(INTERVAL).heartbeatTimeout(TIMEOUT));
  }

  @Test
  void aSilentClientIsAskedAt90PercentThenClosedWith4009AfterTheTimeout() {
    GatewaySimulator sim = sim();
    WsClient c = connect(sim.url());
    long start = c.startNanos();
    assertThat(c.next().text()).isEqualTo("{\"d\":{\"heartbeat_interval\":300},\"op\":10}");
    WsClient.Frame request = c.next();
    assertThat(request.text()).isEqualTo("{\"d\":null,\"op\":1}");
    WsClient.Close close = c.awaitClose();
    long closedAt = System.nanoTime();
    assertThat(close).isEqualTo(new WsClient.Close(4009, "Heartbeat timeout"));

    assertThat(request.atNanos() - start).isGreaterThanOrEqualTo(270_000_000L).isLessThan(GENEROUS);
    assertThat(closedAt - start).isGreaterThan(TIMEOUT.toNanos()).isLessThan(GENEROUS);
    assertThat(c.received()).hasSize(2);
  }

  @Test
  void aClientThatAnswersEveryRequestStaysConnected() {
    // a long timeout, so that a slow test machine cannot turn a late answer into a 4009
    GatewaySimulator sim =
        start(base().heartbeatInterval(INTERVAL).heartbeatTimeout(Duration.ofSeconds(3)));
    WsClient c = connect(sim.url());
    c.expect(10);
    for (int answered = 0; answered < 3; answered++) {
      assertThat(c.next().text()).isEqualTo("{\"d\":null,\"op\":1}");
      c.send("{\"op\":1,\"d\":null}");
      assertThat(c.next().text()).isEqualTo("{\"op\":11}");
    }
    // three requests answered, about three intervals: still open
    assertThat(c.isClosed()).isFalse();
    assertThat(sim.connectionCount()).isEqualTo(1);
  }

  @Test
  void aClientHeartbeatingOnItsOwnIsNeverAsked() {
    // the dispatch stream paces the client: a heartbeat every 4th event (about every 200 ms)
    GatewaySimulator sim =
        start(base().heartbeatInterval(Duration.ofMillis(1500)).dispatchRate(20));
    WsClient c = connect(sim.url());
    c.identify("valid-steady");
    int events = 0;
    while (events < 30) {
      WsClient.Frame f = c.next();
      assertThat(f.text()).as("never a heartbeat request").isNotEqualTo("{\"d\":null,\"op\":1}");
      if (f.op() == 0 && ++events % 4 == 0) {
        c.send("{\"op\":1,\"d\":" + f.json().get("s").asLong() + "}");
      }
    }
    assertThat(c.isClosed()).isFalse();
    List<WsClient.Frame> all = c.received();
    assertThat(all).filteredOn(f -> f.op() == 11).isNotEmpty();
  }
}
