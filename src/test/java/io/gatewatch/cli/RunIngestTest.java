package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code gatewatch run} with an {@code ingest} section: the endpoint is there, behind its token.
 */
class RunIngestTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void theConfiguredEndpointAcceptsCapturesWithItsTokenOnly() throws Exception {
    AgentConfig config =
        AgentConfigTest.read(
            """
            http:
              listen: 127.0.0.1:0
            ingest:
              enabled: true
              gateway: bots
              token_env: BOT_INGEST_TOKEN
            """,
            Map.of("BOT_INGEST_TOKEN", "let-me-in"));
    try (AgentRunner agent = AgentRunner.start(config)) {
      String base = "http://127.0.0.1:" + agent.server().port();
      HttpRequest.Builder post =
          HttpRequest.newBuilder(URI.create(base + "/v1/capture"))
              .POST(HttpRequest.BodyPublishers.ofFile(Path.of("samples/fluxer-sample.ndjson")));
      assertThat(http.send(post.build(), HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(401);
      HttpResponse<String> ok =
          http.send(
              post.header("Authorization", "Bearer let-me-in").build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo("{\"accepted\":147,\"rejected\":[]}\n");
      String metrics =
          http.send(
                  HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(metrics)
          .contains(
              "gatewatch_ingest_lines_total{result=\"accepted\"} 147.0",
              "gateway_connections_opened_total{gateway=\"bots\",source=\"ingest\"}");
    }
  }

  @Test
  void aBrowsersHarPostedToTheAgentIsReplayedIntoItsMetrics() throws Exception {
    AgentConfig config =
        AgentConfigTest.read(
            """
            http:
              listen: 127.0.0.1:0
            ingest:
              enabled: true
              gateway: web
            """,
            Map.of());
    try (AgentRunner agent = AgentRunner.start(config)) {
      String base = "http://127.0.0.1:" + agent.server().port();
      HttpResponse<String> ok =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/v1/capture"))
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofFile(
                          Path.of("src/test/resources/har/firefox-session.har")))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo("{\"accepted\":16,\"rejected\":[]}\n");
      String metrics =
          http.send(
                  HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(metrics)
          .contains(
              "gatewatch_ingest_lines_total{result=\"accepted\"} 16.0",
              "gateway_connections_opened_total{gateway=\"web\",source=\"ingest\"} 2.0",
              "gateway_close_total{code=\"4009\",gateway=\"web\",initiator=\"server\","
                  + "name=\"session_timeout\",resumable=\"true\",source=\"ingest\"} 1.0",
              "gateway_resume_total{gateway=\"web\",outcome=\"success\",source=\"ingest\"} 1.0",
              // Firefox's Identify names a browser: web, the Resume's socket included
              "gateway_client_ready_total{client=\"web\",gateway=\"web\",source=\"ingest\","
                  + "via=\"identify\"} 1.0",
              "gateway_client_ready_total{client=\"web\",gateway=\"web\",source=\"ingest\","
                  + "via=\"resume\"} 1.0",
              "gateway_client_resume_total{client=\"web\",gateway=\"web\","
                  + "outcome=\"success\",source=\"ingest\"} 1.0",
              "gateway_client_ready_total{client=\"unknown\",gateway=\"web\","
                  + "source=\"ingest\",via=\"resume\"} 0.0")
          .doesNotContain("SECRET", "Firefox");
    }
  }

  private int post(String base, String auth) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + "/v1/capture"))
            .POST(HttpRequest.BodyPublishers.ofFile(Path.of("samples/fluxer-sample.ndjson")));
    if (auth != null) {
      b.header("Authorization", auth);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  private int get(String url, String auth) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    if (auth != null) {
      b.header("Authorization", auth);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Test
  void withHttpAuthAndNoIngestTokenCapturesNeedTheAgentsCredentials() throws Exception {
    AgentConfig config =
        AgentConfigTest.read(
            """
            http:
              listen: 127.0.0.1:0
              auth:
                bearer_token_env: SCRAPE_TOKEN
            ingest:
              enabled: true
            """,
            Map.of("SCRAPE_TOKEN", "scraper-s3cret"));
    try (AgentRunner agent = AgentRunner.start(config)) {
      String base = "http://127.0.0.1:" + agent.server().port();
      assertThat(post(base, null)).isEqualTo(401);
      assertThat(post(base, "Bearer scraper-s3cret")).isEqualTo(200);
      assertThat(get(base + "/metrics", null)).isEqualTo(401);
      assertThat(get(base + "/-/ready", null)).isEqualTo(200);
      assertThat(get(base + "/metrics", "Bearer scraper-s3cret")).isEqualTo(200);
    }
  }

  @Test
  void withBothTokensEachGuardsItsOwnEndpoints() throws Exception {
    AgentConfig config =
        AgentConfigTest.read(
            """
            http:
              listen: 127.0.0.1:0
              auth:
                bearer_token_env: SCRAPE_TOKEN
            ingest:
              enabled: true
              token_env: BOT_INGEST_TOKEN
            """,
            Map.of("SCRAPE_TOKEN", "scraper-s3cret", "BOT_INGEST_TOKEN", "bot-s3cret"));
    try (AgentRunner agent = AgentRunner.start(config)) {
      String base = "http://127.0.0.1:" + agent.server().port();
      assertThat(post(base, "Bearer scraper-s3cret")).isEqualTo(401);
      assertThat(post(base, "Bearer bot-s3cret")).isEqualTo(200);
      assertThat(get(base + "/metrics", "Bearer bot-s3cret")).isEqualTo(401);
      assertThat(get(base + "/metrics", "Bearer scraper-s3cret")).isEqualTo(200);
      assertThat(
              agent
                  .watches()
                  .registry()
                  .get("gatewatch.http.auth.failures")
                  .tag("endpoint", "capture")
                  .counter()
                  .count())
          .isEqualTo(1);
    }
  }
}
