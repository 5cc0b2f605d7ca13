package io.gatewatch.track;

/** How a session was established; the {@code via} label. */
public enum Via {
  /** Identify answered by READY. */
  IDENTIFY("identify"),
  /** Resume answered by RESUMED. */
  RESUME("resume");

  private final String label;

  Via(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
