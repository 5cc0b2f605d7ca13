package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatewatch.correlation.RedisServer;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deploy as Kubernetes does it, with the real processes: sessions through one proxy replica,
 * SIGTERM with a drain period, and the clients resuming through another replica against the same
 * gateway (the simulator). Asserts what an operator counts on: the pod leaves the Service at once,
 * the reconnects come spread over the period and not in one burst, every client was asked with op 7
 * and a resumable close, every session resumes, and the pod is gone within the period.
 */
class DrainEndToEndTest {
  static final int SESSIONS = 300;

  /**
   * How long a replica waits for Redis: longer than the 50 ms default, so that the numbers stay
   * exact on a loaded test machine (a later answer leaves the replica with its own state alone).
   */
  static final String ANSWER_WAIT = "1s";

  static final Duration PERIOD = Duration.ofSeconds(4);

  /** The process's own stop after the period: the last closing handshakes, threads, the JVM. */
  static final Duration EXIT_MARGIN = Duration.ofSeconds(2);

  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  /** The resuming sockets' own client (its own I/O thread): it does not delay the drained ones. */
  static final HttpClient RESUMING = HttpClient.newHttpClient();

  @Test
  void sigtermSpreadsTheReconnectsOverThePeriodAndEverySessionResumesElsewhere(@TempDir Path dir)
      throws Exception {
    try (GatewaySimulator sim = simulator();
        RedisServer redis = RedisServer.start()) {
      // the replicas share reconnect state, as behind a load balancer they must
      String shared = "redis://127.0.0.1:" + redis.port();
      Replica a =
          Replica.launch(
              dir,
              "a",
              sim,
              PERIOD.toSeconds() + "s",
              "--capture",
              dir + "/a.ndjson",
              "--correlation",
              shared,
              "--correlation-timeout",
              ANSWER_WAIT);
      Replica b =
          Replica.launch(
              dir, "b", sim, "0", "--correlation", shared, "--correlation-timeout", ANSWER_WAIT);
      try {
        a.awaitReady();
        b.awaitReady();
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
          clients.add(Client.identify(a.url(), b.url(), "valid-drain-" + i));
        }
        CompletableFuture.allOf(
                clients.stream().map(c -> c.ready).toArray(CompletableFuture[]::new))
            .get(60, TimeUnit.SECONDS);
        assertThat(a.ready()).isEqualTo(200);

        int status;
        int polls = 0;
        long asked;
        long t0;
        long t0Millis;
        long[] before = new long[9];
        try (ReadyPoller poller = new ReadyPoller(a.httpPort)) {
          for (int i = 0; i < before.length; i++) { // the round trip on this machine, now
            long t = System.nanoTime();
            assertThat(poller.status()).isEqualTo(200);
            before[i] = (System.nanoTime() - t) / 1_000_000;
          }
          java.util.Arrays.sort(before);
          t0 = System.nanoTime();
          t0Millis = System.currentTimeMillis();
          a.process.destroy(); // SIGTERM
          do {
            asked = System.nanoTime() - t0;
            status = poller.status();
            polls++;
          } while (status == 200);
        }
        long notReady = System.nanoTime() - t0;
        assertThat(status).isEqualTo(503);
        assertThat(Duration.ofNanos(notReady))
            .as(
                "/-/ready answers 503 this soon after SIGTERM (%d polls; the 503 asked at %d ms;"
                    + " before SIGTERM a round trip took %d ms, at most %d ms)",
                polls, asked / 1_000_000, before[before.length / 2], before[before.length - 1])
            .isLessThan(Duration.ofMillis(100));
        await() // the listener closes as the drain starts, on the agent's main thread
            .atMost(Duration.ofSeconds(2))
            .until(() -> !SigtermTest.accepts(a.proxyPort));

        // halfway: the drain shows in the metrics while it runs
        await().until(() -> System.nanoTime() - t0 > PERIOD.toNanos() / 2);
        String metrics = a.metrics();
        double remaining = sample(metrics, "gatewatch_drain_remaining");
        double drained = sample(metrics, "gatewatch_drained_total{notice=\"reconnect_op\"}");
        assertThat(remaining).isStrictlyBetween(0.0, (double) SESSIONS);
        assertThat(drained).isStrictlyBetween(0.0, (double) SESSIONS);

        assertThat(a.process.waitFor(PERIOD.plus(EXIT_MARGIN).toMillis(), TimeUnit.MILLISECONDS))
            .as("exited within the period plus " + EXIT_MARGIN)
            .isTrue();
        long exited = System.nanoTime() - t0;
        assertThat(a.process.exitValue()).as(a.log()).isZero();
        try {
          CompletableFuture.allOf(
                  clients.stream().map(c -> c.resumed).toArray(CompletableFuture[]::new))
              .get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException
            | java.util.concurrent.ExecutionException e) {
          throw new AssertionError(
              "not resumed: "
                  + clients.stream()
                      .filter(c -> !c.resumed.isDone() || c.resumed.isCompletedExceptionally())
                      .map(c -> c.token + " closed " + c.close + " " + c.resumed)
                      .limit(10)
                      .toList()
                  + "\nb:\n"
                  + b.log(),
              e);
        }

        for (Client c : clients) {
          assertThat(c.close).isEqualTo("4000 Session drain requested; reconnect to continue");
          assertThat(c.lastBeforeClose).as("op 7 came last before the close").isEqualTo(7);
          assertThat(c.closedAt - t0).isBetween(0L, exited);
        }
        // When each socket ended: the proxy's capture records every close as the proxy sends it.
        // (The clients read theirs late by up to a few hundred milliseconds when the machine is
        // loaded, 300 sockets on one JDK client thread: their clocks say more about the test
        // than about the drain.) The schedule gives every second its fair share (75), give or
        // take the slot straddling its edge; a tenth more absorbs the proxy's own event loops
        // running late on a loaded machine. Without a drain all 300 end within a fifth of a
        // second.
        List<Double> ends = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("a.ndjson"))) {
          JsonNode e = JSON.readTree(line);
          if (e.get("type").asText().equals("close")) {
            assertThat(e.get("code").asInt()).isEqualTo(4000);
            assertThat(e.get("by").asText()).isEqualTo("server");
            ends.add(e.get("ts").asDouble());
          }
        }
        assertThat(ends).hasSize(SESSIONS);
        int[] perSecond = new int[(int) (exited / 1_000_000_000L) + 1];
        for (double ts : ends) {
          assertThat(ts).isBetween((double) t0Millis, t0Millis + exited / 1e6);
          perSecond[(int) ((ts - t0Millis) / 1000)]++;
        }
        int fair = (int) Math.ceil((double) SESSIONS / PERIOD.toSeconds());
        String spread =
            "sockets ended per second after SIGTERM: "
                + java.util.Arrays.toString(perSecond)
                + "; exited after "
                + exited / 1_000_000
                + " ms";
        for (int n : perSecond) {
          assertThat(n).as(spread).isLessThanOrEqualTo(fair + fair / 10);
        }

        // every session resumed through the other replica: resume success 100%
        String other = b.metrics();
        assertThat(
                sample(
                    other,
                    "gateway_resume_total{gateway=\"drain\",outcome=\"success\",source=\"proxy\"}"))
            .isEqualTo(SESSIONS);
        for (String outcome :
            List.of("invalid_session", "invalid_sequence", "auth_failed", "closed", "timeout")) {
          assertThat(
                  sample(
                      other,
                      "gateway_resume_total{gateway=\"drain\",outcome=\""
                          + outcome
                          + "\",source=\"proxy\"}"))
              .as(outcome)
              .isZero();
        }
        assertThat(
                sample(
                    other,
                    "gateway_ready_total{gateway=\"drain\",source=\"proxy\",via=\"identify\"}"))
            .isZero();
        // the reconnects the drain caused are recorded by the replica the clients reached, each
        // once, from the end of its socket on the drained replica (the state they share); an
        // episode is recorded when Redis answers the claim, which may come just after the client
        // saw RESUMED
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(
                            sample(
                                b.metrics(),
                                "gateway_reconnect_duration_seconds_count{gateway=\"drain\","
                                    + "source=\"proxy\",via=\"resume\"}"))
                        .isEqualTo(SESSIONS));
        assertThat(
                sample(
                    other, "gateway_reconnect_started_total{gateway=\"drain\",source=\"proxy\"}"))
            .isZero();
        assertThat(a.log())
            .contains(
                "draining: asking 300 relayed sockets to reconnect over 4.0s (op 7 Reconnect,"
                    + " then close 4000 Unknown Error)")
            .contains(
                "300 of 300 sockets asked to reconnect (300 with the reconnect opcode, 0 by the"
                    + " close alone), 0 ended by themselves, 0 left to close with 1001");
      } finally {
        a.process.destroyForcibly();
        b.process.destroyForcibly();
      }
    }
  }

  @Test
  void aSecondSigtermClosesWhatIsLeftAtOnce(@TempDir Path dir) throws Exception {
    try (GatewaySimulator sim = simulator()) {
      Replica a = Replica.launch(dir, "a", sim, "10m");
      try {
        a.awaitReady();
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          clients.add(Client.identify(a.url(), null, "valid-again-" + i));
        }
        CompletableFuture.allOf(
                clients.stream().map(c -> c.ready).toArray(CompletableFuture[]::new))
            .get(30, TimeUnit.SECONDS);
        a.process.destroy();
        await().until(() -> a.log().contains("draining: asking 20 relayed sockets"));
        long t1 = System.nanoTime();
        a.process.destroy(); // again
        assertThat(a.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - t1)).isLessThan(Duration.ofSeconds(10));
        assertThat(a.process.exitValue()).as(a.log()).isZero();
        await().until(() -> clients.stream().allMatch(c -> c.close != null));
        // in a ten-minute drain, a second or two asks one socket at most; the rest get 1001
        assertThat(clients.stream().filter(c -> c.close.equals("1001 Going Away")).count())
            .isGreaterThanOrEqualTo(19);
        assertThat(a.log())
            .contains("stopping: asked again; closing the remaining sockets with 1001 now")
            .containsPattern("[01] of 20 sockets asked to reconnect");
      } finally {
        a.process.destroyForcibly();
      }
    }
  }

  static GatewaySimulator simulator() throws IOException {
    return new GatewaySimulator(
            SimulatorSettings.builder()
                .listen("127.0.0.1:0")
                .heartbeatInterval(Duration.ofSeconds(60))
                .heartbeatTimeout(Duration.ofSeconds(120))
                .maxSocketsPerIp(10 * SESSIONS) // every socket comes from the proxies' one address
                .build())
        .start();
  }

  /**
   * {@code GET /-/ready} again and again on one kept-alive connection, from the calling thread
   * alone: what it measures is the agent's answer, not the client's own machinery.
   */
  static final class ReadyPoller implements AutoCloseable {
    private final java.net.Socket socket;
    private final java.io.InputStream in;
    private final byte[] request =
        "GET /-/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    ReadyPoller(int port) throws IOException {
      socket = new java.net.Socket("127.0.0.1", port);
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(10_000);
      in = new java.io.BufferedInputStream(socket.getInputStream());
    }

    /** The status of one answer. */
    int status() throws IOException {
      socket.getOutputStream().write(request);
      String statusLine = line();
      int length = 0;
      for (String h = line(); !h.isEmpty(); h = line()) {
        if (h.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
          length = Integer.parseInt(h.substring(h.indexOf(':') + 1).trim());
        }
      }
      in.readNBytes(length);
      return Integer.parseInt(statusLine.split(" ")[1]);
    }

    private String line() throws IOException {
      StringBuilder b = new StringBuilder();
      for (int c = in.read(); c != '\n'; c = in.read()) {
        if (c < 0) {
          throw new java.io.EOFException("the connection ended");
        }
        if (c != '\r') {
          b.append((char) c);
        }
      }
      return b.toString();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** The value of one sample line of a Prometheus text exposition. */
  static double sample(String exposition, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(exposition);
    assertThat(m.find()).as("%s in\n%s", series, exposition).isTrue();
    return Double.parseDouble(m.group(1));
  }

  /** One {@code gatewatch proxy} process in front of the simulator. */
  record Replica(Process process, Path logFile, int proxyPort, int httpPort) {
    static Replica launch(
        Path dir, String name, GatewaySimulator sim, String drainPeriod, String... more)
        throws Exception {
      int proxyPort = SigtermTest.freePort();
      int httpPort = SigtermTest.freePort();
      Path log = dir.resolve(name + ".log");
      List<String> args =
          new ArrayList<>(
              List.of(
                  "proxy",
                  "--listen",
                  "127.0.0.1:" + proxyPort,
                  "--upstream",
                  "ws://127.0.0.1:" + sim.port(),
                  "--http-listen",
                  "127.0.0.1:" + httpPort,
                  "--gateway",
                  "drain",
                  "--drain-period",
                  drainPeriod));
      args.addAll(List.of(more));
      Process p = SigtermTest.gatewatch(log, args.toArray(String[]::new));
      return new Replica(p, log, proxyPort, httpPort);
    }

    void awaitReady() throws IOException {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> !process.isAlive() || (SigtermTest.accepts(proxyPort) && ready() == 200));
      assertThat(process.isAlive()).as(log()).isTrue();
    }

    String url() {
      return "ws://127.0.0.1:" + proxyPort + "/?v=1&encoding=json";
    }

    int ready() {
      try {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/-/ready"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.discarding())
            .statusCode();
      } catch (IOException e) {
        return -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
    }

    String metrics() throws Exception {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    }

    String log() throws IOException {
      return Files.readString(logFile);
    }
  }

  /**
   * A client that lives its session as the seed says: Identify, and after a resumable close,
   * reconnect (here: to the other replica, as the Service would route it) and Resume with the
   * session id and the last sequence it processed.
   */
  static final class Client {
    final String token;
    final String resumeUrl;
    final CompletableFuture<Void> ready = new CompletableFuture<>();
    final CompletableFuture<Void> resumed = new CompletableFuture<>();
    final List<Integer> ops = new CopyOnWriteArrayList<>();
    volatile String sessionId;
    volatile long seq;
    volatile String close;
    volatile long closedAt;
    volatile int lastBeforeClose = -1;

    private Client(String token, String resumeUrl) {
      this.token = token;
      this.resumeUrl = resumeUrl;
    }

    static Client identify(String url, String resumeUrl, String token) {
      Client c = new Client(token, resumeUrl);
      HTTP.newWebSocketBuilder().buildAsync(URI.create(url), c.new Socket(false)).join();
      return c;
    }

    /** One of the client's sockets: the first Identifies, the second Resumes. */
    final class Socket implements WebSocket.Listener {
      private final boolean resuming;
      private final StringBuilder text = new StringBuilder();

      Socket(boolean resuming) {
        this.resuming = resuming;
      }

      @Override
      public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
          message(ws, text.toString());
          text.setLength(0);
        }
        ws.request(1);
        return null;
      }

      private void message(WebSocket ws, String t) {
        JsonNode m;
        try {
          m = JSON.readTree(t);
        } catch (IOException e) {
          throw new AssertionError(t, e);
        }
        int op = m.get("op").asInt();
        if (!resuming) {
          ops.add(op);
        }
        if (m.hasNonNull("s")) {
          seq = m.get("s").asLong();
        }
        if (op == 10) {
          ws.sendText(
              resuming
                  ? "{\"op\":6,\"d\":{\"token\":\""
                      + token
                      + "\",\"session_id\":\""
                      + sessionId
                      + "\",\"seq\":"
                      + seq
                      + "}}"
                  : "{\"op\":2,\"d\":{\"token\":\""
                      + token
                      + "\",\"properties\":{\"os\":\"linux\",\"browser\":\"t\",\"device\":\"t\"}}}",
              true);
        } else if (op == 0 && "READY".equals(m.path("t").asText())) {
          sessionId = m.get("d").get("session_id").asText();
          ready.complete(null);
        } else if (op == 0 && "RESUMED".equals(m.path("t").asText())) {
          resumed.complete(null);
        }
      }

      @Override
      public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
        if (!resuming) {
          closedAt = System.nanoTime();
          lastBeforeClose = ops.isEmpty() ? -1 : ops.get(ops.size() - 1);
          close = code + " " + reason;
          if (resumeUrl != null) {
            RESUMING
                .newWebSocketBuilder()
                .buildAsync(URI.create(resumeUrl), new Socket(true))
                .exceptionally(
                    e -> {
                      resumed.completeExceptionally(e);
                      return null;
                    });
          }
        }
        return null;
      }

      @Override
      public void onError(WebSocket ws, Throwable error) {
        (resuming ? resumed : ready).completeExceptionally(error);
      }
    }
  }
}
