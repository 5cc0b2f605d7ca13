package io.gatewatch.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as operators write them: {@code 500ms}, {@code 45s}, {@code 10m}, {@code 1h}; a bare
 * integer is milliseconds. At most 12 digits, so no unit can overflow.
 */
public final class Durations {
  private static final Pattern FORM = Pattern.compile("(\\d{1,12})(ms|s|m|h)?");

  /** What every duration error says is expected. */
  public static final String EXPECTED = "expected a duration such as 500ms, 45s, 10m or 1h";

  private Durations() {}

  /**
   * Parses a duration; a bare integer is milliseconds.
   *
   * @param where names the setting in the error message
   * @throws IllegalArgumentException naming {@code where} when the text is not a duration
   */
  public static Duration parse(String where, String text) {
    Duration d = parseOrNull(text);
    if (d == null) {
      throw new IllegalArgumentException(where + ": " + EXPECTED + ", got \"" + text + "\"");
    }
    return d;
  }

  /** The duration, or null when the text is not one. */
  public static Duration parseOrNull(String text) {
    Matcher m = FORM.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      return null;
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "ms" : m.group(2);
    return switch (unit) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofMillis(n);
    };
  }
}
