package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatewatch.config.ConfigNode;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stop that goes wrong still stops: every part is closed even when one fails to close, and a
 * close that hangs meets a deadline after which the process says what hung and exits non-zero.
 */
class StopTest {

  @Test
  void aPartThatFailsToCloseLeavesNoPortOpen() throws Exception {
    AgentConfig config =
        AgentConfig.read(
            ConfigNode.parse(
                "test",
                "http: {listen: \"127.0.0.1:0\"}\nproxies:\n  - gateway: g\n    listen:"
                    + " \"127.0.0.1:0\"\n    upstream: ws://127.0.0.1:9\n"),
            Map.of());
    AgentRunner agent = AgentRunner.start(config);
    int proxyPort = agent.proxies().get(0).proxy().port();
    int httpPort = agent.server().port();
    assertThat(SigtermTest.accepts(proxyPort)).isTrue();
    assertThat(SigtermTest.accepts(httpPort)).isTrue();
    agent.closeFirst(
        "the broken part",
        () -> {
          throw new IllegalStateException("broken on purpose");
        });

    assertThat(agent.stop()).as("a part failed to close").isFalse();

    assertThat(SigtermTest.accepts(proxyPort)).as("the proxy's port").isFalse();
    assertThat(SigtermTest.accepts(httpPort)).as("the HTTP port").isFalse();
    assertThat(agent.stop()).as("stopping again changes nothing").isFalse();
  }

  @Test
  void everyPartIsClosedInOrderEvenAfterAFailure() {
    List<String> closed = new ArrayList<>();
    Shutdown s =
        new Shutdown(code -> {})
            .add("a", () -> closed.add("a"))
            .add(
                "b",
                () -> {
                  closed.add("b");
                  throw new java.io.IOException("b broke");
                })
            .add("c", () -> closed.add("c"));
    s.addFirst("first", () -> closed.add("first"));
    assertThat(s.closeAll()).isFalse();
    assertThat(closed).containsExactly("first", "a", "b", "c");
    assertThat(new Shutdown(code -> {}).add("fine", () -> {}).closeAll()).isTrue();
  }

  @Test
  void pastTheDeadlineTheProcessIsHaltedWithStatus1() throws Exception {
    AtomicInteger halted = new AtomicInteger(-1);
    CountDownLatch haltedLatch = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Shutdown s =
        new Shutdown(
                code -> {
                  halted.set(code);
                  haltedLatch.countDown();
                  release.countDown(); // in a real process, halt() would end it here
                })
            .add("the stuck part", release::await);
    s.deadline(Duration.ofMillis(200));
    assertThat(s.closeAll()).isTrue(); // returns once the test's halt released it
    assertThat(haltedLatch.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(halted.get()).isEqualTo(1);
  }

  @Test
  void theRealProcessExitsAndFreesItsPortsWhenAPartFailsToClose(@TempDir Path dir)
      throws Exception {
    try (GatewaySimulator sim = simulator()) {
      Stopped s = stopBroken(dir, "throw", sim, "10s");
      assertThat(s.exitCode).as(s.log).isEqualTo(1);
      assertThat(s.log)
          .contains("stopping: closing the broken part failed; closing the rest")
          .contains("java.lang.IllegalStateException: broken on purpose")
          .contains("stopping: 1 of 5 parts failed to close")
          .contains("proxy on 127.0.0.1:" + s.proxyPort + " stopped");
      assertThat(Duration.ofNanos(s.took)).isLessThan(Duration.ofSeconds(10));
    }
  }

  @Test
  void aCloseThatHangsMeetsTheDeadlineAndTheLogSaysWhatHung(@TempDir Path dir) throws Exception {
    try (GatewaySimulator sim = simulator()) {
      Stopped s = stopBroken(dir, "hang", sim, "2s");
      assertThat(s.exitCode).as(s.log).isEqualTo(1);
      assertThat(s.log)
          .contains(
              "the stop did not finish within 2.0s: still closing the broken part; non-daemon"
                  + " threads alive: [")
          .contains("java.lang.Throwable: where main is")
          .contains("io.gatewatch.cli.BrokenStopAgent.lambda$main")
          .contains("io.gatewatch.cli.Shutdown.closeAll");
      assertThat(Duration.ofNanos(s.took))
          .as("the deadline, then the halt")
          .isBetween(Duration.ofSeconds(2), Duration.ofSeconds(10));
    }
  }

  record Stopped(int exitCode, String log, long took, int proxyPort) {}

  /** Starts BrokenStopAgent, sends SIGTERM, waits for it to end; its ports are free after. */
  private static Stopped stopBroken(Path dir, String mode, GatewaySimulator sim, String deadline)
      throws Exception {
    int proxyPort = SigtermTest.freePort();
    int httpPort = SigtermTest.freePort();
    Path log = dir.resolve(mode + ".log");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-cp",
                System.getProperty("java.class.path"),
                BrokenStopAgent.class.getName(),
                mode,
                String.valueOf(proxyPort),
                String.valueOf(httpPort),
                "ws://127.0.0.1:" + sim.port(),
                deadline)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  !p.isAlive()
                      || (SigtermTest.accepts(proxyPort)
                          && SigtermTest.accepts(httpPort)
                          && Files.readString(log).contains("HTTP endpoints on")));
      assertThat(p.isAlive()).as(Files.readString(log)).isTrue();
      long t0 = System.nanoTime();
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the process ended").isTrue();
      long took = System.nanoTime() - t0;
      assertThat(SigtermTest.accepts(proxyPort)).isFalse();
      assertThat(SigtermTest.accepts(httpPort)).isFalse();
      return new Stopped(p.exitValue(), Files.readString(log), took, proxyPort);
    } finally {
      p.destroyForcibly();
    }
  }

  private static GatewaySimulator simulator() throws java.io.IOException {
    return new GatewaySimulator(SimulatorSettings.builder().listen("127.0.0.1:0").build()).start();
  }
}
