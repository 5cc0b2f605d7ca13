package io.gatewatch.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatewatch.cli.Main;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (loopback, temporary storage, the rules of alerts/ loaded) scrapes a running
 * demo (its proxy and probe) to which the sample capture and a 4011 close were posted (its ingest
 * endpoint), and a second agent ({@code run}: ingest behind a bearer token, in a job whose name
 * does not say gatewatch) that refused one request without it; every dashboard query and annotation
 * and every rule expression is evaluated through its HTTP API. Each must parse and return at least
 * one series. An alert expression is evaluated with its comparisons made {@code bool}, so it
 * returns its series whether or not it fires; the one exception is {@code absent(...)}, which must
 * return nothing while the agents are up.
 *
 * <p>The second agent also receives two client libraries, told apart by their Identify's {@code
 * properties.browser} through the default table: discord.py, whose every session breaks a rule and
 * fails its Resume, and JDA, which behaves. The "By client library" queries of the overview and
 * GatewayClientLibraryOutlier then name discord.py, and only it.
 */
class PrometheusEndToEndTest {
  /** Posted to ingest: what the demo's fleet never does (a 4011 close, for 4010-4012 alerts). */
  private static final String INVALID_SHARD =
      String.join(
          "\n",
          "{\"ts\":1732790000000.0,\"conn\":\"s1\",\"type\":\"open\",\"url\":\"/?v=1\"}",
          "{\"ts\":1732790001000.0,\"conn\":\"s1\",\"type\":\"close\",\"code\":4011,"
              + "\"reason\":\"Invalid shard\",\"by\":\"server\"}",
          "");

  /** Clients of each library posted to the second agent: over the alert's floors of 20. */
  private static final int CLIENTS_PER_LIBRARY = 25;

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void everyDashboardQueryAndRuleRunsAgainstAScrapedDemo(@TempDir Path dir) throws Exception {
    int metricsPort = freePort();
    int promPort = freePort();
    Process demo =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "demo",
                "--duration",
                "90s",
                "--http-listen",
                "127.0.0.1:" + metricsPort,
                "--gateway-listen",
                "127.0.0.1:" + freePort(),
                "--proxy-listen",
                "127.0.0.1:" + freePort())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("demo.log").toFile())
            .start();
    int ingestPort = freePort();
    Path token = dir.resolve("http-token");
    Files.writeString(token, "scrape-secret\n");
    Path agentConfig = dir.resolve("agent.yaml");
    Files.writeString(
        agentConfig,
        String.join(
            "\n",
            "http:",
            "  listen: 127.0.0.1:" + ingestPort,
            "  auth: {bearer_token_file: " + token + "}",
            "ingest: {enabled: true, gateway: clients}",
            ""));
    Process agent =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "run",
                "--config",
                agentConfig.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("agent.log").toFile())
            .start();
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "global: {scrape_interval: 1s, evaluation_interval: 1s}",
            "rule_files: ['" + Ops.RULES.toAbsolutePath() + "']",
            "scrape_configs:",
            "  - job_name: gatewatch",
            "    static_configs: [{targets: ['127.0.0.1:" + metricsPort + "']}]",
            "  - job_name: fluxer-ingest",
            "    authorization: {credentials_file: '" + token + "'}",
            "    static_configs: [{targets: ['127.0.0.1:" + ingestPort + "']}]",
            ""));
    Process prometheus =
        new ProcessBuilder(
                Ops.tool("prometheus"),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + promPort)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    try {
      String api = "http://127.0.0.1:" + promPort;
      waitForReady(api, prometheus, dir.resolve("prometheus.log"));
      waitForReady("http://127.0.0.1:" + metricsPort, demo, dir.resolve("demo.log"));
      String ingest = "http://127.0.0.1:" + metricsPort + "/v1/capture";
      assertThat(post(ingest, Files.readString(Path.of("samples/fluxer-sample.ndjson"))))
          .isEqualTo("{\"accepted\":147,\"rejected\":[]}\n");
      assertThat(post(ingest, INVALID_SHARD)).isEqualTo("{\"accepted\":2,\"rejected\":[]}\n");
      waitForReady("http://127.0.0.1:" + ingestPort, agent, dir.resolve("agent.log"));
      assertThat(
              postStatus(
                  "http://127.0.0.1:" + ingestPort + "/v1/capture",
                  Files.readString(Path.of("samples/fluxer-sample.ndjson"))))
          .isEqualTo(401);
      // The libraries' counters must have been scraped at zero first: increase() never counts a
      // series' first value.
      long scraped = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      String zero = "gateway_client_ready_total{job=\"fluxer-ingest\", client=\"jda\"}";
      while (query(api, zero).path("data").path("result").isEmpty()
          && System.nanoTime() < scraped) {
        Thread.sleep(200);
      }
      assertThat(query(api, zero).path("data").path("result")).as(zero).isNotEmpty();
      assertThat(
              postAuthorized(
                  "http://127.0.0.1:" + ingestPort + "/v1/capture",
                  "scrape-secret",
                  twoLibraries()))
          .isEqualTo("{\"accepted\":" + 2 * CLIENTS_PER_LIBRARY * 11 + ",\"rejected\":[]}\n");

      Map<String, String> mustHaveData = new LinkedHashMap<>();
      List<String> mustParse = new ArrayList<>();
      List<String> mustBeEmpty = new ArrayList<>();
      for (String expr : DashboardsTest.expressions()) {
        mustHaveData.put(Ops.substitute(expr), "dashboard: " + expr);
        mustParse.add(Ops.substitute(expr));
      }
      int annotations = 0;
      for (JsonNode d : Ops.dashboards().values()) {
        for (String expr : DashboardsTest.annotationExpressions(d)) {
          // a fresh Prometheus has nothing 5 minutes back: every agent's version is new
          mustHaveData.put(Ops.substitute(expr), "annotation: " + expr);
          mustParse.add(Ops.substitute(expr));
          annotations++;
        }
      }
      assertThat(annotations).isEqualTo(2);
      for (Map<String, Object> rule : Ops.rules()) {
        String expr = (String) rule.get("expr");
        mustParse.add(expr);
        if (rule.containsKey("record")) {
          mustHaveData.put(expr, "rule " + rule.get("record"));
          mustHaveData.put((String) rule.get("record"), "recorded " + rule.get("record"));
        } else if (expr.strip().startsWith("absent(")) {
          mustBeEmpty.add(expr);
        } else {
          mustHaveData.put(comparisonsAsBool(expr), "alert " + rule.get("alert") + ": " + expr);
        }
      }

      assertThat(mustParse).hasSizeGreaterThan(120);
      assertThat(mustHaveData).hasSizeGreaterThan(110);
      for (String expr : mustParse) {
        JsonNode r = query(api, expr);
        assertThat(r.path("status").asText()).as(expr + " -> " + r).isEqualTo("success");
      }
      // The demo moves every metric within about half a minute; poll until every query has data.
      List<String> empty = new ArrayList<>(mustHaveData.keySet());
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!empty.isEmpty() && System.nanoTime() < deadline && demo.isAlive()) {
        Thread.sleep(2000);
        List<String> still = new ArrayList<>();
        for (String expr : empty) {
          if (query(api, expr).path("data").path("result").isEmpty()) {
            still.add(expr);
          }
        }
        empty = still;
      }
      assertThat(empty.stream().map(mustHaveData::get).toList())
          .as("queries without data; demo log:\n" + tail(dir.resolve("demo.log")))
          .isEmpty();
      assertThat(mustBeEmpty).hasSize(1);
      for (String expr : mustBeEmpty) {
        assertThat(query(api, expr).path("data").path("result")).as(expr).isEmpty();
      }

      assertTheLibraryThatDepartsIsNamed(api);

      // The scrapes work and the rules loaded.
      assertThat(value(query(api, "up{job=\"gatewatch\"}"))).isEqualTo(1.0);
      assertThat(value(query(api, "up{job=\"fluxer-ingest\"}"))).isEqualTo(1.0);
      assertThat(
              value(
                  query(
                      api,
                      "gatewatch_http_auth_failures_total{job=\"fluxer-ingest\","
                          + " endpoint=\"capture\"}")))
          .isEqualTo(1.0);
      assertThat(value(query(api, "count(gatewatch_build_info)"))).isEqualTo(2.0);
      assertThat(value(query(api, "slo:gateway_resume_success:objective"))).isEqualTo(0.99);
      JsonNode rules = get(api + "/api/v1/rules");
      assertThat(rules.path("data").path("groups")).hasSize(3);
      for (JsonNode group : rules.path("data").path("groups")) {
        for (JsonNode rule : group.path("rules")) {
          assertThat(rule.path("health").asText()).as(rule.toString()).isEqualTo("ok");
        }
      }

      // The second agent stops: GatewayAgentDown knows it by its metrics, not its job's name, and
      // as a warning (it relayed no traffic); the demo's proxy stays out of it.
      agent.destroy();
      agent.waitFor();
      String agentDown = "ALERTS{alertname=\"GatewayAgentDown\", alertstate=\"pending\"}";
      long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      JsonNode pending = query(api, agentDown).path("data").path("result");
      while (pending.isEmpty() && System.nanoTime() < until) {
        Thread.sleep(500);
        pending = query(api, agentDown).path("data").path("result");
      }
      assertThat(pending).as(agentDown).hasSize(1);
      assertThat(pending.get(0).path("metric").path("job").asText()).isEqualTo("fluxer-ingest");
      assertThat(pending.get(0).path("metric").path("severity").asText()).isEqualTo("warning");
    } finally {
      prometheus.destroy();
      demo.destroy();
      agent.destroy();
      prometheus.waitFor();
      demo.waitFor();
      agent.waitFor();
    }
  }

  /**
   * On the second agent, the overview's "By client library" queries show discord.py breaking
   * identify_twice and failing every Resume where JDA resumes, and GatewayClientLibraryOutlier
   * (both its expressions, as written) is pending for discord.py alone, for each signal.
   */
  private void assertTheLibraryThatDepartsIsNamed(String api) throws Exception {
    Map<String, String> row = new LinkedHashMap<>();
    for (JsonNode p : Ops.panels(Ops.dashboards().get("gateway-overview.json"))) {
      for (String expr : DashboardsTest.expressions(p)) {
        // over the whole test, on the second agent only
        row.put(
            p.path("title").asText(),
            Ops.substitute(
                expr.replace("$__rate_interval", "5m").replace("$job", "fluxer-ingest")));
      }
    }
    assertThat(
            labelSets(
                query(api, row.get("Policy violations per second, by client library and rule"))))
        .containsExactly(Map.of("client", "discord.py", "rule", "identify_twice"));
    assertThat(labelSets(query(api, row.get("Sessions established per second, by client library"))))
        .containsExactlyInAnyOrder(Map.of("client", "discord.py"), Map.of("client", "jda"));
    JsonNode resumes = query(api, row.get("Resume success rate, by client library"));
    assertThat(labelSets(resumes))
        .containsExactlyInAnyOrder(Map.of("client", "discord.py"), Map.of("client", "jda"));
    for (JsonNode r : resumes.path("data").path("result")) {
      assertThat(r.path("value").get(1).asText())
          .as(r.toString())
          .isEqualTo(r.path("metric").path("client").asText().equals("jda") ? "1" : "0");
    }
    // discord.py's sessions never come back (op 9), so only JDA finishes reconnect episodes
    assertThat(labelSets(query(api, row.get("Reconnect time p95, by client library"))))
        .containsExactly(Map.of("client", "jda"));

    Map<String, String> violations =
        Map.of(
            "job", "fluxer-ingest",
            "source", "ingest",
            "gateway", "clients",
            "client", "discord.py",
            "rule", "identify_twice");
    Map<String, String> resumeFailures = new LinkedHashMap<>(violations);
    resumeFailures.remove("rule");
    for (Map<String, Object> rule : Ops.rules()) {
      if ("GatewayClientLibraryOutlier".equals(rule.get("alert"))) {
        @SuppressWarnings("unchecked")
        String signal = ((Map<String, String>) rule.get("labels")).get("signal");
        assertThat(onSecondAgent(query(api, (String) rule.get("expr"))))
            .as(signal)
            .containsExactly(signal.equals("violations") ? violations : resumeFailures);
      }
    }
    String pending =
        "ALERTS{alertname=\"GatewayClientLibraryOutlier\", alertstate=\"pending\","
            + " job=\"fluxer-ingest\"}";
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    List<Map<String, String>> alerts = onSecondAgent(query(api, pending));
    while (alerts.size() < 2 && System.nanoTime() < until) {
      Thread.sleep(500);
      alerts = onSecondAgent(query(api, pending));
    }
    Map<String, String> common =
        Map.of(
            "__name__", "ALERTS",
            "alertname", "GatewayClientLibraryOutlier",
            "alertstate", "pending",
            "severity", "warning");
    Map<String, String> firstAlert = new LinkedHashMap<>(violations);
    firstAlert.putAll(common);
    firstAlert.put("signal", "violations");
    Map<String, String> secondAlert = new LinkedHashMap<>(resumeFailures);
    secondAlert.putAll(common);
    secondAlert.put("signal", "resume_failures");
    assertThat(alerts).containsExactlyInAnyOrder(firstAlert, secondAlert);
  }

  /** The label sets of a query's series. */
  private static List<Map<String, String>> labelSets(JsonNode response) {
    assertThat(response.path("status").asText()).as(response.toString()).isEqualTo("success");
    List<Map<String, String>> out = new ArrayList<>();
    for (JsonNode r : response.path("data").path("result")) {
      Map<String, String> labels = new LinkedHashMap<>();
      r.path("metric")
          .fields()
          .forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
      out.add(labels);
    }
    return out;
  }

  /** The label sets of a query's series from the second agent's job. */
  private static List<Map<String, String>> onSecondAgent(JsonNode response) {
    return labelSets(response).stream()
        .filter(labels -> "fluxer-ingest".equals(labels.get("job")))
        .toList();
  }

  /**
   * A capture of {@link #CLIENTS_PER_LIBRARY} discord.py clients, each sending a second Identify
   * after READY (identify_twice, closed with 4005) and then failing its Resume (op 9), and as many
   * JDA clients, each losing its socket (1006) and resuming: 11 lines per client.
   */
  static String twoLibraries() {
    StringBuilder out = new StringBuilder();
    long ts = 1732800000000L;
    for (int i = 0; i < CLIENTS_PER_LIBRARY; i++) {
      for (String browser : List.of("discord.py 2.4.0", "JDA 5.1.0")) {
        boolean py = browser.startsWith("discord.py");
        String id = (py ? "py" : "jda") + i;
        String token = String.format("\"<redacted:%012x>\"", (py ? 0x100000L : 0x200000L) + i);
        String session = "\"sess-" + id + "\"";
        String identify =
            "{\"op\":2,\"d\":{\"token\":"
                + token
                + ",\"properties\":{\"os\":\"linux\",\"browser\":\""
                + browser
                + "\",\"device\":\""
                + browser
                + "\"}}}";
        String hello = "{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}";
        String first = id + "-a";
        String second = id + "-b";
        List<String> lines = new ArrayList<>();
        lines.add(open(first));
        lines.add(frame(first, "server", hello));
        lines.add(frame(first, "client", identify));
        lines.add(
            frame(
                first,
                "server",
                "{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"session_id\":" + session + "}}"));
        lines.add(py ? frame(first, "client", identify) : frame(first, "server", "{\"op\":11}"));
        lines.add(
            py
                ? "\"type\":\"close\",\"conn\":\"" + first + "\",\"code\":4005,\"by\":\"server\"}"
                : "\"type\":\"close\",\"conn\":\"" + first + "\",\"by\":\"none\"}");
        lines.add(open(second));
        lines.add(frame(second, "server", hello));
        lines.add(
            frame(
                second,
                "client",
                "{\"op\":6,\"d\":{\"token\":"
                    + token
                    + ",\"session_id\":"
                    + session
                    + ",\"seq\":1}}"));
        lines.add(
            py
                ? frame(second, "server", "{\"op\":9,\"d\":false}")
                : frame(second, "server", "{\"op\":0,\"s\":2,\"t\":\"RESUMED\",\"d\":{}}"));
        lines.add(
            "\"type\":\"close\",\"conn\":\"" + second + "\",\"code\":1000,\"by\":\"client\"}");
        for (String line : lines) {
          ts += 100;
          out.append("{\"ts\":").append(ts).append(".0,").append(line).append('\n');
        }
      }
    }
    return out.toString();
  }

  /** A capture line without its leading {@code {"ts":...,}}. */
  private static String open(String conn) {
    return "\"conn\":\"" + conn + "\",\"type\":\"open\",\"url\":\"/?v=1&encoding=json\"}";
  }

  private static String frame(String conn, String from, String frame) {
    return "\"conn\":\""
        + conn
        + "\",\"type\":\"frame\",\"from\":\""
        + from
        + "\",\"frame\":"
        + frame
        + "}";
  }

  /**
   * {@code a > 1 and b == 0} as {@code a > bool 1 and b == bool 0}: every series the alert looks at
   * comes back, valued 0 or 1, instead of only those over the threshold.
   */
  static String comparisonsAsBool(String expr) {
    return expr.replaceAll("\\s(>=|<=|==|!=|>|<)\\s+(?!bool\\b)", " $1 bool ");
  }

  private String post(String url, String body) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return r.body();
  }

  private String postAuthorized(String url, String token, String body)
      throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return r.body();
  }

  private int postStatus(String url, String body) throws IOException, InterruptedException {
    return http.send(
            HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private JsonNode query(String api, String expr) throws IOException, InterruptedException {
    return get(api + "/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
  }

  private JsonNode get(String url) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    return json.readTree(r.body());
  }

  private static double value(JsonNode response) {
    JsonNode result = response.path("data").path("result");
    assertThat(result).as(response.toString()).hasSize(1);
    return Double.parseDouble(result.get(0).path("value").get(1).asText());
  }

  private void waitForReady(String api, Process process, Path log) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(process.isAlive()).as(api + " exited:\n" + tail(log)).isTrue();
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(api + "/-/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // starting
      }
      Thread.sleep(200);
    }
    throw new AssertionError(api + " not ready in 30 s:\n" + tail(log));
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
