package io.gatewatch.config;

import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the parsers and validators of values operators write ({@link Durations}, {@link Sizes},
 * settings' constructors) share.
 */
public final class Scalars {
  private Scalars() {}

  /**
   * Runs a parser whose errors do not name the setting, and names it: {@code where: reason}.
   *
   * @throws IllegalArgumentException {@code where: ...}
   */
  public static <T> T named(String where, Supplier<T> parse) {
    try {
      return parse.get();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  /**
   * The text, trimmed, matched whole by {@code form} (a number, then an optional unit).
   *
   * @throws IllegalArgumentException {@code EXPECTED, got "text"} when it does not match
   */
  static Matcher match(Pattern form, String text, String expected) {
    Matcher m = form.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          expected + ", got " + ConfigNode.show(String.valueOf(text)));
    }
    return m;
  }

  /** The message for a number written without a unit: it suggests one and lists them all. */
  static String unitMissing(String number, String exampleUnit, String units) {
    return "\""
        + number
        + "\" has no unit; add one, e.g. "
        + number
        + exampleUnit
        + " (units: "
        + units
        + ")";
  }
}
