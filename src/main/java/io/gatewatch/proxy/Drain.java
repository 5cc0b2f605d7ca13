package io.gatewatch.proxy;

import io.gatewatch.metrics.DrainMetrics;
import io.gatewatch.protocol.GatewayProfile;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One drain period for every proxy of an agent (docs/drain.md). Made with the proxies at start-up,
 * so that {@code gatewatch_drained_total} and {@code gatewatch_drain_remaining} read 0 until it
 * runs; {@link #start} drains every proxy at once over the same period and logs the numbers, {@link
 * #finish} logs how it ended. The agent then closes the proxies, which ends what is left with 1001.
 */
public final class Drain {
  private static final Logger log = LoggerFactory.getLogger(Drain.class);

  private final List<WatchedProxy> proxies;
  private final DrainMetrics metrics;
  private final AtomicLong[] asked = new AtomicLong[DrainMetrics.Notice.values().length];
  private final List<GatewayProxy.Draining> running = new ArrayList<>();
  private long startedNanos;
  private int found;

  /** Binds the drain's metrics to {@code registry}. */
  public Drain(List<WatchedProxy> proxies, MeterRegistry registry) {
    this.proxies = List.copyOf(proxies);
    this.metrics = new DrainMetrics(this::remaining);
    metrics.bindTo(registry);
    for (DrainMetrics.Notice n : DrainMetrics.Notice.values()) {
      asked[n.ordinal()] = new AtomicLong();
    }
  }

  /** Relayed sockets the running drain has not asked yet. */
  public int remaining() {
    int sum = 0;
    for (WatchedProxy p : proxies) {
      sum += p.proxy().drainRemaining();
    }
    return sum;
  }

  /** The relayed sockets the drain found when it started. */
  public synchronized int found() {
    return found;
  }

  /** Sockets asked to reconnect so far, in every way. */
  public long asked() {
    long sum = 0;
    for (AtomicLong a : asked) {
      sum += a.get();
    }
    return sum;
  }

  /**
   * Stops every proxy's listener and spreads its sockets' reconnect requests over {@code period}.
   *
   * @return completes when every proxy's drain is done: no socket left, or the period is over
   */
  public synchronized CompletableFuture<Void> start(Duration period, RandomGenerator random) {
    startedNanos = System.nanoTime();
    for (WatchedProxy p : proxies) {
      GatewayProxy.Draining d =
          p.proxy()
              .drain(
                  period,
                  new ReconnectNotice(p.profile()),
                  random,
                  notice -> {
                    asked[notice.ordinal()].incrementAndGet();
                    metrics.asked(notice);
                  });
      running.add(d);
      found += d.sockets();
    }
    log.atInfo()
        .addKeyValue("sockets", found)
        .addKeyValue("period_seconds", period.toMillis() / 1000.0)
        .log(
            "draining: asking {} relayed sockets to reconnect over {} ({}); new connections are"
                + " refused",
            found,
            seconds(period.toNanos()),
            proxies.isEmpty() ? "no proxy" : describe(proxies.get(0).profile().drain()));
    return CompletableFuture.allOf(
        running.stream().map(GatewayProxy.Draining::done).toArray(CompletableFuture[]::new));
  }

  /** Logs how the drain ended; call it before the proxies are closed. */
  public synchronized void finish() {
    int left = 0;
    for (WatchedProxy p : proxies) {
      left += p.proxy().openSockets();
    }
    long withOp = asked[DrainMetrics.Notice.RECONNECT_OP.ordinal()].get();
    long closeOnly = asked[DrainMetrics.Notice.CLOSE_ONLY.ordinal()].get();
    long gone = Math.max(0, found - withOp - closeOnly - left);
    log.atInfo()
        .addKeyValue("sockets", found)
        .addKeyValue("asked", withOp + closeOnly)
        .addKeyValue("left", left)
        .log(
            "drain finished after {}: {} of {} sockets asked to reconnect ({} with the reconnect"
                + " opcode, {} by the close alone), {} ended by themselves, {} left to close with"
                + " 1001",
            seconds(System.nanoTime() - startedNanos),
            withOp + closeOnly,
            found,
            withOp,
            closeOnly,
            gone,
            left);
  }

  /** How a drain asks: {@code op 7 Reconnect, then close 4000 Unknown Error}. */
  public static String describe(GatewayProfile.Drain how) {
    String close = "close " + how.close().code() + " " + how.close().name();
    return how.reconnectOp() == null
        ? close
        : "op " + how.reconnectOp().code() + " " + how.reconnectOp().name() + ", then " + close;
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1fs", nanos / 1e9);
  }
}
