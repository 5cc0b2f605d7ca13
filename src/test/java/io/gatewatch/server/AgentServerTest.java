package io.gatewatch.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The agent's endpoints over a real socket. */
class AgentServerTest {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicBoolean ready = new AtomicBoolean(false);
  private final HttpClient http = HttpClient.newHttpClient();
  private AgentServer server;

  @BeforeEach
  void start() throws Exception {
    Counter.builder("gateway.ready").tag("via", "identify").register(registry).increment(3);
    Timer.builder("gateway.heartbeat.rtt")
        .serviceLevelObjectives(Duration.ofMillis(50))
        .register(registry)
        .record(Duration.ofMillis(20));
    server =
        new AgentServer(
            new InetSocketAddress("127.0.0.1", 0), new MetricsExposition(registry), ready::get);
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> get(String path, String accept) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void metricsInThePrometheusTextFormatByDefault() throws Exception {
    HttpResponse<String> r = get("/metrics", null);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(r.body())
        .contains(
            "# TYPE gateway_ready_total counter",
            "gateway_ready_total{via=\"identify\"} 3.0",
            "gateway_heartbeat_rtt_seconds_bucket{le=\"0.05\"} 1",
            "gateway_heartbeat_rtt_seconds_count 1")
        .doesNotContain("_max")
        .doesNotContain("# EOF");
  }

  @Test
  void openMetricsWhenTheScraperAsksForIt() throws Exception {
    HttpResponse<String> r =
        get("/metrics", "application/openmetrics-text; version=1.0.0; charset=utf-8");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
    assertThat(r.body())
        .contains("# TYPE gateway_ready counter", "gateway_ready_total{via=\"identify\"} 3.0")
        .endsWith("# EOF\n");
  }

  @Test
  void healthyAlwaysReadyWhenTheTapsAre() throws Exception {
    assertThat(get("/-/healthy", null).statusCode()).isEqualTo(200);
    assertThat(get("/-/ready", null).statusCode()).isEqualTo(503);
    ready.set(true);
    HttpResponse<String> r = get("/-/ready", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("Ready\n");
    assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
  }

  @Test
  void otherMethodsOnMetricsAreRefused() throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(405);
  }

  @Test
  void aTakenPortFailsAtStartUp() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                new AgentServer(
                    new InetSocketAddress("127.0.0.1", server.port()),
                    new MetricsExposition(registry),
                    () -> true))
        .isInstanceOf(java.net.BindException.class);
  }
}
