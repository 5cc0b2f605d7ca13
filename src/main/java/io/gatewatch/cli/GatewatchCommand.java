package io.gatewatch.cli;

import picocli.CommandLine.Command;

/**
 * What every command shares, inherited by picocli from this annotation: -h and -V, the rule of
 * durations in the help's footer, and the converters of the values flags share, with the one-line
 * report of a bad value ({@link Converters.Install}), however the command line is made.
 */
@Command(
    mixinStandardHelpOptions = true,
    footer = {"", GatewatchCommand.DURATIONS},
    modelTransformer = Converters.Install.class)
abstract class GatewatchCommand {
  /** The footer of every command that reads a duration: the one rule, said where it applies. */
  static final String DURATIONS =
      "Durations take a unit: 500ms, 45s, 10m, 1h. A number alone (90) is refused, since it"
          + " could mean any unit; only 0 may stand alone.";
}
