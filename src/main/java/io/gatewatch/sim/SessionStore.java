package io.gatewatch.sim;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * Every session the simulated gateway knows: created on READY, attached to one socket at a time,
 * retained for the retention window (60 s by default) after their socket ends so that a Resume on
 * another socket finds them, then forgotten. A session whose socket ended with a non-resumable
 * close code is forgotten at once.
 *
 * <p>Expiry is exact: a session detached at {@code t} can be resumed up to {@code t + retention}
 * inclusive and is gone after. Lookups check it, so {@link #sweep()} only frees memory.
 *
 * <p>Thread-safe. Lock order: the store, then a session.
 */
public final class SessionStore {
  private final long retentionNanos;
  private final int replayEvents;
  private final long replayBytes;
  private final LongSupplier clock;
  private final Map<String, Session> sessions = new LinkedHashMap<>();

  /**
   * @param retention how long a detached session stays resumable
   * @param replayEvents dispatches retained per session for replay
   * @param replayBytes bytes of dispatches retained per session (the latest event is always kept)
   * @param clock nanoseconds, e.g. {@code System::nanoTime}
   */
  public SessionStore(Duration retention, int replayEvents, long replayBytes, LongSupplier clock) {
    if (retention.isNegative() || replayEvents < 1 || replayBytes < 1) {
      throw new IllegalArgumentException("retention >= 0, replay buffer >= 1 event and byte");
    }
    this.retentionNanos = retention.toNanos();
    this.replayEvents = replayEvents;
    this.replayBytes = replayBytes;
    this.clock = clock;
  }

  /** A fresh session (sequence 1, READY) attached to {@code owner}. */
  public synchronized Session create(String tokenKey, int guilds, Object owner) {
    return createIfUnder(tokenKey, Integer.MAX_VALUE, guilds, owner);
  }

  /**
   * A fresh session attached to {@code owner}, unless the token already has {@code max} live
   * sessions (then null).
   */
  public synchronized Session createIfUnder(String tokenKey, int max, int guilds, Object owner) {
    if (countForToken(tokenKey) >= max) {
      return null;
    }
    String id;
    do {
      id = newId();
    } while (sessions.containsKey(id));
    Session s = new Session(id, tokenKey, guilds, replayEvents, replayBytes, owner);
    sessions.put(id, s);
    return s;
  }

  private static String newId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return String.format("%016x%016x", r.nextLong(), r.nextLong());
  }

  /** The session with this id, unless unknown, forgotten or expired. */
  public synchronized Optional<Session> find(String id) {
    Session s = sessions.get(id);
    if (s == null) {
      return Optional.empty();
    }
    if (expired(s, clock.getAsLong())) {
      sessions.remove(id);
      return Optional.empty();
    }
    return Optional.of(s);
  }

  /**
   * {@code owner}'s socket ended: the session stays resumable for the retention window ({@code
   * retain}) or is forgotten now. Nothing happens if another socket holds it by now.
   */
  public synchronized void socketEnded(Session s, Object owner, boolean retain) {
    if (!s.detach(owner, clock.getAsLong())) {
      return;
    }
    if (!retain || retentionNanos == 0) {
      sessions.remove(s.id(), s);
    }
  }

  /** Forgets a session now. */
  public synchronized void forget(Session s) {
    sessions.remove(s.id(), s);
  }

  /**
   * Forgets every session, attached or not (the "session expiry" fault): a later Resume of any of
   * them is answered with op 9. Sockets holding one keep it until they end.
   *
   * @return how many were forgotten
   */
  public synchronized int forgetAll() {
    int n = live();
    sessions.clear();
    return n;
  }

  /** Drops expired sessions; returns how many. */
  public synchronized int sweep() {
    long now = clock.getAsLong();
    int n = 0;
    for (Iterator<Session> it = sessions.values().iterator(); it.hasNext(); ) {
      if (expired(it.next(), now)) {
        it.remove();
        n++;
      }
    }
    return n;
  }

  /** Sessions that could still be resumed or are attached. */
  public synchronized int size() {
    return live();
  }

  /** Attached sessions. */
  public synchronized int attached() {
    int n = 0;
    for (Session s : sessions.values()) {
      if (s.isAttached()) {
        n++;
      }
    }
    return n;
  }

  /** Live sessions made with this token. */
  public synchronized int countForToken(String tokenKey) {
    long now = clock.getAsLong();
    int n = 0;
    for (Session s : sessions.values()) {
      if (s.tokenKey().equals(tokenKey) && !expired(s, now)) {
        n++;
      }
    }
    return n;
  }

  private int live() {
    long now = clock.getAsLong();
    int n = 0;
    for (Session s : sessions.values()) {
      if (!expired(s, now)) {
        n++;
      }
    }
    return n;
  }

  private boolean expired(Session s, long now) {
    return !s.isAttached() && now - s.detachedAtNanos() > retentionNanos;
  }
}
