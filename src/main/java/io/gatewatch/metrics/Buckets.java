package io.gatewatch.metrics;

/** Histogram bucket boundaries of the catalogue, in the metric's unit (seconds or bytes). */
final class Buckets {
  private Buckets() {}

  /** Heartbeat round trips: 5 ms to 10 s. */
  static final double[] HEARTBEAT =
      millis(5, 10, 25, 50, 75, 100, 150, 250, 500, 750, 1000, 2500, 5000, 10000);

  /** Reconnect episodes: 100 ms to 5 min. */
  static final double[] RECONNECT =
      millis(100, 250, 500, 1000, 2000, 3000, 5000, 10000, 15000, 30000, 60000, 120000, 300000);

  /** Probe socket open to READY. */
  static final double[] READY = millis(50, 100, 250, 500, 1000, 2000, 5000, 10000, 30000);

  /** Payload sizes, dense around the 4,096-byte inbound limit. */
  static final double[] FRAME_SIZE = {
    64, 128, 256, 512, 1024, 2048, 3072, 4096, 8192, 16384, 65536, 262144, 1048576
  };

  /** Seconds, written as milliseconds; each is the double closest to its decimal value. */
  private static double[] millis(long... values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i] / 1000.0;
    }
    return out;
  }
}
