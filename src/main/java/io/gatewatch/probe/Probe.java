package io.gatewatch.probe;

import io.gatewatch.metrics.ProbeMetrics;
import io.gatewatch.metrics.Source;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.FrameScanner;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.track.ConnectionTracker;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A synthetic client of one gateway: holds {@link ProbeSettings#sessions()} sessions, follows the
 * active profile's reconnection strategy, and feeds everything it sends and receives into a core
 * tracker under {@code source="probe"}, so the catalogue metrics come from the core like any tap's.
 * Only {@code gateway_probe_up} and {@code gateway_probe_ready_duration_seconds} are its own.
 *
 * <pre>{@code
 * try (Probe probe = Probe.start(watches, profile, TrackerSettings.DEFAULTS, settings, token,
 *     scheduler, new JdkTransport(settings.connectTimeout()), random, Signals.NONE)) { ... }
 * }</pre>
 */
public final class Probe implements AutoCloseable {
  static final Logger log = LoggerFactory.getLogger(Probe.class);
  private static final Duration TICK = Duration.ofSeconds(1);
  private static final Duration SESSION_STAGGER = Duration.ofSeconds(1);

  private final GatewayProfile profile;
  private final ProbeSettings settings;
  private final ProbeToken token;
  private final ConnectionTracker tracker;
  private final FrameScanner scanner;
  private final Scheduler scheduler;
  private final Transport transport;
  private final DoubleSupplier random;
  private final ProbeMetrics metrics;
  private final ProbeTally tally;
  private final List<ProbeSession> sessions = new ArrayList<>();
  private final CountDownLatch done;
  private volatile boolean closed;
  private volatile Scheduler.Cancellable tick = Scheduler.Cancellable.NONE;

  private Probe(
      Watches watches,
      GatewayProfile profile,
      TrackerSettings trackerSettings,
      ProbeSettings settings,
      ProbeToken token,
      Scheduler scheduler,
      Transport transport,
      DoubleSupplier random,
      Signals also) {
    this.profile = profile;
    this.settings = settings;
    this.token = token;
    this.scheduler = scheduler;
    this.transport = transport;
    this.random = random;
    this.tally = new ProbeTally();
    this.tracker =
        watches.add(
            profile,
            trackerSettings,
            Source.PROBE,
            settings.gateway(),
            also == Signals.NONE ? tally : Signals.both(tally, also));
    this.scanner = new FrameScanner(watches.fingerprinter());
    this.metrics = new ProbeMetrics(settings.gateway(), this::isUp);
    metrics.bindTo(watches.registry());
    this.done = new CountDownLatch(settings.sessions());
    for (int i = 1; i <= settings.sessions(); i++) {
      sessions.add(new ProbeSession(this, i));
    }
  }

  /**
   * Starts holding sessions.
   *
   * @param random values in [0, 1): heartbeat and op 9 jitter
   * @param also receives the tracker's signals after the metrics and the probe's tally, or {@link
   *     Signals#NONE}
   * @throws IllegalArgumentException when this gateway is already probed in {@code watches}
   */
  public static Probe start(
      Watches watches,
      GatewayProfile profile,
      TrackerSettings trackerSettings,
      ProbeSettings settings,
      ProbeToken token,
      Scheduler scheduler,
      Transport transport,
      DoubleSupplier random,
      Signals also) {
    Probe probe =
        new Probe(
            watches, profile, trackerSettings, settings, token, scheduler, transport, random, also);
    log.info(
        "probe {}: {} session(s) against {} ({}){}",
        settings.gateway(),
        settings.sessions(),
        settings.url(),
        token,
        settings.isOnce() ? "" : ", resuming every " + millis(settings.resumeEvery().toNanos()));
    probe.tick();
    // One after another: sessions of one token that Identify in the same instant cannot be told
    // apart by the core's reconnect linking (nor are real clients that synchronised).
    for (int i = 0; i < probe.sessions.size(); i++) {
      ProbeSession s = probe.sessions.get(i);
      if (i == 0) {
        s.start();
      } else {
        scheduler.schedule(SESSION_STAGGER.multipliedBy(i), s::start);
      }
    }
    return probe;
  }

  /** Moves the tracker's time when nothing happens, so a quiet probe still sweeps. */
  private void tick() {
    if (closed) {
      return;
    }
    tracker.advance(scheduler.nowNanos());
    tick = scheduler.schedule(TICK, this::tick);
  }

  /** 1 while any session holds a ready session. */
  public boolean isUp() {
    for (ProbeSession s : sessions) {
      if (s.up()) {
        return true;
      }
    }
    return false;
  }

  /** Why sessions stopped retrying (4004, 4010, 4011, 4012), one per session that did. */
  public List<String> gaveUp() {
    List<String> out = new ArrayList<>();
    for (ProbeSession s : sessions) {
      String why = s.gaveUp();
      if (why != null) {
        out.add(why);
      }
    }
    return out;
  }

  /**
   * With {@code --once}: why the check could not reach the gateway at all (its first socket never
   * opened), or empty when it could.
   */
  public java.util.Optional<String> unreachable() {
    for (ProbeSession s : sessions) {
      if (s.unreachableAtStart()) {
        return java.util.Optional.of(s.gaveUp());
      }
    }
    return java.util.Optional.empty();
  }

  /** Socket open to READY of each session's last Identify (-1: none yet). */
  public List<Long> readyNanos() {
    List<Long> out = new ArrayList<>();
    for (ProbeSession s : sessions) {
      out.add(s.readyNanos());
    }
    return out;
  }

  /**
   * Waits until every session is done (with {@code --once}: its check finished; otherwise: gave
   * up).
   */
  public boolean awaitDone(Duration timeout) throws InterruptedException {
    return done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  public ProbeTally tally() {
    return tally;
  }

  public ConnectionTracker tracker() {
    return tracker;
  }

  public ProbeSettings settings() {
    return settings;
  }

  /** Ends every socket with 1000; the metrics stay in the registry. */
  @Override
  public void close() {
    closed = true;
    tick.cancel();
    sessions.forEach(ProbeSession::stop);
  }

  void sessionDone() {
    done.countDown();
  }

  GatewayProfile profile() {
    return profile;
  }

  ProbeToken token() {
    return token;
  }

  FrameScanner scanner() {
    return scanner;
  }

  Scheduler scheduler() {
    return scheduler;
  }

  Transport transport() {
    return transport;
  }

  DoubleSupplier random() {
    return random;
  }

  ProbeMetrics metrics() {
    return metrics;
  }

  /** {@code 12 ms}, {@code 1.5 s}, {@code 60 s}. */
  static String millis(long nanos) {
    double ms = nanos / 1e6;
    if (ms < 1_000) {
      return ms < 10 ? String.format(Locale.ROOT, "%.1f ms", ms) : Math.round(ms) + " ms";
    }
    double s = ms / 1_000;
    return s == Math.rint(s) ? (long) s + " s" : String.format(Locale.ROOT, "%.1f s", s);
  }
}
