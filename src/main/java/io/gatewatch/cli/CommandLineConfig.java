package io.gatewatch.cli;

import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the one-tap commands ({@code proxy}, {@code probe}) share: their flags are written as the
 * configuration file they stand for, validated by {@link AgentConfig} like any file, and its errors
 * are turned back into the flags' names.
 */
final class CommandLineConfig {
  /** The name {@link io.gatewatch.config.ConfigNode#parse(String, String)} gives the text. */
  static final String SOURCE = "command line";

  private static final Pattern SYNTHETIC =
      Pattern.compile("^" + SOURCE + ": ([a-z_.\\[\\]0-9]+)(?: \\(line \\d+\\))?: ");

  private CommandLineConfig() {}

  /**
   * {@code command line: proxies[0].upstream (line 5): ...} becomes {@code --upstream: ...}; a
   * message about anything else is returned unchanged.
   *
   * @param flagFor the flag of a configuration path ({@code proxies[0].upstream})
   */
  static String asFlags(String message, Function<String, String> flagFor) {
    Matcher m = SYNTHETIC.matcher(message);
    return m.find() ? flagFor.apply(m.group(1)) + ": " + message.substring(m.end()) : message;
  }

  /**
   * The usual flag of a path below {@code prefix}: {@code proxies[0].idle_timeout} is
   * --idle-timeout.
   */
  static String flag(String path, String prefix) {
    return "--" + path.replaceFirst("^" + Pattern.quote(prefix), "").replace('_', '-');
  }

  /** A YAML double-quoted scalar. */
  static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
