package io.gatewatch.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DrainScheduleTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void everySecondOfThePeriodGetsItsFairShareAndNoMore() {
    long[] at = DrainSchedule.offsetsNanos(300, Duration.ofSeconds(5), new SplittableRandom(7));
    assertThat(at).hasSize(300);
    assertThat(Arrays.stream(at).min().getAsLong()).isGreaterThanOrEqualTo(0);
    assertThat(Arrays.stream(at).max().getAsLong()).isLessThan(5 * SECOND);
    int[] perSecond = new int[5];
    for (long t : at) {
      perSecond[(int) (t / SECOND)]++;
    }
    assertThat(perSecond).containsExactly(60, 60, 60, 60, 60);
  }

  @Test
  void oneSocketPerSlotInARandomOrder() {
    int n = 1000;
    Duration period = Duration.ofSeconds(30);
    long slot = period.toNanos() / n; // 30 ms
    long[] at = DrainSchedule.offsetsNanos(n, period, new SplittableRandom(1));
    int[] slots = Arrays.stream(at).mapToInt(t -> (int) (t / slot)).toArray();
    assertThat(Arrays.stream(slots).sorted().toArray())
        .as("a permutation of the slots")
        .containsExactly(IntStream.range(0, n).toArray());
    assertThat(slots)
        .as("not the order the sockets came in")
        .isNotEqualTo(Arrays.stream(slots).sorted().toArray());
    long[] again = DrainSchedule.offsetsNanos(n, period, new SplittableRandom(2));
    assertThat(again).as("another draw, another order").isNotEqualTo(at);
    // inside its slot, a socket's moment is random too: about half fall in each half of a slot
    assertThat(Arrays.stream(at).filter(t -> t % slot < slot / 2).count()).isBetween(400L, 600L);
  }

  @Test
  void noSocketsOrOne() {
    assertThat(DrainSchedule.offsetsNanos(0, Duration.ofSeconds(1), new SplittableRandom(1)))
        .isEmpty();
    long[] one = DrainSchedule.offsetsNanos(1, Duration.ofMillis(10), new SplittableRandom(1));
    assertThat(one).hasSize(1);
    assertThat(one[0]).isBetween(0L, 10_000_000L - 1);
  }
}
