package io.gatewatch.sim;

import io.gatewatch.config.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How long the simulator waits before answering a client heartbeat with op 11 (a fault to exercise
 * heartbeat-latency measurement and clients' dead-socket detection). Three forms, as written in
 * configuration and on the command line:
 *
 * <ul>
 *   <li>fixed: {@code 0}, {@code 50ms}, {@code 2s};
 *   <li>uniform: {@code 10ms..200ms}, every value between the two inclusive, equally likely (to the
 *       nanosecond), drawn from a seeded generator;
 *   <li>cycled: {@code 10ms,50ms,900ms}, the values in turn, starting with the first.
 * </ul>
 *
 * Each socket draws from its own {@link Sampler}, seeded from the simulator's seed and the socket's
 * number, so a run with the same seed and the same order of connections gives the same delays.
 */
public final class AckDelay {
  /** No delay: op 11 goes out at once. */
  public static final AckDelay NONE = new AckDelay(Kind.FIXED, List.of(Duration.ZERO), "0ms");

  /** What is expected, for error messages. */
  public static final String EXPECTED =
      "expected an ACK delay: a duration (50ms), a range (10ms..200ms) or a list (10ms,50ms)";

  private enum Kind {
    FIXED,
    UNIFORM,
    CYCLE
  }

  private final Kind kind;
  private final List<Duration> values;
  private final String spec;

  private AckDelay(Kind kind, List<Duration> values, String spec) {
    this.kind = kind;
    this.values = List.copyOf(values);
    this.spec = spec;
  }

  /** A fixed delay. */
  public static AckDelay fixed(Duration delay) {
    return new AckDelay(Kind.FIXED, List.of(delay), delay.toMillis() + "ms");
  }

  /** Uniform between {@code min} and {@code max} inclusive. */
  public static AckDelay uniform(Duration min, Duration max) {
    if (max.compareTo(min) < 0) {
      throw new IllegalArgumentException("ACK delay range: the maximum is below the minimum");
    }
    return new AckDelay(
        Kind.UNIFORM, List.of(min, max), min.toMillis() + "ms.." + max.toMillis() + "ms");
  }

  /** The given values in turn. */
  public static AckDelay cycle(List<Duration> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("ACK delay list is empty");
    }
    StringBuilder sb = new StringBuilder();
    for (Duration d : values) {
      sb.append(sb.length() == 0 ? "" : ",").append(d.toMillis()).append("ms");
    }
    return new AckDelay(Kind.CYCLE, values, sb.toString());
  }

  /**
   * Parses {@code 50ms}, {@code 10ms..200ms} or {@code 10ms,50ms} (durations as {@link Durations}
   * reads them: a number needs a unit, but for {@code 0}).
   *
   * @throws IllegalArgumentException with {@link #EXPECTED} and the offending text
   */
  public static AckDelay parse(String text) {
    String t = text == null ? "" : text.trim();
    if (t.contains("..")) {
      int dots = t.indexOf("..");
      Duration min = duration(t.substring(0, dots), text);
      Duration max = duration(t.substring(dots + 2), text);
      if (max.compareTo(min) < 0) {
        throw new IllegalArgumentException(
            "ACK delay range \"" + text + "\": the maximum is below the minimum");
      }
      return uniform(min, max);
    }
    if (t.contains(",")) {
      List<Duration> list = new ArrayList<>();
      for (String part : t.split(",", -1)) {
        list.add(duration(part, text));
      }
      return cycle(list);
    }
    return fixed(duration(t, text));
  }

  /** One duration of the spec; a number without a unit says so, anything else names the forms. */
  private static Duration duration(String part, String spec) {
    try {
      return Durations.parse(part);
    } catch (Durations.UnitMissing e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw bad(spec);
    }
  }

  private static IllegalArgumentException bad(String text) {
    return new IllegalArgumentException(EXPECTED + ", got \"" + text + "\"");
  }

  /** True when every delay is zero. */
  public boolean isNone() {
    for (Duration d : values) {
      if (!d.isZero()) {
        return false;
      }
    }
    return true;
  }

  /** A fresh sampler. */
  public Sampler sampler(long seed) {
    return new Sampler(seed);
  }

  /** One socket's sequence of delays. Not thread-safe. */
  public final class Sampler {
    private final SplittableRandom random;
    private int next;

    private Sampler(long seed) {
      this.random = new SplittableRandom(seed);
    }

    /** The next delay in nanoseconds. */
    public long nextNanos() {
      switch (kind) {
        case UNIFORM:
          {
            long min = values.get(0).toNanos();
            long max = values.get(1).toNanos();
            return max == min ? min : min + random.nextLong(max - min + 1);
          }
        case CYCLE:
          {
            long v = values.get(next).toNanos();
            next = (next + 1) % values.size();
            return v;
          }
        default:
          return values.get(0).toNanos();
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AckDelay other && other.kind == kind && other.values.equals(values);
  }

  @Override
  public int hashCode() {
    return kind.hashCode() * 31 + values.hashCode();
  }

  /** The spec in milliseconds, parseable by {@link #parse}. */
  @Override
  public String toString() {
    return spec;
  }
}
