package io.gatewatch.protocol;

import java.util.Locale;
import java.util.function.Function;

/** Reading an enum constant back from the text it is written as (a label, a URL or YAML value). */
public final class Spellings {
  private Spellings() {}

  /**
   * How a constant is written where its text is its name: lower case, {@code _} as {@code -}
   * ({@code ZLIB_STREAM} is {@code zlib-stream}).
   */
  public static String of(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The constant of {@code values} that {@code spelling} writes as {@code text}; null if none. */
  public static <E extends Enum<E>> E find(E[] values, Function<E, String> spelling, String text) {
    for (E e : values) {
      if (spelling.apply(e).equals(text)) {
        return e;
      }
    }
    return null;
  }
}
