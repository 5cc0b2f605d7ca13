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
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (loopback, temporary storage, the rules of alerts/ loaded) scrapes a running
 * demo; every dashboard query and every rule expression is evaluated through its HTTP API. Each
 * must parse; dashboard queries and recording rules must return at least one series (alert
 * expressions only parse: a healthy demo fires none). Only the metrics the demo cannot produce (the
 * probe's, the ingest endpoint's) may leave a query empty.
 */
class PrometheusEndToEndTest {
  /** Metrics the demo does not produce: no probe, no ingest; GC pauses only after a collection. */
  private static final Set<String> NOT_FROM_THE_DEMO =
      Set.of(
          "gateway_probe_up",
          "gateway_probe_ready_duration_seconds",
          "gatewatch_ingest_lines_total",
          "jvm_gc_pause_seconds_sum");

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
                "--listen",
                "127.0.0.1:" + metricsPort,
                "--gateway-listen",
                "127.0.0.1:" + freePort(),
                "--proxy-listen",
                "127.0.0.1:" + freePort())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("demo.log").toFile())
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

      Map<String, String> mustHaveData = new LinkedHashMap<>();
      List<String> mustParse = new ArrayList<>();
      for (String expr : DashboardsTest.expressions()) {
        if (needsDemoOnly(expr)) {
          mustHaveData.put(Ops.substitute(expr), "dashboard: " + expr);
        }
        mustParse.add(Ops.substitute(expr));
      }
      for (Map<String, Object> rule : Ops.rules()) {
        String expr = (String) rule.get("expr");
        mustParse.add(expr);
        if (rule.containsKey("record")) {
          mustHaveData.put(expr, "rule " + rule.get("record"));
          mustHaveData.put((String) rule.get("record"), "recorded " + rule.get("record"));
        }
      }

      assertThat(mustParse).hasSizeGreaterThan(90);
      assertThat(mustHaveData).hasSizeGreaterThan(80);
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

      // The scrape works and the rules loaded.
      assertThat(value(query(api, "up{job=\"gatewatch\"}"))).isEqualTo(1.0);
      assertThat(value(query(api, "slo:gateway_resume_success:objective"))).isEqualTo(0.99);
      JsonNode rules = get(api + "/api/v1/rules");
      assertThat(rules.path("data").path("groups")).hasSize(3);
      for (JsonNode group : rules.path("data").path("groups")) {
        for (JsonNode rule : group.path("rules")) {
          assertThat(rule.path("health").asText()).as(rule.toString()).isEqualTo("ok");
        }
      }
    } finally {
      prometheus.destroy();
      demo.destroy();
      prometheus.waitFor();
      demo.waitFor();
    }
  }

  private static boolean needsDemoOnly(String expr) {
    return Ops.metricNames(expr).stream()
        .noneMatch(n -> NOT_FROM_THE_DEMO.contains(n.replaceAll("_(bucket|count)$", "")));
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

  private void waitForReady(String api, Process prometheus, Path log) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(prometheus.isAlive()).as("prometheus exited:\n" + tail(log)).isTrue();
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
    throw new AssertionError("prometheus not ready in 30 s:\n" + tail(log));
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
