package io.gatewatch.cli;

import io.gatewatch.config.ConfigException;
import io.gatewatch.export.LogFormat;
import io.gatewatch.export.Logging;
import io.gatewatch.metrics.AgentMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code gatewatch} command line. */
@Command(
    name = "gatewatch",
    versionProvider = Main.Version.class,
    description = {
      "Observability agent for real-time WebSocket gateways (Fluxer, Discord-style).",
      "Turns gateway connection events into the close-code distribution, the resume success"
          + " rate, the reconnection time and the heartbeat latency.",
      ""
    },
    subcommands = {
      DemoCommand.class,
      RunCommand.class,
      ProxyCommand.class,
      ProbeCommand.class,
      ReplayCommand.class,
      SimulateCommand.class,
      FleetCommand.class,
      CheckCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {"", "Run 'gatewatch COMMAND --help' for a command's options."})
public final class Main extends GatewatchCommand implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code (for tests: nothing calls System.exit). */
  public static int run(String... args) {
    Logging.bridgeJul();
    return commandLine().execute(args);
  }

  /** The command line as {@link #main} runs it, for tests that set its output streams. */
  static CommandLine commandLine() {
    return new CommandLine(new Main())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(Main::failed);
  }

  /**
   * A failure a command did not turn into its own message. One the environment causes (a file, a
   * port, the network: an {@link IOException}; a {@link ConfigException}) is one line on stderr,
   * exit 1 (2 for configuration), with the stack trace only at debug level ({@code
   * GATEWATCH_LOG_LEVEL=debug}); anything else is a bug and keeps its stack trace.
   */
  static int failed(Exception e, CommandLine command, CommandLine.ParseResult parsed)
      throws Exception {
    Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
    if (!(cause instanceof IOException) && !(cause instanceof ConfigException)) {
      throw e; // picocli prints it whole
    }
    String name = "gatewatch " + command.getCommandName();
    traceAtDebug(command.getCommandName(), e);
    command.getErr().println(name + ": " + describe(cause));
    command.getErr().flush();
    return cause instanceof ConfigException ? BAD_USAGE : FAILED;
  }

  /** An expected failure's stack trace, for {@code GATEWATCH_LOG_LEVEL=debug} only. */
  static void traceAtDebug(String command, Exception e) {
    log.debug("gatewatch {} failed", command, e);
  }

  /** A failure in a few words, with the file it concerns when there is one. */
  static String describe(Throwable e) {
    if (e instanceof FileSystemException f && f.getFile() != null) {
      return f.getFile() + ": " + ConfigException.describe(f);
    }
    if (e instanceof IOException io) {
      return ConfigException.describe(io);
    }
    return e.getMessage();
  }

  @Option(
      names = "--log-format",
      paramLabel = "text|json",
      scope = ScopeType.INHERIT,
      description =
          "Log lines on stderr: text (readable) or json (one object per line) (default: text).")
  void logFormat(LogFormat format) {
    Logging.formatFromFlag(format);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"gatewatch " + AgentMetrics.version()};
    }
  }
}
