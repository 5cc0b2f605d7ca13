package io.gatewatch.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Injected faults and the server's edges, over real sockets. */
class FaultsTest extends SimTestSupport {
  static final long GENEROUS = Duration.ofSeconds(5).toNanos();

  @Test
  void ackDelayHoldsOp11Back() {
    GatewaySimulator sim = start(base().ackDelay(AckDelay.parse("0ms,250ms")));
    WsClient c = connect(sim.url());
    c.expect(10);
    c.send("{\"op\":1,\"d\":null}");
    c.expect(11);
    long sent = System.nanoTime();
    c.send("{\"op\":1,\"d\":null}");
    WsClient.Frame ack = c.next();
    assertThat(ack.text()).isEqualTo("{\"op\":11}");
    assertThat(ack.atNanos() - sent).isGreaterThanOrEqualTo(250_000_000L).isLessThan(GENEROUS);
  }

  @Test
  void dropProbabilityOneDropsAtTheFirstInterval() {
    GatewaySimulator sim =
        start(base().heartbeatInterval(Duration.ofMillis(200)).dropProbability(1.0));
    WsClient c = connect(sim.url());
    c.identify("valid-x");
    assertThat(c.awaitClose().code()).isEqualTo(1006);
    assertThat(System.nanoTime() - c.startNanos()).isGreaterThanOrEqualTo(200_000_000L);
  }

  @Test
  void periodicDrains() {
    GatewaySimulator sim = start(base().drainEvery(Duration.ofMillis(200)));
    WsClient c = connect(sim.url());
    c.identify("valid-x");
    assertThat(c.next().text()).isEqualTo("{\"op\":7}");
    assertThat(c.awaitClose())
        .isEqualTo(new WsClient.Close(4000, "Session drain requested; reconnect to continue"));
  }

  @Test
  void periodicDrops() {
    GatewaySimulator sim = start(base().dropEvery(Duration.ofMillis(200)));
    WsClient c = connect(sim.url());
    c.identify("valid-x");
    assertThat(c.awaitClose().code()).isEqualTo(1006);
  }

  @Test
  void periodicExpiry() {
    GatewaySimulator sim = start(base().expireEvery(Duration.ofMillis(100)));
    WsClient first = connect(sim.url());
    String id = first.identify("valid-x").get("d").get("session_id").asText();
    await().atMost(Duration.ofSeconds(5)).until(() -> sim.sessionCount() == 0);
    first.closeNormally();
    WsClient second = connect(sim.url());
    second.expect(10);
    second.send(WsClient.resumePayload("valid-x", id, 1));
    assertThat(second.next().text()).isEqualTo("{\"d\":false,\"op\":9}");
  }

  @Test
  void periodicBackpressureBursts() {
    GatewaySimulator sim =
        start(base().backpressureBurstEvery(Duration.ofMillis(200)).backpressureBurstEvents(3));
    WsClient c = connect(sim.url());
    c.identify("valid-x");
    for (int i = 0; i < 3; i++) {
      c.expectDispatch("MESSAGE_CREATE");
    }
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4013, "Acknowledgement Backpressure"));
  }

  @Test
  void theDispatchStreamRuns() {
    GatewaySimulator sim = start(base().dispatchRate(50));
    WsClient c = connect(sim.url());
    c.identify("valid-x");
    for (long s = 2; s < 12; s++) {
      assertThat(c.expectDispatch("MESSAGE_CREATE").get("s").asLong()).isEqualTo(s);
    }
  }

  @Test
  void closingTheSimulatorSends1001() throws Exception {
    GatewaySimulator sim = start(base());
    WsClient c = connect(sim.url());
    c.identify("valid-x");
    sim.close();
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(1001, "Going Away"));
  }

  @Test
  void perIpSlotsAreReleased() {
    GatewaySimulator sim = start(base().maxSocketsPerIp(1));
    WsClient first = connect(sim.url());
    first.expect(10);
    WsClient second = connect(sim.url());
    assertThat(second.awaitClose()).isEqualTo(new WsClient.Close(4008, "Too many connections"));
    first.closeNormally();
    await().atMost(Duration.ofSeconds(5)).until(() -> sim.connectionCount() == 0);
    WsClient third = connect(sim.url());
    third.expect(10);
  }

  @Test
  void onlyJsonEncodingIsSpoken() {
    GatewaySimulator sim = start(base());
    WsClient c = connect(sim.url().replace("encoding=json", "encoding=etf"));
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4002, "Decode Error"));
    WsClient ignored = connect(sim.url() + "&foo=bar&compress=zlib-stream");
    assertThat(ignored.next().binary()).isFalse();
  }

  @Test
  void plainHttpGetsUpgradeRequired() throws Exception {
    GatewaySimulator sim = start(base());
    HttpResponse<String> r =
        WsClient.HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sim.port() + "/")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(426);
    assertThat(r.body())
        .isEqualTo("gatewatch simulator: connect a WebSocket client to " + sim.url() + "\n");
  }

  @Test
  void pingsArePonged() {
    GatewaySimulator sim = start(base());
    WsClient c = connect(sim.url());
    c.expect(10);
    assertThat(c.ping()).isTrue();
  }
}
