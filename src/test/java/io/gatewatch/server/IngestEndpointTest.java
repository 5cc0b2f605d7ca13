package io.gatewatch.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.metrics.Source;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import io.micrometer.core.instrument.Counter;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/capture} over a real loopback socket: every answer exactly. */
class IngestEndpointTest {
  static final String OPEN =
      "{\"ts\":1732790000000,\"conn\":\"c1\",\"type\":\"open\",\"url\":\"/?v=1&encoding=json\"}";
  static final String HELLO =
      "{\"ts\":1732790000001,\"conn\":\"c1\",\"type\":\"frame\",\"from\":\"server\","
          + "\"frame\":{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}}";
  static final String CLOSE =
      "{\"ts\":1732790041000,\"conn\":\"c1\",\"type\":\"close\",\"code\":4009,"
          + "\"reason\":\"Heartbeat timeout\",\"by\":\"server\"}";

  private final HttpClient http = HttpClient.newHttpClient();
  private final Watches watches = new Watches(new TokenFingerprinter(new byte[] {7}));
  private AgentServer server;

  private void start(IngestEndpoint.Settings settings) throws Exception {
    server =
        new AgentServer(
            new InetSocketAddress("127.0.0.1", 0),
            new MetricsExposition(watches.registry()),
            () -> true);
    server.handle(
        IngestEndpoint.PATH,
        new IngestEndpoint(
            watches.add(
                ProfileLoader.load("fluxer-seed"),
                TrackerSettings.DEFAULTS,
                Source.INGEST,
                "clients",
                Signals.NONE),
            watches.fingerprinter(),
            watches.registry(),
            settings));
    server.start();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private HttpResponse<String> post(String body, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/capture"))
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private double lines(String result) {
    return watches.registry().get("gatewatch.ingest.lines").tag("result", result).counter().count();
  }

  private double ingest(String name, String... tags) {
    Counter c =
        watches
            .registry()
            .find(name)
            .tags("source", "ingest", "gateway", "clients")
            .tags(tags)
            .counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aValidBatchIsAcceptedAndCountedAsIngest() throws Exception {
    start(IngestEndpoint.Settings.OPEN);
    HttpResponse<String> r = post(String.join("\n", OPEN, HELLO, CLOSE) + "\n");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(r.body()).isEqualTo("{\"accepted\":3,\"rejected\":[]}\n");
    assertThat(lines("accepted")).isEqualTo(3);
    assertThat(lines("rejected")).isZero();
    assertThat(ingest("gateway.connections.opened")).isEqualTo(1);
    assertThat(ingest("gateway.frames", "from", "server", "op", "hello")).isEqualTo(1);
    assertThat(ingest("gateway.close", "code", "4009", "initiator", "server")).isEqualTo(1);
  }

  @Test
  void theIngestCounterIsExposedAsDocumented() throws Exception {
    start(IngestEndpoint.Settings.OPEN);
    post(OPEN + "\nnot json\n");
    String text =
        http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(text)
        .contains(
            "gatewatch_ingest_lines_total{result=\"accepted\"} 1.0",
            "gatewatch_ingest_lines_total{result=\"rejected\"} 1.0",
            "gateway_connections_opened_total{gateway=\"clients\",source=\"ingest\"} 1.0");
    MetricsDocTest.Doc doc = MetricsDocTest.documented().get("gatewatch_ingest_lines_total");
    var family = MetricsDocTest.exposed(text).get("gatewatch_ingest_lines_total");
    assertThat(family.type()).isEqualTo(doc.type());
    assertThat(family.labels()).isEqualTo(doc.labels());
  }

  @Test
  void aMixedBatchProcessesTheGoodLinesAndListsTheBadOnes() throws Exception {
    start(IngestEndpoint.Settings.OPEN);
    String body =
        String.join(
            "\r\n",
            OPEN,
            "{\"ts\":1732790000001,\"conn\":\"c1\",\"type\":\"frame\",\"from\":\"upstream\","
                + "\"frame\":{\"op\":10}}",
            "",
            "this is not json",
            HELLO,
            "{\"ts\":1732790041000,\"conn\":\"c1\",\"type\":\"close\",\"by\":\"server\"}",
            CLOSE);
    HttpResponse<String> r = post(body);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .isEqualTo(
            "{\"accepted\":3,\"rejected\":["
                + "{\"line\":2,\"error\":\"from: expected server or client\"},"
                + "{\"line\":4,\"error\":\"not valid JSON: Unrecognized token: was"
                + " expecting (JSON String, Number, Array, Object or token 'null', 'true' or"
                + " 'false')\"},"
                + "{\"line\":6,\"error\":\"code: required for type close\"}]}\n");
    assertThat(lines("accepted")).isEqualTo(3);
    assertThat(lines("rejected")).isEqualTo(3);
    assertThat(ingest("gateway.frames", "from", "server", "op", "hello")).isEqualTo(1);
    assertThat(ingest("gateway.close", "code", "4009", "initiator", "server")).isEqualTo(1);
  }

  @Test
  void aBodyOverTheLimitIs413AndNothingIsProcessed() throws Exception {
    start(new IngestEndpoint.Settings(null, 1024, 512));
    HttpResponse<String> r = post((OPEN + "\n").repeat(20));
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.body()).isEqualTo("{\"error\":\"body over 1024 bytes; send smaller batches\"}\n");
    assertThat(lines("accepted")).isZero();
    assertThat(ingest("gateway.connections.opened")).isZero();
  }

  /**
   * A client that writes its whole body before it reads (Python's urllib, most SDKs; here a raw
   * socket doing exactly that) reads the 413 and its message, not a connection reset.
   */
  @Test
  void aClientThatSendsTheWholeBodyBeforeReadingReadsThe413() throws Exception {
    start(IngestEndpoint.Settings.OPEN);
    byte[] body = (OPEN + "\n").repeat(4 * 1024 * 1024 / OPEN.length()).getBytes(UTF_8);
    assertThat(body.length).isGreaterThan(4 * IngestEndpoint.Settings.DEFAULT_MAX_BODY_BYTES);
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/capture HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                  + "Content-Type: application/x-ndjson"
                  + "\r\nContent-Length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(UTF_8));
      out.write(body); // all of it, before reading a byte
      out.flush();
      String answer = new String(socket.getInputStream().readAllBytes(), UTF_8);
      assertThat(answer).startsWith("HTTP/1.1 413 ");
      assertThat(answer)
          .endsWith("\r\n\r\n{\"error\":\"body over 1048576 bytes; send smaller batches\"}\n");
    }
    assertThat(lines("accepted")).isZero();
    assertThat(ingest("gateway.connections.opened")).isZero();
  }

  /**
   * java.net.http with a large body, refused for its size and, with a token, for its credentials.
   */
  @Test
  void javaHttpClientWithALargeBodyReadsThe413AndThe401() throws Exception {
    start(new IngestEndpoint.Settings("s3cret-token", 1024, 512));
    byte[] body = new byte[8 * 1024 * 1024];
    java.util.Arrays.fill(body, (byte) 'x');
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/capture"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));

    HttpResponse<String> tooLarge =
        http.send(
            request.copy().header("Authorization", "Bearer s3cret-token").build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(tooLarge.statusCode()).isEqualTo(413);
    assertThat(tooLarge.body())
        .isEqualTo("{\"error\":\"body over 1024 bytes; send smaller batches\"}\n");

    HttpResponse<String> noToken = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(noToken.statusCode()).isEqualTo(401);
    assertThat(noToken.body()).isEqualTo("{\"error\":\"bearer token required\"}\n");
  }

  @Test
  void aLineOverTheLimitIs413AndNothingIsProcessed() throws Exception {
    start(new IngestEndpoint.Settings(null, 4096, 200));
    String longFrame =
        "{\"ts\":1732790000001,\"conn\":\"c1\",\"type\":\"frame\",\"from\":\"server\",\"frame\":\""
            + "x".repeat(300)
            + "\"}";
    HttpResponse<String> r = post(String.join("\n", OPEN, HELLO, longFrame, CLOSE));
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.body()).isEqualTo("{\"error\":\"line 3 is over 200 bytes; nothing processed\"}\n");
    assertThat(lines("accepted")).isZero();
    assertThat(lines("rejected")).isZero();
    assertThat(ingest("gateway.connections.opened")).isZero();
  }

  @Test
  void withATokenConfiguredAMissingOrWrongTokenIs401() throws Exception {
    start(new IngestEndpoint.Settings("s3cret-token", 4096, 1024));
    HttpResponse<String> missing = post(OPEN);
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"gatewatch\"");
    assertThat(missing.body()).isEqualTo("{\"error\":\"bearer token required\"}\n");

    HttpResponse<String> basic = post(OPEN, "Authorization", "Basic dXNlcjpwYXNz");
    assertThat(basic.statusCode()).isEqualTo(401);

    HttpResponse<String> wrong = post(OPEN, "Authorization", "Bearer s3cret-tokem");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"gatewatch\", error=\"invalid_token\"");
    assertThat(wrong.body()).isEqualTo("{\"error\":\"invalid bearer token\"}\n");
    assertThat(lines("accepted")).isZero();

    HttpResponse<String> right = post(OPEN, "Authorization", "bearer s3cret-token");
    assertThat(right.statusCode()).isEqualTo(200);
    assertThat(right.body()).isEqualTo("{\"accepted\":1,\"rejected\":[]}\n");
    assertThat(
            watches
                .registry()
                .get("gatewatch.http.auth.failures")
                .tag("endpoint", "capture")
                .counter()
                .count())
        .isEqualTo(3);
  }

  @Test
  void aBodyWithNoJsonObjectIs400() throws Exception {
    start(IngestEndpoint.Settings.OPEN);
    HttpResponse<String> r = post("[1,2]\nhello=world\n");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body())
        .isEqualTo(
            "{\"error\":\"no line of the body is a JSON object; expected NDJSON\","
                + "\"accepted\":0,\"rejected\":["
                + "{\"line\":1,\"error\":\"not a JSON object\"},"
                + "{\"line\":2,\"error\":\"not valid JSON: Unrecognized token: was"
                + " expecting (JSON String, Number, Array, Object or token 'null', 'true' or"
                + " 'false')\"}]}\n");
    assertThat(lines("rejected")).isEqualTo(2);
    // an empty batch is not an error: nothing to do
    HttpResponse<String> empty = post("");
    assertThat(empty.statusCode()).isEqualTo(200);
    assertThat(empty.body()).isEqualTo("{\"accepted\":0,\"rejected\":[]}\n");
  }

  @Test
  void otherMethodsFormsAndCompressedBodiesAreRefused() throws Exception {
    start(IngestEndpoint.Settings.OPEN);
    HttpResponse<String> get =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/capture"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("Allow")).hasValue("POST");
    assertThat(get.body())
        .isEqualTo("{\"error\":\"method not allowed: POST capture lines (NDJSON) here\"}\n");

    HttpResponse<String> form = post(OPEN, "Content-Type", "multipart/form-data; boundary=x");
    assertThat(form.statusCode()).isEqualTo(415);
    HttpResponse<String> gzip = post(OPEN, "Content-Encoding", "gzip");
    assertThat(gzip.statusCode()).isEqualTo(415);
    // lenient about the declared type: curl's default form type and text/plain are fine
    for (String type :
        List.of(
            "application/x-ndjson",
            "application/json",
            "text/plain",
            "application/x-www-form-urlencoded")) {
      assertThat(post(OPEN, "Content-Type", type).statusCode()).as(type).isEqualTo(200);
    }
  }

  @Test
  void tokensAreFingerprintedAtOnceAndLinkLikeRedactedOnes() throws Exception {
    start(IngestEndpoint.Settings.OPEN);
    String identify =
        "{\"op\":2,\"d\":{\"token\":\"valid-secret\",\"properties\":{\"os\":\"x\",\"browser\":\"x\","
            + "\"device\":\"x\"}}}";
    String redacted =
        identify.replace(
            "valid-secret",
            TokenFingerprinter.redacted(watches.fingerprinter().fingerprint("valid-secret")));
    HttpResponse<String> r =
        post(
            String.join(
                "\n",
                "{\"ts\":1732790000000,\"conn\":\"a\",\"type\":\"frame\",\"from\":\"client\",\"frame\":"
                    + identify
                    + "}",
                "{\"ts\":1732790000010,\"conn\":\"a\",\"type\":\"close\",\"code\":4004,\"by\":\"server\"}",
                "{\"ts\":1732790000020,\"conn\":\"b\",\"type\":\"frame\",\"from\":\"client\",\"frame\":"
                    + redacted
                    + "}"));
    assertThat(r.body()).isEqualTo("{\"accepted\":3,\"rejected\":[]}\n");
    // the raw token and its redacted form are one client: an unchanged retry after 4004
    assertThat(ingest("gateway.policy.violations", "rule", "retry_unchanged_after_fatal"))
        .isEqualTo(1);
    // sizes are the sizes as sent, not of the redacted payload
    assertThat(
            watches
                .registry()
                .get("gateway.frame.size")
                .tags("source", "ingest", "from", "client")
                .summary()
                .totalAmount())
        .isEqualTo(identify.length() + redacted.length());
  }

  static final java.nio.file.Path CHROME_HAR =
      java.nio.file.Path.of("src/test/resources/har/chrome-session.har");
  static final java.nio.file.Path FIREFOX_HAR =
      java.nio.file.Path.of("src/test/resources/har/firefox-session.har");

  private double resumes(String outcome) {
    return ingest("gateway.resume", "outcome", outcome);
  }

  @Test
  void aChromeHarIsReadAsTheEventsOfItsSockets() throws Exception {
    start(IngestEndpoint.Settings.OPEN);
    HttpResponse<String> r = post(java.nio.file.Files.readString(CHROME_HAR));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"accepted\":15,\"rejected\":[]}\n");
    assertThat(lines("accepted")).isEqualTo(15);
    assertThat(ingest("gateway.connections.opened")).isEqualTo(2);
    assertThat(ingest("gateway.frames", "from", "client", "op", "heartbeat")).isEqualTo(3);
    assertThat(resumes("success")).isEqualTo(1);
  }

  @Test
  void aFirefoxHarPostedAsJsonIsReadWithItsClosesAndCompressedFrames() throws Exception {
    start(IngestEndpoint.Settings.OPEN);
    HttpResponse<String> r =
        post(java.nio.file.Files.readString(FIREFOX_HAR), "Content-Type", "application/json");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"accepted\":16,\"rejected\":[]}\n");
    assertThat(ingest("gateway.close", "code", "4009", "initiator", "server")).isEqualTo(1);
    assertThat(ingest("gateway.close", "code", "1000", "initiator", "client")).isEqualTo(1);
    assertThat(ingest("gateway.frames", "from", "server", "op", "heartbeat_ack")).isEqualTo(3);
    assertThat(resumes("success")).isEqualTo(1);
    // posted twice, the sockets are new ones: each body names its own
    post(java.nio.file.Files.readString(FIREFOX_HAR));
    assertThat(ingest("gateway.connections.opened")).isEqualTo(4);
  }

  @Test
  void aHarOnOneLineHasTheLineLimitPerMessageAndListsWhatItRejects() throws Exception {
    start(new IngestEndpoint.Settings(null, 1 << 20, 100));
    String oneLine = java.nio.file.Files.readString(CHROME_HAR).replaceAll("\n\\s*", "");
    assertThat(oneLine).doesNotContain("\n").hasSizeGreaterThan(5000);
    HttpResponse<String> r = post(oneLine);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .isEqualTo(
            "{\"accepted\":13,\"rejected\":["
                + "{\"line\":1,\"error\":\"entries[1]._webSocketMessages[1]: message of 124 bytes"
                + " is over the limit of 100\"},"
                + "{\"line\":1,\"error\":\"entries[1]._webSocketMessages[2]: message of 117 bytes"
                + " is over the limit of 100\"}]}\n");
    assertThat(lines("rejected")).isEqualTo(2);
  }

  @Test
  void aHarWithoutAWebSocketIs400AndSaysSo() throws Exception {
    start(IngestEndpoint.Settings.OPEN);
    HttpResponse<String> r =
        post("{\"log\":{\"entries\":[{\"request\":{\"url\":\"https://app/\"}}]}}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body())
        .isEqualTo(
            "{\"error\":\"no WebSocket entry in the HAR (1 entries); export it from the developer"
                + " tools' network panel with the WebSocket open\",\"accepted\":0,\"rejected\":[]}\n");
    HttpResponse<String> broken = post("{\"log\": {\"entries\": [", "Content-Type", "text/plain");
    assertThat(broken.statusCode()).isEqualTo(400);
    assertThat(broken.body()).startsWith("{\"error\":\"not valid JSON at line 1: Unexpected end");
  }

  @Test
  void noTokenOfAHarReachesTheMetricsOrTheAnswer() throws Exception {
    start(IngestEndpoint.Settings.OPEN);
    String answers =
        post(java.nio.file.Files.readString(CHROME_HAR)).body()
            + post(java.nio.file.Files.readString(FIREFOX_HAR)).body();
    String text =
        http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(text).contains("gateway_resume_total");
    for (String secret : List.of("SECRET", "identify.7f3a", "identify.c9d1")) {
      assertThat(answers).doesNotContain(secret);
      assertThat(text).doesNotContain(secret);
    }
  }
}
