package io.gatewatch.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as operators write them: {@code 500ms}, {@code 45s}, {@code 10m}, {@code 1h}. The one
 * parser of every duration gatewatch reads (flags, configuration files, {@code GATEWATCH_*}
 * variables). A number without a unit is an error that names the units, as in Prometheus: nobody
 * means 90 ms by {@code --duration 90}, and guessing seconds would read {@code 41250} (the Hello
 * interval in milliseconds) as half a day. Only {@code 0} may stand alone, since zero is zero in
 * every unit. At most 12 digits, so no unit can overflow.
 */
public final class Durations {
  private static final Pattern FORM = Pattern.compile("(\\d{1,12})(ms|s|m|h)?");

  /** The units a duration may have. */
  public static final String UNITS = "ms, s, m, h";

  /** What every duration error says is expected. */
  public static final String EXPECTED = "expected a duration such as 500ms, 45s, 10m or 1h";

  private Durations() {}

  /**
   * A number without a unit: the error says which units there are, suggesting milliseconds for a
   * number of a thousand or more (a heartbeat interval copied from a Hello, 41250) and seconds
   * otherwise.
   */
  public static final class UnitMissing extends IllegalArgumentException {
    UnitMissing(String number) {
      super(Scalars.unitMissing(number, likelyMillis(number) ? "ms" : "s", UNITS));
    }

    private static boolean likelyMillis(String number) {
      int point = number.indexOf('.');
      return (point < 0 ? number.length() : point) >= 4;
    }
  }

  /**
   * Parses a duration.
   *
   * @param where names the setting in the error message ({@code --duration}, a config path)
   * @throws IllegalArgumentException {@code where: ...} when the text is not a duration
   */
  public static Duration parse(String where, String text) {
    return Scalars.named(where, () -> parse(text));
  }

  /**
   * Parses a duration.
   *
   * @throws IllegalArgumentException saying what is wrong (without naming the setting): not a
   *     duration at all, or a number without a unit ({@link UnitMissing})
   */
  public static Duration parse(String text) {
    Matcher m = Scalars.match(FORM, text, EXPECTED);
    long n = Long.parseLong(m.group(1));
    if (m.group(2) == null) {
      if (n == 0) {
        return Duration.ZERO;
      }
      throw new UnitMissing(m.group());
    }
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofMillis(n);
    };
  }
}
