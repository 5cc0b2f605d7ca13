package io.gatewatch.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.metrics.Source;
import io.gatewatch.track.ReconnectEpisode;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.Signals;
import io.gatewatch.track.Via;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
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
                t, t + 500_000_000L, 4009, null, Via.RESUME, ResumeOutcome.SUCCESS, 1));
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
}
