package io.gatewatch.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatewatch.metrics.Source;
import io.gatewatch.protocol.ClientTable;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.proxy.ProxySettings;
import io.gatewatch.proxy.WatchedProxy;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import io.gatewatch.track.EventClock;
import io.gatewatch.track.ReconnectEpisode;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import io.gatewatch.track.Via;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A collector that is down never blocks a tap; what could not be sent is counted and logged. */
class CollectorDownTest {

  @Test
  void recordingStaysFastAndDropsAreCounted() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    Logging.configure(LogFormat.TEXT, logs);
    try {
      OtlpSettings settings =
          OtlpSettings.fromEnv(
              Map.of(
                  "OTEL_EXPORTER_OTLP_ENDPOINT",
                  "http://127.0.0.1:" + port,
                  "OTEL_METRICS_EXPORTER",
                  "none"));
      Telemetry telemetry =
          Telemetry.start(settings, null, System::nanoTime, Duration.ofMillis(300));
      Signals tap = telemetry.around(Source.PROXY, "gw", Signals.NONE);

      long started = System.nanoTime();
      for (int i = 0; i < 5_000; i++) {
        long t = 1_000_000_000L * i;
        tap.reconnected(
            new ReconnectEpisode(
                t,
                t + 500_000_000L,
                4009,
                null,
                Via.RESUME,
                ResumeOutcome.SUCCESS,
                1,
                ClientTable.EMPTY.unknown()));
      }
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));

      long closing = System.nanoTime();
      telemetry.close();
      assertThat(Duration.ofNanos(System.nanoTime() - closing)).isLessThan(Duration.ofSeconds(3));
      long[] counts = telemetry.spanCounts();
      assertThat(counts[0]).isEqualTo(5_000);
      assertThat(counts[1]).isZero();
      assertThat(counts[0] - counts[1] - counts[2]).isGreaterThan(5_000 - Telemetry.SPAN_QUEUE);
    } finally {
      Logging.configure(LogFormat.TEXT, System.err);
    }
    assertThat(logs.toString(StandardCharsets.UTF_8))
        .contains("WARN")
        .contains("OTLP traces: 5000 reconnect spans recorded, 0 exported");
  }

  @Test
  void aProxyRelaysWhileMetricExportsFailAndTheFailuresAreCounted() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    Logging.configure(LogFormat.TEXT, logs);
    Telemetry telemetry =
        Telemetry.start(
            OtlpSettings.fromEnv(
                Map.of(
                    "OTEL_EXPORTER_OTLP_ENDPOINT",
                    "http://127.0.0.1:" + port,
                    "OTEL_METRIC_EXPORT_INTERVAL",
                    "200",
                    "OTEL_TRACES_EXPORTER",
                    "none")),
            null);
    try (GatewaySimulator sim =
            new GatewaySimulator(
                    SimulatorSettings.builder()
                        .listen("127.0.0.1:0")
                        .heartbeatInterval(Duration.ofSeconds(30))
                        .build())
                .start();
        WatchedProxy proxy =
            WatchedProxy.start(
                telemetry.watches(new TokenFingerprinter(new byte[] {1})),
                ProfileLoader.load("fluxer-seed"),
                TrackerSettings.DEFAULTS,
                "down",
                ProxySettings.builder("ws://127.0.0.1:" + sim.port())
                    .listen(new InetSocketAddress("127.0.0.1", 0))
                    .build(),
                null,
                true,
                EventClock.system(),
                Signals.NONE)) {
      List<String> texts = new CopyOnWriteArrayList<>();
      WebSocket ws =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .buildAsync(
                  URI.create(proxy.url("/?v=1&encoding=json")),
                  new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence d, boolean last) {
                      texts.add(d.toString());
                      w.request(1);
                      return null;
                    }
                  })
              .join();
      ws.sendText("{\"op\":2,\"d\":{\"token\":\"valid-down\",\"properties\":{\"os\":\"x\"}}}", true)
          .join();
      await().until(() -> texts.stream().anyMatch(t -> t.contains("\"READY\"")));
      // heartbeats relayed and answered while every metric export fails
      int beats = 0;
      while (telemetry.metricExportCounts()[1] < 1 || beats < 50) {
        ws.sendText("{\"op\":1,\"d\":" + beats + "}", true).join();
        beats++;
        int expected = beats;
        await()
            .until(() -> texts.stream().filter(t -> t.contains("\"op\":11")).count() >= expected);
      }
      assertThat(telemetry.metricExportCounts()[0]).isZero();
      assertThat(proxy.tracker().activeConnections()).isEqualTo(1);
      ws.abort();
    }
    try {
      long closing = System.nanoTime();
      telemetry.close();
      assertThat(Duration.ofNanos(System.nanoTime() - closing)).isLessThan(Duration.ofSeconds(7));
    } finally {
      Logging.configure(LogFormat.TEXT, System.err);
    }
    assertThat(logs.toString(StandardCharsets.UTF_8))
        .containsPattern("WARN .*OTLP metrics: 0 exports sent, \\d+ failed");
  }
}
