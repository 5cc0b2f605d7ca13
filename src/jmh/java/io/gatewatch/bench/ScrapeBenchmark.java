package io.gatewatch.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.gatewatch.export.ActivityLog;
import io.gatewatch.export.OtlpSettings;
import io.gatewatch.export.Telemetry;
import io.gatewatch.metrics.Source;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.server.MetricsExposition;
import io.gatewatch.track.Connection;
import io.gatewatch.track.ConnectionTracker;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What one /metrics scrape costs the agent's CPU: the registry as the proxy under load has it
 * (every close code of the profile by each initiator, heartbeat RTT and frame-size histograms
 * filled, JVM and process meters), snapshotted and written as Prometheus text, as {@link
 * MetricsExposition} serves it. Not a target: it says how much of the scraping row's cost can be
 * the scrape itself.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ScrapeBenchmark {
  private Telemetry telemetry;
  private Watches watches;
  private MetricsExposition exposition;
  private ExpositionFormatWriter text;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);

  @Setup
  public void setUp() throws IOException {
    telemetry = Telemetry.start(OtlpSettings.off(), new ActivityLog(Duration.ofMinutes(1)).start());
    watches = telemetry.watches(TokenFingerprinter.withRandomSalt());
    GatewayProfile profile = ProfileLoader.defaultProfile();
    ConnectionTracker tracker =
        watches.add(profile, TrackerSettings.DEFAULTS, Source.PROXY, "bench", Signals.NONE);
    BenchNode.populate(tracker, profile);
    Connection c = tracker.open("beating", 0);
    c.frame(0, Direction.SERVER, "{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}");
    for (int i = 1; i <= 100; i++) {
      long t = i * 1_000_000_000L;
      c.frame(t, Direction.CLIENT, "{\"op\":1,\"d\":" + i + "}");
      c.frame(t + i * 1_000_000L, Direction.SERVER, "{\"op\":11}");
    }
    exposition = new MetricsExposition(watches.registry());
    text = exposition.writerFor(null);
    out.reset();
    exposition.write(out, text);
    long series = out.toString(UTF_8).lines().filter(l -> !l.startsWith("#")).count();
    System.out.printf("%nscrape: %d series, %,d bytes%n", series, out.size());
  }

  @TearDown
  public void tearDown() {
    watches.close();
    telemetry.close();
  }

  @Benchmark
  public int scrapeText() throws IOException {
    out.reset();
    exposition.write(out, text);
    return out.size();
  }
}
