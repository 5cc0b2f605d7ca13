package io.gatewatch.protocol;

/** Which side sent a frame; the {@code from} label. */
public enum Direction {
  SERVER("server"),
  CLIENT("client");

  private final String label;

  Direction(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
