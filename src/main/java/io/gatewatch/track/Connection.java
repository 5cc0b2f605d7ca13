package io.gatewatch.track;

import io.gatewatch.protocol.ClientLibrary;
import io.gatewatch.protocol.CloseCode;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Encoding;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.protocol.Opcode;
import io.gatewatch.protocol.ScannedFrame;
import java.util.function.Consumer;

/**
 * The state machine of one socket: turns its frames and its close into signals. A tap gets one from
 * {@link ConnectionTracker#open} and feeds it the socket's events in order; calls are serialised
 * per socket, and no method throws. Events after the close (or after eviction) are ignored.
 */
public final class Connection {

  private final ConnectionTracker tracker;
  private final Signals signals;
  private final String id;
  private final Encoding encoding;
  final long openedAt;
  private final ScannedFrame frame = new ScannedFrame();

  /** Last event time; read without the lock by the sweep. */
  volatile long lastEventAt;

  /** Set once, under this object's lock, when the socket ended or was evicted. */
  volatile boolean ended;

  /** A client heartbeat more than this after the previous one is late; -1 before Hello. */
  private long lateAfterNanos = -1;

  /** How long a server's heartbeat request may stay unanswered before the close counts it. */
  private long answerWindowNanos = -1;

  /** The client's last op 1; -1 until its first, which may come anywhere within the interval. */
  private long lastClientHeartbeatAt = -1;

  /**
   * The client's heartbeats awaiting their ACK, oldest first. A second is held only when one of the
   * two answers a server request: the client answered the request and its own timer fired before
   * the first ACK came back (or the other way round), so both are in flight and the gateway ACKs
   * them in order. Otherwise a heartbeat still unanswered when the next one goes is missed.
   */
  private long beatAwaitingAck = -1;

  private long secondBeatAwaitingAck = -1;

  /** The last client heartbeat went after a server request. */
  private boolean lastBeatAnswered;

  /** The server asked for a heartbeat and no client heartbeat has gone since. */
  private boolean serverAsked;

  /** The server's request still to be answered and measured; -1 when none. */
  private long pendingServerRequestAt = -1;

  private boolean authenticated;
  private long resumeSentAt = -1;

  /** This socket sent an Identify; read by the Correlator when the socket ends, under this lock. */
  boolean identified;

  /**
   * The client library, from this socket's Identify or, for a socket that only Resumed, from the
   * session's Identify (the Correlator's, or another tracker's through the directory). Unknown
   * until then; written under this lock or the Correlator's, read under either.
   */
  volatile ClientLibrary client;

  /** Owned by the Correlator and guarded by its lock. */
  final Correlator.Link link = new Correlator.Link();

  Connection(ConnectionTracker tracker, String id, long openedAt, Encoding encoding) {
    this.tracker = tracker;
    this.signals = tracker.signals();
    this.id = id;
    this.encoding = encoding;
    this.openedAt = openedAt;
    this.lastEventAt = openedAt;
    this.client = tracker.profile().clients().unknown();
  }

  /** The client library the socket's Identify named, or the session's; unknown until then. */
  public ClientLibrary client() {
    return client;
  }

  /** The tap's name for this socket. */
  public String id() {
    return id;
  }

  /** The time of the socket's last event (its open or a frame), in the tracker's clock. */
  public long lastEventNanos() {
    return lastEventAt;
  }

  /** The encoding of the socket's binary payloads, as its URL asked ({@code encoding=etf}). */
  public Encoding encoding() {
    return encoding;
  }

  /** One frame as UTF-8 JSON bytes: {@code len} bytes of {@code buf} from {@code off}. */
  public void frame(long nanos, Direction from, byte[] buf, int off, int len) {
    frame(nanos, from, Encoding.JSON, buf, off, len, -1);
  }

  /**
   * One JSON frame whose size as seen live was {@code size} (a capture's redacted payload is longer
   * or shorter than the original); -1 means the payload's own length.
   */
  public void frame(long nanos, Direction from, byte[] buf, int off, int len, int size) {
    frame(nanos, from, Encoding.JSON, buf, off, len, size);
  }

  /**
   * One frame in {@code encoding} (text messages are JSON; binary ones are in the socket's {@link
   * #encoding()} once decompressed), with its live size as above.
   */
  public void frame(
      long nanos, Direction from, Encoding encoding, byte[] buf, int off, int len, int size) {
    frame(nanos, from, encoding, buf, off, len, size, null);
  }

  /**
   * Receives each frame as the tracker read it, on the caller's thread while the socket's lock is
   * held (so a socket's frames arrive in order): a capture writes what the tracker needs from here.
   */
  @FunctionalInterface
  public interface FrameSink {
    /**
     * @param encoding what the bytes are in (JSON text, or the socket's binary encoding)
     * @param buf the frame's bytes as given ({@code len} bytes from {@code off}); valid only during
     *     the call
     * @param read what the scanner read from them; valid only during the call
     * @param size the size the tracker counted
     */
    void read(
        long nanos,
        Direction from,
        Encoding encoding,
        byte[] buf,
        int off,
        int len,
        ScannedFrame read,
        int size);
  }

  /**
   * One frame as above, handed after the tracker's own work to {@code sink} (null for none).
   *
   * @return false when the socket had already ended (closed or evicted): the frame was ignored and
   *     the sink not called
   */
  public boolean frame(
      long nanos,
      Direction from,
      Encoding encoding,
      byte[] buf,
      int off,
      int len,
      int size,
      FrameSink sink) {
    tracker.advance(nanos);
    synchronized (this) {
      if (ended) {
        return false;
      }
      lastEventAt = nanos;
      boolean ok = tracker.scanner().scan(encoding, buf, off, len, frame);
      int counted = size >= 0 ? size : frame.size();
      onFrame(nanos, from, ok, counted);
      if (sink != null) {
        sink.read(nanos, from, encoding, buf, off, len, frame, counted);
      }
      return true;
    }
  }

  /** One frame as text. */
  public void frame(long nanos, Direction from, CharSequence text) {
    tracker.advance(nanos);
    synchronized (this) {
      if (ended) {
        return;
      }
      lastEventAt = nanos;
      boolean ok = tracker.scanner().scan(text, frame);
      onFrame(nanos, from, ok, frame.size());
    }
  }

  /**
   * A frame that went by without being read: compressed while compressed observation is off ({@code
   * undecodable} false: counted as unobserved), or compressed bytes that did not decompress ({@code
   * undecodable} true: a decode error). Its direction and size still count.
   *
   * @return false when the socket had already ended and the frame was ignored
   */
  public boolean frameNotRead(long nanos, Direction from, int sizeBytes, boolean undecodable) {
    tracker.advance(nanos);
    synchronized (this) {
      if (ended) {
        return false;
      }
      lastEventAt = nanos;
      signals.frame(from, ScannedFrame.NO_OP, sizeBytes);
      if (undecodable) {
        signals.decodeError();
      } else {
        signals.frameUnobserved();
      }
      return true;
    }
  }

  /**
   * The socket ended.
   *
   * @param code the close code; ignored (recorded as 1006) when {@code by} is {@link
   *     Initiator#NONE}, since no close frame was seen
   * @return false when the socket had already ended (closed or evicted) and this close was ignored
   */
  public boolean close(long nanos, int code, Initiator by) {
    tracker.advance(nanos);
    synchronized (this) {
      if (ended) {
        return false;
      }
      ended = true;
      lastEventAt = nanos;
      if (by == Initiator.NONE) {
        code = CloseCode.ABNORMAL;
      }
      missAwaitedBeats();
      // A request made just before the close had no time to be answered, unless the close is the
      // server's own verdict that the heartbeat never came.
      if (pendingServerRequestAt >= 0
          && (nanos - pendingServerRequestAt > answerWindowNanos
              || code == CloseCode.SESSION_TIMEOUT && by == Initiator.SERVER)) {
        attributed(c -> signals.violation(PolicyRule.SERVER_HEARTBEAT_UNANSWERED, c));
      }
      if (resumeSentAt >= 0) {
        resumeEnded(
            code == CloseCode.INVALID_SEQUENCE
                ? ResumeOutcome.INVALID_SEQUENCE
                : code == CloseCode.AUTHENTICATION_FAILED
                    ? ResumeOutcome.AUTH_FAILED
                    : ResumeOutcome.CLOSED);
      }
      CloseCode known = tracker.profile().closeCode(code);
      signals.connectionClosed(code, known, by);
      tracker.correlator().socketEnded(this, nanos, code, known);
      tracker.remove(this);
      return true;
    }
  }

  private void onFrame(long nanos, Direction from, boolean ok, int size) {
    signals.frame(from, ok ? frame.op() : ScannedFrame.NO_OP, size);
    if (ok && from == Direction.CLIENT && frame.op() == Opcode.IDENTIFY) {
      // first, so that an Identify over the limit is its own library's violation
      nameClient();
    }
    if (from == Direction.CLIENT && size > tracker.profile().maxClientPayloadBytes()) {
      attributed(c -> signals.violation(PolicyRule.PAYLOAD_TOO_LARGE, c));
    }
    if (!ok) {
      signals.decodeError();
      return;
    }
    if (from == Direction.SERVER) {
      onServerFrame(nanos);
    } else {
      onClientFrame(nanos);
    }
  }

  private void onServerFrame(long nanos) {
    switch (frame.op()) {
      case Opcode.HELLO -> {
        if (frame.heartbeatIntervalMs() > 0) {
          long interval = frame.heartbeatIntervalMs() * 1_000_000L;
          long grace = (long) (interval * tracker.profile().policy().heartbeatGrace());
          lateAfterNanos = interval + grace;
          answerWindowNanos = grace;
        }
      }
      case Opcode.HEARTBEAT_ACK -> {
        if (beatAwaitingAck >= 0) {
          // a round trip needs time to run forwards: an ACK stamped before its heartbeat (lines
          // of a capture out of order) answers it but measures nothing
          if (nanos >= beatAwaitingAck) {
            signals.heartbeatRtt(RttKind.CLIENT, nanos - beatAwaitingAck);
          }
          beatAwaitingAck = secondBeatAwaitingAck;
          secondBeatAwaitingAck = -1;
        }
      }
      case Opcode.HEARTBEAT -> {
        if (pendingServerRequestAt >= 0) {
          attributed(c -> signals.violation(PolicyRule.SERVER_HEARTBEAT_UNANSWERED, c));
          pendingServerRequestAt = -1;
        }
        // A request while the client's last heartbeat awaits its ACK crossed that heartbeat on the
        // way: the server asked before it had read it, and reading it answers the request.
        if (beatAwaitingAck < 0) {
          pendingServerRequestAt = nanos;
        }
        serverAsked = true;
      }
      case Opcode.DISPATCH -> {
        if (frame.event() == ScannedFrame.Event.READY) {
          authenticated = true;
          attributed(c -> signals.ready(Via.IDENTIFY, c));
          tracker.correlator().sessionEstablished(this, nanos, frame.sessionId(), Via.IDENTIFY);
        } else if (frame.event() == ScannedFrame.Event.RESUMED) {
          if (authenticated && resumeSentAt < 0) {
            return; // replayed with the missed events of a Resume: no new session
          }
          if (resumeSentAt >= 0) {
            resumeEnded(ResumeOutcome.SUCCESS);
          }
          authenticated = true;
          attributed(c -> signals.ready(Via.RESUME, c));
          tracker.correlator().sessionEstablished(this, nanos, null, Via.RESUME);
        }
      }
      case Opcode.INVALID_SESSION -> {
        signals.invalidSession();
        authenticated = false;
        if (resumeSentAt >= 0) {
          resumeEnded(ResumeOutcome.INVALID_SESSION);
        }
        tracker.correlator().sessionLost(this, nanos);
      }
      case Opcode.RECONNECT -> signals.reconnectRequested();
      default -> {}
    }
  }

  private void onClientFrame(long nanos) {
    switch (frame.op()) {
      case Opcode.HEARTBEAT -> {
        if (pendingServerRequestAt >= 0) {
          if (nanos >= pendingServerRequestAt) { // forwards only, as the ACK's
            signals.heartbeatRtt(RttKind.SERVER_REQUEST, nanos - pendingServerRequestAt);
          }
          pendingServerRequestAt = -1;
        }
        if (lateAfterNanos > 0
            && lastClientHeartbeatAt >= 0
            && nanos - lastClientHeartbeatAt > lateAfterNanos) {
          attributed(c -> signals.violation(PolicyRule.HEARTBEAT_LATE, c));
        }
        lastClientHeartbeatAt = nanos;
        boolean answers = serverAsked;
        serverAsked = false;
        if (beatAwaitingAck >= 0 && secondBeatAwaitingAck < 0 && (answers || lastBeatAnswered)) {
          secondBeatAwaitingAck = nanos;
        } else {
          missAwaitedBeats();
          beatAwaitingAck = nanos;
        }
        lastBeatAnswered = answers;
      }
      case Opcode.IDENTIFY -> {
        // What the gateway refuses (4005) is an Identify on a socket that holds a session. A second
        // one while READY is awaited is not flagged: a gateway may drop an Identify silently (over
        // its Identify budget), and the client's retry on the same socket is then the only way on.
        if (authenticated) {
          attributed(c -> signals.violation(PolicyRule.IDENTIFY_TWICE, c));
        }
        identified = true;
        tracker
            .correlator()
            .identified(this, nanos, frame.hasToken(), frame.tokenFingerprint(), frame.shardId());
      }
      case Opcode.RESUME -> {
        resumeSentAt = nanos;
        tracker
            .correlator()
            .resumed(this, nanos, frame.sessionId(), frame.hasToken(), frame.tokenFingerprint());
      }
      default -> {}
    }
  }

  /** The library this Identify's properties name; one that names none keeps what was known. */
  private void nameClient() {
    ClientLibrary named =
        tracker.profile().clients().classify(frame.browser(), frame.device(), frame.os());
    if (named.known()) {
      client = named;
    }
  }

  /**
   * Emits a signal that names the client library: at once, or, while the library of a resumed
   * session is still being looked up in a shared directory, once the answer came.
   */
  private void attributed(Consumer<ClientLibrary> signal) {
    tracker.correlator().attributed(this, signal);
  }

  private void missAwaitedBeats() {
    if (beatAwaitingAck >= 0) {
      signals.heartbeatMissed();
    }
    if (secondBeatAwaitingAck >= 0) {
      signals.heartbeatMissed();
    }
    beatAwaitingAck = -1;
    secondBeatAwaitingAck = -1;
  }

  private void resumeEnded(ResumeOutcome outcome) {
    resumeSentAt = -1;
    attributed(c -> signals.resume(outcome, c));
    tracker.correlator().resumeEnded(this, outcome);
  }

  /** Sweep: time out a pending Resume, evict when idle too long. Returns true when evicted. */
  synchronized boolean expire(long now, long idleTtlNanos, long resumeTimeoutNanos) {
    if (ended) {
      return false;
    }
    if (resumeSentAt >= 0 && now - resumeSentAt >= resumeTimeoutNanos) {
      resumeEnded(ResumeOutcome.TIMEOUT);
    }
    if (now - lastEventAt > idleTtlNanos) {
      evict(EvictionReason.TTL);
      return true;
    }
    return false;
  }

  /** Drops this socket's state without a close: nothing is fabricated about how it ended. */
  synchronized void evict(EvictionReason reason) {
    if (ended) {
      return;
    }
    ended = true;
    tracker.correlator().socketDropped(this);
    tracker.remove(this);
    signals.evicted(reason);
  }
}
