package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gatewatch fleet} as a user runs it: what its summary says, how it stops. */
class FleetCommandTest {

  /** A connection that never opened is no close: the summary says the gateway did not answer. */
  @Test
  void aGatewayThatDoesNotAnswerIsNotCountedAsCloses() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    ReplayCommandTest.Run r =
        ReplayCommandTest.run(
            "fleet",
            "--url",
            "ws://127.0.0.1:" + port + "/?v=1&encoding=json",
            "--clients",
            "2",
            "--duration",
            "2s");

    assertThat(r.exit()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(lines.size() - 1))
        .startsWith("fleet: sockets 0, frames 0, closes none, connects failed ")
        .endsWith(" (last: connection refused)");
  }

  /** Ctrl-C or SIGTERM ends the run as --duration does: the last summary, exit 0. */
  @Test
  void aStopSignalPrintsTheSummaryAndExitsZero(@TempDir Path dir) throws Exception {
    try (GatewaySimulator sim =
        new GatewaySimulator(
                SimulatorSettings.builder()
                    .listen("127.0.0.1:0")
                    .heartbeatInterval(Duration.ofMillis(500))
                    .build())
            .start()) {
      Path log = dir.resolve("fleet.log");
      Process fleet =
          SigtermTest.gatewatch(
              log, "fleet", "--url", sim.url(), "--clients", "2", "--mix", "good=1");
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> sim.attachedSessionCount() == 2);
        fleet.destroy(); // SIGTERM
        assertThat(fleet.waitFor(SigtermTest.BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
        String out = Files.readString(log);
        assertThat(fleet.exitValue()).as(out).isZero();
        List<String> lines = out.lines().filter(l -> l.startsWith("fleet: sockets ")).toList();
        assertThat(lines).as(out).isNotEmpty();
        assertThat(lines.get(lines.size() - 1)).startsWith("fleet: sockets 2, frames ");
      } finally {
        fleet.destroyForcibly();
      }
    }
  }
}
