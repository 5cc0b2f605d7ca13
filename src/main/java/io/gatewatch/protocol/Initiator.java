package io.gatewatch.protocol;

/** Who ended a socket; the {@code initiator} label and the capture's {@code by} field. */
public enum Initiator {
  SERVER("server"),
  CLIENT("client"),
  /** No close frame: the TCP connection dropped (recorded as code 1006). */
  NONE("none");

  private final String label;

  Initiator(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** Parses {@code server}, {@code client} or {@code none}; null if unknown. */
  public static Initiator parse(String text) {
    return Spellings.find(values(), Initiator::label, text);
  }
}
