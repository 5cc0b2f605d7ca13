package io.gatewatch.track;

import static io.gatewatch.track.SessionDirectory.NEVER;

import io.gatewatch.protocol.CloseCode;
import io.gatewatch.track.SessionDirectory.Key;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A session directory kept in memory and shared by the trackers of one process that watch the same
 * gateway: what the Redis directory does between processes, with the same rules, answering at once.
 * Each tracker takes its own {@link #view()}. Entries expire in event time, twice the link window
 * after their last write (so an episode is still there to be given up or claimed late), and the
 * oldest go first beyond the capacity.
 */
public final class InProcessDirectory {
  private final long retainNanos;
  private final int capacity;
  private final Map<String, Session> sessions = new LinkedHashMap<>();
  private final Map<Long, Link> links = new LinkedHashMap<>();
  private final Map<Long, Long> authFailedAt = new LinkedHashMap<>();
  private int views;

  private static class Entry {
    long writtenAt;
    long lastCloseAt = NEVER;
    int lastCloseCode;
    long rateLimitedAt = NEVER;

    /** The client's library label, once a socket end carried it. */
    String client;
  }

  private static final class Session extends Entry {
    long endedAt = NEVER;
    int code;
    int owner;
    int attempts;
    ResumeOutcome lastResume;
  }

  private static final class Link extends Entry {
    String sessionId;
  }

  /** Remembers what the settings' {@code maxClients} allow, for twice its link window. */
  public InProcessDirectory(TrackerSettings settings) {
    this.retainNanos = 2 * settings.linkWindow().toNanos();
    this.capacity = settings.maxClients();
  }

  /** One tracker's directory. */
  public synchronized SessionDirectory view() {
    return new View(++views);
  }

  private final class View implements SessionDirectory {
    private final int owner;

    View(int owner) {
      this.owner = owner;
    }

    @Override
    public boolean shared() {
      return true;
    }

    @Override
    public CompletionStage<Boolean> ended(SocketEnd end) {
      synchronized (InProcessDirectory.this) {
        Key key = end.key();
        Session session = key.sessionId() == null ? null : session(key.sessionId(), end.at());
        Link link = key.linkKey() < 0 ? null : link(key.linkKey(), end.at());
        for (Entry e : new Entry[] {session, link}) {
          if (e != null && end.client() != null) {
            e.client = end.client();
          }
          if (e == null || !end.closed()) {
            continue;
          }
          if (end.at() >= e.lastCloseAt) {
            e.lastCloseAt = end.at();
            e.lastCloseCode = end.code();
          }
          if (end.code() == CloseCode.RATE_LIMITED) {
            e.rateLimitedAt = Math.max(e.rateLimitedAt, end.at());
          }
        }
        if (session != null && end.heldSession() && end.at() >= session.endedAt) {
          session.endedAt = end.at();
          session.code = end.code();
          session.owner = owner;
          session.attempts = 0;
          session.lastResume = null;
        }
        if (link != null && key.sessionId() != null) {
          link.sessionId = key.sessionId();
        }
        if (end.authFailedFingerprint() != NO_FINGERPRINT) {
          put(authFailedAt, end.authFailedFingerprint(), end.at());
        }
        return CompletableFuture.completedFuture(true);
      }
    }

    @Override
    public CompletionStage<Facts> lookup(Key key, long fingerprint, boolean attempt) {
      synchronized (InProcessDirectory.this) {
        Link link = linkOf(key);
        Session session = sessionOf(key, link);
        long closeAt = NEVER;
        int code = 0;
        long rateLimitedAt = NEVER;
        String client = null;
        for (Entry e : new Entry[] {session, link}) {
          if (e != null) {
            client = client != null ? client : e.client;
            if (e.lastCloseAt > closeAt) {
              closeAt = e.lastCloseAt;
              code = e.lastCloseCode;
            }
            rateLimitedAt = Math.max(rateLimitedAt, e.rateLimitedAt);
          }
        }
        if (attempt && session != null && session.endedAt != NEVER) {
          session.attempts++;
        }
        Long fatal = fingerprint == NO_FINGERPRINT ? null : authFailedAt.get(fingerprint);
        return CompletableFuture.completedFuture(
            new Facts(closeAt, code, rateLimitedAt, fatal == null ? NEVER : fatal, client));
      }
    }

    @Override
    public void resumeFailed(Key key, ResumeOutcome outcome) {
      synchronized (InProcessDirectory.this) {
        Session session = sessionOf(key, linkOf(key));
        if (session != null && session.endedAt != NEVER) {
          session.lastResume = outcome;
        }
      }
    }

    @Override
    public CompletionStage<Episode> claim(Key key, Key next, long at) {
      synchronized (InProcessDirectory.this) {
        Link link = linkOf(key);
        Session session = sessionOf(key, link);
        Episode episode = null;
        for (Entry e : new Entry[] {session, link}) {
          if (e != null) {
            e.lastCloseAt = NEVER;
            e.rateLimitedAt = NEVER;
          }
        }
        if (session != null && session.endedAt != NEVER) {
          episode =
              new Episode(
                  session.endedAt,
                  session.code,
                  session.attempts,
                  session.lastResume,
                  session.owner == owner);
          session.endedAt = NEVER;
        }
        if (next.sessionId() != null && next.linkKey() >= 0) {
          link(next.linkKey(), at).sessionId = next.sessionId();
        }
        return CompletableFuture.completedFuture(episode);
      }
    }

    @Override
    public CompletionStage<Boolean> release(Key key, long endedAt) {
      synchronized (InProcessDirectory.this) {
        Session session = sessionOf(key, linkOf(key));
        boolean mine = session != null && session.endedAt == endedAt && session.owner == owner;
        if (mine) {
          session.endedAt = NEVER;
        }
        return CompletableFuture.completedFuture(mine);
      }
    }

    @Override
    public void expire(long now) {
      synchronized (InProcessDirectory.this) {
        expireOlder(sessions, now);
        expireOlder(links, now);
        authFailedAt.values().removeIf(at -> now - at > retainNanos);
      }
    }
  }

  private Link linkOf(Key key) {
    return key.linkKey() < 0 ? null : links.get(key.linkKey());
  }

  private Session sessionOf(Key key, Link link) {
    String id = key.sessionId() != null ? key.sessionId() : link == null ? null : link.sessionId;
    return id == null ? null : sessions.get(id);
  }

  private Session session(String id, long now) {
    return written(sessions, id, Session::new, now);
  }

  private Link link(long key, long now) {
    return written(links, key, Link::new, now);
  }

  /** The entry for {@code key} (a new one if none), written at {@code now}: the newest entry. */
  private <K, V extends Entry> V written(Map<K, V> map, K key, Supplier<V> fresh, long now) {
    V e = map.remove(key);
    if (e == null) {
      e = fresh.get();
    }
    e.writtenAt = Math.max(e.writtenAt, now);
    put(map, key, e);
    return e;
  }

  /** Inserts as the newest entry, making room by dropping the oldest. */
  private <K, V> void put(Map<K, V> map, K key, V value) {
    map.remove(key);
    if (map.size() >= capacity) {
      Iterator<K> oldest = map.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    map.put(key, value);
  }

  private <K> void expireOlder(Map<K, ? extends Entry> map, long now) {
    map.values().removeIf(e -> now - e.writtenAt > retainNanos);
  }
}
