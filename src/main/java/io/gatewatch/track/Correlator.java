package io.gatewatch.track;

import io.gatewatch.protocol.ClientLibrary;
import io.gatewatch.protocol.CloseCode;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.Resumability;
import io.gatewatch.protocol.ScannedFrame;
import io.gatewatch.track.SessionDirectory.Episode;
import io.gatewatch.track.SessionDirectory.Facts;
import io.gatewatch.track.SessionDirectory.Key;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Links the sockets of one client across reconnects, by session id (READY, Resume) or by token
 * fingerprint and shard (Identify), and measures reconnect episodes and the cross-socket policy
 * rules. One lock guards it all: its events (Identify, Resume, READY, a session socket's close) are
 * rare next to heartbeats and dispatches, which never reach it.
 *
 * <p>What other trackers of the same gateway saw (replicas behind one load balancer) comes from the
 * {@link SessionDirectory}: every decision that needs it (a policy rule at Identify or Resume, the
 * episode at READY or RESUMED, giving an episode up) is taken when the directory answers, from the
 * values the event carried and the newer of the local and the shared facts. The local directory
 * answers at once, so a tracker alone decides exactly as before; a remote one answers later on its
 * own thread, or fails, and then the local facts decide.
 */
final class Correlator {

  /** A time that has not come: event times are epoch nanoseconds, never negative. */
  static final long NEVER = SessionDirectory.NEVER;

  /** One socket's place in a lineage; the Connection carries it, only the Correlator uses it. */
  static final class Link {
    /** The client the socket belongs to, once it sent Identify or Resume. */
    Client client;

    /** The socket holds the client's session (READY or RESUMED, not yet ended). */
    boolean holdsSession;

    /** The reconnect-after-4008 rule was decided for this socket. */
    boolean backoffChecked;

    /**
     * Signals naming the client library, held while a shared directory is asked for the library of
     * the session this socket resumed; null when nothing is asked. Written under the Correlator's
     * lock; volatile so that a socket with nothing held emits without taking it.
     */
    volatile List<Consumer<ClientLibrary>> awaitingLibrary;
  }

  /** Signals held per socket for the library at most; beyond, they go out as unknown. */
  private static final int MAX_AWAITING = 64;

  /** One client's session lineage. */
  static final class Client {
    String sessionId;
    long linkKey;
    boolean hasLinkKey;
    Connection holder;

    /** A socket that sent Identify and awaits READY; a second one is another client's. */
    Connection identifying;

    long lastSeenAt;

    /** End of the socket that last held the session; NEVER while held or when unknown. */
    long sessionEndedAt = NEVER;

    int endCode;
    CloseCode endClose;
    int attempts;
    ResumeOutcome lastResume;

    /** The close of the latest socket of this client, whichever it was, and when. */
    CloseCode lastClose;

    long lastCloseAt = NEVER;

    /** {@link #sessionEndedAt} once the directory stored it (another tracker may claim it). */
    long sharedEndAt = NEVER;

    long rateLimitedAt = NEVER;

    /** The library its Identify named; null until one did (here, or on another tracker). */
    ClientLibrary library;
  }

  private static final long FINGERPRINT_MASK = 0xFFFF_FFFF_FFFFL;

  private final Signals signals;
  private final GatewayProfile profile;
  private final SessionDirectory directory;
  private final long windowNanos;
  private final long backoffNanos;
  private final int maxClients;
  private final Map<String, Client> bySession = new HashMap<>();
  private final Map<Long, Client> byLinkKey = new HashMap<>();
  private final Set<Client> clients = Collections.newSetFromMap(new IdentityHashMap<>());
  private final Map<Long, Long> authFailedAt = new HashMap<>();
  private long activeSessions;

  Correlator(
      Signals signals,
      TrackerSettings settings,
      GatewayProfile profile,
      SessionDirectory directory) {
    this.signals = signals;
    this.profile = profile;
    this.directory = directory;
    this.windowNanos = settings.linkWindow().toNanos();
    this.backoffNanos = profile.policy().rateLimitBackoff().toNanos();
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
    long fatalAt = hasToken ? authFailedAt.getOrDefault(fingerprint, NEVER) : NEVER;
    Client client = conn.link.client;
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
    if (conn.client.known()) {
      client.library = conn.client;
    }
    boolean joined = attach(conn, client, now);
    long token = hasToken ? fingerprint : SessionDirectory.NO_FINGERPRINT;
    check(conn, client, now, token, fatalAt, false, joined);
  }

  synchronized void resumed(
      Connection conn, long now, String sessionId, boolean hasToken, long fingerprint) {
    long fatalAt = hasToken ? authFailedAt.getOrDefault(fingerprint, NEVER) : NEVER;
    Client client = sessionId == null ? conn.link.client : bySession.get(sessionId);
    if (client == null) {
      client = conn.link.client != null ? conn.link.client : newClient(now);
    }
    if (sessionId != null && client.sessionId == null) {
      client.sessionId = sessionId;
      bySession.put(sessionId, client);
    }
    if (hasToken && !client.hasLinkKey) {
      index(client, linkKey(fingerprint, ScannedFrame.NO_SHARD));
    }
    inherit(conn, client);
    if (!conn.client.known() && directory.shared() && conn.link.awaitingLibrary == null) {
      conn.link.awaitingLibrary = new ArrayList<>();
    }
    boolean joined = attach(conn, client, now);
    long token = hasToken ? fingerprint : SessionDirectory.NO_FINGERPRINT;
    check(conn, client, now, token, fatalAt, true, joined);
  }

  /**
   * The policy rules of an Identify or Resume, decided on the newer of the local and the shared
   * facts: a retry after 4004, a Resume after a non-resumable close, a reconnect too soon after
   * 4008.
   */
  private void check(
      Connection conn,
      Client client,
      long now,
      long fingerprint,
      long localFatalAt,
      boolean resume,
      boolean joined) {
    long localCloseAt = client.lastCloseAt;
    CloseCode localClose = client.lastClose;
    long localRateLimitedAt = client.rateLimitedAt;
    directory
        .lookup(key(client), fingerprint, joined)
        .whenComplete(
            (shared, error) -> {
              Facts f = error == null && shared != null ? shared : Facts.NONE;
              CloseCode lastClose =
                  f.lastCloseAt() > localCloseAt
                      ? profile.closeCode(f.lastCloseCode())
                      : localClose;
              checked(
                  conn,
                  client,
                  f.client(),
                  Math.max(localFatalAt, f.authFailedAt()),
                  resume ? lastClose : null,
                  Math.max(localRateLimitedAt, f.rateLimitedAt()));
            });
  }

  private synchronized void checked(
      Connection conn,
      Client client,
      String sharedLibrary,
      long fatalAt,
      CloseCode lastClose,
      long rateLimitedAt) {
    if (client.library == null && sharedLibrary != null) {
      ClientLibrary library = profile.clients().byLabel(sharedLibrary);
      client.library = library.known() ? library : null;
    }
    inherit(conn, client);
    List<Consumer<ClientLibrary>> held = conn.link.awaitingLibrary;
    conn.link.awaitingLibrary = null;
    if (held != null) {
      held.forEach(signal -> signal.accept(conn.client));
    }
    // A retry is a socket opened after the refusal: shards of one bot identifying together with
    // one token, whose sockets were all open before the first 4004 came back, are not retrying.
    if (fatalAt != NEVER && conn.openedAt >= fatalAt && conn.openedAt - fatalAt <= windowNanos) {
      signals.violation(PolicyRule.RETRY_UNCHANGED_AFTER_FATAL, conn.client);
    }
    if (lastClose != null && lastClose.resumable() == Resumability.FALSE) {
      signals.violation(PolicyRule.RESUME_AFTER_NON_RESUMABLE, conn.client);
    }
    // only a socket opened after the 4008 is a reconnect; one already open (another shard) is not
    if (!conn.link.backoffChecked && rateLimitedAt != NEVER && conn.openedAt >= rateLimitedAt) {
      conn.link.backoffChecked = true;
      if (conn.openedAt - rateLimitedAt < backoffNanos) {
        signals.violation(PolicyRule.RECONNECT_TOO_SOON_AFTER_RATE_LIMIT, conn.client);
      }
    }
  }

  /**
   * Emits a signal naming the socket's library, or holds it until the library is known. Only a
   * socket waiting for a shared directory's answer takes the lock: a burst of violations on many
   * sockets does not queue the relay's threads behind one another.
   */
  void attributed(Connection conn, Consumer<ClientLibrary> signal) {
    if (conn.link.awaitingLibrary != null) {
      synchronized (this) {
        List<Consumer<ClientLibrary>> held = conn.link.awaitingLibrary;
        if (held != null && held.size() < MAX_AWAITING) {
          held.add(signal);
          return;
        }
      }
    }
    signal.accept(conn.client);
  }

  synchronized void resumeEnded(Connection conn, ResumeOutcome outcome) {
    if (conn.link.client != null) {
      conn.link.client.lastResume = outcome;
      if (outcome != ResumeOutcome.SUCCESS) {
        directory.resumeFailed(key(conn.link.client), outcome);
      }
    }
  }

  synchronized void sessionEstablished(Connection conn, long now, String sessionId, Via via) {
    Client client = conn.link.client;
    if (client == null) {
      client = newClient(now);
      attach(conn, client, now);
    }
    if (client.library == null && conn.client.known()) {
      client.library = conn.client;
    }
    inherit(conn, client);
    long episodeStart = client.sessionEndedAt;
    if (client.holder != null && client.holder != conn && client.holder.link.holdsSession) {
      // The old socket still looks open: the new one takes the session over now.
      release(client.holder);
      episodeStart = conn.openedAt;
      signals.reconnectStarted();
    }
    ReconnectEpisode local =
        episodeStart == NEVER
            ? null
            : new ReconnectEpisode(
                episodeStart,
                now,
                client.endCode,
                client.endClose,
                via,
                client.lastResume,
                client.attempts,
                conn.client);
    boolean localShared = episodeStart != NEVER && episodeStart == client.sharedEndAt;
    Key before = key(client);
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
    client.sessionEndedAt = NEVER;
    client.sharedEndAt = NEVER;
    client.attempts = 0;
    client.lastResume = null;
    client.lastClose = null;
    client.lastCloseAt = NEVER;
    client.rateLimitedAt = NEVER;
    client.lastSeenAt = now;
    if (!conn.link.holdsSession) {
      conn.link.holdsSession = true;
      activeSessions++;
    }
    directory
        .claim(before, key(client), now)
        .whenComplete((shared, error) -> settle(local, localShared, shared, error, now, via, conn));
    // The library is stored with the session as soon as it has one, not only when its socket
    // ends: a client whose network changed resumes on another replica before this one sees the
    // old socket go. Stored under the session id alone, so what the link key leads to is left
    // as it was; an end neither closed nor held stores nothing else.
    if (via == Via.IDENTIFY
        && directory.shared()
        && client.library != null
        && client.sessionId != null) {
      share(client, SessionDirectory.SocketEnd.library(client.sessionId, now, label(client)));
    }
  }

  /**
   * Records the episode that READY or RESUMED at {@code now} ended: the shared one when it started
   * no earlier than the local one (the client's last session socket may have been on another
   * tracker), else the local one, unless the directory stored that and another tracker claimed it.
   * The episode is the library's of the socket that ended it.
   */
  private void settle(
      ReconnectEpisode local,
      boolean localShared,
      Episode shared,
      Throwable error,
      long now,
      Via via,
      Connection conn) {
    ReconnectEpisode episode = local;
    boolean foreign = false;
    if (error == null && shared != null) {
      if (local == null || shared.endedAt() >= local.startNanos()) {
        episode =
            new ReconnectEpisode(
                shared.endedAt(),
                now,
                shared.code(),
                shared.code() == SessionDirectory.NO_CODE ? null : profile.closeCode(shared.code()),
                via,
                local != null && local.lastResume() != null
                    ? local.lastResume()
                    : shared.lastResume(),
                shared.attempts(),
                conn.client);
        foreign = !shared.mine();
      }
    } else if (error == null && localShared && directory.shared()) {
      episode = null; // stored, then claimed by another tracker: that one recorded it
    }
    if (episode == null) {
      return;
    }
    // an episode needs time to run forwards: events with earlier timestamps than the session's end
    // (a capture posted twice, clocks of different ingest clients or replicas) make none
    if (now < episode.startNanos()) {
      if (foreign) {
        directory.clockSkew();
      }
      return;
    }
    if (now - episode.startNanos() <= windowNanos) {
      signals.reconnected(
          new ReconnectEpisode(
              episode.startNanos(),
              now,
              episode.closeCode(),
              episode.close(),
              via,
              episode.lastResume(),
              Math.max(1, episode.attempts()),
              conn.client));
    } else {
      signals.reconnectAbandoned(
          new ReconnectEpisode(
              episode.startNanos(),
              episode.startNanos() + windowNanos,
              episode.closeCode(),
              episode.close(),
              null,
              episode.lastResume(),
              episode.attempts(),
              conn.client));
    }
  }

  /** op 9 on a socket: whatever session it held is gone. */
  synchronized void sessionLost(Connection conn, long now) {
    if (conn.link.holdsSession) {
      release(conn);
      Client client = conn.link.client;
      client.sessionEndedAt = now;
      client.endCode = SessionDirectory.NO_CODE;
      client.endClose = null;
      signals.reconnectStarted();
      share(
          client,
          new SessionDirectory.SocketEnd(
              key(client),
              now,
              SessionDirectory.NO_CODE,
              false,
              true,
              SessionDirectory.NO_FINGERPRINT,
              label(client)));
    }
  }

  synchronized void socketEnded(Connection conn, long now, int code, CloseCode close) {
    Client client = conn.link.client;
    if (client == null) {
      return;
    }
    client.lastSeenAt = now;
    client.lastClose = close;
    client.lastCloseAt = now;
    if (client.identifying == conn) {
      client.identifying = null;
    }
    boolean held = conn.link.holdsSession;
    if (held) {
      release(conn);
      client.sessionEndedAt = now;
      client.endCode = code;
      client.endClose = close;
      client.attempts = 0;
      client.lastResume = null;
      signals.reconnectStarted();
    }
    if (code == CloseCode.RATE_LIMITED) {
      client.rateLimitedAt = now;
    }
    long authFailed = SessionDirectory.NO_FINGERPRINT;
    // Only a refused Identify says the token is bad: a 4004 that answers a Resume may mean that the
    // token does not own that session (Fluxer), after which an Identify with it is the cure.
    if (code == CloseCode.AUTHENTICATION_FAILED && conn.identified && client.hasLinkKey) {
      authFailed = client.linkKey & FINGERPRINT_MASK;
      if (authFailedAt.size() < maxClients) {
        authFailedAt.put(authFailed, now);
      } else {
        signals.evicted(EvictionReason.CAPACITY); // the failure is not remembered
      }
    }
    share(
        client,
        new SessionDirectory.SocketEnd(
            key(client), now, code, true, held, authFailed, label(client)));
  }

  /** Stores a socket's end; a session's end, once stored, may be claimed by another tracker. */
  private void share(Client client, SessionDirectory.SocketEnd end) {
    if (end.key().isEmpty() && end.authFailedFingerprint() == SessionDirectory.NO_FINGERPRINT) {
      return;
    }
    directory
        .ended(end)
        .whenComplete(
            (stored, error) -> {
              if (error == null && Boolean.TRUE.equals(stored) && end.heldSession()) {
                synchronized (this) {
                  if (client.sessionEndedAt == end.at()) {
                    client.sharedEndAt = end.at();
                  }
                }
              }
            });
  }

  /** A socket evicted without a close: its hold ends, but no episode is invented for it. */
  synchronized void socketDropped(Connection conn) {
    if (conn.link.holdsSession) {
      release(conn);
      conn.link.client.sessionEndedAt = NEVER;
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
      if (c.sessionEndedAt != NEVER) {
        boolean shared = c.sessionEndedAt == c.sharedEndAt;
        Key key = key(c);
        ReconnectEpisode episode = giveUp(c, now);
        // given up by the tracker whose socket end started it, unless another one went on with it
        directory
            .release(key, episode.startNanos())
            .whenComplete(
                (mine, error) -> {
                  if (error != null
                      || Boolean.TRUE.equals(mine)
                      || !shared
                      || !directory.shared()) {
                    signals.reconnectAbandoned(episode);
                  }
                });
      }
      forget(c);
      signals.evicted(EvictionReason.TTL);
    }
    authFailedAt.values().removeIf(at -> now - at > windowNanos);
    directory.expire(now);
  }

  /** Whether another live socket holds the client's session or is identifying for it. */
  private boolean holdsElsewhere(Client client, Connection conn) {
    return liveElsewhere(client.holder, conn) || liveElsewhere(client.identifying, conn);
  }

  private static boolean liveElsewhere(Connection other, Connection conn) {
    return other != null && other != conn && !other.ended;
  }

  /** Attaches the socket to the client; true when it joined it just now. */
  private boolean attach(Connection conn, Client client, long now) {
    client.lastSeenAt = now;
    if (conn.link.client == client) {
      return false;
    }
    conn.link.client = client;
    if (client.sessionEndedAt != NEVER) {
      client.attempts++;
    }
    return true;
  }

  /** A socket that named no library takes its client's: a Resume, a READY after a capture began. */
  private static void inherit(Connection conn, Client client) {
    if (!conn.client.known() && client.library != null) {
      conn.client = client.library;
    }
  }

  /** The library's label for the directory, null when none is known. */
  private static String label(Client client) {
    return client.library == null ? null : client.library.label();
  }

  /** The client as the directory knows it. */
  private static Key key(Client c) {
    return c.sessionId == null && !c.hasLinkKey
        ? Key.NONE
        : new Key(c.sessionId, c.hasLinkKey ? c.linkKey : SessionDirectory.NO_LINK);
  }

  private void release(Connection conn) {
    conn.link.holdsSession = false;
    activeSessions--;
    if (conn.link.client != null && conn.link.client.holder == conn) {
      conn.link.client.holder = null;
    }
  }

  private ReconnectEpisode giveUp(Client c, long at) {
    ReconnectEpisode episode =
        new ReconnectEpisode(
            c.sessionEndedAt,
            at,
            c.endCode,
            c.endClose,
            null,
            c.lastResume,
            c.attempts,
            c.library != null ? c.library : profile.clients().unknown());
    c.sessionEndedAt = NEVER;
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
