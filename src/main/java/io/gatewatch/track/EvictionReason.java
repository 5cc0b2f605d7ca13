package io.gatewatch.track;

/** Why tracker state was dropped; the {@code reason} label. */
public enum EvictionReason {
  /** Nothing happened on it for longer than its time to live. */
  TTL("ttl"),
  /** The tracker was full and it was the least recently active. */
  CAPACITY("capacity");

  private final String label;

  EvictionReason(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
