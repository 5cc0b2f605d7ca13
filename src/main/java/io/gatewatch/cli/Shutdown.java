package io.gatewatch.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a command stops its parts: every resource is closed, in the order added, even when closing an
 * earlier one failed (each failure is logged with the resource's name), and the whole stop runs
 * under a deadline: past it, the log says what was still being done, with that thread's stack and
 * the threads still alive, and the process halts with {@link #FAILED_EXIT_CODE}. A stop that hangs
 * must not keep the ports and the pod.
 */
final class Shutdown {
  private static final Logger log = LoggerFactory.getLogger(Shutdown.class);

  /** Closing everything after a drain (relay grace 2 s, event loops, OTLP flush 5 s) fits this. */
  static final Duration CLOSE_DEADLINE = Duration.ofSeconds(15);

  /** The exit status when a part failed to close or the stop passed its deadline. */
  static final int FAILED_EXIT_CODE = GatewatchCommand.FAILED;

  private record Part(String name, AutoCloseable resource) {}

  private final List<Part> parts = new ArrayList<>();
  private final IntConsumer halt;
  private volatile String doing = "starting to stop";
  private volatile Thread stopping;
  private Thread watchdog;
  private Boolean result;

  Shutdown() {
    this(code -> Runtime.getRuntime().halt(code));
  }

  /**
   * @param halt ends the process with a status when the deadline passes (tests observe it)
   */
  Shutdown(IntConsumer halt) {
    this.halt = halt;
  }

  /** Closes {@code resource} after the ones added before it. */
  synchronized Shutdown add(String name, AutoCloseable resource) {
    parts.add(new Part(name, resource));
    return this;
  }

  /** Closes {@code resource} before every one added so far. */
  synchronized Shutdown addFirst(String name, AutoCloseable resource) {
    parts.add(0, new Part(name, resource));
    return this;
  }

  /** What the stop is doing now, for the deadline's log line ({@code draining 300 sockets}). */
  void doing(String what) {
    doing = what;
  }

  /**
   * Starts the deadline: if the stop has not finished {@code after} from now, the process halts.
   * Call it from the thread that stops, once.
   */
  synchronized void deadline(Duration after) {
    stopping = Thread.currentThread();
    long until = System.nanoTime() + after.toNanos();
    watchdog =
        new Thread(
            () -> {
              try {
                long left;
                while ((left = until - System.nanoTime()) > 0) {
                  TimeUnit.NANOSECONDS.sleep(left);
                }
              } catch (InterruptedException finished) {
                return;
              }
              hung(after);
            },
            "gatewatch-stop-deadline");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  private void hung(Duration after) {
    Thread t = stopping;
    Throwable where = new Throwable("where " + t.getName() + " is");
    where.setStackTrace(t.getStackTrace());
    List<String> alive = new ArrayList<>();
    for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
      if (!e.getKey().isDaemon() && e.getKey().isAlive()) {
        alive.add(e.getKey().getName());
      }
    }
    alive.sort(String::compareTo);
    log.error(
        "the stop did not finish within {}: still {}; non-daemon threads alive: {}; exiting with"
            + " status {}",
        String.format(Locale.ROOT, "%.1fs", after.toMillis() / 1000.0),
        doing,
        alive,
        FAILED_EXIT_CODE,
        where);
    halt.accept(FAILED_EXIT_CODE);
  }

  /**
   * Closes every resource in order; a failure is logged and the next one is closed all the same.
   * Ends the deadline when done. Once: a second call returns the first one's result.
   *
   * @return true when every resource closed without an error
   */
  synchronized boolean closeAll() {
    if (result != null) {
      return result;
    }
    List<Part> todo = List.copyOf(parts);
    int failed = 0;
    for (Part p : todo) {
      doing = "closing " + p.name();
      try {
        p.resource().close();
      } catch (Throwable e) { // anything: the next parts still hold ports and threads
        failed++;
        log.error("stopping: closing {} failed; closing the rest", p.name(), e);
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
      }
    }
    doing = "finishing";
    if (watchdog != null) {
      watchdog.interrupt();
    }
    if (failed > 0) {
      log.error("stopping: {} of {} parts failed to close", failed, todo.size());
    }
    result = failed == 0;
    return result;
  }
}
