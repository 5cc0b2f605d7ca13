package io.gatewatch.export;

/** How log lines look: {@code text} for people, {@code json} (one object per line) for machines. */
public enum LogFormat {
  TEXT,
  JSON;

  /** {@code text} or {@code json}, any case; an {@link IllegalArgumentException} otherwise. */
  public static LogFormat parse(String text) {
    for (LogFormat f : values()) {
      if (f.name().equalsIgnoreCase(text.trim())) {
        return f;
      }
    }
    throw new IllegalArgumentException("expected text or json, got \"" + text + "\"");
  }
}
