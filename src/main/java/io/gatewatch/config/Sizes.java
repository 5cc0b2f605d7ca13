package io.gatewatch.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes as operators write them, in binary units: {@code 512KiB}, {@code 100MiB}, {@code 1GiB}
 * (also {@code B} and {@code TiB}). The unit is required, so {@code 100} cannot be mistaken for
 * megabytes, and decimal units ({@code MB}) are refused rather than guessed.
 */
public final class Sizes {
  private static final Pattern FORM = Pattern.compile("(\\d{1,12})\\s*(B|KiB|MiB|GiB|TiB)");
  private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

  /** What every size error says is expected. */
  public static final String EXPECTED = "expected a size such as 512KiB, 100MiB or 1GiB";

  private Sizes() {}

  /**
   * Parses a size in bytes.
   *
   * @param where names the setting in the error message
   * @throws IllegalArgumentException naming {@code where} when the text is not a size
   */
  public static long parse(String where, String text) {
    long bytes = parseOrNegative(text);
    if (bytes < 0) {
      throw new IllegalArgumentException(where + ": " + EXPECTED + ", got \"" + text + "\"");
    }
    return bytes;
  }

  /** The size in bytes, or -1 when the text is not one. */
  public static long parseOrNegative(String text) {
    Matcher m = FORM.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      return -1;
    }
    long n = Long.parseLong(m.group(1));
    int shift =
        switch (m.group(2)) {
          case "KiB" -> 10;
          case "MiB" -> 20;
          case "GiB" -> 30;
          case "TiB" -> 40;
          default -> 0;
        };
    return n > Long.MAX_VALUE >> shift ? -1 : n << shift;
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
