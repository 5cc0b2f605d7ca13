package io.gatewatch.cli;

import io.gatewatch.config.ConfigException;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import picocli.CommandLine.Option;

/** {@code --profile}: the gateway's close-code profile, the same flag in every command. */
final class ProfileOption {
  @Option(
      names = "--profile",
      paramLabel = "NAME|FILE",
      description =
          "Close-code profile: fluxer-seed, fluxer-current, discord, or a YAML file"
              + " (docs/profiles.md) (default: "
              + ProfileLoader.DEFAULT_PROFILE
              + ").")
  String given;

  /** The profile's name or file, the default when the flag is not given. */
  String name() {
    return given == null ? ProfileLoader.DEFAULT_PROFILE : given;
  }

  /**
   * The profile.
   *
   * @throws ConfigException naming the flag
   */
  GatewayProfile load() {
    try {
      return ProfileLoader.load(name());
    } catch (ConfigException e) {
      throw new ConfigException("--profile: " + e.getMessage(), e);
    }
  }
}
