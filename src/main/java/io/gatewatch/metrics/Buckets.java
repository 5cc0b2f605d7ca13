package io.gatewatch.metrics;

import java.time.Duration;

/** Histogram bucket boundaries of the catalogue (docs/metrics.md). */
final class Buckets {
  private Buckets() {}

  /** Heartbeat round trips: 5 ms to 10 s. */
  static final Duration[] HEARTBEAT =
      millis(5, 10, 25, 50, 75, 100, 150, 250, 500, 750, 1000, 2500, 5000, 10000);

  /** Reconnect episodes: 100 ms to 5 min. */
  static final Duration[] RECONNECT =
      millis(100, 250, 500, 1000, 2000, 3000, 5000, 10000, 15000, 30000, 60000, 120000, 300000);

  /** Probe socket open to READY. */
  static final Duration[] READY = millis(50, 100, 250, 500, 1000, 2000, 5000, 10000, 30000);

  /** Payload sizes, dense around the 4,096-byte inbound limit. */
  static final double[] FRAME_SIZE = {
    64, 128, 256, 512, 1024, 2048, 3072, 4096, 8192, 16384, 65536, 262144, 1048576
  };

  private static Duration[] millis(long... values) {
    Duration[] out = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Duration.ofMillis(values[i]);
    }
    return out;
  }
}
