package io.gatewatch.sim;

/**
 * The size of the simulator's MESSAGE_CREATE dispatches: natural (about 270 bytes), or padded to a
 * size drawn uniformly from {@code min..max} bytes, so load tests can send the 1-4 KB messages real
 * guilds produce. Written {@code 2048} or {@code 1024..4096} in configuration.
 */
public record DispatchSize(int min, int max) {
  /** Unpadded dispatches. */
  public static final DispatchSize NATURAL = new DispatchSize(0, 0);

  /** Largest padded dispatch, well under any frame limit a relay would set. */
  public static final int MAX_BYTES = 1 << 20;

  /** What is expected, for error messages. */
  public static final String EXPECTED =
      "expected a dispatch size in bytes (2048) or a range (1024..4096), at most 1048576";

  public DispatchSize {
    if (min < 0 || max < min || max > MAX_BYTES) {
      throw new IllegalArgumentException(EXPECTED);
    }
  }

  /**
   * Parses {@code 2048} or {@code 1024..4096}.
   *
   * @throws IllegalArgumentException with {@link #EXPECTED}
   */
  public static DispatchSize parse(String text) {
    String t = text.trim();
    int dots = t.indexOf("..");
    try {
      if (dots < 0) {
        int n = Integer.parseInt(t);
        return new DispatchSize(n, n);
      }
      int min = Integer.parseInt(t.substring(0, dots).trim());
      int max = Integer.parseInt(t.substring(dots + 2).trim());
      if (min >= 0 && max < min) {
        throw new IllegalArgumentException(
            "dispatch size range \"" + t + "\": the maximum is below the minimum");
      }
      return new DispatchSize(min, max);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(EXPECTED + ", got '" + text + "'");
    }
  }

  /** Whether dispatches keep their natural size. */
  public boolean natural() {
    return max == 0;
  }

  @Override
  public String toString() {
    return min == max ? Integer.toString(min) : min + ".." + max;
  }
}
