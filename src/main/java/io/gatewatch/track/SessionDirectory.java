package io.gatewatch.track;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where the {@link Correlator} shares, with the other trackers of the same source and gateway (the
 * replicas of a proxy behind one load balancer), the few facts that link a client's sockets: per
 * session id, the end of the socket that last held the session and the client's last close; per
 * link key (token fingerprint and shard), the session it leads to and the last close; per
 * fingerprint, the last 4004. An episode is claimed by exactly one tracker, the one that sees its
 * READY or RESUMED.
 *
 * <p>Every call answers asynchronously and must never block: the tracker runs on the relay's
 * threads. An answer that fails (the store is down, slow or refuses) is treated as no answer, and
 * the tracker goes on with what it knows itself. Answers may complete on any thread.
 *
 * <p>{@link #local()} shares nothing (one tracker alone: the default); {@link InProcessDirectory}
 * shares between trackers of one process; the Redis directory between processes.
 */
public interface SessionDirectory {

  /** No link key: the client has sent no token. Link keys are never negative. */
  long NO_LINK = -1;

  /** No token fingerprint (fingerprints are 48-bit, never negative). */
  long NO_FINGERPRINT = -1;

  /** A time that has not come: event times are epoch nanoseconds, never negative. */
  long NEVER = -1;

  /** No close code: op 9 took the session from a socket that stays open. */
  int NO_CODE = -1;

  /**
   * Which client a fact is about.
   *
   * @param sessionId its session id, or null when none is known yet
   * @param linkKey its link key ({@link Correlator#linkKey}), or {@link #NO_LINK}
   */
  record Key(String sessionId, long linkKey) {
    public static final Key NONE = new Key(null, NO_LINK);

    public boolean isEmpty() {
      return sessionId == null && linkKey < 0;
    }
  }

  /**
   * The end of a socket that belonged to a client, or (when {@code closed} is false) op 9 taking
   * the session from a socket that stays open; or, with neither {@code closed} nor {@code
   * heldSession}, only the session's library, stored at READY.
   *
   * @param at event time, epoch nanoseconds
   * @param code the close code ({@link #NO_CODE} when {@code closed} is false)
   * @param heldSession the socket held the session: this end starts a reconnect episode
   * @param authFailedFingerprint the token fingerprint when the close was a 4004, else {@link
   *     #NO_FINGERPRINT}
   * @param client the client's library label, or null when unknown: a socket that Resumes on
   *     another tracker inherits it
   */
  record SocketEnd(
      Key key,
      long at,
      int code,
      boolean closed,
      boolean heldSession,
      long authFailedFingerprint,
      String client) {

    /** Only the library of a session just established (READY), under its session id. */
    public static SocketEnd library(String sessionId, long at, String client) {
      return new SocketEnd(
          new Key(sessionId, NO_LINK), at, NO_CODE, false, false, NO_FINGERPRINT, client);
    }
  }

  /**
   * What is known of a client, newest first; {@link #NEVER} where nothing is known.
   *
   * @param lastCloseAt when the client's latest socket closed
   * @param lastCloseCode that close's code
   * @param rateLimitedAt the client's latest 4008
   * @param authFailedAt the fingerprint's latest 4004
   * @param client the client's library label as the tracker of its Identify named it, or null
   */
  record Facts(
      long lastCloseAt, int lastCloseCode, long rateLimitedAt, long authFailedAt, String client) {
    public static final Facts NONE = new Facts(NEVER, 0, NEVER, NEVER, null);
  }

  /**
   * An open reconnect episode, taken by {@link #claim}.
   *
   * @param endedAt the end of the socket that last held the session
   * @param code its close code ({@link #NO_CODE} for op 9)
   * @param attempts sockets that tried to take the session back, anywhere
   * @param lastResume the last failed Resume's outcome, or null
   * @param mine whether this tracker recorded the end (its own clock measured both ends)
   */
  record Episode(long endedAt, int code, int attempts, ResumeOutcome lastResume, boolean mine) {}

  /** Whether other trackers read and write the same facts. */
  boolean shared();

  /** Records a socket's end; answers true once stored. */
  CompletionStage<Boolean> ended(SocketEnd end);

  /**
   * What is known of the client and of the fingerprint (or {@link #NO_FINGERPRINT}).
   *
   * @param attempt a new socket joins the client: counts as an attempt of its open episode
   */
  CompletionStage<Facts> lookup(Key key, long fingerprint, boolean attempt);

  /** A Resume of the client failed: the outcome its open episode reports. */
  void resumeFailed(Key key, ResumeOutcome outcome);

  /**
   * Takes the client's open episode, once: answers it (null when there is none, or another tracker
   * took it), forgets the client's closes, and points {@code next}'s link key at its session.
   *
   * @param at event time of the READY or RESUMED
   */
  CompletionStage<Episode> claim(Key key, Key next, long at);

  /**
   * Gives up the open episode that started at {@code endedAt}, when it is still this tracker's (no
   * later socket end replaced it, nobody claimed it); answers whether it was.
   */
  CompletionStage<Boolean> release(Key key, long endedAt);

  /** Event time moved to {@code now}: a store kept in memory forgets what has expired. */
  default void expire(long now) {}

  /** An episode claimed from another tracker ended before it started: their clocks disagree. */
  default void clockSkew() {}

  /** Makes one tracker's directory for a source and gateway. */
  @FunctionalInterface
  interface Factory {
    SessionDirectory forTap(String source, String gateway);

    Factory LOCAL = (source, gateway) -> local();
  }

  /** A directory that shares nothing: the tracker alone knows its clients. */
  static SessionDirectory local() {
    return Local.INSTANCE;
  }

  /** Answers at once, with nothing. */
  final class Local implements SessionDirectory {
    static final Local INSTANCE = new Local();
    private static final CompletableFuture<Boolean> FALSE =
        CompletableFuture.completedFuture(false);
    private static final CompletableFuture<Facts> NO_FACTS =
        CompletableFuture.completedFuture(Facts.NONE);
    private static final CompletableFuture<Episode> NO_EPISODE =
        CompletableFuture.completedFuture(null);

    private Local() {}

    @Override
    public boolean shared() {
      return false;
    }

    @Override
    public CompletionStage<Boolean> ended(SocketEnd end) {
      return FALSE;
    }

    @Override
    public CompletionStage<Facts> lookup(Key key, long fingerprint, boolean attempt) {
      return NO_FACTS;
    }

    @Override
    public void resumeFailed(Key key, ResumeOutcome outcome) {}

    @Override
    public CompletionStage<Episode> claim(Key key, Key next, long at) {
      return NO_EPISODE;
    }

    @Override
    public CompletionStage<Boolean> release(Key key, long endedAt) {
      return FALSE;
    }
  }
}
