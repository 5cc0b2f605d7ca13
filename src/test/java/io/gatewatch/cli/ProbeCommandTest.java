package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.cli.ReplayCommandTest.Run;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gatewatch probe --once} as cron or CI runs it: the report and the exit code. */
class ProbeCommandTest {
  @TempDir Path dir;
  private GatewaySimulator sim;

  @BeforeEach
  void startGateway() throws Exception {
    sim =
        new GatewaySimulator(
                SimulatorSettings.builder()
                    .listen("127.0.0.1:0")
                    .dispatchRate(0)
                    .heartbeatInterval(Duration.ofMillis(500))
                    .heartbeatTimeout(Duration.ofMillis(2_000))
                    .build())
            .start();
  }

  @AfterEach
  void stopGateway() {
    sim.close();
  }

  private Path token(String value) throws Exception {
    Path f = dir.resolve("token");
    Files.writeString(f, value + "\n");
    return f;
  }

  @Test
  void healthyGatewayExitsZeroWithTheReport() throws Exception {
    Run r =
        ReplayCommandTest.run(
            "probe", "--once", "--url", sim.url(), "--token-file", token("valid-cli").toString());

    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .startsWith("gatewatch probe --once: " + sim.url() + " (gateway default, 1 session)")
        .contains(
            "  ready time       ",
            "  heartbeats       2 acknowledged, 0 missed",
            "  RTT p50 / p99    ",
            "  resume           success",
            " via resume",
            "  closes seen      1000 Normal Closure by client, 4000 Unknown Error by client",
            "  verdict          HEALTHY")
        .doesNotContain("valid-cli");
  }

  @Test
  void badTokenExitsOneAndSaysWhy() throws Exception {
    Run r =
        ReplayCommandTest.run(
            "probe", "--once", "--url", sim.url(), "--token-file", token("revoked-cli").toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out())
        .contains(
            "  closes seen      4004 Authentication Failed by server",
            "  verdict          UNHEALTHY: close 4004 Authentication Failed once; not retrying:")
        .doesNotContain("revoked-cli");
    assertThat(r.err()).doesNotContain("revoked-cli");
  }

  @Test
  void badUsageExitsTwo() throws Exception {
    String file = token("valid-cli").toString();
    Run noToken = ReplayCommandTest.run("probe", "--once", "--url", sim.url());
    assertThat(noToken.exit()).isEqualTo(2);
    assertThat(noToken.err()).contains("--token-file", "--token-env");

    Run both =
        ReplayCommandTest.run(
            "probe", "--once", "--url", sim.url(), "--token-file", file, "--token-env", "X");
    assertThat(both.exit()).isEqualTo(2);

    Run badUrl =
        ReplayCommandTest.run("probe", "--once", "--url", "http://x", "--token-file", file);
    assertThat(badUrl.exit()).isEqualTo(2);
    assertThat(badUrl.err()).contains("gatewatch probe: --url: not a ws:// or wss:// URL");

    Run missingFile =
        ReplayCommandTest.run(
            "probe", "--once", "--url", sim.url(), "--token-file", dir.resolve("nope").toString());
    assertThat(missingFile.exit()).isEqualTo(2);
    assertThat(missingFile.err()).contains("cannot read token file");

    Run unsetEnv =
        ReplayCommandTest.run(
            "probe", "--once", "--url", sim.url(), "--token-env", "GATEWATCH_TEST_UNSET_TOKEN");
    assertThat(unsetEnv.exit()).isEqualTo(2);
    assertThat(unsetEnv.err()).contains("GATEWATCH_TEST_UNSET_TOKEN is not set");

    Run badSessions =
        ReplayCommandTest.run("probe", "--url", sim.url(), "--token-file", file, "--sessions", "0");
    assertThat(badSessions.exit()).isEqualTo(2);
    assertThat(badSessions.err()).contains("gatewatch probe: --sessions: must be at least 1");

    Run noTime =
        ReplayCommandTest.run(
            "probe", "--once", "--url", sim.url(), "--token-file", file, "--timeout", "0");
    assertThat(noTime.exit()).isEqualTo(2);
    assertThat(noTime.err()).isEqualTo("gatewatch probe: --timeout: must be above 0, got \"0\"\n");
  }
}
