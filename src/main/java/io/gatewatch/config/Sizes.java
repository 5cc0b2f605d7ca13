package io.gatewatch.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes as operators write them, in binary units: {@code 512KiB}, {@code 100MiB}, {@code 1GiB}
 * (also {@code B} and {@code TiB}). As with {@link Durations}, a number without a unit is an error
 * that names the units ({@code 100} is not guessed to be megabytes), and decimal units ({@code MB})
 * are refused rather than taken for binary ones. Only {@code 0} may stand alone.
 */
public final class Sizes {
  private static final Pattern FORM = Pattern.compile("(\\d{1,12})\\s*(B|KiB|MiB|GiB|TiB)?");
  private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

  /** What every size error says is expected. */
  public static final String EXPECTED = "expected a size such as 512KiB, 100MiB or 1GiB";

  private Sizes() {}

  /**
   * Parses a size in bytes.
   *
   * @param where names the setting in the error message ({@code --capture-max-size}, a path)
   * @throws IllegalArgumentException {@code where: ...} when the text is not a size
   */
  public static long parse(String where, String text) {
    return Scalars.named(where, () -> parse(text));
  }

  /**
   * Parses a size in bytes.
   *
   * @throws IllegalArgumentException saying what is wrong (without naming the setting): not a size,
   *     a number without a unit, or more than fits in a long
   */
  public static long parse(String text) {
    Matcher m = Scalars.match(FORM, text, EXPECTED);
    String t = m.group();
    long n = Long.parseLong(m.group(1));
    if (m.group(2) == null) {
      if (n == 0) {
        return 0;
      }
      throw new IllegalArgumentException(Scalars.unitMissing(t, "MiB", String.join(", ", UNITS)));
    }
    int shift =
        switch (m.group(2)) {
          case "KiB" -> 10;
          case "MiB" -> 20;
          case "GiB" -> 30;
          case "TiB" -> 40;
          default -> 0;
        };
    if (n > Long.MAX_VALUE >> shift) {
      throw new IllegalArgumentException("\"" + t + "\" is too large");
    }
    return n << shift;
  }

  /** {@code bytes} in the largest unit that divides it exactly: {@code 100MiB}, {@code 1536B}. */
  public static String format(long bytes) {
    int unit = 0;
    while (unit < UNITS.length - 1 && bytes != 0 && bytes % 1024 == 0) {
      bytes /= 1024;
      unit++;
    }
    return bytes + UNITS[unit];
  }
}
