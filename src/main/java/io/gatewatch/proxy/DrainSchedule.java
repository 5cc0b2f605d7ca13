package io.gatewatch.proxy;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * When a drain asks each socket to reconnect: the period is cut into one slot per socket, the
 * sockets take the slots in random order, and each is asked at a random point inside its slot. So
 * every stretch of the period sees its fair share of reconnects (one second of a 30 s drain of 300
 * sockets: 10, give or take the one slot straddling its edge), never a burst, and which client goes
 * first is chance, not the order they connected in.
 */
final class DrainSchedule {
  private DrainSchedule() {}

  /**
   * @param sockets how many sockets to spread
   * @return for socket {@code i}, its offset from the drain's start in nanoseconds; each in {@code
   *     [0, period)}
   */
  static long[] offsetsNanos(int sockets, Duration period, RandomGenerator random) {
    int[] slotOf = new int[sockets];
    for (int i = 0; i < sockets; i++) {
      slotOf[i] = i;
    }
    for (int i = sockets - 1; i > 0; i--) { // Fisher-Yates: a uniformly random order
      int j = random.nextInt(i + 1);
      int t = slotOf[i];
      slotOf[i] = slotOf[j];
      slotOf[j] = t;
    }
    double slotNanos = (double) period.toNanos() / sockets;
    long[] offsets = new long[sockets];
    for (int i = 0; i < sockets; i++) {
      long at = (long) ((slotOf[i] + random.nextDouble()) * slotNanos);
      offsets[i] = Math.min(at, period.toNanos() - 1); // rounding never leaves the period
    }
    return offsets;
  }
}
