package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.gatewatch.config.ConfigNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * What a newcomer meets when start-up fails for a reason outside gatewatch (a port taken, nothing
 * at the gateway's address, a file that cannot be read): one line that says what and where, and the
 * documented exit status; the stack trace only with {@code GATEWATCH_LOG_LEVEL=debug}. Run as real
 * processes, so everything the process prints is checked.
 */
class StartupErrorsTest {
  private record Exit(int status, List<String> stdout, List<String> stderr) {
    /** The stderr lines that are not the agent's own INFO log lines. */
    List<String> problems() {
      return stderr.stream()
          .filter(l -> !l.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO .*"))
          .toList();
    }
  }

  private static Exit gatewatch(Path dir, Map<String, String> env, String... args)
      throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "stdout", ".txt");
    Path err = Files.createTempFile(dir, "stderr", ".txt");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("GATEWATCH_") || k.startsWith("OTEL_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("gatewatch " + String.join(" ", args) + " did not exit");
    }
    return new Exit(
        p.exitValue(),
        Files.readAllLines(out, StandardCharsets.UTF_8),
        Files.readAllLines(err, StandardCharsets.UTF_8));
  }

  /** In this JVM, as {@link Main} runs it: what the command itself prints, and its status. */
  private static Exit inProcess(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status =
        Main.commandLine()
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
    return new Exit(status, out.toString().lines().toList(), err.toString().lines().toList());
  }

  private static ServerSocket taken() throws IOException {
    return new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = taken()) {
      return s.getLocalPort();
    }
  }

  @Test
  void aTakenPortIsOneLineAndExitOne() throws Exception {
    try (ServerSocket busy = taken()) {
      String at = "127.0.0.1:" + busy.getLocalPort();
      Exit demo =
          inProcess(
              "demo",
              "--http-listen",
              at,
              "--gateway-listen",
              "127.0.0.1:0",
              "--proxy-listen",
              "127.0.0.1:0",
              "--duration",
              "5s");
      assertThat(demo.status()).isEqualTo(1);
      assertThat(demo.problems())
          .containsExactly(
              "gatewatch demo: cannot listen on "
                  + at
                  + ": Address already in use (--http-listen)");

      // replay --http-listen binds before it replays: the port is known to be taken at once.
      Exit replay = inProcess("replay", "--http-listen", at, "samples/fluxer-sample.ndjson");
      assertThat(replay.status()).isEqualTo(1);
      assertThat(replay.stdout()).as("nothing replayed").isEmpty();
      assertThat(replay.problems())
          .containsExactly(
              "gatewatch replay: cannot listen on "
                  + at
                  + ": Address already in use (--http-listen)");

      Exit proxy =
          inProcess(
              "proxy",
              "--listen",
              at,
              "--upstream",
              "ws://127.0.0.1:1",
              "--http-listen",
              "127.0.0.1:0");
      assertThat(proxy.status()).isEqualTo(1);
      assertThat(proxy.problems())
          .containsExactly(
              "gatewatch proxy: cannot listen on " + at + ": Address already in use (--listen)");

      Exit proxyHttp =
          inProcess(
              "proxy",
              "--listen",
              "127.0.0.1:0",
              "--upstream",
              "ws://127.0.0.1:1",
              "--http-listen",
              at);
      assertThat(proxyHttp.status()).isEqualTo(1);
      assertThat(proxyHttp.problems())
          .containsExactly(
              "gatewatch proxy: cannot listen on "
                  + at
                  + ": Address already in use (--http-listen)");
    }
  }

  @Test
  void withDebugLoggingTheStackTraceFollows(@TempDir Path dir) throws Exception {
    try (ServerSocket busy = taken()) {
      String at = "127.0.0.1:" + busy.getLocalPort();
      Exit quiet =
          gatewatch(dir, Map.of(), "replay", "--http-listen", at, "samples/fluxer-sample.ndjson");
      assertThat(quiet.status()).isEqualTo(1);
      assertThat(quiet.problems())
          .containsExactly(
              "gatewatch replay: cannot listen on "
                  + at
                  + ": Address already in use (--http-listen)");
      assertThat(String.join("\n", quiet.stderr())).doesNotContain("\tat ", "Exception");

      Exit debug =
          gatewatch(
              dir,
              Map.of("GATEWATCH_LOG_LEVEL", "debug"),
              "replay",
              "--http-listen",
              at,
              "samples/fluxer-sample.ndjson");
      assertThat(debug.status()).isEqualTo(1);
      assertThat(debug.stderr())
          .contains("java.net.BindException: Address already in use")
          .anyMatch(l -> l.startsWith("\tat "))
          .contains(
              "gatewatch replay: cannot listen on "
                  + at
                  + ": Address already in use (--http-listen)");
    }
  }

  @Test
  void unreadableFilesAreOneLineAndExitTwo(@TempDir Path dir) throws Exception {
    Exit config = inProcess("run", "--config", dir.resolve("agent.yaml").toString());
    assertThat(config.status()).isEqualTo(2);
    assertThat(config.problems())
        .containsExactly(
            "gatewatch run: cannot read " + dir.resolve("agent.yaml") + ": no such file");

    Exit token =
        inProcess(
            "probe",
            "--url",
            "ws://127.0.0.1:1",
            "--token-file",
            dir.resolve("probe.token").toString());
    assertThat(token.status()).isEqualTo(2);
    assertThat(token.problems())
        .containsExactly(
            "gatewatch probe: --token-file: cannot read token file "
                + dir.resolve("probe.token")
                + ": no such file");
  }

  @Test
  void aCheckAgainstAGatewayThatIsNotThereSaysSoAtOnce(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("probe.token"), "valid-token\n");
    String url = "ws://127.0.0.1:" + freePort() + "/?v=1&encoding=json";
    long start = System.nanoTime();
    Exit once =
        inProcess(
            "probe", "--once", "--url", url, "--token-file", dir.resolve("probe.token").toString());
    assertThat(once.status()).isEqualTo(1);
    assertThat(once.problems())
        .containsExactly("gatewatch probe: cannot connect to " + url + ": connection refused");
    assertThat(once.stdout()).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("not the 3 minutes of --timeout")
        .isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void aProxyWhoseUpstreamIsNotThereSaysSoAndRunsAnyway() throws Exception {
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    Logger logger = (Logger) LoggerFactory.getLogger(AgentRunner.class);
    logger.addAppender(logs);
    int port = freePort();
    String yaml =
        "http: {listen: 127.0.0.1:0}\nproxies:\n  - gateway: eu-west\n    listen: 127.0.0.1:0\n"
            + "    upstream: ws://127.0.0.1:"
            + port
            + "\n";
    try (AgentRunner agent =
        AgentRunner.start(AgentConfig.read(ConfigNode.parse("agent.yaml", yaml), Map.of()))) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  logs.list.stream()
                      .anyMatch(
                          e ->
                              e.getFormattedMessage()
                                  .equals(
                                      "proxy eu-west: upstream ws://127.0.0.1:"
                                          + port
                                          + " unreachable at start (connection refused);"
                                          + " relaying anyway, clients get close 1014 until it"
                                          + " answers")));
      assertThat(agent.proxies()).hasSize(1);
      assertThat(agent.server().port()).isPositive();
    } finally {
      logger.detachAppender(logs);
    }
  }

  @Command(name = "broken")
  static final class Broken implements java.util.concurrent.Callable<Integer> {
    Exception failure;

    @Override
    public Integer call() throws Exception {
      throw failure;
    }
  }

  private static String run(Exception failure, int expectedStatus) {
    Broken broken = new Broken();
    broken.failure = failure;
    StringWriter err = new StringWriter();
    int status =
        new CommandLine(broken)
            .setErr(new PrintWriter(err, true))
            .setExecutionExceptionHandler(Main::failed)
            .execute();
    assertThat(status).isEqualTo(expectedStatus);
    return err.toString();
  }

  @Test
  void whatACommandLeavesUnhandledIsOneLineWhenTheEnvironmentCausedIt() {
    assertThat(run(new java.nio.file.NoSuchFileException("/var/lib/x.ndjson"), 1))
        .isEqualTo("gatewatch broken: /var/lib/x.ndjson: no such file\n");
    assertThat(run(new java.net.BindException("Address already in use"), 1))
        .isEqualTo("gatewatch broken: Address already in use\n");
    assertThat(run(new io.gatewatch.config.ConfigException("agent.yaml: x (line 1): bad"), 2))
        .isEqualTo("gatewatch broken: agent.yaml: x (line 1): bad\n");
    // A bug is not an expected failure: its stack trace is printed whole.
    assertThat(run(new IllegalStateException("a bug"), 1))
        .startsWith("java.lang.IllegalStateException: a bug")
        .contains("\tat ");
  }
}
