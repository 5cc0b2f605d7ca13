package io.gatewatch.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM and SIGINT (Ctrl-C) as a command's stop requests: the first asks for a graceful stop (a
 * drain, when one is configured), the second for a stop at once. They are handled in place of the
 * JVM's own handling, so the command's exit code (0 after a clean stop) is the process's, not 128 +
 * the signal's number. A shutdown hook stays for any other way the JVM ends (System.exit elsewhere,
 * or a JVM run with -Xrs): it asks for the stop and waits, at most {@code hookWait}, for the
 * command to report it stopped.
 */
final class StopSignals implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StopSignals.class);
  private static final String[] SIGNALS = {"TERM", "INT"};

  private final CompletableFuture<Void> first = new CompletableFuture<>();
  private final CompletableFuture<Void> second = new CompletableFuture<>();
  private final AtomicInteger received = new AtomicInteger();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final List<sun.misc.Signal> handled = new ArrayList<>();
  private final List<sun.misc.SignalHandler> previous = new ArrayList<>();
  private final Thread hook;

  private StopSignals(Duration hookWait) {
    hook =
        new Thread(
            () -> {
              request();
              try {
                stopped.await(hookWait.toMillis(), TimeUnit.MILLISECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "gatewatch-stop");
  }

  /**
   * Handles SIGTERM and SIGINT from now on.
   *
   * @param hookWait how long the shutdown hook waits for {@link #stopped()}
   */
  static StopSignals install(Duration hookWait) {
    StopSignals s = new StopSignals(hookWait);
    for (String name : SIGNALS) {
      try {
        sun.misc.Signal signal = new sun.misc.Signal(name);
        s.previous.add(sun.misc.Signal.handle(signal, sig -> s.request()));
        s.handled.add(signal);
      } catch (IllegalArgumentException e) { // the VM keeps the signal (-Xrs)
        log.debug(
            "cannot handle SIG{} ({}); the shutdown hook stops the agent", name, e.toString());
      }
    }
    Runtime.getRuntime().addShutdownHook(s.hook);
    return s;
  }

  /** One stop request, as a signal makes it. */
  void request() {
    int n = received.incrementAndGet();
    if (n == 1) {
      first.complete(null);
    } else {
      second.complete(null);
    }
  }

  /** Completes at the first request (on the thread that received it). */
  CompletableFuture<Void> first() {
    return first;
  }

  /** Completes at the second request: stop at once. */
  CompletableFuture<Void> second() {
    return second;
  }

  /** Completes at the next request from now: the one that cuts a stop that began without one. */
  CompletableFuture<Void> next() {
    return received.get() == 0 ? first : second;
  }

  /** The command has stopped: a waiting shutdown hook may let the JVM end. */
  void stopped() {
    stopped.countDown();
  }

  /** Reports the stop and gives the signals back to their previous handlers. */
  @Override
  public void close() {
    stopped();
    for (int i = 0; i < handled.size(); i++) {
      sun.misc.Signal.handle(handled.get(i), previous.get(i));
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running (or has run): nothing to remove
    }
  }
}
