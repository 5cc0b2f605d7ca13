package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every mode with known secrets, and every output searched for them: the real process running a
 * proxy with a capture, a probe, ingest, OTLP export and JSON logs at debug level, with HTTP auth
 * (logs, /metrics in both formats, the status page and its JSON, error responses, the capture, the
 * OTLP requests); then replay of that capture and of a raw one, and a probe --once. None may hold a
 * client token, the probe's token, the ingest token, the scrape token or the OTLP header.
 */
class SecretLeakTest {
  static final String CLIENT_TOKEN = "valid-CLIENTSECRET-7d41a9";
  static final String PROBE_TOKEN = "valid-PROBESECRET-0be3c2";
  static final String INGEST_TOKEN = "INGESTSECRET-a61f09";
  static final String HTTP_TOKEN = "SCRAPESECRET-39c8d7";
  static final String OTLP_SECRET = "OTLPSECRET-55e0b1";

  /** A token of letters and digits only: a JSON parser's error quotes such a word whole. */
  static final String BARE_TOKEN = "mfaBARESECRET4c2e8f1a";

  static final List<String> SECRETS =
      List.of(CLIENT_TOKEN, PROBE_TOKEN, INGEST_TOKEN, HTTP_TOKEN, OTLP_SECRET, BARE_TOKEN);

  /** Everything any mode wrote or answered, by where it came from. */
  private final Map<String, String> outputs = new LinkedHashMap<>();

  private final HttpClient http = HttpClient.newHttpClient();

  static String identify(String token) {
    return "{\"op\":2,\"d\":{\"token\":\""
        + token
        + "\",\"properties\":{\"os\":\"linux\",\"browser\":\"t\",\"device\":\"t\"}}}";
  }

  private HttpResponse<String> send(HttpRequest.Builder b, String what) throws Exception {
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    outputs.put(what, r.statusCode() + " " + r.headers().map() + "\n" + r.body());
    return r;
  }

  /** One client session through the proxy: Identify, READY, then it goes. */
  private void clientSession(int proxyPort, String token) {
    List<String> texts = new CopyOnWriteArrayList<>();
    WebSocket ws =
        http.newWebSocketBuilder()
            .buildAsync(
                URI.create("ws://127.0.0.1:" + proxyPort + "/?v=1&encoding=json"),
                new WebSocket.Listener() {
                  @Override
                  public CompletionStage<?> onText(WebSocket w, CharSequence d, boolean last) {
                    texts.add(d.toString());
                    w.request(1);
                    return null;
                  }

                  @Override
                  public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                    texts.add("closed " + code);
                    return null;
                  }
                })
            .join();
    ws.sendText(identify(token), true);
    await()
        .until(() -> texts.stream().anyMatch(t -> t.contains("READY") || t.startsWith("closed")));
    ws.abort();
  }

  @Test
  void noSecretInAnyOutputOfAnyMode(@TempDir Path dir) throws Exception {
    List<byte[]> otlp = new CopyOnWriteArrayList<>();
    HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    collector.createContext(
        "/",
        ex -> {
          try (InputStream in = ex.getRequestBody()) {
            otlp.add(in.readAllBytes());
          }
          ex.sendResponseHeaders(200, -1);
          ex.close();
        });
    collector.start();
    try (GatewaySimulator sim =
        new GatewaySimulator(
                SimulatorSettings.builder()
                    .listen("127.0.0.1:0")
                    .heartbeatInterval(Duration.ofSeconds(2))
                    .build())
            .start()) {
      int httpPort = SigtermTest.freePort();
      int proxyPort = SigtermTest.freePort();
      Path capture = dir.resolve("capture.ndjson");
      Path config =
          Files.writeString(
              dir.resolve("agent.yaml"),
              String.join(
                  "\n",
                  "http:",
                  "  listen: 127.0.0.1:" + httpPort,
                  "  auth:",
                  "    bearer_token_env: HTTP_TOKEN",
                  "ingest:",
                  "  enabled: true",
                  "  token_env: INGEST_TOKEN",
                  "proxies:",
                  "  - gateway: leak",
                  "    listen: 127.0.0.1:" + proxyPort,
                  "    upstream: ws://127.0.0.1:" + sim.port(),
                  "    capture: " + capture,
                  "probes:",
                  "  - gateway: leakprobe",
                  "    url: ws://127.0.0.1:" + sim.port(),
                  "    token_env: PROBE_TOKEN",
                  "    resume_every: 1s",
                  "otlp:",
                  "  endpoint: http://127.0.0.1:" + collector.getAddress().getPort(),
                  "  interval: 1s",
                  "  headers:",
                  "    Authorization: Bearer " + OTLP_SECRET,
                  "logging:",
                  "  format: json",
                  "  summary_every: 1s",
                  ""));
      Path log = dir.resolve("agent.log");
      ProcessBuilder pb =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xmx128m",
                  "-cp",
                  System.getProperty("java.class.path"),
                  Main.class.getName(),
                  "--log-format",
                  "json",
                  "run",
                  "--config",
                  config.toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      pb.environment().put("GATEWATCH_LOG_LEVEL", "DEBUG");
      pb.environment().put("HTTP_TOKEN", HTTP_TOKEN);
      pb.environment().put("INGEST_TOKEN", INGEST_TOKEN);
      pb.environment().put("PROBE_TOKEN", PROBE_TOKEN);
      String lines =
          String.join(
              "\n",
              "{\"ts\":1,\"conn\":\"i1\",\"type\":\"open\",\"url\":\"/?v=1\"}",
              "{\"ts\":2,\"conn\":\"i1\",\"type\":\"frame\",\"from\":\"client\",\"frame\":"
                  + identify(CLIENT_TOKEN)
                  + "}",
              "{\"ts\":3,\"conn\":\"i1\",\"type\":\"frame\",\"from\":\"client\",\"frame\":\""
                  + identify(CLIENT_TOKEN).replace("\"", "\\\"")
                  + "\"}",
              "{\"ts\":4,\"conn\":\"i1\",\"type\":\"frame\",\"from\":\"client\",\"frame\":"
                  + "{\"op\":2,\"d\":{\"token\":"
                  + CLIENT_TOKEN
                  + "}}}",
              "{\"ts\":5,\"conn\":\"i1\",\"type\":\"frame\",\"from\":\"client\",\"frame\":"
                  + "{\"op\":2,\"d\":{\"token\":\""
                  + CLIENT_TOKEN,
              CLIENT_TOKEN,
              BARE_TOKEN,
              "{\"ts\":5,\"conn\":\"i1\",\"type\":\"frame\",\"from\":\"client\",\"frame\":"
                  + "{\"op\":2,\"d\":{\"token\":"
                  + BARE_TOKEN
                  + "}}}",
              "{\"ts\":6,\"conn\":\"" + CLIENT_TOKEN + "\",\"type\":\"bogus\"}",
              "{\"ts\":7,\"conn\":\"i1\",\"type\":\"close\",\"code\":4000,\"reason\":\""
                  + "x\",\"by\":\"server\"}");
      Process agent = pb.start();
      try {
        String base = "http://127.0.0.1:" + httpPort;
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> SigtermTest.accepts(httpPort) || !agent.isAlive());
        assertThat(agent.isAlive()).as(Files.readString(log)).isTrue();

        // clients through the proxy: a good token twice (a reconnect), and a refused one
        clientSession(proxyPort, CLIENT_TOKEN);
        clientSession(proxyPort, CLIENT_TOKEN);
        clientSession(proxyPort, "bad-" + CLIENT_TOKEN);

        // ingest: raw tokens in good lines, in broken lines, and presented as wrong credentials
        HttpRequest.Builder post =
            HttpRequest.newBuilder(URI.create(base + "/v1/capture"))
                .POST(HttpRequest.BodyPublishers.ofString(lines));
        assertThat(
                send(post.copy().header("Authorization", "Bearer " + INGEST_TOKEN), "ingest ok")
                    .statusCode())
            .isEqualTo(200);
        send(post.copy().header("Authorization", "Bearer " + CLIENT_TOKEN), "ingest wrong token");
        send(post.copy(), "ingest no token");
        send(post.copy().header("Authorization", "Bearer " + HTTP_TOKEN), "ingest scrape token");
        send(
            HttpRequest.newBuilder(URI.create(base + "/v1/capture"))
                .header("Authorization", "Bearer " + INGEST_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(CLIENT_TOKEN.repeat(5000))),
            "ingest oversize line");

        // the probe resumed at least once and OTLP has had metrics and spans
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> otlp.size() >= 3 && Files.readString(log).contains("OTLP"));
        for (String path : List.of("/metrics", "/api/summary", "/", "/status/status.js")) {
          send(
              HttpRequest.newBuilder(URI.create(base + path))
                  .header("Authorization", "Bearer " + HTTP_TOKEN),
              "GET " + path);
          send(
              HttpRequest.newBuilder(URI.create(base + path))
                  .header("Authorization", "Bearer " + CLIENT_TOKEN),
              "GET " + path + " wrong token");
        }
        send(
            HttpRequest.newBuilder(URI.create(base + "/metrics"))
                .header("Authorization", "Bearer " + HTTP_TOKEN)
                .header("Accept", "application/openmetrics-text; version=1.0.0"),
            "GET /metrics openmetrics");
        assertThat(outputs.get("GET /metrics")).contains("gateway_ready_total");

        agent.destroy(); // SIGTERM: spans and metrics flushed, capture closed
        assertThat(agent.waitFor(20, TimeUnit.SECONDS)).isTrue();
      } finally {
        agent.destroyForcibly();
        collector.stop(0);
      }
      String agentLog = Files.readString(log);
      outputs.put("agent log", agentLog);
      outputs.put("capture", Files.readString(capture));
      for (int i = 0; i < otlp.size(); i++) {
        outputs.put("otlp request " + i, new String(otlp.get(i), StandardCharsets.ISO_8859_1));
      }
      assertThat(agentLog).contains("\"level\":\"DEBUG\""); // debug lines were written
      assertThat(outputs.get("capture")).contains("<redacted:").contains("READY");
      assertThat(outputs.get("ingest ok")).contains("\"accepted\":4").contains("{\"line\":8,");
      assertThat(outputs.get("ingest wrong token")).startsWith("401");

      // replay the capture and a raw one that still holds the token (as a client might post)
      Path raw = dir.resolve("raw.ndjson");
      Files.writeString(raw, lines + "\n");
      outputs.put("replay capture", cli("replay", capture.toString()));
      outputs.put("replay raw", cli("replay", raw.toString()));
      outputs.put(
          "replay raw metrics",
          cli("replay", raw.toString(), "--metrics-out", dir.resolve("raw.prom").toString())
              + Files.readString(dir.resolve("raw.prom")));

      // probe --once against the simulator, its token from a file
      Path tokenFile = Files.writeString(dir.resolve("probe.token"), PROBE_TOKEN + "\n");
      outputs.put(
          "probe --once",
          cli(
              "probe",
              "--once",
              "--url",
              "ws://127.0.0.1:" + sim.port(),
              "--token-file",
              tokenFile.toString(),
              "--heartbeats",
              "1"));
    }

    List<String> leaks = new ArrayList<>();
    outputs.forEach(
        (where, text) -> {
          for (String secret : SECRETS) {
            if (text.contains(secret)) {
              leaks.add(where + " holds " + secret);
            }
          }
        });
    assertThat(leaks).as(String.join("\n\n", outputs.values())).isEmpty();
    assertThat(outputs).hasSizeGreaterThan(20);
  }

  /** Runs a command in this JVM; its stdout and stderr together. */
  static String cli(String... args) {
    StringWriter out = new StringWriter();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    int exit =
        new CommandLine(new Main())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(out))
            .execute(args);
    return "exit " + exit + "\n" + out + stderr.toString(StandardCharsets.UTF_8);
  }
}
