package io.gatewatch.protocol;

/** Whether a session survives a close code, as the active profile says. */
public enum Resumability {
  TRUE("true"),
  FALSE("false"),
  /** The profile says it depends (current Fluxer docs: only an established session survives). */
  CONDITIONAL("conditional");

  private final String label;

  Resumability(String label) {
    this.label = label;
  }

  /** The metric label value: {@code true}, {@code false} or {@code conditional}. */
  public String label() {
    return label;
  }

  /**
   * Parses the profile spelling ({@code true}, {@code false}, {@code conditional}); null if
   * unknown.
   */
  public static Resumability parse(String text) {
    return Spellings.find(values(), Resumability::label, text);
  }
}
