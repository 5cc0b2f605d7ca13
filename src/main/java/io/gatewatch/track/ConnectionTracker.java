package io.gatewatch.track;

import io.gatewatch.protocol.Encoding;
import io.gatewatch.protocol.FrameScanner;
import io.gatewatch.protocol.GatewayProfile;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The core of gatewatch: holds the state of every watched socket of one tap and turns their events
 * into {@link Signals}. Time is whatever the events say (epoch nanoseconds): live taps pass their
 * clock's reading, replay passes the capture's timestamps, so the same events always give the same
 * numbers. Expired state is swept as event time advances; state is bounded by {@link
 * TrackerSettings}.
 */
public final class ConnectionTracker {
  private final GatewayProfile profile;
  private final TrackerSettings settings;
  private final Signals signals;
  private final FrameScanner scanner;
  private final Correlator correlator;
  private final Map<String, Connection> connections = new ConcurrentHashMap<>();
  private final AtomicLong nextSweepAt = new AtomicLong(Long.MIN_VALUE);
  private final Object openLock = new Object();

  /** A tracker alone: it shares nothing with other trackers. */
  public ConnectionTracker(
      GatewayProfile profile, TrackerSettings settings, FrameScanner scanner, Signals signals) {
    this(profile, settings, scanner, signals, SessionDirectory.local());
  }

  /**
   * A tracker that links reconnects with the other trackers of the same {@code directory} (the
   * replicas of a proxy behind one load balancer).
   */
  public ConnectionTracker(
      GatewayProfile profile,
      TrackerSettings settings,
      FrameScanner scanner,
      Signals signals,
      SessionDirectory directory) {
    this.profile = profile;
    this.settings = settings;
    this.signals = signals;
    this.scanner = scanner;
    this.correlator = new Correlator(signals, settings, profile, directory);
  }

  /**
   * A socket opened. Returns its state machine; an id already open returns the existing one, so a
   * repeated open event changes nothing.
   */
  public Connection open(String id, long nanos) {
    return open(id, nanos, Encoding.JSON);
  }

  /**
   * Like {@link #open(String, long)} for a socket whose binary payloads are in {@code encoding}.
   */
  public Connection open(String id, long nanos, Encoding encoding) {
    advance(nanos);
    Connection existing = connections.get(id);
    if (existing != null) {
      return existing;
    }
    synchronized (openLock) {
      existing = connections.get(id);
      if (existing != null) {
        return existing;
      }
      if (connections.size() >= settings.maxConnections()) {
        makeRoom(nanos);
      }
      Connection conn = new Connection(this, id, nanos, encoding);
      connections.put(id, conn);
      signals.connectionOpened();
      return conn;
    }
  }

  /** The open socket named {@code id}, or null. */
  public Connection connection(String id) {
    return connections.get(id);
  }

  /** Sockets open now. */
  public int activeConnections() {
    return connections.size();
  }

  /** Sockets holding a session now (after READY or RESUMED, until they end). */
  public long activeSessions() {
    return correlator.activeSessions();
  }

  /** State entries held: open sockets plus remembered clients. */
  public int trackedEntries() {
    return connections.size() + correlator.size();
  }

  public GatewayProfile profile() {
    return profile;
  }

  /**
   * Moves event time forward: at most once per sweep interval, times out unanswered Resumes, evicts
   * idle sockets and forgets clients past the link window. Every event calls it; a live tap also
   * calls it from a timer so that a quiet tracker still sweeps.
   */
  public void advance(long nanos) {
    long due = nextSweepAt.get();
    if (nanos < due
        || !nextSweepAt.compareAndSet(due, nanos + settings.sweepInterval().toNanos())) {
      return;
    }
    sweep(nanos);
  }

  private void sweep(long now) {
    long ttl = settings.idleTtl().toNanos();
    long resumeTimeout = settings.resumeTimeout().toNanos();
    for (Connection c : connections.values()) {
      c.expire(now, ttl, resumeTimeout);
    }
    correlator.sweep(now);
  }

  /** Full: drop what has expired, then the least recently active sixteenth. */
  private void makeRoom(long now) {
    sweep(now);
    if (connections.size() < settings.maxConnections()) {
      return;
    }
    List<Connection> all = new ArrayList<>(connections.values());
    all.sort(Comparator.comparingLong(c -> c.lastEventAt));
    int n = Math.max(1, settings.maxConnections() / 16);
    for (int i = 0; i < n && i < all.size(); i++) {
      all.get(i).evict(EvictionReason.CAPACITY);
    }
  }

  void remove(Connection conn) {
    connections.remove(conn.id(), conn);
  }

  Signals signals() {
    return signals;
  }

  FrameScanner scanner() {
    return scanner;
  }

  Correlator correlator() {
    return correlator;
  }
}
