package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatewatch.config.ConfigNode;
import io.gatewatch.correlation.RedisServer;
import io.gatewatch.proxy.JdkClient;
import io.gatewatch.proxy.WatchedProxy;
import io.gatewatch.server.MetricsDocTest;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Three {@code gatewatch proxy} agents behind a round-robin TCP balancer, sharing reconnect state
 * through a real Redis, in front of the gateway simulator; a client reconnects across them (op 7
 * and a Resume, a non-resumable close followed by a Resume, a 4004 retried unchanged). Summed over
 * the replicas, the metrics equal those of one proxy that saw every socket: the replicas' captures,
 * merged in time order and replayed through one tracker, episode by episode. A replica that sees
 * only a Resume counts it under the client library the session's Identify named on another replica.
 */
class CorrelationEndToEndTest {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Pattern SAMPLE = Pattern.compile("^([a-z_]+)(\\{[^}]*\\})? (\\S+)$");

  @TempDir Path dir;
  private RedisServer redis;
  private GatewaySimulator sim;
  private final List<AgentRunner> agents = new ArrayList<>();
  private RoundRobinBalancer balancer;

  @BeforeEach
  void start() throws Exception {
    redis = RedisServer.start();
    sim =
        new GatewaySimulator(
                SimulatorSettings.builder().listen("127.0.0.1:0").dispatchRate(0).build())
            .start();
  }

  @AfterEach
  void stop() throws Exception {
    if (balancer != null) {
      balancer.close();
    }
    agents.forEach(AgentRunner::close);
    if (sim != null) {
      sim.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  private AgentRunner replica(int i) throws Exception {
    String yaml =
        """
        http: {listen: "127.0.0.1:0"}
        proxies:
          - gateway: gw
            listen: "127.0.0.1:0"
            upstream: "ws://127.0.0.1:%d"
            capture: "%s"
            capture_payloads: true
        correlation:
          url: "%s"
          timeout: 2s
        """
            .formatted(sim.port(), dir.resolve("r" + i + ".ndjson"), redis.url());
    AgentRunner agent =
        AgentRunner.start(AgentConfig.read(ConfigNode.parse("test", yaml), Map.of()));
    agents.add(agent);
    return agent;
  }

  private void replicas(int n) throws Exception {
    List<InetSocketAddress> backends = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      WatchedProxy p = replica(i).proxies().get(0);
      backends.add(new InetSocketAddress("127.0.0.1", p.proxy().port()));
    }
    balancer = new RoundRobinBalancer(backends);
  }

  private JdkClient connect() {
    return JdkClient.connect("ws://127.0.0.1:" + balancer.port() + "/?v=1&encoding=json");
  }

  /** Every replica saw every close so far, and Redis answered everything they asked. */
  private void settled(int open) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                agents.stream()
                            .mapToInt(a -> a.proxies().get(0).tracker().activeConnections())
                            .sum()
                        == open
                    && agents.stream().allMatch(a -> a.correlation().callsInFlight() == 0));
  }

  /** An Identify whose properties name {@code browser} (the profile's table classifies it). */
  private static String identify(String token, String browser) {
    return "{\"op\":2,\"d\":{\"token\":\""
        + token
        + "\",\"properties\":{\"os\":\"linux\",\"browser\":\""
        + browser
        + "\",\"device\":\"x\"}}}";
  }

  private static String resume(String token, String session, long seq) {
    return "{\"op\":6,\"d\":{\"token\":\"%s\",\"session_id\":\"%s\",\"seq\":%d}}"
        .formatted(token, session, seq);
  }

  /**
   * The script: every socket lands on the next replica of three. Alice identifies as discord.py on
   * replica 0 only; the thief's "x" is in no table (other).
   */
  private void reconnectAcrossReplicas() throws Exception {
    String session;
    long seq;
    // on replica 0: READY, then op 7 and 4000 (a drain)
    try (JdkClient c = connect()) {
      c.expect(10);
      c.send(identify("valid-alice", "discord.py"));
      JsonNode ready = c.expect(0);
      session = ready.get("d").get("session_id").asText();
      seq = ready.get("s").asLong();
      settled(1);
      sim.drainAll();
      c.expect(7);
      assertThat(c.awaitClose().code()).isEqualTo(4000);
    }
    settled(0);
    // on replica 1: Resume, RESUMED; then the client goes away
    try (JdkClient c = connect()) {
      c.expect(10);
      c.send(resume("valid-alice", session, seq));
      JsonNode resumed = c.expect(0);
      assertThat(resumed.get("t").asText()).isEqualTo("RESUMED");
      seq = resumed.get("s").asLong(); // the last event seen: RESUMED is one
      c.sendClose(1001, "going away");
      c.awaitClose();
    }
    settled(0);
    // on replica 2: a Resume from a sequence the gateway never sent: 4007, not resumable
    try (JdkClient c = connect()) {
      c.expect(10);
      c.send(resume("valid-alice", session, 9_999));
      assertThat(c.awaitClose().code()).isEqualTo(4007);
    }
    settled(0);
    // on replica 0 again, which remembers the drain: a Resume anyway, and it succeeds
    try (JdkClient c = connect()) {
      c.expect(10);
      c.send(resume("valid-alice", session, seq));
      assertThat(c.expect(0).get("t").asText()).isEqualTo("RESUMED");
      c.sendClose(1000, "bye");
      c.awaitClose();
    }
    settled(0);
    // a token the gateway rejects, retried unchanged on the next replica
    for (int i = 0; i < 2; i++) {
      try (JdkClient c = connect()) {
        c.expect(10);
        c.send(identify("stolen", "x"));
        assertThat(c.awaitClose().code()).isEqualTo(4004);
      }
      settled(0);
    }
  }

  @Test
  void summedOverThreeReplicasTheMetricsAreOneProxysEpisodeByEpisode() throws Exception {
    replicas(3);
    reconnectAcrossReplicas();

    Map<String, Double> summed = new TreeMap<>();
    for (AgentRunner a : agents) {
      gatewaySamples(scrape(a)).forEach((k, v) -> summed.merge(k, v, Double::sum));
    }
    assertThat(summed)
        .containsEntry(
            "gateway_reconnect_duration_seconds_count{gateway=\"gw\",via=\"resume\"}", 2.0)
        .containsEntry("gateway_resume_total{gateway=\"gw\",outcome=\"success\"}", 2.0)
        .containsEntry("gateway_resume_total{gateway=\"gw\",outcome=\"invalid_sequence\"}", 1.0)
        .containsEntry("gateway_reconnect_requests_total{gateway=\"gw\"}", 1.0)
        .containsEntry(
            "gateway_policy_violations_total{gateway=\"gw\",rule=\"resume_after_non_resumable\"}",
            1.0)
        .containsEntry(
            "gateway_policy_violations_total{gateway=\"gw\",rule=\"retry_unchanged_after_fatal\"}",
            1.0);

    // Each replica counts what it saw under the client the session's Identify named, the ones
    // that only saw Alice's Resumes too (the shared directory told them); timings aside.
    String py = "client=\"discord.py\",gateway=\"gw\"";
    assertThat(clientCounts(scrape(agents.get(0))))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "gateway_client_ready_total{" + py + ",via=\"identify\"}", 1.0,
                "gateway_client_ready_total{" + py + ",via=\"resume\"}", 1.0,
                "gateway_client_resume_total{" + py + ",outcome=\"success\"}", 1.0,
                "gateway_client_violations_total{" + py + ",rule=\"resume_after_non_resumable\"}",
                    1.0,
                "gateway_client_reconnect_duration_seconds_count{" + py + "}", 1.0));
    assertThat(clientCounts(scrape(agents.get(1))))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "gateway_client_ready_total{" + py + ",via=\"resume\"}", 1.0,
                "gateway_client_resume_total{" + py + ",outcome=\"success\"}", 1.0,
                "gateway_client_reconnect_duration_seconds_count{" + py + "}", 1.0));
    assertThat(clientCounts(scrape(agents.get(2))))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "gateway_client_resume_total{" + py + ",outcome=\"invalid_sequence\"}",
                1.0,
                "gateway_client_violations_total{client=\"other\",gateway=\"gw\","
                    + "rule=\"retry_unchanged_after_fatal\"}",
                1.0));

    // nothing failed: the counter is there, from 0, with the documented label
    assertThat(MetricsDocTest.documented().get("gatewatch_correlation_errors_total").labels())
        .containsExactly("reason");
    for (AgentRunner a : agents) {
      assertThat(scrape(a).lines().filter(l -> l.startsWith("gatewatch_correlation_errors_total")))
          .containsExactlyInAnyOrder(
              "gatewatch_correlation_errors_total{reason=\"clock_skew\"} 0.0",
              "gatewatch_correlation_errors_total{reason=\"error\"} 0.0",
              "gatewatch_correlation_errors_total{reason=\"timeout\"} 0.0",
              "gatewatch_correlation_errors_total{reason=\"unavailable\"} 0.0");
    }

    agents.forEach(AgentRunner::close); // flushes the captures
    Map<String, Double> one = gatewaySamples(replayMerged(3));
    // one tracker reads the client from the Identify in the merged captures
    assertThat(one)
        .containsEntry("gateway_client_resume_total{" + py + ",outcome=\"success\"}", 2.0)
        .containsEntry(
            "gateway_client_resume_total{client=\"unknown\",gateway=\"gw\",outcome=\"success\"}",
            0.0);
    assertThat(summed.keySet()).isEqualTo(one.keySet());
    for (Map.Entry<String, Double> e : one.entrySet()) {
      if (e.getKey().contains("_sum{")) {
        // three sums of nanoseconds added in floating point: equal to the nanosecond
        assertThat(summed.get(e.getKey())).as(e.getKey()).isCloseTo(e.getValue(), offset(1e-9));
      } else {
        assertThat(summed.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
      }
    }
  }

  private String scrape(AgentRunner a) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://" + a.server().hostPort() + "/metrics"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** The replicas' captures as one, sockets renamed apart, in time order; replayed. */
  private String replayMerged(int n) throws Exception {
    record Line(BigDecimal ts, int order, String text) {}
    List<Line> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      for (String l : Files.readAllLines(dir.resolve("r" + i + ".ndjson"))) {
        ObjectNode o = (ObjectNode) JSON.readTree(l);
        o.put("conn", "r" + i + "-" + o.get("conn").asText());
        lines.add(new Line(o.get("ts").decimalValue(), lines.size(), JSON.writeValueAsString(o)));
      }
    }
    lines.sort(Comparator.comparing(Line::ts).thenComparing(Line::order));
    Path merged = dir.resolve("merged.ndjson");
    Files.write(merged, lines.stream().map(Line::text).toList());
    Path out = dir.resolve("one.prom");
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(new Main())
            .setErr(new PrintWriter(err))
            .setOut(new PrintWriter(new StringWriter()))
            .execute(
                "replay", merged.toString(), "--gateway", "gw", "--metrics-out", out.toString());
    assertThat(code).as(err.toString()).isZero();
    return Files.readString(out);
  }

  /** The non-zero gateway_client_* counts (counters, histogram counts), without the source. */
  private static Map<String, Double> clientCounts(String text) {
    Map<String, Double> out = new TreeMap<>(gatewaySamples(text));
    out.entrySet()
        .removeIf(
            e ->
                !e.getKey().startsWith("gateway_client_")
                    || e.getKey().contains("_bucket{")
                    || e.getKey().contains("_sum{")
                    || e.getValue() == 0);
    return out;
  }

  /** The gateway_* samples, without the source label (proxy here, replay there). */
  static Map<String, Double> gatewaySamples(String text) {
    Map<String, Double> out = new TreeMap<>();
    for (String line : text.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (!line.startsWith("gateway_") || !m.matches()) {
        continue;
      }
      String labels =
          m.group(2) == null
              ? ""
              : m.group(2).replaceAll("source=\"[a-z]+\",?", "").replace(",}", "}");
      out.put(m.group(1) + labels, Double.parseDouble(m.group(3)));
    }
    return out;
  }
}
