package io.gatewatch.probe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/** A scheduler whose time moves only when the test says: tasks due by then run, in time order. */
final class ManualScheduler implements Scheduler {
  private record Task(long at, long order, Runnable run, boolean[] cancelled) {}

  private final PriorityQueue<Task> queue =
      new PriorityQueue<>(
          (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.order, b.order));
  private long now = 1_700_000_000_000_000_000L;
  private long order;

  @Override
  public synchronized long nowNanos() {
    return now;
  }

  @Override
  public synchronized Cancellable schedule(Duration delay, Runnable task) {
    boolean[] cancelled = {false};
    queue.add(new Task(now + delay.toNanos(), order++, task, cancelled));
    return () -> {
      synchronized (ManualScheduler.this) {
        cancelled[0] = true;
      }
    };
  }

  /** Moves time forward by {@code d}, running every task that falls due on the way. */
  void advance(Duration d) {
    long until;
    synchronized (this) {
      until = now + d.toNanos();
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = queue.peek();
        if (next == null || next.at > until) {
          now = until;
          return;
        }
        queue.poll();
        now = Math.max(now, next.at);
        if (next.cancelled[0]) {
          continue;
        }
      }
      next.run.run();
    }
  }

  /** The delays, from now, of the tasks pending. */
  synchronized List<Duration> pending() {
    List<Duration> out = new ArrayList<>();
    for (Task t : queue) {
      if (!t.cancelled[0]) {
        out.add(Duration.ofNanos(t.at - now));
      }
    }
    return out;
  }
}
