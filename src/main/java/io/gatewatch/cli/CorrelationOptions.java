package io.gatewatch.cli;

import static io.gatewatch.cli.CommandLineConfig.quote;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The flags that share reconnect state between replicas through Redis, for {@code proxy}, {@code
 * probe} and {@code run}: the {@code correlation:} section of a configuration file
 * (docs/config.md). The password comes from a file or an environment variable, never from a flag's
 * value.
 */
final class CorrelationOptions {
  @Option(
      names = "--correlation",
      paramLabel = "URL",
      description =
          "Share reconnect state with the other replicas behind the same load balancer:"
              + " redis://HOST[:PORT][/DB] or rediss:// (TLS). Off by default.")
  String url;

  @Option(
      names = "--correlation-password-file",
      paramLabel = "FILE",
      description = "Read the Redis password from FILE.")
  Path passwordFile;

  @Option(
      names = "--correlation-password-env",
      paramLabel = "NAME",
      description = "Read the Redis password from the environment variable NAME.")
  String passwordEnv;

  @Option(
      names = "--correlation-key-prefix",
      paramLabel = "PREFIX",
      description = "Prefix of every Redis key (default: gatewatch:).")
  String keyPrefix;

  @Option(
      names = "--correlation-timeout",
      paramLabel = "DURATION",
      description =
          "An answer from Redis later than this is not waited for; the replica goes on with its"
              + " own state (default: 50ms, at most 5s).")
  Duration timeout;

  /** The {@code correlation:} section the flags stand for, or an empty string. */
  String yaml() {
    if (url == null) {
      return "";
    }
    List<String> c = new ArrayList<>();
    c.add("url: " + quote(url));
    if (passwordFile != null) {
      c.add("password_file: " + quote(passwordFile.toString()));
    }
    if (passwordEnv != null) {
      c.add("password_env: " + quote(passwordEnv));
    }
    if (keyPrefix != null) {
      c.add("key_prefix: " + quote(keyPrefix));
    }
    if (timeout != null) {
      c.add("timeout: " + timeout.toMillis() + "ms");
    }
    return "correlation:\n  " + String.join("\n  ", c) + "\n";
  }

  /** For {@code run}: the flags as the variables that override the file. */
  void overrides(Map<String, String> env) {
    if (url != null) {
      env.put("GATEWATCH_CORRELATION_URL", url);
    }
    if (passwordFile != null) {
      env.put("GATEWATCH_CORRELATION_PASSWORD_FILE", passwordFile.toString());
    }
    if (passwordEnv != null) {
      env.put("GATEWATCH_CORRELATION_PASSWORD_ENV", passwordEnv);
    }
    if (keyPrefix != null) {
      env.put("GATEWATCH_CORRELATION_KEY_PREFIX", keyPrefix);
    }
    if (timeout != null) {
      env.put("GATEWATCH_CORRELATION_TIMEOUT", timeout.toMillis() + "ms");
    }
  }

  /** The flag of a {@code correlation.*} path, or null for another path. */
  static String flag(String path) {
    return switch (path) {
      case "correlation", "correlation.url" -> "--correlation";
      case "correlation.password_file" -> "--correlation-password-file";
      case "correlation.password_env" -> "--correlation-password-env";
      case "correlation.key_prefix" -> "--correlation-key-prefix";
      case "correlation.timeout" -> "--correlation-timeout";
      default -> null;
    };
  }
}
