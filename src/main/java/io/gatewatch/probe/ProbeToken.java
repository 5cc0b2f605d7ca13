package io.gatewatch.probe;

import io.gatewatch.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The probe's gateway token, read from a file or an environment variable (never from a flag or a
 * configuration value). It prints as where it came from, never as itself, so no log line, report or
 * exception message can carry it by accident.
 */
public final class ProbeToken {
  private final String value;
  private final String origin;

  private ProbeToken(String value, String origin) {
    this.value = value;
    this.origin = origin;
  }

  /**
   * The file's content, surrounding whitespace removed.
   *
   * @throws IllegalArgumentException when the file cannot be read or is empty (the message names
   *     the file, never its content)
   */
  public static ProbeToken fromFile(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read token file " + file + ": " + ConfigException.describe(e));
    }
    if (text.isEmpty()) {
      throw new IllegalArgumentException("token file " + file + " is empty");
    }
    return new ProbeToken(text, "file " + file);
  }

  /**
   * The variable's value, surrounding whitespace removed.
   *
   * @throws IllegalArgumentException when the variable is unset or empty
   */
  public static ProbeToken fromEnv(String name, Map<String, String> env) {
    String text = env.get(name);
    if (text == null) {
      throw new IllegalArgumentException("environment variable " + name + " is not set");
    }
    if (text.isBlank()) {
      throw new IllegalArgumentException("environment variable " + name + " is empty");
    }
    return new ProbeToken(text.strip(), "environment variable " + name);
  }

  /** For tests and embedding. */
  public static ProbeToken of(String value, String origin) {
    return new ProbeToken(value, origin);
  }

  /** The token itself: only Identify and Resume payloads use it. */
  String value() {
    return value;
  }

  @Override
  public String toString() {
    return "token from " + origin;
  }
}
