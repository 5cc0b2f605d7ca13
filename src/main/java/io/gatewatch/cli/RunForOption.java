package io.gatewatch.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code --duration}: how long a command that otherwise runs until Ctrl-C runs (demo, fleet). */
final class RunForOption {
  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      description = "Stop after this long: 90s, 10m, 2h (default: until Ctrl-C).")
  Duration given;

  /** When to stop, on {@link System#nanoTime()}'s scale: never without --duration. */
  long endNanos(long startedNanos) {
    return given == null ? Long.MAX_VALUE : startedNanos + given.toNanos();
  }
}
