package io.gatewatch.probe;

import io.gatewatch.track.EventClock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link Scheduler#system()}: the real clock and one daemon timer thread. */
public final class SystemScheduler implements Scheduler, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SystemScheduler.class);
  private final EventClock clock;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "gatewatch-probe-timer");
            t.setDaemon(true);
            return t;
          });

  SystemScheduler(EventClock clock) {
    this.clock = clock;
  }

  @Override
  public long nowNanos() {
    return clock.nowNanos();
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    if (timer.isShutdown()) {
      return Cancellable.NONE;
    }
    ScheduledFuture<?> f =
        timer.schedule(
            () -> {
              try {
                task.run();
              } catch (RuntimeException e) {
                log.warn("probe task failed", e);
              }
            },
            delay.toNanos(),
            TimeUnit.NANOSECONDS);
    return () -> f.cancel(false);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
