package io.gatewatch.track;

/** Which heartbeat round trip was measured; the {@code kind} label. */
public enum RttKind {
  /** Client op 1 to the server's op 11. */
  CLIENT("client"),
  /** Server op 1 (a request) to the client's op 1. */
  SERVER_REQUEST("server_request");

  private final String label;

  RttKind(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
