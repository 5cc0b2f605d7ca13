package io.gatewatch.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.gatewatch.capture.CaptureWriter;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.server.MetricsDocTest;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import io.gatewatch.track.EventClock;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchedProxyTest {

  /** One session through a proxy with a capture: Hello, Identify, READY, two heartbeats, bye. */
  static void session(WatchedProxy proxy) {
    try (JdkClient c = JdkClient.connect(proxy.url("/?v=1&encoding=json"))) {
      assertThat(c.expect(10).get("d").get("heartbeat_interval").asInt()).isEqualTo(41_250);
      c.send(
          "{\"op\":2,\"d\":{\"token\":\"valid-alice\",\"properties\":{\"os\":\"linux\","
              + "\"browser\":\"test\",\"device\":\"test\"}}}");
      assertThat(c.expect(0).get("t").asText()).isEqualTo("READY");
      c.send("{\"op\":1,\"d\":1}");
      c.expect(11);
      c.send("{\"op\":1,\"d\":1}");
      c.expect(11);
      c.sendClose(1000, "bye");
      assertThat(c.awaitClose()).isEqualTo(new JdkClient.Close(1000, "bye"));
    }
  }

  static WatchedProxy proxy(Watches watches, GatewaySimulator sim, Path capture)
      throws IOException {
    return WatchedProxy.start(
        watches,
        ProfileLoader.load("fluxer-seed"),
        TrackerSettings.DEFAULTS,
        "g",
        ProxySettings.builder("ws://127.0.0.1:" + sim.port())
            .listen(new InetSocketAddress("127.0.0.1", 0))
            .build(),
        CaptureWriter.Settings.of(capture),
        true,
        EventClock.system(),
        Signals.NONE);
  }

  static GatewaySimulator simulator() throws IOException {
    return new GatewaySimulator(
            SimulatorSettings.builder().listen("127.0.0.1:0").dispatchRate(0).build())
        .start();
  }

  static double value(Watches w, String name, String... tags) {
    return w.registry().get(name).tags(tags).functionCounter().count();
  }

  @Test
  void theCaptureCountsWhatItWrote(@TempDir Path dir) throws Exception {
    Watches watches = new Watches(TokenFingerprinter.withRandomSalt());
    Path file = dir.resolve("g.ndjson");
    try (GatewaySimulator sim = simulator();
        WatchedProxy proxy = proxy(watches, sim, file)) {
      session(proxy);
      await().until(() -> proxy.tracker().activeConnections() == 0);
    }
    // open, Hello, Identify, READY, two heartbeats and their ACKs, close
    assertThat(Files.readAllLines(file)).hasSize(9);
    assertThat(value(watches, "gatewatch.capture.records", "gateway", "g")).isEqualTo(9);
    assertThat(value(watches, "gatewatch.capture.written", "gateway", "g"))
        .isEqualTo(Files.size(file));
    assertThat(value(watches, "gatewatch.capture.rotations", "gateway", "g")).isZero();
    assertThat(value(watches, "gatewatch.capture.dropped", "gateway", "g", "reason", "stopped"))
        .isZero();
    assertThat(value(watches, "gatewatch.capture.dropped", "gateway", "g", "reason", "queue_full"))
        .isZero();
    String scrape = watches.registry().scrape();
    assertThat(scrape)
        .contains(
            "gatewatch_capture_written_bytes_total{gateway=\"g\"} " + Files.size(file) + ".0",
            "gatewatch_capture_records_total{gateway=\"g\"} 9.0",
            "gatewatch_capture_rotations_total{gateway=\"g\"} 0.0",
            "gatewatch_capture_dropped_total{gateway=\"g\",reason=\"queue_full\"} 0.0",
            "gatewatch_capture_dropped_total{gateway=\"g\",reason=\"stopped\"} 0.0");
    // the families as docs/metrics.md has them (MetricsDocTest sees only what replay exposes)
    Map<String, MetricsDocTest.Doc> doc = MetricsDocTest.documented();
    Map<String, MetricsDocTest.Family> exposed = MetricsDocTest.exposed(scrape);
    for (String family :
        List.of(
            "gatewatch_capture_written_bytes_total",
            "gatewatch_capture_records_total",
            "gatewatch_capture_rotations_total",
            "gatewatch_capture_dropped_total")) {
      assertThat(exposed.get(family).type()).as(family).isEqualTo(doc.get(family).type());
      assertThat(exposed.get(family).labels()).as(family).isEqualTo(doc.get(family).labels());
      assertThat(doc.get(family).exposedBy()).isEqualTo("proxy with a capture");
    }
  }

  @Test
  void aFullDiskStopsTheCaptureAndTheRelayNeverNotices(@TempDir Path dir) throws Exception {
    assumeThat(Files.isWritable(Path.of("/dev/full"))).isTrue();
    Path file = dir.resolve("g.ndjson"); // every write to it fails with ENOSPC
    Files.createSymbolicLink(file, Path.of("/dev/full"));
    Watches watches = new Watches(TokenFingerprinter.withRandomSalt());
    try (GatewaySimulator sim = simulator();
        WatchedProxy proxy = proxy(watches, sim, file)) {
      session(proxy);
      await()
          .until(
              () ->
                  value(watches, "gatewatch.capture.dropped", "gateway", "g", "reason", "stopped")
                      == 9);
      session(proxy); // and again, after the capture has stopped
      await().until(() -> proxy.tracker().activeConnections() == 0);
      assertThat(value(watches, "gatewatch.capture.dropped", "gateway", "g", "reason", "stopped"))
          .isEqualTo(18);
      assertThat(watches.registry().get("gateway.ready").tags("via", "identify").counter().count())
          .isEqualTo(2);
      assertThat(watches.registry().get("gatewatch.observer.errors").counter().count()).isZero();
    }
    assertThat(value(watches, "gatewatch.capture.records", "gateway", "g")).isZero();
  }

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
