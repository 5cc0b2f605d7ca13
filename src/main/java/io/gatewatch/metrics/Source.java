package io.gatewatch.metrics;

/** Where events come from; the {@code source} label. */
public enum Source {
  PROXY("proxy"),
  PROBE("probe"),
  CLIENT("client"),
  INGEST("ingest"),
  REPLAY("replay");

  private final String label;

  Source(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
