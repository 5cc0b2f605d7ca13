package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code gatewatch check}: every problem of a file, with its path and line, nothing started. */
class CheckCommandTest {
  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int check(Map<String, String> env, String... args) {
    CheckCommand command = new CheckCommand();
    command.env = env;
    return new CommandLine(command)
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .execute(args);
  }

  private Path write(String name, String... lines) throws Exception {
    return Files.writeString(dir.resolve(name), String.join("\n", lines) + "\n");
  }

  @Test
  void theExamplesAreValid() {
    int status =
        check(
            Map.of("PROBE_TOKEN", "valid-probe", "INGEST_TOKEN", "ingest-secret"),
            "examples/agent.yaml",
            "examples/profile.yaml");
    assertThat(err.toString()).isEmpty();
    assertThat(out.toString())
        .isEqualTo(
            "examples/agent.yaml: valid run configuration\n"
                + "examples/profile.yaml: valid profile\n");
    assertThat(status).isZero();
  }

  /** The variables a run configuration names are part of it: missing here, a problem here. */
  @Test
  void aRunConfigurationIsCheckedInThisEnvironment() {
    assertThat(check(Map.of("PROBE_TOKEN", "valid-probe"), "examples/agent.yaml")).isEqualTo(1);
    assertThat(err.toString())
        .isEqualTo(
            "examples/agent.yaml: ingest.token_env (line 22): environment variable INGEST_TOKEN"
                + " is not set or empty\n");
  }

  @Test
  void everyProblemOfARunConfigurationWithItsPathAndLine() throws Exception {
    Path file =
        write(
            "agent.yaml",
            "http:", // 1
            "  listen: 127.0.0.1:99999", // 2
            "tracker:", // 3
            "  link_window: 10", // 4
            "proxies:", // 5
            "  - gateway: a", // 6
            "    listen: 0.0.0.0:8766", // 7
            "    upstream: gateway.example.com", // 8
            "  - gateway: b", // 9
            "    listen: 0.0.0.0:8767", // 10
            "    upstream: ws://gw:8080", // 11
            "    idle_timout: 2m", // 12
            "  - gateway: c", // 13
            "    listen: 0.0.0.0:8768", // 14
            "    upstream: ws://gw:8080", // 15
            "drain_period: 2h"); // 16
    assertThat(check(Map.of(), file.toString())).isEqualTo(1);
    assertThat(err.toString().split("\n"))
        .containsExactly(
            file
                + ": http.listen (line 2): port must be a number from 0 to 65535, got"
                + " \"127.0.0.1:99999\"",
            file
                + ": tracker.link_window (line 4): \"10\" has no unit; add one, e.g. 10s (units:"
                + " ms, s, m, h)",
            file + ": proxies[0].upstream (line 8): not a ws:// or wss:// URL",
            file
                + ": proxies[1].idle_timout (line 12): unknown key; expected one of [capture,"
                + " capture_keep, capture_max_size, capture_payloads, compressed_observation,"
                + " connect_timeout, gateway, idle_timeout, listen, max_connections,"
                + " max_frame_bytes, tls, upstream, upstream_ca]",
            file + ": drain_period (line 16): must be at most 60m");
    assertThat(out.toString()).isEqualTo(file + ": 5 problems in this run configuration\n");
  }

  @Test
  void everyProblemOfAProfile() throws Exception {
    Path file =
        write(
            "mine.yaml",
            "profile: mine", // 1
            "opcodes:", // 2
            "  - {code: 0, name: Dispatch, sent_by: server}", // 3
            "  - {code: 300, name: Big, sent_by: server}", // 4
            "close_codes:", // 5
            "  - code: 4000", // 6
            "    name: Unknown Error", // 7
            "    resumable: maybe", // 8
            "  - code: 4001", // 9
            "    name: Another", // 10
            "    resumable: true", // 11
            "    fatal: sometimes"); // 12
    assertThat(check(Map.of(), file.toString())).isEqualTo(1);
    assertThat(err.toString().split("\n"))
        .containsExactly(
            file + ": opcodes[1].code (line 4): opcode must be between 0 and 255, got 300",
            file
                + ": close_codes[0].resumable (line 8): expected one of [true, false,"
                + " conditional], got \"maybe\"",
            file + ": close_codes[1].fatal (line 12): expected true or false, got \"sometimes\"");
    assertThat(out.toString()).isEqualTo(file + ": 3 problems in this profile\n");
  }

  /** A problem is reported once, not again as the rules that read the value it had left out. */
  @Test
  void problemsThatOnlyFollowFromAnotherAreNotReported() throws Exception {
    Path missing = dir.resolve("nope.token");
    Path file =
        write(
            "agent.yaml",
            "http:", // 1
            "  auth:", // 2
            "    basic:", // 3
            "      user: ops", // 4
            "      password_sha256: not-a-hash", // 5
            "proxies:", // 6
            "  - gateway: a", // 7
            "    listen: 127.0.0.1:8766", // 8
            "    upstream: ws://gw:8080", // 9
            "    capture: " + dir.resolve("no-such-dir").resolve("x.ndjson"), // 10
            "    capture_max_size: 10MiB", // 11
            "probes:", // 12
            "  - url: wss://gw.example.com", // 13
            "    gateway: first", // 14
            "    token_file: " + missing, // 15
            "  - url: wss://gw.example.com", // 16
            "    gateway: second", // 17
            "    token_file: " + missing, // 18
            "    token_env: ALSO"); // 19
    assertThat(check(Map.of(), file.toString())).isEqualTo(1);
    String[] lines = err.toString().split("\n");
    assertThat(lines).hasSize(4);
    assertThat(lines[0]).startsWith(file + ": http.auth.basic.password_sha256 (line 5): ");
    assertThat(lines[1]).startsWith(file + ": proxies[0].capture (line 10): ");
    assertThat(lines[2]).startsWith(file + ": probes[0].token_file (line 15): ");
    // both keys given is a problem of its own, whatever the file holds
    assertThat(lines[3])
        .isEqualTo(
            file
                + ": probes[1] (line 16): exactly one of token_file and token_env is required"
                + " (never the token itself)");
    assertThat(out.toString()).isEqualTo(file + ": 4 problems in this run configuration\n");
  }

  @Test
  void aProfileProblemIsNotReportedAgainAsTheDrainsCloseCode() throws Exception {
    Path file =
        write(
            "mine.yaml",
            "profile: mine", // 1
            "opcodes:", // 2
            "  - {code: 0, name: Dispatch, sent_by: server}", // 3
            "close_codes:", // 4
            "  - code: 4000", // 5
            "    name: Unknown Error", // 6
            "    resumable: maybe", // 7
            "drain:", // 8
            "  close_code: 4000"); // 9
    assertThat(check(Map.of(), file.toString())).isEqualTo(1);
    assertThat(err.toString())
        .isEqualTo(
            file
                + ": close_codes[0].resumable (line 7): expected one of [true, false,"
                + " conditional], got \"maybe\"\n");
    assertThat(out.toString()).isEqualTo(file + ": 1 problem in this profile\n");
  }

  /** A variable laid over the file is named in its problem, and reported once. */
  @Test
  void aBadVariableIsNamedOnce() throws Exception {
    Path file =
        write(
            "agent.yaml",
            "http:", // 1
            "  listen: 127.0.0.1:9470", // 2
            "proxies:", // 3
            "  - gateway: a", // 4
            "    listen: 127.0.0.1:8766", // 5
            "    upstream: ws://gw:8080"); // 6
    int status =
        check(
            Map.of(
                "GATEWATCH_HTTP_LISTEN", "localhost",
                "GATEWATCH_PROXIES_0_UPSTREAM", "http://gw:8080"),
            file.toString());
    assertThat(status).isEqualTo(1);
    assertThat(err.toString().split("\n"))
        .containsExactly(
            file
                + ": http.listen (line 2): GATEWATCH_HTTP_LISTEN: expected HOST:PORT, got"
                + " \"localhost\"",
            file
                + ": proxies[0].upstream (line 6): GATEWATCH_PROXIES_0_UPSTREAM: not a ws:// or"
                + " wss:// URL");
    assertThat(out.toString()).isEqualTo(file + ": 2 problems in this run configuration\n");
  }

  @Test
  void aSimulatorFile() throws Exception {
    Path good = write("sim.yaml", "simulator:", "  heartbeat_interval: 5s");
    Path bad =
        write(
            "bad-sim.yaml",
            "simulator:", // 1
            "  heartbeat_interval: 5", // 2
            "  limits:", // 3
            "    rate_limit: lots"); // 4
    assertThat(check(Map.of(), good.toString(), bad.toString())).isEqualTo(1);
    assertThat(out.toString())
        .isEqualTo(
            good
                + ": valid simulator configuration\n"
                + bad
                + ": 2 problems in this simulator configuration\n");
    assertThat(err.toString().split("\n"))
        .hasSize(2)
        .satisfies(
            lines -> {
              assertThat(lines[0]).startsWith(bad + ": simulator.heartbeat_interval (line 2): ");
              assertThat(lines[1]).startsWith(bad + ": simulator.limits.rate_limit (line 4): ");
            });
  }

  @Test
  void unreadableAndBrokenFilesAreProblemsOfTheirOwn() throws Exception {
    Path broken = write("broken.yaml", "proxies: [", "");
    int status = check(Map.of(), dir.resolve("missing.yaml").toString(), broken.toString());
    assertThat(status).isEqualTo(1);
    assertThat(err.toString())
        .startsWith("cannot read " + dir.resolve("missing.yaml") + ": no such file\n")
        .contains(broken + " (line ");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void withoutAFileItIsBadUsage() {
    assertThat(check(Map.of())).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required parameter: 'FILE'");
  }
}
