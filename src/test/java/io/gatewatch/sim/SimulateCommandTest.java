package io.gatewatch.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatewatch.cli.SimulateCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code gatewatch simulate} as a user runs it (through the command itself; Main adds it). */
class SimulateCommandTest {
  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(new SimulateCommand())
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void helpDescribesTheCommand() {
    Run r = run("--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .contains(
            "Usage: simulate",
            "--listen=HOST:PORT",
            "--ack-delay=SPEC",
            "--rate-limit=SPEC",
            "--valid-token=TOKEN",
            "starting with 'valid-'");
  }

  @Test
  void badUsageExits2WithAClearMessage() {
    record Case(String[] args, String message) {}
    Case[] cases = {
      new Case(
          new String[] {"--listen", "nowhere"},
          "gatewatch simulate: --listen: expected HOST:PORT, got \"nowhere\""),
      new Case(
          new String[] {"--interval", "soon"},
          "gatewatch simulate: --interval: expected a duration such as 500ms, 45s, 10m or 1h,"
              + " got \"soon\""),
      new Case(
          new String[] {"--interval", "0s"},
          "gatewatch simulate: --interval: must be positive, got \"0s\""),
      new Case(
          new String[] {"--rate-limit", "lots"},
          "gatewatch simulate: --rate-limit: expected a rate limit such as 120/60s (payloads per"
              + " window), got \"lots\""),
      new Case(
          new String[] {"--rate-limit", "120/60"},
          "gatewatch simulate: --rate-limit: the window \"60\" has no unit; add one, e.g. 60s"
              + " (units: ms, s, m, h)"),
      new Case(
          new String[] {"--ack-delay", "10ms..200"},
          "gatewatch simulate: --ack-delay: \"200\" has no unit; add one, e.g. 200s (units: ms,"
              + " s, m, h)"),
      new Case(
          new String[] {"--ack-delay", "fast"},
          "gatewatch simulate: --ack-delay: " + AckDelay.EXPECTED + ", got \"fast\""),
      new Case(
          new String[] {"--profile", "nope"},
          "gatewatch simulate: --profile: unknown profile \"nope\"; expected one of [fluxer-seed,"
              + " fluxer-current, discord] or a path to a YAML file"),
      new Case(
          new String[] {"--drop-probability", "3"},
          "gatewatch simulate: --drop-probability: must be from 0 to 1, got 3.0"),
      new Case(
          new String[] {"--config", "/no/such/file.yaml"},
          "gatewatch simulate: cannot read /no/such/file.yaml: no such file"),
    };
    for (Case c : cases) {
      Run r = run(c.args);
      assertThat(r.exit()).as(String.join(" ", c.args)).isEqualTo(2);
      assertThat(r.err().strip()).isEqualTo(c.message);
      assertThat(r.out()).isEmpty();
    }
    Run unknown = run("--bogus");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("Unknown option: '--bogus'");
  }

  @Test
  void configErrorsNameTheFileAndLine(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sim.yaml");
    Files.writeString(file, "simulator:\n  limits:\n    rate_limit: 5\n");
    Run r = run("--config", file.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().strip())
        .isEqualTo(
            "gatewatch simulate: "
                + file
                + ": simulator.limits.rate_limit (line 3): expected a rate limit such as 120/60s"
                + " (payloads per window), got \"5\"");
  }

  @Test
  void runsPrintsTheUrlAndStopsWith1001(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sim.yaml");
    Files.writeString(
        file, "simulator:\n  heartbeat_interval: 5s\n  dispatch_rate: 0\n  listen: 127.0.0.1:1\n");
    SimulateCommand command = new SimulateCommand();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl =
        new CommandLine(command)
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true));
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () ->
                cl.execute(
                    "--config", file.toString(), "--listen", "127.0.0.1:0", "--interval", "2s"));
    await().atMost(Duration.ofSeconds(10)).until(() -> out.toString().contains("\n"));
    String url = out.toString().strip();
    assertThat(url).matches("ws://127\\.0\\.0\\.1:\\d+/\\?v=1&encoding=json");

    try (WsClient c = WsClient.connect(url)) {
      assertThat(c.next().text()).isEqualTo("{\"d\":{\"heartbeat_interval\":2000},\"op\":10}");
      c.send(WsClient.identifyPayload("valid-cli")); // any valid- token
      c.expectDispatch("READY");
      command.stop();
      assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
      assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(1001, "Going Away"));
    }
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void aBusyPortExits1() throws Exception {
    try (GatewaySimulator busy =
        new GatewaySimulator(SimulatorSettings.builder().listen("127.0.0.1:0").build()).start()) {
      Run r = run("--listen", "127.0.0.1:" + busy.port());
      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.err())
          .startsWith("gatewatch simulate: cannot listen on 127.0.0.1:" + busy.port());
    }
  }
}
