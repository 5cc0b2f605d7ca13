package io.gatewatch.cli;

import io.gatewatch.config.GatewayLabel;
import picocli.CommandLine.Option;

/** {@code --gateway}: the gateway label, one flag and one default in every command that has it. */
final class GatewayOption {
  @Option(
      names = "--gateway",
      paramLabel = "NAME",
      defaultValue = GatewayLabel.DEFAULT,
      description = "The gateway label (default: ${DEFAULT-VALUE}).")
  String name;
}
