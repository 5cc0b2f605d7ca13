package io.gatewatch.metrics;

import io.micrometer.core.instrument.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The registry's clock: wall time read from a field a daemon thread refreshes every {@value
 * #TICK_MILLIS} ms, monotonic time from {@link System#nanoTime()}.
 *
 * <p>Micrometer reads the wall clock on every histogram and summary record (to rotate the decaying
 * maximum and the time-window histogram), two or three times per observed frame; on a virtual
 * machine each read is a 20-30 ns clock call, more than scanning a heartbeat costs. The windows it
 * rotates are minutes long (and the {@code _max} gauges they feed are not exported), so a
 * 100-millisecond-old wall time changes nothing that is exposed. (At 10 ms the ticking thread alone
 * cost an idle agent 7.5 ms of CPU a second on a 2-core virtual machine; at 100 ms, a tenth of
 * that: docs/performance.md.)
 */
final class CoarseClock implements Clock {
  static final long TICK_MILLIS = 100;

  static final CoarseClock INSTANCE = new CoarseClock();

  private volatile long wallMillis = System.currentTimeMillis();

  private CoarseClock() {
    ScheduledExecutorService ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gatewatch-metrics-clock");
              t.setDaemon(true);
              return t;
            });
    ticker.scheduleAtFixedRate(
        () -> wallMillis = System.currentTimeMillis(),
        TICK_MILLIS,
        TICK_MILLIS,
        TimeUnit.MILLISECONDS);
  }

  @Override
  public long wallTime() {
    return wallMillis;
  }

  @Override
  public long monotonicTime() {
    return System.nanoTime();
  }
}
