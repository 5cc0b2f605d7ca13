package io.gatewatch.track;

import io.gatewatch.protocol.CloseCode;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.Resumability;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Links the sockets of one client across reconnects, by session id (READY, Resume) or by token
 * fingerprint and shard (Identify), and measures reconnect episodes and the cross-socket policy
 * rules. One lock guards it all: its events (Identify, Resume, READY, a session socket's close) are
 * rare next to heartbeats and dispatches, which never reach it.
 */
final class Correlator {

  /** One client's session lineage. */
  static final class Client {
    String sessionId;
    long linkKey;
    boolean hasLinkKey;
    Connection holder;

    /** A socket that sent Identify and awaits READY; a second one is another client's. */
    Connection identifying;

    long lastSeenAt;

    /** End of the socket that last held the session; -1 while held or when unknown. */
    long sessionEndedAt = -1;

    int endCode;
    CloseCode endClose;
    int attempts;
    ResumeOutcome lastResume;

    /** The close of the latest socket of this client, whichever it was. */
    CloseCode lastClose;

    long rateLimitedAt = -1;
  }

  private static final long FINGERPRINT_MASK = 0xFFFF_FFFF_FFFFL;

  private final Signals signals;
  private final long windowNanos;
  private final long backoffNanos;
  private final int maxClients;
  private final Map<String, Client> bySession = new HashMap<>();
  private final Map<Long, Client> byLinkKey = new HashMap<>();
  private final Set<Client> clients = Collections.newSetFromMap(new IdentityHashMap<>());
  private final Map<Long, Long> authFailedAt = new HashMap<>();
  private long activeSessions;

  Correlator(Signals signals, TrackerSettings settings, GatewayProfile.Policy policy) {
    this.signals = signals;
    this.windowNanos = settings.linkWindow().toNanos();
    this.backoffNanos = policy.rateLimitBackoff().toNanos();
    this.maxClients = settings.maxClients();
  }

  /** Combines a token fingerprint (48 bits) with the shard, so the shards of one bot stay apart. */
  static long linkKey(long fingerprint, int shardId) {
    return fingerprint | ((shardId + 1L) & 0x7FFF) << 48;
  }

  synchronized long activeSessions() {
    return activeSessions;
  }

  synchronized int size() {
    return clients.size() + authFailedAt.size();
  }

  synchronized void identified(
      Connection conn, long now, boolean hasToken, long fingerprint, int shardId) {
    if (hasToken) {
      checkFatalRetry(conn, fingerprint);
    }
    Client client = conn.client;
    if (client == null && hasToken) {
      client = byLinkKey.get(linkKey(fingerprint, shardId));
      if (client != null && holdsElsewhere(client, conn)) {
        client = null; // a second live session under the same token: another client
      }
    }
    if (client == null) {
      client = newClient(now);
    }
    if (hasToken) {
      index(client, linkKey(fingerprint, shardId));
    }
    client.identifying = conn;
    attach(conn, client, now);
  }

  synchronized void resumed(
      Connection conn, long now, String sessionId, boolean hasToken, long fingerprint) {
    if (hasToken) {
      checkFatalRetry(conn, fingerprint);
    }
    Client client = sessionId == null ? conn.client : bySession.get(sessionId);
    if (client == null) {
      client = conn.client != null ? conn.client : newClient(now);
    }
    if (client.lastClose != null && client.lastClose.resumable() == Resumability.FALSE) {
      signals.violation(PolicyRule.RESUME_AFTER_NON_RESUMABLE);
    }
    if (sessionId != null && client.sessionId == null) {
      client.sessionId = sessionId;
      bySession.put(sessionId, client);
    }
    if (hasToken && !client.hasLinkKey) {
      index(client, linkKey(fingerprint, -1));
    }
    attach(conn, client, now);
  }

  synchronized void resumeEnded(Connection conn, ResumeOutcome outcome) {
    if (conn.client != null) {
      conn.client.lastResume = outcome;
    }
  }

  synchronized void sessionEstablished(Connection conn, long now, String sessionId, Via via) {
    Client client = conn.client;
    if (client == null) {
      client = newClient(now);
      attach(conn, client, now);
    }
    long episodeStart = client.sessionEndedAt;
    if (client.holder != null && client.holder != conn && client.holder.holdsSession) {
      // The old socket still looks open: the new one takes the session over now.
      release(client.holder);
      episodeStart = conn.openedAt;
      signals.reconnectStarted();
    }
    // an episode needs time to run forwards: events with earlier timestamps than the session's end
    // (a capture posted twice, clocks of different ingest clients) make none
    if (episodeStart >= 0 && now >= episodeStart) {
      ReconnectEpisode episode =
          new ReconnectEpisode(
              episodeStart,
              now,
              client.endCode,
              client.endClose,
              via,
              client.lastResume,
              Math.max(1, client.attempts));
      if (now - episodeStart <= windowNanos) {
        signals.reconnected(episode);
      } else {
        signals.reconnectAbandoned(giveUp(client, episodeStart + windowNanos));
      }
    }
    if (sessionId != null && !sessionId.equals(client.sessionId)) {
      if (client.sessionId != null && bySession.get(client.sessionId) == client) {
        bySession.remove(client.sessionId);
      }
      client.sessionId = sessionId;
      bySession.put(sessionId, client);
    }
    client.holder = conn;
    if (client.identifying == conn) {
      client.identifying = null;
    }
    client.sessionEndedAt = -1;
    client.attempts = 0;
    client.lastResume = null;
    client.lastClose = null;
    client.rateLimitedAt = -1;
    client.lastSeenAt = now;
    if (!conn.holdsSession) {
      conn.holdsSession = true;
      activeSessions++;
    }
  }

  /** op 9 on a socket: whatever session it held is gone. */
  synchronized void sessionLost(Connection conn, long now) {
    if (conn.holdsSession) {
      release(conn);
      Client client = conn.client;
      client.sessionEndedAt = now;
      client.endCode = -1;
      client.endClose = null;
      signals.reconnectStarted();
    }
  }

  synchronized void socketEnded(Connection conn, long now, int code, CloseCode close) {
    Client client = conn.client;
    if (client == null) {
      return;
    }
    client.lastSeenAt = now;
    client.lastClose = close;
    if (client.identifying == conn) {
      client.identifying = null;
    }
    if (conn.holdsSession) {
      release(conn);
      client.sessionEndedAt = now;
      client.endCode = code;
      client.endClose = close;
      client.attempts = 0;
      client.lastResume = null;
      signals.reconnectStarted();
    }
    if (code == Connection.CLOSE_RATE_LIMITED) {
      client.rateLimitedAt = now;
    }
    // Only a refused Identify says the token is bad: a 4004 that answers a Resume may mean that the
    // token does not own that session (Fluxer), after which an Identify with it is the cure.
    if (code == Connection.CLOSE_AUTHENTICATION_FAILED && conn.identified && client.hasLinkKey) {
      if (authFailedAt.size() < maxClients) {
        authFailedAt.put(client.linkKey & FINGERPRINT_MASK, now);
      } else {
        signals.evicted(EvictionReason.CAPACITY); // the failure is not remembered
      }
    }
  }

  /** A socket evicted without a close: its hold ends, but no episode is invented for it. */
  synchronized void socketDropped(Connection conn) {
    if (conn.holdsSession) {
      release(conn);
      conn.client.sessionEndedAt = -1;
    }
  }

  /** Forgets clients idle past the link window; an open episode among them is given up. */
  synchronized void sweep(long now) {
    List<Client> expired = new ArrayList<>();
    for (Client c : clients) {
      if (c.holder == null && now - c.lastSeenAt > windowNanos) {
        expired.add(c);
      }
    }
    for (Client c : expired) {
      if (c.sessionEndedAt >= 0) {
        signals.reconnectAbandoned(giveUp(c, now));
      }
      forget(c);
      signals.evicted(EvictionReason.TTL);
    }
    authFailedAt.values().removeIf(at -> now - at > windowNanos);
  }

  /**
   * A retry is a socket opened after the refusal: shards of one bot identifying together with one
   * token, whose sockets were all open before the first 4004 came back, are not retrying.
   */
  private void checkFatalRetry(Connection conn, long fingerprint) {
    Long at = authFailedAt.get(fingerprint);
    if (at != null && conn.openedAt >= at && conn.openedAt - at <= windowNanos) {
      signals.violation(PolicyRule.RETRY_UNCHANGED_AFTER_FATAL);
    }
  }

  /** Whether another live socket holds the client's session or is identifying for it. */
  private boolean holdsElsewhere(Client client, Connection conn) {
    return liveElsewhere(client.holder, conn) || liveElsewhere(client.identifying, conn);
  }

  private static boolean liveElsewhere(Connection other, Connection conn) {
    return other != null && other != conn && !other.ended;
  }

  private void attach(Connection conn, Client client, long now) {
    if (conn.client != client) {
      conn.client = client;
      if (client.sessionEndedAt >= 0) {
        client.attempts++;
      }
    }
    client.lastSeenAt = now;
    // only a socket opened after the 4008 is a reconnect; one already open (another shard) is not
    if (!conn.backoffChecked
        && client.rateLimitedAt >= 0
        && conn.openedAt >= client.rateLimitedAt) {
      conn.backoffChecked = true;
      if (conn.openedAt - client.rateLimitedAt < backoffNanos) {
        signals.violation(PolicyRule.RECONNECT_TOO_SOON_AFTER_RATE_LIMIT);
      }
    }
  }

  private void release(Connection conn) {
    conn.holdsSession = false;
    activeSessions--;
    if (conn.client != null && conn.client.holder == conn) {
      conn.client.holder = null;
    }
  }

  private ReconnectEpisode giveUp(Client c, long at) {
    ReconnectEpisode episode =
        new ReconnectEpisode(
            c.sessionEndedAt, at, c.endCode, c.endClose, null, c.lastResume, c.attempts);
    c.sessionEndedAt = -1;
    return episode;
  }

  private Client newClient(long now) {
    if (clients.size() >= maxClients) {
      evictLeastRecent();
    }
    Client client = new Client();
    client.lastSeenAt = now;
    clients.add(client);
    return client;
  }

  private void index(Client client, long key) {
    if (client.hasLinkKey && client.linkKey != key && byLinkKey.get(client.linkKey) == client) {
      byLinkKey.remove(client.linkKey);
    }
    client.linkKey = key;
    client.hasLinkKey = true;
    byLinkKey.put(key, client);
  }

  /** Makes room by dropping the least recently seen sixteenth of the clients without a socket. */
  private void evictLeastRecent() {
    List<Client> idle = new ArrayList<>();
    for (Client c : clients) {
      if (c.holder == null) {
        idle.add(c);
      }
    }
    idle.sort(Comparator.comparingLong(c -> c.lastSeenAt));
    int n = Math.max(1, maxClients / 16);
    for (int i = 0; i < n && i < idle.size(); i++) {
      forget(idle.get(i));
      signals.evicted(EvictionReason.CAPACITY);
    }
  }

  private void forget(Client c) {
    clients.remove(c);
    if (c.sessionId != null && bySession.get(c.sessionId) == c) {
      bySession.remove(c.sessionId);
    }
    if (c.hasLinkKey && byLinkKey.get(c.linkKey) == c) {
      byLinkKey.remove(c.linkKey);
    }
  }
}
