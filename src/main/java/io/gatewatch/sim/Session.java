package io.gatewatch.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.LongFunction;

/**
 * One simulated gateway session: its id, whose token made it (as a digest, never the token), its
 * sequence, the replay buffer of retained dispatches and the socket it is attached to.
 *
 * <p>READY is sequence 1 and is never replayed, so the replay floor starts at 1: a Resume may name
 * any {@code seq} from the floor to the current sequence. The buffer keeps the latest dispatches
 * (bounded in events and bytes); each eviction raises the floor to the evicted sequence.
 *
 * <p>Thread-safe: sockets on different event loops meet here (a Resume takes a session over from
 * another socket), so every method synchronizes on the session.
 */
public final class Session {
  /** Why a Resume's {@code seq} was refused, or {@link #OK}. */
  public enum SeqCheck {
    OK,
    /** Above the current sequence: 4007. */
    AHEAD,
    /**
     * Below what the client already acknowledged in a heartbeat (0 before any, so a negative
     * sequence is this too): 4007.
     */
    BEHIND_ACK,
    /** Below the replay floor, the events are gone: op 9 {@code d:false}. */
    BELOW_FLOOR
  }

  /**
   * The outcome of {@link #resume}.
   *
   * @param check OK when resumed
   * @param replay the retained dispatches above {@code seq}, in order (empty unless OK)
   * @param resumed the RESUMED dispatch (null unless OK)
   * @param previousOwner the socket the session was taken from, or null
   */
  public record Resumed(
      SeqCheck check, List<String> replay, String resumed, Object previousOwner) {}

  private record Event(long seq, String payload) {}

  private final String id;
  private final String tokenKey;
  private final int guilds;
  private final int maxEvents;
  private final long maxBytes;
  private final ArrayDeque<Event> events = new ArrayDeque<>();
  private long bytes;
  private long seq = 1;
  private long floor = 1;
  private long acked;
  private Object owner;
  private long detachedAtNanos;

  Session(String id, String tokenKey, int guilds, int maxEvents, long maxBytes, Object owner) {
    this.id = id;
    this.tokenKey = tokenKey;
    this.guilds = guilds;
    this.maxEvents = maxEvents;
    this.maxBytes = maxBytes;
    this.owner = owner;
  }

  public String id() {
    return id;
  }

  /** The token's digest (hex SHA-256), the session's owner identity. */
  public String tokenKey() {
    return tokenKey;
  }

  /** Guilds the session's shard owns. */
  public int guilds() {
    return guilds;
  }

  /** The last sequence assigned. */
  public synchronized long seq() {
    return seq;
  }

  /** The highest sequence no longer replayable; a Resume needs {@code seq >= floor}. */
  public synchronized long floor() {
    return floor;
  }

  /** The highest sequence the client acknowledged in a heartbeat (0 if none). */
  public synchronized long acked() {
    return acked;
  }

  /** Dispatches retained for replay. */
  public synchronized int retained() {
    return events.size();
  }

  /** The socket holding the session, or null while it waits for a Resume. */
  public synchronized Object owner() {
    return owner;
  }

  synchronized long detachedAtNanos() {
    return detachedAtNanos;
  }

  synchronized boolean isAttached() {
    return owner != null;
  }

  /**
   * Assigns the next sequence to a dispatch, builds it and retains it for replay, if {@code caller}
   * still holds the session.
   *
   * @param build makes the serialized payload for a sequence
   * @return the payload, or null when {@code caller} is not the owner (the session moved on)
   */
  public synchronized String dispatch(Object caller, LongFunction<String> build) {
    if (caller == null || owner != caller) {
      return null;
    }
    return retain(build);
  }

  private String retain(LongFunction<String> build) {
    seq++;
    String payload = build.apply(seq);
    events.addLast(new Event(seq, payload));
    bytes += payload.length();
    while (events.size() > maxEvents || (bytes > maxBytes && events.size() > 1)) {
      Event gone = events.removeFirst();
      bytes -= gone.payload.length();
      floor = gone.seq;
    }
    return payload;
  }

  /** Records a heartbeat's {@code d} (clamped to the current sequence). */
  public synchronized void ack(long d) {
    acked = Math.max(acked, Math.min(d, seq));
  }

  /** Whether a Resume at {@code resumeSeq} could replay; see {@link SeqCheck}. */
  public synchronized SeqCheck check(long resumeSeq) {
    if (resumeSeq > seq) {
      return SeqCheck.AHEAD;
    }
    if (resumeSeq < acked) {
      return SeqCheck.BEHIND_ACK;
    }
    if (resumeSeq < floor) {
      return SeqCheck.BELOW_FLOOR;
    }
    return SeqCheck.OK;
  }

  /**
   * Checks {@code resumeSeq} and, if it is fine, attaches the session to {@code newOwner}, collects
   * the dispatches above it and appends RESUMED (which takes the next sequence), atomically.
   */
  public synchronized Resumed resume(
      Object newOwner, long resumeSeq, LongFunction<String> buildResumed) {
    SeqCheck c = check(resumeSeq);
    if (c != SeqCheck.OK) {
      return new Resumed(c, List.of(), null, null);
    }
    List<String> replay = new ArrayList<>();
    for (Event e : events) {
      if (e.seq > resumeSeq) {
        replay.add(e.payload);
      }
    }
    Object previous = owner;
    owner = newOwner;
    String resumed = retain(buildResumed);
    return new Resumed(c, Collections.unmodifiableList(replay), resumed, previous);
  }

  /** Detaches the session if {@code caller} holds it; true when it did. */
  synchronized boolean detach(Object caller, long nowNanos) {
    if (caller == null || owner != caller) {
      return false;
    }
    owner = null;
    detachedAtNanos = nowNanos;
    return true;
  }

  @Override
  public String toString() {
    return "Session[" + shortId() + ", seq " + seq() + "]";
  }

  /** The first 8 characters of the id, for logs. */
  public String shortId() {
    return id.length() > 8 ? id.substring(0, 8) : id;
  }
}
