package io.gatewatch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatewatch.proxy.TestPki;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's HTTP server with {@code http.auth} and {@code http.tls}: every endpoint but the
 * kubelet's probes asks for credentials, refusals are counted per endpoint, TLS serves HTTPS only,
 * and every answer carries the security headers.
 */
class EndpointSecurityTest {
  static final String TOKEN = "s3cr3t-metrics-token-0123456789";
  static final String PASSWORD = "correct horse battery staple";

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final HttpClient http = HttpClient.newHttpClient();
  private AgentServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private AgentServer start(AgentServer.Security security) throws IOException {
    Counter.builder("gateway.ready").tag("via", "identify").register(registry).increment(3);
    server =
        new AgentServer(
            new InetSocketAddress("127.0.0.1", 0),
            new MetricsExposition(registry),
            () -> true,
            security);
    server.handleProtected(
        "/v1/capture", AgentServer.Endpoint.CAPTURE, ex -> AgentServer.plain(ex, 200, "posted\n"));
    server.start();
    return server;
  }

  private HttpResponse<String> get(HttpClient client, String scheme, String path, String auth)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + server.port() + path));
    if (auth != null) {
      b.header("Authorization", auth);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path, String auth) throws Exception {
    return get(http, "http", path, auth);
  }

  private double failures(String endpoint) {
    return registry.get("gatewatch.http.auth.failures").tag("endpoint", endpoint).counter().count();
  }

  static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  static String sha256Hex(String s) {
    return HexFormat.of().formatHex(HttpAuth.sha256(s));
  }

  @Test
  void bearerTokenGuardsEveryEndpointButTheProbesAndRefusalsAreCounted() throws Exception {
    start(new AgentServer.Security(HttpAuth.bearer(TOKEN), null));
    for (String path : List.of("/metrics", "/", "/api/summary", "/status/status.css")) {
      HttpResponse<String> r = get(path, null);
      assertThat(r.statusCode()).as(path).isEqualTo(401);
      assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"gatewatch\"");
      assertThat(get(path, "Bearer wrong-" + TOKEN).statusCode()).as(path).isEqualTo(401);
      assertThat(get(path, "Bearer " + TOKEN).statusCode()).as(path).isEqualTo(200);
      assertThat(get(path, "bearer  " + TOKEN + " ").statusCode()).as(path).isEqualTo(200);
    }
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/capture"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(401);
    assertThat(post.body()).doesNotContain(TOKEN);
    // the kubelet's probes need no credentials
    assertThat(get("/-/healthy", null).statusCode()).isEqualTo(200);
    assertThat(get("/-/ready", null).statusCode()).isEqualTo(200);

    assertThat(failures("metrics")).isEqualTo(2);
    assertThat(failures("status")).isEqualTo(4); // "/" and an asset
    assertThat(failures("summary")).isEqualTo(2);
    assertThat(failures("capture")).isEqualTo(1);
    String scrape = get("/metrics", "Bearer " + TOKEN).body();
    assertThat(scrape)
        .contains("gatewatch_http_auth_failures_total{endpoint=\"metrics\"} 2.0")
        .contains("gatewatch_http_auth_failures_total{endpoint=\"capture\"} 1.0")
        .doesNotContain(TOKEN);
    assertThat(scrape.lines().filter(l -> l.startsWith("gatewatch_http_auth_failures_total")))
        .hasSize(AgentServer.Endpoint.values().length);
  }

  @Test
  void basicAuthWithTheSha256OfThePassword() throws Exception {
    start(new AgentServer.Security(HttpAuth.basic("prometheus", sha256Hex(PASSWORD)), null));
    assertThat(get("/metrics", basic("prometheus", PASSWORD)).statusCode()).isEqualTo(200);
    HttpResponse<String> none = get("/metrics", null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate"))
        .hasValue("Basic realm=\"gatewatch\", charset=\"UTF-8\"");
    assertThat(get("/metrics", basic("prometheus", PASSWORD + "x")).statusCode()).isEqualTo(401);
    assertThat(get("/metrics", basic("grafana", PASSWORD)).statusCode()).isEqualTo(401);
    assertThat(get("/metrics", "Basic !!not-base64!!").statusCode()).isEqualTo(401);
    assertThat(get("/metrics", "Bearer " + PASSWORD).statusCode()).isEqualTo(401);
    assertThat(failures("metrics")).isEqualTo(5);
  }

  @Test
  void withoutAuthNothingIsAskedAndNoFailureSeriesExists() throws Exception {
    start(AgentServer.Security.NONE);
    HttpResponse<String> r = get("/metrics", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).doesNotContain("gatewatch_http_auth_failures");
  }

  @Test
  void securityHeadersOnEveryAnswer() throws Exception {
    start(new AgentServer.Security(HttpAuth.bearer(TOKEN), null));
    for (HttpResponse<String> r :
        List.of(
            get("/metrics", null),
            get("/metrics", "Bearer " + TOKEN),
            get("/-/healthy", null),
            get("/", "Bearer " + TOKEN),
            get("/nothing-here", "Bearer " + TOKEN))) {
      assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
      assertThat(r.headers().firstValue("X-Frame-Options")).hasValue("DENY");
      assertThat(r.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
      assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
      assertThat(r.headers().firstValue("Content-Security-Policy")).isPresent();
      assertThat(r.headers().firstValue("Strict-Transport-Security")).isEmpty(); // plain HTTP
    }
    // the status page keeps its own, stricter policy
    assertThat(get("/", "Bearer " + TOKEN).headers().firstValue("Content-Security-Policy"))
        .hasValue(StatusPage.CSP);
  }

  @Test
  void tlsFromPemFilesServesHttpsOnly(@TempDir Path dir) throws Exception {
    TestPki.PemFiles pki = TestPki.write(dir);
    start(
        new AgentServer.Security(
            HttpAuth.bearer(TOKEN), ServerTls.fromPem(pki.serverCert(), pki.serverKey())));
    SSLContext trusting =
        ((JdkSslContext)
                SslContextBuilder.forClient()
                    .sslProvider(SslProvider.JDK)
                    .trustManager(pki.ca().toFile())
                    .build())
            .context();
    HttpClient https = HttpClient.newBuilder().sslContext(trusting).build();

    HttpResponse<String> r = get(https, "https", "/metrics", "Bearer " + TOKEN);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("gateway_ready_total");
    assertThat(r.headers().firstValue("Strict-Transport-Security")).hasValue("max-age=31536000");
    assertThat(get(https, "https", "/metrics", null).statusCode()).isEqualTo(401);
    assertThat(get(https, "https", "/-/healthy", null).statusCode()).isEqualTo(200);
    assertThat(server.scheme()).isEqualTo("https");
    // a client that does not trust the CA is refused; plain HTTP gets no answer
    assertThatThrownBy(() -> get(http, "https", "/-/healthy", null))
        .isInstanceOf(SSLHandshakeException.class);
    assertThatThrownBy(() -> get(http, "http", "/-/healthy", null)).isInstanceOf(IOException.class);
  }

  @Test
  void tlsWithUnusableFilesFailsNamingThem(@TempDir Path dir) throws Exception {
    Path cert = Files.writeString(dir.resolve("tls.crt"), "not a certificate");
    Path key = Files.writeString(dir.resolve("tls.key"), "not a key");
    assertThatThrownBy(() -> ServerTls.fromPem(cert, key))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(cert.toString());
    assertThatThrownBy(() -> ServerTls.fromPem(dir.resolve("missing.crt"), key))
        .hasMessage("cannot read " + dir.resolve("missing.crt"));
  }

  @Test
  void credentialsAreComparedAsDigestsAndNeverPrinted() {
    HttpAuth bearer = HttpAuth.bearer(TOKEN);
    assertThat(bearer.permits("Bearer " + TOKEN)).isTrue();
    assertThat(bearer.permits("Bearer " + TOKEN.substring(1))).isFalse();
    assertThat(bearer.permits("Bearer ")).isFalse();
    assertThat(bearer.permits(null)).isFalse();
    assertThat(bearer.permits(TOKEN)).isFalse();
    assertThat(bearer.toString()).isEqualTo("HttpAuth[bearer]");
    HttpAuth basic = HttpAuth.basic("u", sha256Hex(PASSWORD));
    assertThat(basic.toString()).isEqualTo("HttpAuth[basic]").doesNotContain(sha256Hex(PASSWORD));
    assertThat(basic.permits(basic("u", PASSWORD))).isTrue();
    assertThat(basic.permits(basic("u", ""))).isFalse();
    assertThat(HttpAuth.NONE.permits(null)).isTrue();
    assertThatThrownBy(() -> HttpAuth.basic("u", "abc"))
        .hasMessage("expected the password's SHA-256 as 64 hex digits (sha256sum of the password)");
    assertThat(new AgentServer.Security(bearer, null).toString())
        .isEqualTo("Security[HttpAuth[bearer], tls=false]");
  }
}
