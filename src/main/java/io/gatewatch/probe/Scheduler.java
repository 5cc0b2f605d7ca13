package io.gatewatch.probe;

import io.gatewatch.track.EventClock;
import java.time.Duration;

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
  static SystemScheduler system() {
    return new SystemScheduler(EventClock.system());
  }
}
