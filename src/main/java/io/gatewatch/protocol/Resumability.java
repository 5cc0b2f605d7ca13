package io.gatewatch.protocol;

/** Whether a session survives a close code, as the active profile says. */
public enum Resumability {
  TRUE,
  FALSE,
  /** The profile says it depends (current Fluxer docs: only an established session survives). */
  CONDITIONAL;

  /** The metric label value: {@code true}, {@code false} or {@code conditional}. */
  public String label() {
    return Spellings.of(this);
  }

  /**
   * Parses the profile spelling ({@code true}, {@code false}, {@code conditional}); null if
   * unknown.
   */
  public static Resumability parse(String text) {
    return Spellings.find(values(), Resumability::label, text);
  }
}
