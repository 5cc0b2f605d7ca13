package io.gatewatch.cli;

import io.gatewatch.config.HostPort;
import java.util.List;
import java.util.Map;
import java.util.Stack;
import picocli.CommandLine.IParameterPreprocessor;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The spellings a flag had before issue 23 gave one name to each thing, kept for one release: each
 * still works, is hidden from --help, and says once on stderr which flag replaces it.
 */
final class OldFlags {
  private OldFlags() {}

  /**
   * An old spelling of a command's flag.
   *
   * @param fallback the address it stood for when given without one ({@code --serve}), or null
   */
  record Alias(String command, String old, String now, String fallback) {}

  static final List<Alias> ALIASES =
      List.of(
          new Alias("proxy", "--metrics-listen", "--http-listen", null),
          new Alias("probe", "--metrics-listen", "--http-listen", null),
          new Alias("replay", "--serve", "--http-listen", AgentConfig.DEFAULT_HTTP_LISTEN),
          new Alias("demo", "--listen", "--http-listen", null),
          new Alias("demo", "--seed", "--random-seed", null),
          new Alias("simulate", "--seed", "--random-seed", null),
          new Alias("fleet", "--seed", "--random-seed", null));

  /**
   * Adds the command's old spellings as hidden options. Each hands its place on the command line to
   * the new flag, which picocli then parses as if it had been written: the same conversion, the
   * same messages, and no default over the value given.
   */
  static void install(CommandSpec spec) {
    for (Alias alias : ALIASES) {
      if (alias.command().equals(spec.name()) && spec.findOption(alias.now()) != null) {
        spec.addOption(
            OptionSpec.builder(alias.old())
                .hidden(true)
                .arity("0..1")
                .type(String.class)
                .preprocessor(renamed(alias))
                .build());
      }
    }
  }

  private static IParameterPreprocessor renamed(Alias alias) {
    return (Stack<String> args, CommandSpec spec, ArgSpec option, Map<String, Object> info) -> {
      spec.commandLine()
          .getErr()
          .println(
              "gatewatch "
                  + spec.name()
                  + ": "
                  + alias.old()
                  + " is deprecated; use "
                  + alias.now());
      spec.commandLine().getErr().flush();
      if (alias.fallback() != null && (args.isEmpty() || !isAddress(args.peek()))) {
        args.push(alias.fallback()); // given alone: the address it stood for, not the next word
      }
      args.push(alias.now());
      return true; // picocli goes on with the new flag at the top of the stack
    };
  }

  private static boolean isAddress(String text) {
    try {
      HostPort.parse(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
