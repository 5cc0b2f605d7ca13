package io.gatewatch.track;

/**
 * Where a live tap reads event time: epoch nanoseconds. The core never reads a clock itself; taps
 * pass the reading with every event, and tests pass scripted ones.
 */
@FunctionalInterface
public interface EventClock {
  long nowNanos();

  /** The wall clock at start-up advanced by the monotonic clock: steady, and near epoch time. */
  static EventClock system() {
    long epochAtStart = System.currentTimeMillis() * 1_000_000L;
    long monotonicAtStart = System.nanoTime();
    return () -> epochAtStart + (System.nanoTime() - monotonicAtStart);
  }
}
