package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code gatewatch replay} as a user runs it: report, exit codes, bad lines, metrics file. */
class ReplayCommandTest {
  static final Path SAMPLE = Path.of("samples/fluxer-sample.ndjson");

  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(new Main())
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void helpListsTheCommands() {
    Run r = run("--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("replay", "Run a capture");
  }

  @Test
  void theSampleReplaysCleanlyWithTheExpectedReport() {
    Run r = run("replay", SAMPLE.toString());

    assertThat(r.exit()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .contains(
            "147 lines accepted, 0 rejected",
            "  4009  Session Timeout               true              2       0       0       2",
            "  4004  Authentication Failed         false             3       0       0       3",
            "  1006  Abnormal Closure              true              0       0       3       3",
            "Resume success rate: 40.0% (4 of 10)",
            "  failures: invalid_session 1 invalid_sequence 2 auth_failed 1 closed 1 timeout 1",
            "Reconnect time (8 episodes: 4 via identify, 4 via resume): p50 2.04 s  p95 10.06 s"
                + "  max 10.06 s",
            "Heartbeat RTT client (13): p50 39.5 ms  p99 71.0 ms",
            "Heartbeat RTT server_request (1): p50 42.0 ms  p99 42.0 ms",
            "  missed heartbeats: 1",
            "  retry_unchanged_after_fatal            2  (other 1, unknown 1)",
            "  server_heartbeat_unanswered            2  (other 2)");
  }

  @Test
  void badLinesAreReportedWithTheirNumberSkippedAndExitTwo(@TempDir Path dir) throws Exception {
    List<String> lines = Files.readAllLines(SAMPLE).subList(0, 4);
    Path capture = dir.resolve("mixed.ndjson");
    Files.write(
        capture,
        List.of(
            lines.get(0),
            "{not json",
            lines.get(1),
            "{\"ts\":1,\"conn\":\"x\",\"type\":\"frame\",\"from\":\"nobody\",\"frame\":{}}",
            "",
            "{\"ts\":1,\"conn\":\"x\",\"type\":\"close\",\"code\":70000,\"by\":\"server\"}",
            lines.get(2),
            lines.get(3)));

    Run r = run("replay", capture.toString());

    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.err().lines())
        .containsExactly(
            capture
                + ":2: not valid JSON: Unexpected character ('n' (code 110)): was expecting"
                + " double-quote to start field name",
            capture + ":4: from: expected server or client",
            capture + ":6: code: 70000 is not a close code (1000-4999)");
    assertThat(r.out()).contains("4 lines accepted, 3 rejected", "Sessions: 1 READY, 0 RESUMED");
  }

  @Test
  void metricsOutWritesThePrometheusText(@TempDir Path dir) throws Exception {
    Path prom = dir.resolve("out.prom");
    Run r = run("replay", SAMPLE.toString(), "--metrics-out", prom.toString());

    assertThat(r.exit()).isZero();
    List<String> text = Files.readAllLines(prom);
    assertThat(text)
        .contains(
            "gateway_resume_total{gateway=\"default\",outcome=\"success\",source=\"replay\"} 4.0",
            "gateway_reconnect_duration_seconds_count{gateway=\"default\",source=\"replay\",via=\"resume\"} 4",
            "gatewatch_decode_errors_total{source=\"replay\"} 1.0",
            // the sample's clients name themselves "gatewatch-sample": in no table, other
            "gateway_client_resume_total{client=\"other\",gateway=\"default\","
                + "outcome=\"success\",source=\"replay\"} 4.0",
            "gateway_client_reconnect_duration_seconds_count{client=\"other\","
                + "gateway=\"default\",source=\"replay\"} 8") // all 8 episodes, either way
        // no timer's decaying _max gauge (the JVM's jvm_memory_max_bytes is a real gauge)
        .noneMatch(l -> l.matches("[a-z_]+_max[{ ].*"));
  }

  /** A browser's HAR: the Identify's browser (Chrome) makes every number web's. */
  @Test
  void aHarsBrowserIsTheClientOfItsSessions(@TempDir Path dir) throws Exception {
    Path prom = dir.resolve("out.prom");
    Run r =
        run(
            "replay",
            "src/test/resources/har/chrome-session.har",
            "--gateway",
            "web",
            "--metrics-out",
            prom.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    String web = "{client=\"web\",gateway=\"web\",";
    assertThat(
            Files.readAllLines(prom).stream()
                .filter(l -> l.startsWith("gateway_client_") && !l.endsWith(" 0.0"))
                .filter(l -> !l.contains("_bucket{") && !l.contains("_sum{") && !l.endsWith(" 0")))
        .containsExactlyInAnyOrder(
            "gateway_client_ready_total" + web + "source=\"replay\",via=\"identify\"} 1.0",
            "gateway_client_ready_total" + web + "source=\"replay\",via=\"resume\"} 1.0",
            "gateway_client_resume_total" + web + "outcome=\"success\",source=\"replay\"} 1.0",
            "gateway_client_reconnect_duration_seconds_count" + web + "source=\"replay\"} 1");
  }

  /** Time runs forwards on a socket: an earlier line is refused, never a negative round trip. */
  @Test
  void aLineEarlierThanItsSocketsPreviousIsRejected(@TempDir Path dir) throws Exception {
    Path capture = dir.resolve("backwards.ndjson");
    Files.write(
        capture,
        List.of(
            "{\"ts\":10000,\"conn\":\"c1\",\"type\":\"open\",\"url\":\"/?v=1\"}",
            "{\"ts\":10001,\"conn\":\"c1\",\"type\":\"frame\",\"from\":\"server\","
                + "\"frame\":{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}}",
            "{\"ts\":10100,\"conn\":\"c1\",\"type\":\"frame\",\"from\":\"client\","
                + "\"frame\":{\"op\":1,\"d\":null}}",
            "{\"ts\":10000,\"conn\":\"c1\",\"type\":\"frame\",\"from\":\"server\","
                + "\"frame\":{\"op\":11}}",
            "{\"ts\":10142,\"conn\":\"c1\",\"type\":\"frame\",\"from\":\"server\","
                + "\"frame\":{\"op\":11}}"));

    Run r = run("replay", capture.toString());

    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.err().lines())
        .containsExactly(
            capture
                + ":4: ts: 0.100 s before this socket's previous line; a socket's lines must be in"
                + " time order");
    assertThat(r.out())
        .contains("4 lines accepted, 1 rejected")
        .contains("Heartbeat RTT client (1): p50 42.0 ms  p99 42.0 ms");
  }

  @Test
  void aRotatedCaptureReplaysAsOneFromItsFilesInOrder(@TempDir Path dir) throws Exception {
    // the sample cut in three, the older two parts compressed as rotation leaves them
    List<String> lines = Files.readAllLines(SAMPLE);
    Path first = dir.resolve("c.ndjson.20241128T103000.000Z.gz");
    Path second = dir.resolve("c.ndjson.20241128T103100.000Z.gz");
    Path active = dir.resolve("c.ndjson");
    gzip(first, lines.subList(0, 50));
    gzip(second, lines.subList(50, 100));
    Files.write(active, lines.subList(100, lines.size()));
    Path whole = dir.resolve("whole.prom");
    Path parts = dir.resolve("parts.prom");

    Run one = run("replay", SAMPLE.toString(), "--metrics-out", whole.toString());
    Run three =
        run(
            "replay",
            first.toString(),
            second.toString(),
            active.toString(),
            "--metrics-out",
            parts.toString());

    assertThat(three.exit()).as(three.err()).isZero();
    assertThat(three.out())
        .startsWith(
            "gatewatch replay "
                + first
                + " "
                + second
                + " "
                + active
                + " (profile fluxer-seed):"
                + " 147 lines accepted, 0 rejected")
        .endsWith(one.out().substring(one.out().indexOf('\n')));
    assertThat(gatewayLines(parts)).isEqualTo(gatewayLines(whole)).isNotEmpty();
  }

  /** Rotated files given newest first are named: a socket spanning two files would count twice. */
  @Test
  void filesGivenNewestFirstAreNamed(@TempDir Path dir) throws Exception {
    List<String> lines = Files.readAllLines(SAMPLE);
    Path older = dir.resolve("c.ndjson.20241128T103000.000Z.gz");
    Path newer = dir.resolve("c.ndjson");
    gzip(older, lines.subList(0, 50));
    Files.write(newer, lines.subList(50, lines.size()));

    Run inOrder = run("replay", older.toString(), newer.toString());
    Run reversed = run("replay", newer.toString(), older.toString());

    assertThat(inOrder.err()).isEmpty();
    assertThat(reversed.err().lines())
        .filteredOn(l -> l.startsWith("gatewatch replay: "))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("gatewatch replay: " + older + " starts ")
        .endsWith(
            " s before the files ahead of it end; if these are one capture's rotated files, give"
                + " them oldest first");
  }

  static void gzip(Path file, List<String> lines) throws Exception {
    try (java.io.OutputStream out =
        new java.util.zip.GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(
          (String.join("\n", lines) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  static List<String> gatewayLines(Path prom) throws Exception {
    return Files.readAllLines(prom).stream().filter(l -> l.startsWith("gateway")).toList();
  }

  @Test
  void theGatewayLabelIsTheOperatorsName() {
    Run r = run("replay", SAMPLE.toString(), "--gateway", "eu-west-1");
    assertThat(r.exit()).isZero();

    Run bad = run("replay", SAMPLE.toString(), "--gateway", "has spaces");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).startsWith("gatewatch replay: --gateway: gateway name must match");
  }

  @Test
  void aMissingFileIsExitOneWithAClearMessage() {
    Run r = run("replay", "no/such/file.ndjson");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("gatewatch replay: no such file: no/such/file.ndjson\n");
  }

  @Test
  void anUnknownProfileIsBadUsage() {
    Run r = run("replay", SAMPLE.toString(), "--profile", "nope");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("gatewatch replay: ").contains("nope");
  }

  @Test
  void aBadDurationIsBadUsage() {
    Run r = run("replay", SAMPLE.toString(), "--link-window", "ten minutes");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "gatewatch replay: --link-window: expected a duration such as 500ms, 45s, 10m or 1h,"
                + " got \"ten minutes\"\n");

    Run zero = run("replay", SAMPLE.toString(), "--link-window", "0");
    assertThat(zero.exit()).isEqualTo(2);
    assertThat(zero.err())
        .isEqualTo("gatewatch replay: --link-window: must be above 0, got \"0\"\n");
  }
}
