package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatewatch.capture.CaptureWriter;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.proxy.JdkClient;
import io.gatewatch.proxy.ProxySettings;
import io.gatewatch.proxy.WatchedProxy;
import io.gatewatch.server.AgentServer;
import io.gatewatch.server.MetricsExposition;
import io.gatewatch.sim.Fleet;
import io.gatewatch.sim.FleetObserver;
import io.gatewatch.sim.FleetSettings;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * The claim of a metadata-only capture: the demo's fleet (every behaviour, the demo's simulator
 * with its drains, expiries and drops) runs through a real proxy writing the default capture, and
 * {@code gatewatch replay} of that capture exports exactly the series the proxy's {@code /metrics}
 * did, value for value; and a capture's Identify properties give replay and ingest the live proxy's
 * client labels.
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
            "gatewatch_decode_errors_total",
            "gateway_client_violations_total",
            "gateway_client_resume_total",
            "gateway_client_ready_total",
            "gateway_client_reconnect_duration_seconds_bucket");
    // Every fleet Identify names its sender, in JSON and in Erlang terms alike: none is unknown.
    assertThat(liveSeries)
        .containsEntry(
            "gateway_client_ready_total{client=\"unknown\",gateway=\"demo\",source=\"replay\","
                + "via=\"identify\"}",
            "0.0");
    // Every violation, resume and session is some client's: by client, the totals are the same.
    for (String[] byClient :
        new String[][] {
          {"gateway_client_violations_total", "gateway_policy_violations_total", "rule"},
          {"gateway_client_resume_total", "gateway_resume_total", "outcome"},
          {"gateway_client_ready_total", "gateway_ready_total", "via"},
        }) {
      assertThat(totalsBy(liveSeries, byClient[0], byClient[2]))
          .as(byClient[0])
          .isEqualTo(totalsBy(liveSeries, byClient[1], byClient[2]));
    }
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

  /**
   * A capture keeps what the Identify said of its sender, so replay and ingest label every number
   * with the client library the live proxy did: a known library whose dropped socket Resumes on
   * another (the Resume inherits), one that breaks a rule, a browser, free text (other), no
   * properties (unknown), a rejected token retried unchanged. Exact, the source label aside.
   */
  @Test
  void replayAndIngestOfTheProxysCaptureGiveTheLiveClientLabels(@TempDir Path dir)
      throws Exception {
    Path capture = dir.resolve("clients.ndjson");
    Watches watches = new Watches(TokenFingerprinter.withRandomSalt());
    String live;
    try (GatewaySimulator sim =
        new GatewaySimulator(
                SimulatorSettings.builder().listen("127.0.0.1:0").dispatchRate(0).build())
            .start()) {
      WatchedProxy proxy =
          WatchedProxy.start(
              watches,
              ProfileLoader.defaultProfile(),
              TrackerSettings.DEFAULTS,
              GATEWAY,
              ProxySettings.builder("ws://127.0.0.1:" + sim.port())
                  .listen(new InetSocketAddress("127.0.0.1", 0))
                  .build(),
              CaptureWriter.Settings.of(capture),
              true,
              EventClock.system(),
              Signals.NONE);
      try {
        String url = proxy.url(sim.query());
        String session;
        try (JdkClient c = JdkClient.connect(url)) {
          c.expect(10);
          c.send(identify("valid-alice", "\"browser\":\"@discordjs/ws 2.0.4\""));
          session = c.expect(0).get("d").get("session_id").asText();
          await().until(() -> proxy.tracker().activeConnections() == 1);
          sim.dropAll(); // 1006: Alice's library Resumes on a new socket
          c.awaitClose();
        }
        try (JdkClient c = JdkClient.connect(url)) {
          c.expect(10);
          c.send(
              "{\"op\":6,\"d\":{\"token\":\"valid-alice\",\"session_id\":\""
                  + session
                  + "\",\"seq\":1}}");
          assertThat(c.expect(0).get("t").asText()).isEqualTo("RESUMED");
          c.sendClose(1000, "bye");
          c.awaitClose();
        }
        try (JdkClient c = JdkClient.connect(url)) {
          c.expect(10);
          String identify = identify("valid-bob", "\"browser\":\"discord.py\"");
          c.send(identify);
          c.expect(0);
          c.send(identify); // a second Identify on a socket that holds a session
          c.awaitClose();
        }
        // a browser (web), free text (other), an Identify without properties (unknown)
        for (String identify :
            List.of(
                identify("valid-carol", "\"browser\":\"Chrome\",\"os\":\"Mac OS X\""),
                identify("valid-dave", "\"browser\":\"my bot\\\"} 1 # v0.1\""),
                "{\"op\":2,\"d\":{\"token\":\"valid-eve\"}}")) {
          try (JdkClient c = JdkClient.connect(url)) {
            c.expect(10);
            c.send(identify);
            c.expect(0);
            c.sendClose(1000, "bye");
            c.awaitClose();
          }
        }
        for (int i = 0; i < 2; i++) {
          try (JdkClient c = JdkClient.connect(url)) {
            c.expect(10);
            c.send(identify("stolen", "\"browser\":\"JDA\""));
            assertThat(c.awaitClose().code()).isEqualTo(4004);
          }
        }
        await().until(() -> proxy.tracker().activeConnections() == 0);
      } finally {
        proxy.close(); // flushes the capture
      }
      live = watches.registry().scrape();
    }

    Map<String, String> liveClients = clientSeries(live);
    // every value of the table from the start: 11 values, 7 rules + 6 outcomes + 2 ways in + 16
    // histogram series (13 buckets, +Inf, _count, _sum) each
    assertThat(liveClients).hasSize(11 * 31);
    String demo = "gateway=\"demo\"";
    assertThat(nonZero(liveClients))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "gateway_client_ready_total{client=\"discord.js\"," + demo + ",via=\"identify\"}",
                "1.0",
                "gateway_client_ready_total{client=\"discord.js\"," + demo + ",via=\"resume\"}",
                "1.0",
                "gateway_client_resume_total{client=\"discord.js\","
                    + demo
                    + ",outcome=\"success\"}",
                "1.0",
                "gateway_client_ready_total{client=\"discord.py\"," + demo + ",via=\"identify\"}",
                "1.0",
                "gateway_client_violations_total{client=\"discord.py\","
                    + demo
                    + ",rule=\"identify_twice\"}",
                "1.0",
                "gateway_client_ready_total{client=\"web\"," + demo + ",via=\"identify\"}",
                "1.0",
                "gateway_client_ready_total{client=\"other\"," + demo + ",via=\"identify\"}",
                "1.0",
                "gateway_client_ready_total{client=\"unknown\"," + demo + ",via=\"identify\"}",
                "1.0",
                "gateway_client_violations_total{client=\"jda\","
                    + demo
                    + ",rule=\"retry_unchanged_after_fatal\"}",
                "1.0",
                "gateway_client_reconnect_duration_seconds_count{client=\"discord.js\","
                    + demo
                    + "}",
                "1"));

    String captured = Files.readString(capture);
    assertThat(captured)
        .contains("\"browser\":\"@discordjs/ws 2.0.4\"", "\"browser\":\"JDA\"")
        .doesNotContain("valid-alice", "valid-bob", "stolen");

    Path prom = dir.resolve("replay.prom");
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(new Main())
            .setOut(new PrintWriter(new StringWriter(), true))
            .setErr(new PrintWriter(err, true))
            .execute(
                "replay",
                capture.toString(),
                "--gateway",
                GATEWAY,
                "--metrics-out",
                prom.toString());
    assertThat(exit).as(err.toString()).isZero();
    assertThat(clientSeries(Files.readString(prom))).isEqualTo(liveClients);

    AgentConfig config =
        AgentConfigTest.read(
            """
            http:
              listen: 127.0.0.1:0
            ingest:
              enabled: true
              gateway: demo
            """,
            Map.of());
    try (AgentRunner agent = AgentRunner.start(config)) {
      HttpResponse<String> posted =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + agent.server().port() + "/v1/capture"))
                      .POST(HttpRequest.BodyPublishers.ofFile(capture))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(posted.body()).contains("\"rejected\":[]");
      assertThat(clientSeries(get("http://127.0.0.1:" + agent.server().port() + "/metrics")))
          .isEqualTo(liveClients);
    }
  }

  private static String identify(String token, String properties) {
    return "{\"op\":2,\"d\":{\"token\":\"" + token + "\",\"properties\":{" + properties + "}}}";
  }

  /** The gateway_client_* series of an exposition, the source label left out; no _max gauges. */
  static Map<String, String> clientSeries(String text) {
    Map<String, String> out = new TreeMap<>();
    series(text)
        .forEach(
            (k, v) -> {
              if (k.startsWith("gateway_client_") && !k.contains("_max{")) {
                out.put(k.replaceAll(",?source=\"[a-z]+\"", ""), v);
              }
            });
    return out;
  }

  private static Map<String, String> nonZero(Map<String, String> series) {
    Map<String, String> out = new TreeMap<>(series);
    out.entrySet()
        .removeIf(
            e ->
                Double.parseDouble(e.getValue()) == 0
                    || e.getKey().contains("_bucket{")
                    || e.getKey().contains("_sum{"));
    return out;
  }

  /** A family's values summed by one label's value, over every other label. */
  static Map<String, Double> totalsBy(Map<String, String> series, String family, String label) {
    Pattern value = Pattern.compile("[{,]" + label + "=\"([^\"]*)\"");
    Map<String, Double> out = new TreeMap<>();
    series.forEach(
        (k, v) -> {
          Matcher m = value.matcher(k);
          if (family(k).equals(family) && m.find()) {
            out.merge(m.group(1), Double.parseDouble(v), Double::sum);
          }
        });
    return out;
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
