package io.gatewatch.cli;

import io.gatewatch.export.LogFormat;
import io.gatewatch.export.Logging;
import io.gatewatch.metrics.AgentMetrics;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code gatewatch} command line. */
@Command(
    name = "gatewatch",
    mixinStandardHelpOptions = true,
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
      CommandLine.HelpCommand.class
    },
    footer = {"", "Run 'gatewatch COMMAND --help' for a command's options."})
public final class Main implements Runnable {
  /** The footer of every command that reads a duration: the one rule, said where it applies. */
  static final String DURATIONS =
      "Durations take a unit: 500ms, 45s, 10m, 1h. A number alone (90) is refused, since it"
          + " could mean any unit; only 0 may stand alone.";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code (for tests: nothing calls System.exit). */
  public static int run(String... args) {
    Logging.bridgeJul();
    return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
  }

  @Option(
      names = "--log-format",
      paramLabel = "text|json",
      scope = ScopeType.INHERIT,
      description =
          "Log lines on stderr: text (readable, the default) or json (one object per line).")
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
