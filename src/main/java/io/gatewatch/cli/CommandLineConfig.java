package io.gatewatch.cli;

import io.gatewatch.config.ConfigException;
import io.gatewatch.config.ConfigNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What the one-tap commands ({@code proxy}, {@code probe}) share: the agent's flags (HTTP
 * endpoints, the gateway label, profile, correlation), and the way their flags are read: written as
 * the configuration file they stand for, validated by {@link AgentConfig} like any file, its errors
 * turned back into the flags' names.
 */
final class CommandLineConfig {
  /** The name {@link io.gatewatch.config.ConfigNode#parse(String, String)} gives the text. */
  static final String SOURCE = "command line";

  private static final Pattern SYNTHETIC =
      Pattern.compile("^" + SOURCE + ": ([a-z_.\\[\\]0-9]+)(?: \\(line \\d+\\))?: ");

  @Option(
      names = "--http-listen",
      paramLabel = "HOST:PORT",
      defaultValue = AgentConfig.DEFAULT_HTTP_LISTEN,
      description =
          "HTTP endpoints: /metrics, /-/healthy, /-/ready and the status page (default:"
              + " ${DEFAULT-VALUE}).")
  String httpListen;

  @Mixin GatewayOption gateway;

  @Mixin ProfileOption profile;

  @Mixin CorrelationOptions correlation;

  /**
   * Reads the configuration the flags stand for and runs it until SIGTERM or Ctrl-C; a bad flag is
   * one line naming it, exit 2.
   *
   * @param section {@code proxies} or {@code probes}: where the one tap's {@code entry} goes
   * @param entry the tap's settings, one {@code key: value} each
   * @param top more top-level settings ({@code drain_period: 10s}), or none
   * @param ownFlag the command's own flag of a configuration path, or null for the usual one
   */
  int runUntilStopped(
      String command,
      String section,
      List<String> entry,
      List<String> top,
      Function<String, String> ownFlag,
      PrintWriter err)
      throws InterruptedException {
    AgentConfig config;
    try {
      config =
          AgentConfig.read(ConfigNode.parse(SOURCE, yaml(section, entry, top)), System.getenv());
    } catch (ConfigException e) {
      err.println("gatewatch " + command + ": " + asFlags(e.getMessage(), section, ownFlag));
      return GatewatchCommand.BAD_USAGE;
    }
    return AgentRunner.runUntilStopped(
        command, config, AgentRunner.StartFailure.Settings.FLAGS, err);
  }

  /** The flags as the configuration file they stand for; one validation for both. */
  private String yaml(String section, List<String> entry, List<String> top) {
    StringBuilder yaml = new StringBuilder();
    yaml.append("http: {listen: ").append(quote(httpListen)).append("}\n");
    yaml.append("profile: ").append(quote(profile.name())).append('\n');
    top.forEach(line -> yaml.append(line).append('\n'));
    yaml.append(section).append(":\n  - ").append(String.join("\n    ", entry)).append('\n');
    return yaml.append(correlation.yaml()).toString();
  }

  /**
   * {@code command line: proxies[0].upstream (line 5): ...} becomes {@code --upstream: ...}: the
   * command's own flag when {@code ownFlag} has one, else the shared flags', else the usual one of
   * the path below {@code section[0]}; a message about anything else is returned unchanged.
   */
  static String asFlags(String message, String section, Function<String, String> ownFlag) {
    return asFlags(
        message,
        path -> {
          String own = ownFlag.apply(path);
          if (own != null) {
            return own;
          }
          if (path.equals("http.listen") || path.equals("http")) {
            return "--http-listen";
          }
          String correlation = CorrelationOptions.flag(path);
          return correlation != null ? correlation : flag(path, section + "[0].");
        });
  }

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
