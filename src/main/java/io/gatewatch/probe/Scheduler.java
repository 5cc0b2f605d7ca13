package io.gatewatch.probe;

import io.gatewatch.track.EventClock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The probe's time: the clock its events are stamped with and the timer its heartbeats and
 * reconnect waits run on. Injected, so tests drive both (the 60 s wait after 4008 passes in no real
 * time).
 */
public interface Scheduler {

  /** Epoch nanoseconds, as the tracker takes them. */
  long nowNanos();

  /** Runs {@code task} once after {@code delay}; the task must not throw. */
  Cancellable schedule(Duration delay, Runnable task);

  /** A scheduled task that may be called off. */
  @FunctionalInterface
  interface Cancellable {
    Cancellable NONE = () -> {};

    void cancel();
  }

  /** The real clock and one daemon timer thread; close it to stop the thread. */
  static System system() {
    return new System(EventClock.system());
  }

  /** {@link Scheduler#system()}. */
  final class System implements Scheduler, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);
    private final EventClock clock;
    private final ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gatewatch-probe-timer");
              t.setDaemon(true);
              return t;
            });

    private System(EventClock clock) {
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
}
