package io.gatewatch.cli;

import static io.gatewatch.cli.ReplayCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.gatewatch.cli.ReplayCommandTest.Run;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** {@code gatewatch replay} of HAR files exported by Chrome and Firefox: the exact report. */
class ReplayHarTest {
  static final Path CHROME = Path.of("src/test/resources/har/chrome-session.har");
  static final Path FIREFOX = Path.of("src/test/resources/har/firefox-session.har");

  /** Every secret the fixtures hold: tokens in frames, the URL, headers, cookies, bodies. */
  static final List<String> SECRETS =
      List.of(
          "CHROMESECRET",
          "FIREFOXSECRET",
          "URLSECRET",
          "HEADERSECRET",
          "COOKIESECRET",
          "BODYSECRET",
          "identify.7f3a",
          "identify.c9d1");

  @Test
  void chromesHarReplaysWithTheExactReport() {
    Run r = run("replay", CHROME.toString());

    assertThat(r.err()).isEmpty();
    assertThat(r.exit()).isZero();
    // the first socket dropped without a close frame: opened, never closed, no code invented
    assertThat(r.out())
        .isEqualTo(
            """
            gatewatch replay %s (profile fluxer-seed): 15 lines accepted, 0 rejected
              sockets opened 2, frames 13 (unclassifiable 0)

            Closes by code
              none

            Resume success rate: 100.0%% (1 of 1)
              failures: none
            Reconnect time (1 episodes: 0 via identify, 1 via resume): p50 120.1 ms  p95 120.1 ms\
              max 120.1 ms
            Heartbeat RTT client (3): p50 42.0 ms  p99 50.0 ms
            Heartbeat RTT server_request: none
              missed heartbeats: 0
            Sessions: 1 READY, 1 RESUMED; op 9 0, op 7 0

            Policy violations
              none
            """
                .formatted(CHROME));
  }

  @Test
  void firefoxsHarReplaysWithTheExactReport() {
    Run r = run("replay", FIREFOX.toString());

    assertThat(r.err()).isEmpty();
    assertThat(r.exit()).isZero();
    // 4009 from the server's close frame, 1000 from the client's; the reconnect runs from the
    // close (+82.600 s) to RESUMED (+83.130 s), which came zlib-stream compressed
    assertThat(r.out())
        .isEqualTo(
            """
            gatewatch replay %s (profile fluxer-seed): 16 lines accepted, 0 rejected
              sockets opened 2, frames 12 (unclassifiable 0)

            Closes by code
              code  name                          resumable    server  client    none   total
              1000  Normal Closure                true              0       1       0       1
              4009  Session Timeout               true              1       0       0       1

            Resume success rate: 100.0%% (1 of 1)
              failures: none
            Reconnect time (1 episodes: 0 via identify, 1 via resume): p50 530.0 ms  p95 530.0 ms\
              max 530.0 ms
            Heartbeat RTT client (3): p50 38.0 ms  p99 45.0 ms
            Heartbeat RTT server_request: none
              missed heartbeats: 0
            Sessions: 1 READY, 1 RESUMED; op 9 0, op 7 0

            Policy violations
              none
            """
                .formatted(FIREFOX));
  }

  @Test
  void aHarIsKnownByItsContentUnderAnyNameAndGzipped(@TempDir Path dir) throws Exception {
    Path renamed = dir.resolve("session.json");
    Files.copy(FIREFOX, renamed);
    Path gzipped = dir.resolve("session.har.gz");
    ReplayCommandTest.gzip(gzipped, Files.readAllLines(FIREFOX));

    Run one = run("replay", renamed.toString());
    Run two = run("replay", gzipped.toString());

    assertThat(one.exit()).as(one.err()).isZero();
    assertThat(one.out()).contains("16 lines accepted, 0 rejected", "4009  Session Timeout");
    assertThat(two.exit()).as(two.err()).isZero();
    assertThat(two.out()).contains("16 lines accepted, 0 rejected", "4009  Session Timeout");
  }

  @Test
  void aHarAndACaptureReplayTogetherAsOne(@TempDir Path dir) throws Exception {
    Path prom = dir.resolve("both.prom");
    Run r =
        run(
            "replay",
            CHROME.toString(),
            FIREFOX.toString(),
            ReplayCommandTest.SAMPLE.toString(),
            "--metrics-out",
            prom.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("178 lines accepted, 0 rejected"); // 15 + 16 + 147
    assertThat(Files.readAllLines(prom))
        .contains(
            "gateway_connections_opened_total{gateway=\"default\",source=\"replay\"} 27.0",
            "gateway_resume_total{gateway=\"default\",outcome=\"success\",source=\"replay\"} 6.0");
  }

  @Test
  void badMessagesAreReportedWithTheirLineAndTheRestIsReplayed(@TempDir Path dir) throws Exception {
    String har = Files.readString(FIREFOX);
    // the first socket's READY gets an opcode no browser writes, the last compressed ACK a base64
    // that is not
    String ready = "\"data\": \"{\\\"t\\\":\\\"READY";
    har =
        har.replace("\"opcode\": 1,\n            " + ready, "\"opcode\": 3,\n            " + ready);
    int lastBinary = har.lastIndexOf("\"opcode\": 2,");
    har =
        har.substring(0, lastBinary)
            + har.substring(lastBinary).replaceFirst("\"data\": \"", "\"data\": \"*");
    Path file = dir.resolve("broken.har");
    Files.writeString(file, har);

    Run r = run("replay", file.toString());

    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.err().lines())
        .containsExactly(
            file
                + ":148: entries[1]._webSocketMessages[2].opcode: 3 is not a WebSocket message"
                + " (1, 2, 8, 9 or 10)",
            file + ":297: entries[2]._webSocketMessages[4].data: not base64");
    // the rest is replayed: without READY the first session is unknown, so the resume links no
    // reconnect episode; without the last ACK a heartbeat goes unanswered
    assertThat(r.out())
        .contains(
            "14 lines accepted, 2 rejected",
            "  sockets opened 2, frames 10 (unclassifiable 0)",
            "Reconnect time: no reconnect episodes",
            "Heartbeat RTT client (2): p50 30.0 ms  p99 38.0 ms",
            "  missed heartbeats: 1",
            "Sessions: 0 READY, 1 RESUMED");
  }

  @Test
  void aHarWithoutAWebSocketIsAnErrorThatSaysSo(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("page.har");
    Files.writeString(
        file,
        "{\"log\":{\"version\":\"1.2\",\"entries\":[{\"request\":{\"url\":\"https://app/\"},"
            + "\"startedDateTime\":\"2024-11-28T10:33:20Z\"}]}}");
    Run r = run("replay", file.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "gatewatch replay: "
                + file
                + ": no WebSocket entry in the HAR (1 entries); export it from the developer"
                + " tools' network panel with the WebSocket open\n");
    assertThat(r.out()).isEmpty();

    Files.writeString(file, "{\"log\": [1, 2");
    Run broken = run("replay", file.toString());
    assertThat(broken.exit()).isEqualTo(1);
    assertThat(broken.err())
        .startsWith("gatewatch replay: " + file + ": not valid JSON at line 1: Unexpected end");
  }

  /** Report, stderr, the metrics file and every log line: none holds a secret of the HARs. */
  @Test
  void noOutputHoldsATokenOrAnythingElseTheHarsHid(@TempDir Path dir) throws Exception {
    Path prom = dir.resolve("out.prom");
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Level level = root.getLevel();
    root.setLevel(Level.TRACE);
    root.addAppender(logs);
    logs.start();
    Run r;
    try {
      r = run("replay", CHROME.toString(), FIREFOX.toString(), "--metrics-out", prom.toString());
    } finally {
      root.detachAppender(logs);
      root.setLevel(level);
    }

    assertThat(r.exit()).as(r.err()).isZero();
    String metrics = Files.readString(prom, StandardCharsets.UTF_8);
    String logged =
        String.join(
            "\n",
            logs.list.stream()
                .map(e -> e.getFormattedMessage() + " " + e.getMDCPropertyMap())
                .toList());
    assertThat(metrics).contains("gateway_resume_total");
    assertThat(logged).contains("resumes (success 2)"); // the activity log did run
    for (String secret : SECRETS) {
      assertThat(r.out()).as("report").doesNotContain(secret);
      assertThat(r.err()).as("stderr").doesNotContain(secret);
      assertThat(metrics).as("metrics").doesNotContain(secret);
      assertThat(logged).as("logs").doesNotContain(secret);
    }
  }
}
