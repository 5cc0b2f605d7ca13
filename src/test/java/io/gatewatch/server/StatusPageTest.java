package io.gatewatch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The page and its JSON over HTTP: headers, assets, methods, escaping. */
class StatusPageTest {
  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(AgentServer server, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void thePageAndItsJsonWithAStrictPolicy() throws Exception {
    try (StatusFixture f = new StatusFixture().replayInSteps()) {
      AgentServer server = f.serve();

      HttpResponse<String> page = get(server, "/");
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
      assertThat(page.headers().firstValue("Content-Security-Policy"))
          .hasValue(StatusPage.CSP)
          .get()
          .asString()
          .contains("default-src 'none'", "script-src 'self'")
          .doesNotContain("unsafe");
      assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
      assertThat(page.body())
          .contains("<h2 id=\"g0\">replay <span class=\"tag\">source replay</span></h2>")
          .contains("data-json=\"/gateways/0/resume/successRate\" data-value=\"0.4\">40.0%<")
          .contains(
              "data-json=\"/gateways/0/heartbeat/p50Seconds\" data-value=\"0.04125\">41.3 ms<")
          .contains("data-json=\"/gateways/0/reconnect/p95Seconds\" data-value=\"13.0\">13.00 s<")
          .contains("<script src=\"/status/status.js\" defer></script>")
          .doesNotContain("style=\"", "<style", "http://", "https://");

      HttpResponse<String> json = get(server, "/api/summary");
      assertThat(json.statusCode()).isEqualTo(200);
      assertThat(json.headers().firstValue("Content-Type")).hasValue("application/json");
      JsonNode s = new ObjectMapper().readTree(json.body());
      assertThat(s.at("/gateways/0/resume/successRate").asDouble()).isEqualTo(0.4);
    }
  }

  @Test
  void assetsComeFromTheJarAndNothingElseDoes() throws Exception {
    try (StatusFixture f = new StatusFixture()) {
      AgentServer server = f.serve();

      assertThat(get(server, "/status/status.css").headers().firstValue("Content-Type"))
          .hasValue("text/css; charset=utf-8");
      assertThat(get(server, "/status/status.js").body()).contains("'use strict';");
      assertThat(get(server, "/status/favicon.svg").statusCode()).isEqualTo(200);
      assertThat(get(server, "/status/../AgentServer.class").statusCode()).isEqualTo(404);
      assertThat(get(server, "/status/Html.class").statusCode()).isEqualTo(404);
      assertThat(get(server, "/nothing").statusCode()).isEqualTo(404);
      assertThat(get(server, "/api/summary/x").statusCode()).isEqualTo(404);
      HttpResponse<String> post =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/"))
                  .POST(HttpRequest.BodyPublishers.ofString("x"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
      // The metrics endpoints are still where they were.
      assertThat(get(server, "/metrics").statusCode()).isEqualTo(200);
      assertThat(get(server, "/-/healthy").body()).isEqualTo("Healthy\n");
    }
  }

  @Test
  void labelValuesAreEscaped() throws Exception {
    // The catalogue never puts markup in a label, but the page must not trust that.
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Counter.builder("gateway.resume")
        .tags("source", "proxy", "gateway", "<img src=x>", "outcome", "\"><script>")
        .register(registry)
        .increment();
    // A client value comes from the profile's fixed table, the rule from an enum: the same.
    Counter.builder("gateway.client.violations")
        .tags(
            "source",
            "proxy",
            "gateway",
            "<img src=x>",
            "client",
            "<b onclick=x>lib</b>",
            "rule",
            "'><svg onload=x>")
        .register(registry)
        .increment();
    MetricsExposition exposition = new MetricsExposition(registry);
    StatusHistory history =
        new StatusHistory(
            exposition::snapshot,
            () -> false,
            new StatusFixture.TestClock(),
            Duration.ofSeconds(5),
            10);
    history.tick();
    String html = StatusPage.render(Summary.of(history, "v<1>"));

    assertThat(html)
        .doesNotContain("<img src=x>", "\"><script>", "v<1>")
        .doesNotContain("<b onclick=x>", "'><svg onload=x>")
        .contains("&lt;img src=x&gt;", "&quot;&gt;&lt;script&gt;", "v&lt;1&gt;")
        .contains(
            "<span class=\"client\"><span class=\"v\" data-json=\"/gateways/0/clients/0/client\""
                + " data-value=\"&lt;b onclick=x&gt;lib&lt;/b&gt;\">&lt;b onclick=x&gt;lib&lt;/b&gt;"
                + "</span></span>",
            "data-value=\"&#39;&gt;&lt;svg onload=x&gt;\">&#39;&gt;&lt;svg onload=x&gt;</span>")
        .contains("<span class=\"bad\">not ready</span>");
  }

  @Test
  void theDefaultServerSamplesByItself() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (AgentServer server =
        new AgentServer(
            new InetSocketAddress("127.0.0.1", 0), new MetricsExposition(registry), () -> true)) {
      server.start();
      // The first reading is taken at start.
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> get(server, "/api/summary").body().contains("\"historyPoints\" : 1"));
    }
  }
}
