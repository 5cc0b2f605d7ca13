package io.gatewatch.protocol;

import java.util.function.Function;

/** Reading an enum constant back from the text it is written as (a label, a URL or YAML value). */
public final class Spellings {
  private Spellings() {}

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
