package io.gatewatch.server;

import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status page's memory: a bounded ring of {@link Reading}s taken every {@code interval} (5 s
 * for the last 15 min by default, 180 readings). Charts over time are differences between readings,
 * so nothing but cumulative counters and buckets is ever kept, and memory is fixed by the capacity
 * times the number of watched gateways (docs/status-page.md). The clock is injected: tests take
 * readings with {@link #tick()} at times they choose.
 */
final class StatusHistory implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatusHistory.class);

  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
  static final int DEFAULT_CAPACITY = 180;

  private final Supplier<MetricSnapshots> scrape;
  private final BooleanSupplier ready;
  private final Clock clock;
  private final Duration interval;
  private final int capacity;
  private final long startedMillis;
  private final ArrayDeque<Reading> ring;
  private boolean dropped;
  private ScheduledExecutorService sampler;

  StatusHistory(
      Supplier<MetricSnapshots> scrape,
      BooleanSupplier ready,
      Clock clock,
      Duration interval,
      int capacity) {
    if (capacity < 1 || interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("capacity and interval must be positive");
    }
    this.scrape = scrape;
    this.ready = ready;
    this.clock = clock;
    this.interval = interval;
    this.capacity = capacity;
    this.startedMillis = clock.millis();
    this.ring = new ArrayDeque<>(capacity);
  }

  /** Takes a reading now, and then every interval on a daemon thread until closed. */
  synchronized void startSampling() {
    if (sampler != null) {
      return;
    }
    sampler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gatewatch-status");
              t.setDaemon(true);
              return t;
            });
    sampler.scheduleAtFixedRate(this::tickQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void tickQuietly() {
    try {
      tick();
    } catch (RuntimeException e) {
      // A failed reading leaves a gap in the charts; it must not stop the sampler.
      log.warn("status reading failed", e);
    }
  }

  /** Takes one reading of the registry and remembers it, dropping the oldest when full. */
  Reading tick() {
    long now = clock.millis();
    Reading r = Reading.of(scrape.get(), now, ready.getAsBoolean(), now - startedMillis);
    synchronized (this) {
      if (ring.size() == capacity) {
        ring.removeFirst();
        dropped = true;
      }
      ring.addLast(r);
    }
    return r;
  }

  /** The readings held, oldest first. */
  synchronized List<Reading> readings() {
    return new ArrayList<>(ring);
  }

  /**
   * True until the ring first drops a reading: the oldest reading held then still sits on the
   * agent's start, where every counter was zero, so the first interval starts from zero.
   */
  synchronized boolean fromStart() {
    return !dropped;
  }

  Duration interval() {
    return interval;
  }

  int capacity() {
    return capacity;
  }

  @Override
  public synchronized void close() {
    if (sampler != null) {
      sampler.shutdownNow();
      sampler = null;
    }
  }
}
