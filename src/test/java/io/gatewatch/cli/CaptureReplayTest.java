package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatewatch.capture.CaptureWriter;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.proxy.ProxySettings;
import io.gatewatch.proxy.WatchedProxy;
import io.gatewatch.server.AgentServer;
import io.gatewatch.server.MetricsExposition;
import io.gatewatch.sim.Fleet;
import io.gatewatch.sim.FleetObserver;
import io.gatewatch.sim.FleetSettings;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.Wire;
import io.gatewatch.track.EventClock;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * The claim of a metadata-only capture: the demo's fleet (every behaviour, the demo's simulator
 * with its drains, expiries and drops) runs through a real proxy writing the default capture, and
 * {@code gatewatch replay} of that capture exports exactly the series the proxy's {@code /metrics}
 * did, value for value.
 */
class CaptureReplayTest {
  static final String GATEWAY = "demo";

  /**
   * Families that cannot be the same, and why: the JVM's and the process's own (another moment,
   * another amount of work), and what only a running proxy has: its upstream failures, refused
   * upgrades and observer failures, and its capture's own counters (replay writes no capture).
   * Every other family, gauges of live state included, must match: by the end every socket has
   * closed in both, and both remember the same clients.
   */
  static boolean onlyLive(String family) {
    return family.startsWith("jvm_")
        || family.startsWith("process_")
        || family.startsWith("system_")
        || family.startsWith("gatewatch_capture_")
        || family.equals("gatewatch_upstream_errors_total")
        || family.equals("gatewatch_connections_refused_total")
        || family.equals("gatewatch_observer_errors_total");
  }

  /**
   * The demo as it runs by default (Fluxer's profile, JSON text), and the demo's fleet speaking the
   * Discord family's wire: Erlang terms over zlib-stream, every message binary and compressed. The
   * metadata records are the same JSON either way. The slow clients' heartbeats are late against
   * Fluxer's policy only: the discord profile's grace (a quarter of the interval) covers them.
   */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"fluxer-seed, json, true", "discord, etf+zlib-stream, false"})
  void replayingTheDemosCaptureGivesTheLiveMetricsSeriesBySeries(
      String profileName, String wire, boolean lateHeartbeats, @TempDir Path dir) throws Exception {
    Path capture = dir.resolve("demo.ndjson");
    GatewayProfile profile = ProfileLoader.load(profileName);
    String live;
    long capturedRecords;
    Watches watches = new Watches(TokenFingerprinter.withRandomSalt());
    try (GatewaySimulator simulator =
            new GatewaySimulator(
                    DemoCommand.simulatorSettings(new InetSocketAddress("127.0.0.1", 0), profile))
                .start();
        AgentServer server =
            new AgentServer(
                new InetSocketAddress("127.0.0.1", 0),
                new MetricsExposition(watches.registry()),
                () -> true)) {
      server.start();
      WatchedProxy proxy =
          WatchedProxy.start(
              watches,
              profile,
              TrackerSettings.DEFAULTS,
              GATEWAY,
              ProxySettings.builder("ws://127.0.0.1:" + simulator.port())
                  .listen(new InetSocketAddress("127.0.0.1", 0))
                  .build(),
              CaptureWriter.Settings.of(capture),
              true,
              EventClock.system(),
              Signals.NONE);
      Fleet fleet =
          new Fleet(
              new FleetSettings(
                  Wire.parse(wire).applyTo(URI.create(proxy.url(simulator.query()))),
                  30,
                  FleetSettings.parseMix(DemoCommand.DEFAULT_MIX),
                  Duration.ofSeconds(60),
                  Duration.ofSeconds(10),
                  1),
              profile,
              FleetObserver.NONE);
      fleet.start();
      try {
        // Past the simulator's first drain (15 s): op 7, closes of every kind, Resumes and
        // reconnect episodes, the slow clients' late heartbeats (against Hello's interval), and
        // the sloppy clients' oversize payload, second Identify and undecodable frame (each
        // sloppy session picks one of four at random).
        await()
            .atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () ->
                    count(watches, "gateway.reconnect.requests") >= 1
                        && count(watches, "gateway.resume", "outcome", "success") >= 1
                        && count(watches, "gateway.policy.violations", "rule", "payload_too_large")
                            >= 1
                        && count(watches, "gateway.policy.violations", "rule", "identify_twice")
                            >= 1
                        && (!lateHeartbeats
                            || count(watches, "gateway.policy.violations", "rule", "heartbeat_late")
                                >= 1)
                        && count(watches, "gatewatch.decode.errors") >= 1);
      } finally {
        fleet.close();
        proxy.close(); // the sockets still open end with 1001; the capture is flushed
      }
      live = get("http://" + server.hostPort() + "/metrics");
      capturedRecords =
          (long) watches.registry().get("gatewatch.capture.records").functionCounter().count();
    }

    List<String> lines = Files.readAllLines(capture);
    assertThat(lines).hasSize((int) capturedRecords);
    assertThat(lines).noneMatch(l -> l.contains("frame_b64")); // metadata is JSON on every wire
    if (wire.startsWith("etf")) {
      assertThat(lines.get(0)).contains("encoding=etf&compress=zlib-stream");
    }
    Path prom = dir.resolve("replay.prom");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(new Main())
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(
                "replay",
                capture.toString(),
                "--profile",
                profileName,
                "--gateway",
                GATEWAY,
                "--metrics-out",
                prom.toString());
    assertThat(exit).as(err.toString()).isZero();
    assertThat(out.toString()).contains(capturedRecords + " lines accepted, 0 rejected");

    Map<String, String> liveSeries = series(live.replace("source=\"proxy\"", "source=\"replay\""));
    Map<String, String> replayed = series(Files.readString(prom));
    liveSeries.keySet().removeIf(s -> onlyLive(family(s)));
    replayed.keySet().removeIf(s -> onlyLive(family(s)));
    assertThat(replayed).isEqualTo(liveSeries);

    // The comparison covered what matters: every family of the catalogue the demo moves.
    Set<String> families = new java.util.TreeSet<>();
    liveSeries.forEach((k, v) -> families.add(family(k)));
    assertThat(families)
        .contains(
            "gateway_close_total",
            "gateway_resume_total",
            "gateway_reconnect_duration_seconds_bucket",
            "gateway_heartbeat_rtt_seconds_bucket",
            "gateway_policy_violations_total",
            "gateway_frame_size_bytes_bucket",
            "gateway_frames_total",
            "gateway_connections_active",
            "gateway_sessions_active",
            "gatewatch_tracked_connections",
            "gatewatch_decode_errors_total");
    if (lateHeartbeats) {
      assertThat(liveSeries)
          .hasEntrySatisfying(
              "gateway_policy_violations_total{gateway=\"demo\",rule=\"heartbeat_late\","
                  + "source=\"replay\"}",
              v -> assertThat(Double.parseDouble(v)).isPositive());
    }
    for (String moved :
        List.of(
            "gateway_policy_violations_total{gateway=\"demo\",rule=\"payload_too_large\"",
            "gateway_policy_violations_total{gateway=\"demo\",rule=\"identify_twice\"",
            "gatewatch_decode_errors_total{source=\"replay\"",
            "gateway_resume_total{gateway=\"demo\",outcome=\"success\"",
            "gateway_reconnect_requests_total{gateway=\"demo\"")) {
      assertThat(liveSeries.entrySet())
          .as(moved)
          .anyMatch(e -> e.getKey().startsWith(moved) && Double.parseDouble(e.getValue()) > 0);
    }
  }

  static double count(Watches w, String name, String... tags) {
    return w.registry().find(name).tags(tags).counters().stream().mapToDouble(c -> c.count()).sum();
  }

  static String get(String url) throws Exception {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** A Prometheus text exposition as series (name and labels) to value; comments left out. */
  static Map<String, String> series(String text) {
    Map<String, String> out = new TreeMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      out.put(line.substring(0, space), line.substring(space + 1));
    }
    return out;
  }

  static String family(String series) {
    int brace = series.indexOf('{');
    return brace < 0 ? series : series.substring(0, brace);
  }
}
