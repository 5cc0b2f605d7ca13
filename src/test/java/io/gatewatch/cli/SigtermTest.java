package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real process, stopped the way Kubernetes stops it: SIGTERM. Without a drain period it stops
 * accepting, closes the relayed client with 1001 at once, flushes the capture and exits 0, within a
 * bound (the drain: {@link DrainEndToEndTest}).
 */
class SigtermTest {
  static final Duration BOUND = Duration.ofSeconds(10);
  static final String TOKEN = "valid-sigterm-token-5f1c";

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** {@code java -cp <the tests' class path> io.gatewatch.cli.Main args...} */
  static Process gatewatch(Path log, String... args) throws IOException {
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** replay --http-listen serves until stopped; a stop keeps the replay's own exit status (0). */
  @Test
  void sigtermEndsAReplaysServingWithTheReplaysStatus(@TempDir Path dir) throws Exception {
    int port = freePort();
    Path log = dir.resolve("replay.log");
    Process replay =
        gatewatch(
            log, "replay", "samples/fluxer-sample.ndjson", "--http-listen", "127.0.0.1:" + port);
    try {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> Files.readString(log).contains("serving the replayed metrics"));
      replay.destroy(); // SIGTERM
      assertThat(replay.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(replay.exitValue()).as(Files.readString(log)).isZero();
      assertThat(accepts(port)).as("the endpoints closed").isFalse();
    } finally {
      replay.destroyForcibly();
    }
  }

  @Test
  void sigtermCloses1001FlushesTheCaptureAndExitsZero(@TempDir Path dir) throws Exception {
    try (GatewaySimulator sim =
        new GatewaySimulator(
                SimulatorSettings.builder()
                    .listen("127.0.0.1:0")
                    .heartbeatInterval(Duration.ofSeconds(30))
                    .build())
            .start()) {
      int port = freePort();
      Path capture = dir.resolve("capture.ndjson");
      Path log = dir.resolve("agent.log");
      Process agent =
          gatewatch(
              log,
              "proxy",
              "--listen",
              "127.0.0.1:" + port,
              "--upstream",
              "ws://127.0.0.1:" + sim.port(),
              "--http-listen",
              "127.0.0.1:0",
              "--gateway",
              "sigterm",
              "--capture",
              capture.toString(),
              "--drain-period",
              "0");
      try {
        await().atMost(Duration.ofSeconds(30)).until(() -> accepts(port) || !agent.isAlive());
        assertThat(agent.isAlive()).as(Files.readString(log)).isTrue();

        List<String> texts = new CopyOnWriteArrayList<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket ws =
            HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .buildAsync(
                    URI.create("ws://127.0.0.1:" + port + "/?v=1&encoding=json"),
                    new WebSocket.Listener() {
                      @Override
                      public CompletionStage<?> onText(
                          WebSocket w, CharSequence data, boolean last) {
                        texts.add(data.toString());
                        w.request(1);
                        return null;
                      }

                      @Override
                      public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                        closed.complete(code);
                        return null;
                      }
                    })
                .join();
        ws.sendText(
            "{\"op\":2,\"d\":{\"token\":\""
                + TOKEN
                + "\",\"properties\":{\"os\":\"linux\",\"browser\":\"t\",\"device\":\"t\"}}}",
            true);
        await().until(() -> texts.stream().anyMatch(t -> t.contains("\"READY\"")));

        long t0 = System.nanoTime();
        agent.destroy(); // SIGTERM
        assertThat(closed.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1001);
        assertThat(agent.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS))
            .as("exited within " + BOUND)
            .isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(BOUND);
        assertThat(agent.exitValue()).as(Files.readString(log)).isZero();
        assertThat(accepts(port)).isFalse();

        List<String> lines = Files.readAllLines(capture);
        assertThat(lines).anyMatch(l -> l.contains("\"type\":\"open\""));
        assertThat(lines).anyMatch(l -> l.contains("READY"));
        assertThat(lines.get(lines.size() - 1))
            .contains("\"type\":\"close\"")
            .contains("\"code\":1001");
        assertThat(Files.readString(capture)).doesNotContain(TOKEN);
        assertThat(Files.readString(log))
            .contains("stopping: closing relayed sockets with 1001")
            .doesNotContain(TOKEN);
      } finally {
        agent.destroyForcibly();
      }
    }
  }
}
