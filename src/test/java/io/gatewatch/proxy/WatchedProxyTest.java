package io.gatewatch.proxy;

import static org.awaitility.Awaitility.await;

import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import io.gatewatch.track.EventClock;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class WatchedProxyTest {

  @Test
  void aQuietProxyStillMovesItsTrackersClock() throws Exception {
    Watches watches = new Watches(TokenFingerprinter.withRandomSalt());
    try (GatewaySimulator sim =
            new GatewaySimulator(
                    SimulatorSettings.builder()
                        .listen("127.0.0.1:0")
                        .heartbeatInterval(Duration.ofSeconds(60))
                        .dispatchRate(0)
                        .build())
                .start();
        WatchedProxy proxy =
            WatchedProxy.start(
                watches,
                ProfileLoader.load("fluxer-seed"),
                TrackerSettings.DEFAULTS.withIdleTtl(Duration.ofSeconds(1)),
                "quiet",
                ProxySettings.builder("ws://127.0.0.1:" + sim.port())
                    .listen(new InetSocketAddress("127.0.0.1", 0))
                    .build(),
                null,
                true,
                EventClock.system(),
                Signals.NONE)) {
      WebSocket ws =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .buildAsync(URI.create(proxy.url("/?v=1&encoding=json")), new WebSocket.Listener() {})
              .join();
      await().until(() -> proxy.tracker().activeConnections() == 1);

      // Hello, then silence: only the ticker can notice the socket has gone idle.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  watches
                          .registry()
                          .get("gatewatch.evictions")
                          .tag("reason", "ttl")
                          .counter()
                          .count()
                      == 1);
      ws.abort();
    }
  }
}
