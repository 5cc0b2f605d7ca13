package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatewatch.server.MetricsDocTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The demo, run as a user would for a short while, moves every metric its mix can produce. */
class DemoCommandTest {

  /**
   * Catalogue metrics the demo cannot produce: the probe's own (issue 5), the proxy's failures (its
   * upstream is healthy and its observation does not fail), unobserved frames (the demo speaks
   * plain JSON), evictions (its state never fills up) and refused connections (the fleet is far
   * under the proxy's limit, and its endpoints ask for no credentials), its capture's rotations and
   * drops (it writes far less than 100 MiB, and fast enough), and the shared session directory's
   * errors (the demo is one process: it shares no reconnect state through Redis).
   */
  static final Set<String> NOT_FROM_THE_DEMO =
      Set.of(
          "gatewatch_upstream_errors_total",
          "gatewatch_observer_errors_total",
          "gatewatch_frames_unobserved_total",
          "gatewatch_evictions_total",
          "gatewatch_connections_refused_total",
          "gatewatch_http_auth_failures_total",
          "gatewatch_capture_rotations_total",
          "gatewatch_capture_dropped_total",
          "gatewatch_correlation_errors_total",

          // the drain runs after the metrics are written (as the run ended, before its stop)
          "gatewatch_drained_total",
          "gatewatch_drain_remaining");

  /** Starts the demo on free ports, writing its final metrics to {@code prom}. */
  private static CompletableFuture<Integer> demo(
      Path prom, StringWriter out, StringWriter err, String... more) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "demo",
                "--http-listen",
                "127.0.0.1:0",
                "--gateway-listen",
                "127.0.0.1:0",
                "--proxy-listen",
                "127.0.0.1:0",
                "--metrics-out",
                prom.toString()));
    args.addAll(List.of(more));
    return CompletableFuture.supplyAsync(
        () ->
            new CommandLine(new Main())
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args.toArray(String[]::new)));
  }

  @Test
  void aWireTheProfileDoesNotOfferIsRefusedAtStartUp() {
    StringWriter err = new StringWriter();
    CommandLine cli =
        new CommandLine(new Main())
            .setOut(new PrintWriter(new StringWriter(), true))
            .setErr(new PrintWriter(err, true));
    assertThat(cli.execute("demo", "--wire", "etf+zlib-stream")).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "gatewatch demo: --wire: encoding etf is not offered by the fluxer-seed profile's"
                + " gateway (it offers [json]); try --profile discord"
                + System.lineSeparator());
    err.getBuffer().setLength(0);
    assertThat(cli.execute("demo", "--mix", "good=1,deaf:zlib-stream=1")).isEqualTo(2);
    assertThat(err.toString())
        .startsWith(
            "gatewatch demo: --mix: deaf: compression zlib-stream is not offered by the"
                + " fluxer-seed profile's gateway (it offers [zstd-stream])");
    err.getBuffer().setLength(0);
    assertThat(cli.execute("demo", "--mix", "good:xml=1")).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("gatewatch demo: --mix: good: unknown wire \"xml\"; expected json or etf");
  }

  /** The demo adds the fleet's 7 client names: a table already near the bound is refused. */
  @Test
  void aProfileWithoutRoomForTheFleetsNamesIsRefusedAtStartUp(@TempDir Path dir) throws Exception {
    StringBuilder profile =
        new StringBuilder(
            Files.readString(
                Path.of("src/main/resources/io/gatewatch/protocol/profiles/fluxer-seed.yaml")));
    for (int i = 1; i <= 21; i++) { // 8 of its own + 21 = the 29 a table may have
      profile.append("  - {client: lib").append(i).append(", browser: [lib").append(i);
      profile.append("]}\n");
    }
    Path file = dir.resolve("full.yaml");
    Files.writeString(file, profile);
    StringWriter err = new StringWriter();
    CommandLine cli =
        new CommandLine(new Main())
            .setOut(new PrintWriter(new StringWriter(), true))
            .setErr(new PrintWriter(err, true));
    assertThat(cli.execute("demo", "--profile", file.toString())).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "gatewatch demo: --profile: at most 29 client values, got 36 (the demo adds the"
                + " fleet's 7)"
                + System.lineSeparator());
  }

  @Test
  void aShortRunMovesEveryMetricTheMixCanProduce(@TempDir Path dir) throws Exception {
    Path prom = dir.resolve("demo.prom");
    Path capture = dir.resolve("demo.ndjson");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CompletableFuture<Integer> run =
        demo(
            prom,
            out,
            err,
            "--duration",
            "35s",
            "--capture",
            capture.toString(),
            "--drain-period",
            "2s");

    // A newcomer posts the bundled capture to the demo's open ingest endpoint.
    Pattern ingestAt = Pattern.compile("ingest +POST (http://\\S+/v1/capture)");
    await().atMost(Duration.ofSeconds(30)).until(() -> ingestAt.matcher(out.toString()).find());
    Matcher m = ingestAt.matcher(out.toString());
    assertThat(m.find()).isTrue();
    HttpResponse<String> posted =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(m.group(1)))
                    .POST(
                        HttpRequest.BodyPublishers.ofFile(Path.of("samples/fluxer-sample.ndjson")))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(posted.statusCode()).isEqualTo(200);
    assertThat(posted.body()).startsWith("{\"accepted\":").endsWith("\"rejected\":[]}\n");

    int exit = run.get(120, TimeUnit.SECONDS);
    assertThat(exit).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains(
            "gatewatch demo",
            "gateway (simulated)  ws://127.0.0.1:",
            "proxy (watched)      ws://127.0.0.1:",
            "metrics ")
        .contains("] closes ", "| resume ", "| reconnect p95 ", "| heartbeat p99 ")
        .contains("gatewatch demo: final report", "Resume success rate: ");
    // the end drains the proxy as a deploy would: the fleet's sockets asked over the period
    Matcher drained =
        Pattern.compile(
                "stopping: asking the proxy's (\\d+) sockets to reconnect over 2s \\(op 7"
                    + " Reconnect, then close 4000 Unknown Error\\); Ctrl-C again closes at once\n"
                    + "stopping: (\\d+) of (\\d+) sockets asked to reconnect; closing the rest with"
                    + " 1001\n")
            .matcher(out.toString());
    assertThat(drained.find()).as(out.toString()).isTrue();
    assertThat(Integer.parseInt(drained.group(1))).isPositive();
    assertThat(drained.group(3)).isEqualTo(drained.group(1));
    assertThat(Integer.parseInt(drained.group(2))).isPositive();

    List<String> lines = Files.readAllLines(prom);
    Map<String, MetricsDocTest.Doc> catalogue = MetricsDocTest.documented();
    for (String metric : catalogue.keySet()) {
      if (NOT_FROM_THE_DEMO.contains(metric)) {
        continue;
      }
      String sample = catalogue.get(metric).type().equals("histogram") ? metric + "_count" : metric;
      assertThat(lines)
          .as(metric + " has a non-zero sample")
          .anyMatch(
              l -> (l.startsWith(sample + "{") || l.startsWith(sample + " ")) && value(l) > 0);
    }
    assertThat(lines)
        .anyMatch(
            l ->
                l.startsWith("gateway_connections_opened_total{")
                    && l.contains("source=\"ingest\"")
                    && value(l) > 0);
    // The capture replays cleanly.
    StringWriter replayed = new StringWriter();
    assertThat(
            new CommandLine(new Main())
                .setOut(new PrintWriter(replayed, true))
                .setErr(new PrintWriter(replayed, true))
                .execute("replay", capture.toString()))
        .as(replayed.toString())
        .isZero();
    // The violations of every behaviour in the mix.
    for (String rule :
        List.of(
            "heartbeat_late",
            "server_heartbeat_unanswered",
            "retry_unchanged_after_fatal",
            "resume_after_non_resumable",
            "identify_twice")) {
      assertThat(lines)
          .as(rule)
          .anyMatch(
              l ->
                  l.startsWith("gateway_policy_violations_total{")
                      && l.contains("rule=\"" + rule + "\"")
                      && value(l) > 0);
    }
    // ...and none from the probe, which follows the seed's strategy by the book
    assertThat(lines)
        .filteredOn(
            l -> l.startsWith("gateway_policy_violations_total{") && l.contains("source=\"probe\""))
        .allMatch(l -> value(l) == 0);
    eachBehaviourIsCountedUnderItsOwnClientName(lines);
  }

  /**
   * Each fleet behaviour names itself in its Identify and the demo's table has the names, so the
   * by-client families say which "library" breaks which rule: exactly the rules it breaks where the
   * behaviour makes that certain within the run, and never a rule of another behaviour.
   */
  private static void eachBehaviourIsCountedUnderItsOwnClientName(List<String> lines) {
    Map<String, Set<String>> broken =
        nonZero(lines, "gateway_client_violations_total{", "proxy", "rule");
    // what each may break in the demo (a slow client may also leave a request unanswered, a
    // deaf one beat late; the flooder needs longer than a short run to reach its 4008)...
    Map<String, Set<String>> mayBreak =
        Map.of(
            "fleet-slow", Set.of("heartbeat_late", "server_heartbeat_unanswered"),
            "fleet-deaf", Set.of("server_heartbeat_unanswered", "heartbeat_late"),
            "fleet-bad-token", Set.of("retry_unchanged_after_fatal"),
            "fleet-flooder", Set.of("reconnect_too_soon_after_rate_limit"),
            "fleet-stale-resumer", Set.of("resume_after_non_resumable"),
            "fleet-sloppy", Set.of("identify_twice", "payload_too_large"));
    // ...and what each breaks every time
    Map<String, Set<String>> alwaysBreaks =
        Map.of(
            "fleet-slow", Set.of("heartbeat_late"),
            "fleet-deaf", Set.of("server_heartbeat_unanswered"),
            "fleet-bad-token", Set.of("retry_unchanged_after_fatal"),
            "fleet-stale-resumer", Set.of("resume_after_non_resumable"),
            "fleet-sloppy", Set.of("identify_twice"));
    // fleet-good, unknown, other and gatewatch-probe break nothing through the proxy
    assertThat(broken.keySet()).containsAll(alwaysBreaks.keySet()).isSubsetOf(mayBreak.keySet());
    for (Map.Entry<String, Set<String>> e : broken.entrySet()) {
      assertThat(e.getValue())
          .as(e.getKey() + " breaks")
          .isSubsetOf(mayBreak.get(e.getKey()))
          .containsAll(alwaysBreaks.getOrDefault(e.getKey(), Set.of()));
    }
    // Every behaviour but bad-token holds sessions; every socket is named, none unknown or other.
    assertThat(nonZero(lines, "gateway_client_ready_total{", "proxy", "via").keySet())
        .containsExactlyInAnyOrder(
            "fleet-good",
            "fleet-slow",
            "fleet-deaf",
            "fleet-flooder",
            "fleet-stale-resumer",
            "fleet-sloppy");
    Map<String, Set<String>> resumes =
        nonZero(lines, "gateway_client_resume_total{", "proxy", "outcome");
    assertThat(resumes.keySet())
        .containsExactlyInAnyOrder(
            "fleet-good",
            "fleet-slow",
            "fleet-deaf",
            "fleet-flooder",
            "fleet-stale-resumer",
            "fleet-sloppy");
    assertThat(resumes.get("fleet-good")).contains("success");
    assertThat(resumes.get("fleet-stale-resumer")).contains("invalid_sequence");
    // The probe holds its sessions under its own name.
    assertThat(nonZero(lines, "gateway_client_ready_total{", "probe", "via"))
        .isEqualTo(Map.of("gatewatch-probe", Set.of("identify", "resume")));
  }

  /**
   * For one source, the {@code client} values of a family's non-zero samples, each with the values
   * of {@code label} it has non-zero samples for.
   */
  private static Map<String, Set<String>> nonZero(
      List<String> lines, String family, String source, String label) {
    Pattern client = Pattern.compile("client=\"([^\"]+)\"");
    Pattern other = Pattern.compile(label + "=\"([^\"]+)\"");
    Map<String, Set<String>> out = new TreeMap<>();
    for (String l : lines) {
      if (l.startsWith(family) && l.contains("source=\"" + source + "\"") && value(l) > 0) {
        Matcher c = client.matcher(l);
        Matcher o = other.matcher(l);
        assertThat(c.find() && o.find()).as(l).isTrue();
        out.computeIfAbsent(c.group(1), k -> new TreeSet<>()).add(o.group(1));
      }
    }
    return out;
  }

  /**
   * Clients that follow the seed's strategy exactly break no rule, through every fault the demo
   * injects (drains, dropped connections, expired sessions, delayed ACKs) and under the load of a
   * build machine; neither does the probe.
   */
  @Test
  void goodClientsAndTheProbeBreakNoRule(@TempDir Path dir) throws Exception {
    Path prom = dir.resolve("demo.prom");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        demo(prom, out, err, "--duration", "30s", "--mix", "good=30").get(120, TimeUnit.SECONDS);
    assertThat(exit).as(err.toString()).isZero();
    List<String> lines = Files.readAllLines(prom);
    // the faults happened: sockets were drained, dropped and resumed
    assertThat(sum(lines, "gateway_reconnect_requests_total{", "source=\"proxy\"")).isPositive();
    assertThat(sum(lines, "gateway_resume_total{", "outcome=\"success\"")).isPositive();
    assertThat(sum(lines, "gateway_heartbeat_rtt_seconds_count{", "source=\"proxy\"")).isPositive();
    assertThat(lines)
        .filteredOn(l -> l.startsWith("gateway_policy_violations_total{"))
        .allMatch(l -> value(l) == 0, "no violation from any source");
    // every session under the good clients' own name, the probe's under its own
    assertThat(nonZero(lines, "gateway_client_ready_total{", "proxy", "via"))
        .isEqualTo(Map.of("fleet-good", Set.of("identify", "resume")));
    assertThat(nonZero(lines, "gateway_client_ready_total{", "probe", "via"))
        .isEqualTo(Map.of("gatewatch-probe", Set.of("identify", "resume")));
    assertThat(nonZero(lines, "gateway_client_violations_total{", "proxy", "rule")).isEmpty();
  }

  private static double sum(List<String> lines, String prefix, String contains) {
    return lines.stream()
        .filter(l -> l.startsWith(prefix) && l.contains(contains))
        .mapToDouble(DemoCommandTest::value)
        .sum();
  }

  private static double value(String line) {
    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
  }
}
