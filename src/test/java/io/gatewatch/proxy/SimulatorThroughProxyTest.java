package io.gatewatch.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A JDK WebSocket client talks to the gateway simulator through the proxy. */
class SimulatorThroughProxyTest extends ProxyTestSupport {

  private GatewaySimulator simulator() throws IOException {
    return track(
        new GatewaySimulator(
                SimulatorSettings.builder().listen("127.0.0.1:0").dispatchRate(0).build())
            .start());
  }

  private static String url(GatewayProxy proxy, GatewaySimulator sim) {
    URI direct = URI.create(sim.url());
    return "ws://127.0.0.1:" + proxy.port() + direct.getRawPath() + "?" + direct.getRawQuery();
  }

  @Test
  void aSessionThroughTheProxyAndTheServersCloseArriveExactly() throws IOException {
    GatewaySimulator sim = simulator();
    GatewayProxy proxy = proxy(settings(URI.create("ws://127.0.0.1:" + sim.port())));
    String url = url(proxy, sim);

    // a good session: Hello, READY, two heartbeats acknowledged, a client close
    try (JdkClient c = JdkClient.connect(url)) {
      assertThat(c.expect(10).get("d").get("heartbeat_interval").asInt()).isEqualTo(41_250);
      c.send(identify("valid-alice"));
      assertThat(c.expect(0).get("t").asText()).isEqualTo("READY");
      c.send("{\"op\":1,\"d\":1}");
      c.expect(11);
      c.send("{\"op\":1,\"d\":1}");
      c.expect(11);
      c.sendClose(1000, "bye");
      assertThat(c.awaitClose()).isEqualTo(new JdkClient.Close(1000, "bye"));
      await().until(() -> observer.closed.size() == 1);
      assertThat(observed(Direction.SERVER)).containsExactlyElementsOf(c.received());
      assertThat(observed(Direction.CLIENT)).containsExactlyElementsOf(c.sent());
      assertThat(observer.closed.get(0))
          .extracting(
              RecordingObserver.Closed::code,
              RecordingObserver.Closed::reason,
              RecordingObserver.Closed::by)
          .containsExactly(1000, "bye", Initiator.CLIENT);
    }

    // a bad token: the simulator closes with 4004, straight and through the proxy alike
    JdkClient.Close direct;
    try (JdkClient c = JdkClient.connect(sim.url())) {
      c.expect(10);
      c.send(identify("stolen"));
      direct = c.awaitClose();
    }
    observer.frames.clear();
    try (JdkClient c = JdkClient.connect(url)) {
      c.expect(10);
      c.send(identify("stolen"));
      JdkClient.Close relayed = c.awaitClose();
      assertThat(relayed)
          .isEqualTo(direct)
          .isEqualTo(new JdkClient.Close(4004, "Authentication Failed"));
      await().until(() -> observer.closed.size() == 2);
      assertThat(observed(Direction.SERVER)).containsExactlyElementsOf(c.received());
      assertThat(observed(Direction.CLIENT)).containsExactly(identify("stolen"));
    }
    assertThat(observer.closed.get(1))
        .extracting(
            RecordingObserver.Closed::code,
            RecordingObserver.Closed::reason,
            RecordingObserver.Closed::by)
        .containsExactly(4004, "Authentication Failed", Initiator.SERVER);
    assertThat(observer.opened).containsExactly("/?v=1&encoding=json", "/?v=1&encoding=json");
    assertThat(observer.failures).isEmpty();
    assertThat(observer.frames).allMatch(f -> f.text() && f.fin());
  }

  private List<String> observed(Direction from) {
    return observer.frames(from).stream()
        .map(
            f ->
                new String(new WireFrame("text", true, 0, f.hex()).bytes(), StandardCharsets.UTF_8))
        .toList();
  }

  private static String identify(String token) {
    return "{\"op\":2,\"d\":{\"token\":\""
        + token
        + "\",\"properties\":{\"os\":\"linux\",\"browser\":\"test\",\"device\":\"test\"}}}";
  }
}
