package io.gatewatch.cli;

import picocli.CommandLine.Command;

/**
 * What every command shares, inherited by picocli from this annotation: -h and -V, the exit codes
 * and the rule of durations in the help, and the converters of the values flags share, with the
 * one-line report of a bad value, a missing option or an unknown flag, and the deprecated spellings
 * of flags ({@link Converters.Install}), however the command line is made.
 */
@Command(
    mixinStandardHelpOptions = true,
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      GatewatchCommand.OK + ":ok",
      GatewatchCommand.FAILED
          + ":the job's own failure (unhealthy probe, a problem in a checked file, unreadable"
          + " input, cannot listen, a part failed to stop)",
      GatewatchCommand.BAD_USAGE + ":bad usage (flags, configuration)",
      GatewatchCommand.PARTIAL + ":partial input (replay with rejected lines)"
    },
    footer = {"", GatewatchCommand.DURATIONS},
    modelTransformer = Converters.Install.class)
abstract class GatewatchCommand {
  /** Exit status: the job done. */
  static final int OK = 0;

  /** Exit status: the job's own failure (unhealthy, unreadable, cannot listen, a stop failed). */
  static final int FAILED = 1;

  /** Exit status: bad usage, a flag or the configuration. */
  static final int BAD_USAGE = 2;

  /** Exit status: the input was read, but some of it was rejected ({@code replay}). */
  static final int PARTIAL = 3;

  /** The footer of every command that reads a duration: the one rule, said where it applies. */
  static final String DURATIONS =
      "Durations take a unit: 500ms, 45s, 10m, 1h. A number alone (90) is refused, since it"
          + " could mean any unit; only 0 may stand alone.";
}
