package io.gatewatch.protocol;

/** Who ended a socket; the {@code initiator} label and the capture's {@code by} field. */
public enum Initiator {
  SERVER,
  CLIENT,
  /** No close frame: the TCP connection dropped (recorded as code 1006). */
  NONE;

  public String label() {
    return Spellings.of(this);
  }

  /** Parses {@code server}, {@code client} or {@code none}; null if unknown. */
  public static Initiator parse(String text) {
    return Spellings.find(values(), Initiator::label, text);
  }
}
