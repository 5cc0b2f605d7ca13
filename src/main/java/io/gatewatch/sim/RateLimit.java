package io.gatewatch.sim;

import io.gatewatch.config.Durations;
import java.time.Duration;

/**
 * A rate limit as written: {@code 120/60s} (the seed's general limit, the default), {@code 600/1m}.
 *
 * @param count payloads allowed in any rolling window (1 to {@link RateLimiter#MAX_LIMIT})
 * @param window the window's length (positive)
 */
public record RateLimit(int count, Duration window) {
  /** The seed's general limit: 120 events per 60 seconds per socket. */
  public static final RateLimit SEED_DEFAULT = new RateLimit(120, Duration.ofSeconds(60));

  public RateLimit {
    if (count < 1 || count > RateLimiter.MAX_LIMIT) {
      throw new IllegalArgumentException(
          "rate limit: the count must be from 1 to " + RateLimiter.MAX_LIMIT + ", got " + count);
    }
    if (window == null || window.isZero() || window.isNegative()) {
      throw new IllegalArgumentException("rate limit: the window must be positive");
    }
  }

  /**
   * Parses {@code N/DURATION}.
   *
   * @throws IllegalArgumentException naming the expected form and the text
   */
  public static RateLimit parse(String text) {
    String t = text == null ? "" : text.trim();
    int slash = t.indexOf('/');
    Duration window;
    try {
      window = slash < 0 ? null : Durations.parse(t.substring(slash + 1));
    } catch (Durations.UnitMissing e) {
      throw new IllegalArgumentException("the window " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      window = null;
    }
    int count;
    try {
      count = slash < 0 ? -1 : Integer.parseInt(t.substring(0, slash).trim());
    } catch (NumberFormatException e) {
      count = -1;
    }
    if (window == null || count < 0) {
      throw new IllegalArgumentException(
          "expected a rate limit such as 120/60s (payloads per window), got \"" + text + "\"");
    }
    return new RateLimit(count, window);
  }

  @Override
  public String toString() {
    return count + "/" + window.toMillis() + "ms";
  }
}
