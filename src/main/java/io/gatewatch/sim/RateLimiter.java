package io.gatewatch.sim;

/**
 * An exact rolling-window limit: at most {@code limit} events in any window of {@code windowNanos}.
 * An event at time {@code t} counts the accepted events in {@code (t - window, t]}; with 120 / 60 s
 * the 121st payload within 60 s is refused, and one exactly 60 s after the first is accepted again.
 *
 * <p>Keeps the timestamps of the last {@code limit} accepted events (allocated as they come). Pure
 * logic on a caller-supplied nanosecond clock; not thread-safe (one per socket).
 */
public final class RateLimiter {
  /** The largest limit accepted (memory is 8 bytes per event at most). */
  public static final int MAX_LIMIT = 100_000;

  private final int limit;
  private final long windowNanos;
  private long[] times = new long[8];
  private int head; // index of the oldest retained timestamp
  private int size;

  public RateLimiter(int limit, long windowNanos) {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be from 1 to " + MAX_LIMIT + ", got " + limit);
    }
    if (windowNanos <= 0) {
      throw new IllegalArgumentException("window must be positive");
    }
    this.limit = limit;
    this.windowNanos = windowNanos;
  }

  /** Records an event at {@code nowNanos}; false (and nothing recorded) when over the limit. */
  public boolean tryAcquire(long nowNanos) {
    while (size > 0 && nowNanos - times[head] >= windowNanos) {
      head = (head + 1) % times.length;
      size--;
    }
    if (size >= limit) {
      return false;
    }
    if (size == times.length) {
      grow();
    }
    times[(head + size) % times.length] = nowNanos;
    size++;
    return true;
  }

  /** Accepted events still inside the window as of the last call. */
  public int inWindow() {
    return size;
  }

  private void grow() {
    long[] bigger = new long[Math.min(limit, times.length * 2)];
    for (int i = 0; i < size; i++) {
      bigger[i] = times[(head + i) % times.length];
    }
    times = bigger;
    head = 0;
  }
}
