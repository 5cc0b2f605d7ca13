package io.gatewatch.track;

import io.gatewatch.cli.Main;

/**
 * Breaks the dependency rule on purpose (a core class using the command line): ArchitectureTest.
 */
public final class ReachesUpFixture {
  private ReachesUpFixture() {}

  static String name() {
    return Main.class.getSimpleName();
  }
}
