package io.gatewatch.cli;

import static io.gatewatch.cli.ReplayCommandTest.SAMPLE;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.cli.ReplayCommandTest.Run;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One table of exit codes for every command (README, "Exit status"): 0 ok; 1 the job's own failure
 * (unhealthy probe, unreadable input, cannot listen, a part failed to stop); 2 bad usage; 3 partial
 * input (replay with rejected lines).
 */
class ExitCodesTest {
  static final List<String> COMMANDS =
      List.of("demo", "run", "check", "proxy", "probe", "replay", "simulate", "fleet");

  private static Run run(String... args) {
    return ReplayCommandTest.run(args);
  }

  private static ServerSocket taken() throws IOException {
    return new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
  }

  private static GatewaySimulator gateway() throws IOException {
    return new GatewaySimulator(
            SimulatorSettings.builder()
                .listen("127.0.0.1:0")
                .dispatchRate(0)
                .heartbeatInterval(Duration.ofMillis(500))
                .heartbeatTimeout(Duration.ofMillis(2_000))
                .build())
        .start();
  }

  @Test
  void replay(@TempDir Path dir) throws Exception {
    assertThat(run("replay", SAMPLE.toString()).exit()).as("every line accepted").isEqualTo(0);

    Path partial = dir.resolve("partial.ndjson");
    Files.writeString(partial, Files.readAllLines(SAMPLE).get(0) + "\nnot a capture line\n");
    Run rejected = run("replay", partial.toString());
    assertThat(rejected.exit()).as("some lines rejected").isEqualTo(3);
    assertThat(rejected.err()).contains(partial + ":2: ");

    assertThat(run("replay", dir.resolve("missing.ndjson").toString()).exit())
        .as("unreadable")
        .isEqualTo(1);
    assertThat(run("replay", SAMPLE.toString(), "--link-window", "90").exit())
        .as("bad flag")
        .isEqualTo(2);
    assertThat(run("replay").exit()).as("no file").isEqualTo(2);
  }

  @Test
  void probeOnce(@TempDir Path dir) throws Exception {
    Path good = Files.writeString(dir.resolve("good"), "valid-exit\n");
    Path revoked = Files.writeString(dir.resolve("revoked"), "revoked-exit\n");
    try (GatewaySimulator sim = gateway()) {
      assertThat(run("probe", "--once", "--url", sim.url(), "--token-file", good.toString()).exit())
          .as("healthy")
          .isEqualTo(0);
      assertThat(
              run("probe", "--once", "--url", sim.url(), "--token-file", revoked.toString()).exit())
          .as("unhealthy")
          .isEqualTo(1);
    }
    try (ServerSocket closed = taken()) {
      String nowhere = "ws://127.0.0.1:" + closed.getLocalPort();
      closed.close();
      assertThat(run("probe", "--once", "--url", nowhere, "--token-file", good.toString()).exit())
          .as("unreachable")
          .isEqualTo(1);
    }
    assertThat(
            run(
                    "probe",
                    "--once",
                    "--url",
                    "ws://x",
                    "--token-file",
                    good.toString(),
                    "--heartbeats",
                    "0")
                .exit())
        .as("bad flag")
        .isEqualTo(2);
    assertThat(run("probe", "--once", "--token-file", good.toString()).exit())
        .as("no --url")
        .isEqualTo(2);
  }

  @Test
  void proxy() throws Exception {
    assertThat(run("proxy", "--upstream", "http://x").exit()).as("bad flag").isEqualTo(2);
    assertThat(run("proxy").exit()).as("no --upstream").isEqualTo(2);
    try (ServerSocket busy = taken()) {
      Run r =
          run(
              "proxy",
              "--upstream",
              "ws://127.0.0.1:1",
              "--listen",
              "127.0.0.1:0",
              "--http-listen",
              "127.0.0.1:" + busy.getLocalPort());
      assertThat(r.exit()).as("cannot listen: " + r.err()).isEqualTo(1);
    }
  }

  @Test
  void run(@TempDir Path dir) throws Exception {
    assertThat(run("run").exit()).as("no --config").isEqualTo(2);
    Path broken = Files.writeString(dir.resolve("agent.yaml"), "proxies: [{listen: x}]\n");
    assertThat(run("run", "--config", broken.toString()).exit()).as("bad file").isEqualTo(2);
    try (ServerSocket busy = taken()) {
      Path file =
          Files.writeString(
              dir.resolve("busy.yaml"),
              "http: {listen: 127.0.0.1:"
                  + busy.getLocalPort()
                  + "}\nproxies:\n  - {gateway: a, listen: 127.0.0.1:0, upstream: ws://127.0.0.1:1}\n");
      assertThat(run("run", "--config", file.toString()).exit()).as("cannot listen").isEqualTo(1);
    }
  }

  @Test
  void check(@TempDir Path dir) throws Exception {
    Path good = Files.writeString(dir.resolve("sim.yaml"), "simulator:\n  dispatch_rate: 2\n");
    assertThat(run("check", good.toString()).exit()).as("valid").isEqualTo(0);
    Path bad = Files.writeString(dir.resolve("bad.yaml"), "simulator:\n  dispatch_rate: x\n");
    assertThat(run("check", bad.toString()).exit()).as("a problem in the file").isEqualTo(1);
    assertThat(run("check").exit()).as("no file").isEqualTo(2);
  }

  @Test
  void simulate() throws Exception {
    // 0 on a stop: SimulateCommandTest.runsPrintsTheUrlAndStopsWith1001
    assertThat(run("simulate", "--interval", "0").exit()).as("bad flag").isEqualTo(2);
    try (ServerSocket busy = taken()) {
      assertThat(run("simulate", "--listen", "127.0.0.1:" + busy.getLocalPort()).exit())
          .as("cannot listen")
          .isEqualTo(1);
    }
  }

  @Test
  void fleet() throws Exception {
    assertThat(run("fleet").exit()).as("no --url").isEqualTo(2);
    assertThat(run("fleet", "--url", "ws://127.0.0.1:1", "--mix", "nobody=1").exit())
        .as("bad flag")
        .isEqualTo(2);
    try (GatewaySimulator sim = gateway()) {
      assertThat(run("fleet", "--url", sim.url(), "--clients", "1", "--duration", "1s").exit())
          .as("ran its time")
          .isEqualTo(0);
    }
  }

  @Test
  void demo() throws Exception {
    assertThat(run("demo", "--wire", "etf+zlib-stream").exit()).as("bad flag").isEqualTo(2);
    try (ServerSocket busy = taken()) {
      Run r =
          run(
              "demo",
              "--http-listen",
              "127.0.0.1:" + busy.getLocalPort(),
              "--gateway-listen",
              "127.0.0.1:0",
              "--proxy-listen",
              "127.0.0.1:0",
              "--duration",
              "5s");
      assertThat(r.exit()).as("cannot listen: " + r.err()).isEqualTo(1);
    }
  }

  @Test
  void aMissingOptionIsOneLineAndWhereToLook() {
    Run r = run("run");
    assertThat(r.err())
        .isEqualTo(
            "gatewatch run: Missing required option: '--config=FILE'\n"
                + "Try 'gatewatch run --help'.\n");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void anUnknownFlagIsOneLineAndWhereToLookInEveryCommand() {
    for (String command : COMMANDS) {
      Run r = run(command, "--no-such-flag");
      assertThat(r.exit()).as(command).isEqualTo(2);
      assertThat(r.err().lines())
          .as(command)
          .hasSize(2)
          .first()
          .asString()
          .startsWith("gatewatch " + command + ": ");
      assertThat(r.err()).as(command).endsWith("Try 'gatewatch " + command + " --help'.\n");
    }
  }
}
