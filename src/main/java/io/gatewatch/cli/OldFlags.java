package io.gatewatch.cli;

import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The spellings a flag had before issue 23 gave one name to each thing, kept for one release: each
 * still works, is hidden from --help, and says once on stderr which flag replaces it.
 */
final class OldFlags {
  private OldFlags() {}

  /** An old spelling of a command's flag, and the value it stands for when given alone. */
  record Alias(String command, String old, String now, String fallback) {}

  static final List<Alias> ALIASES =
      List.of(
          new Alias("proxy", "--metrics-listen", "--http-listen", null),
          new Alias("probe", "--metrics-listen", "--http-listen", null),
          // --serve took an optional value: given alone it still means the default address
          new Alias("replay", "--serve", "--http-listen", AgentConfig.DEFAULT_HTTP_LISTEN),
          new Alias("demo", "--listen", "--http-listen", null),
          new Alias("demo", "--seed", "--random-seed", null),
          new Alias("simulate", "--seed", "--random-seed", null),
          new Alias("fleet", "--seed", "--random-seed", null));

  /** Adds the command's old spellings as hidden options that set the new flag's value. */
  static void install(CommandSpec spec) {
    for (Alias alias : ALIASES) {
      OptionSpec now = spec.findOption(alias.now());
      if (!alias.command().equals(spec.name()) || now == null) {
        continue;
      }
      OptionSpec.Builder old =
          OptionSpec.builder(alias.old())
              .hidden(true)
              .paramLabel(now.paramLabel())
              .type(now.type())
              .auxiliaryTypes(now.auxiliaryTypes())
              .converters(now.converters())
              .arity(alias.fallback() == null ? now.arity().originalValue() : "0..1")
              .setter(
                  new ISetter() {
                    @Override
                    public <T> T set(T value) throws Exception {
                      if (value == null) {
                        return null; // picocli's initial value, not the flag given
                      }
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
                      return now.setValue(value);
                    }
                  });
      if (alias.fallback() != null) {
        old.fallbackValue(alias.fallback());
      }
      spec.addOption(old.build());
    }
  }
}
