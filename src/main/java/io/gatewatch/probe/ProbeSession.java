package io.gatewatch.probe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.gatewatch.protocol.CloseCode;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.protocol.Opcode;
import io.gatewatch.protocol.ScannedFrame;
import io.gatewatch.track.Connection;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * One session the probe holds: its sockets one after another, the Identify or Resume on each, the
 * heartbeats on the Hello schedule, and after every close what {@link ReconnectPolicy} says. Every
 * frame sent or received and every close goes to the core tracker as a tap's would. State is
 * guarded by this object's lock; callbacks of a socket that is no longer current are ignored.
 */
final class ProbeSession {
  /**
   * The probe's own closes that keep the session for a Resume: 1000 and 1001 end the session on
   * Discord-style gateways, 4000 is what clients conventionally use instead.
   */
  static final int RESUMING_CLOSE = CloseCode.UNKNOWN_ERROR;

  /** The heartbeat period as a share of Hello's interval. */
  static final int HEARTBEAT_PERIOD_PERCENT = 80;

  private static final Duration CLOSE_GRACE = Duration.ofSeconds(2);

  /** op 7 is followed by the server's 4000; if it never comes, the probe closes itself. */
  private static final Duration RECONNECT_GRACE = Duration.ofSeconds(2);

  private static final JsonFactory JSON = new JsonFactory();

  private final Probe probe;
  private final int number;
  private final ReconnectPolicy policy;
  private final ScannedFrame frame = new ScannedFrame();

  private Sock current;
  private int sockets;
  private String sessionId;
  private long seq = -1;
  private boolean resumeNext;

  /** Holds a ready session, or is resuming it after closing its socket on purpose. */
  private volatile boolean up;

  private String gaveUp;
  private boolean unreachableAtStart;
  private boolean stopped;
  private String loggedState;
  private Scheduler.Cancellable reconnect = Scheduler.Cancellable.NONE;
  private long readyNanos = -1;

  // --once: heartbeats acknowledged, then one resume, then done.
  private int acks;
  private boolean resumeStarted;
  private boolean done;
  private boolean doneSignalled;

  ProbeSession(Probe probe, int number) {
    this.probe = probe;
    this.number = number;
    this.policy =
        new ReconnectPolicy(probe.profile(), probe.settings().reconnect(), probe.random());
  }

  synchronized void start() {
    connect();
  }

  boolean up() {
    return up;
  }

  synchronized String gaveUp() {
    return gaveUp;
  }

  /**
   * With --once: the gateway could not be reached on the first socket; {@link #gaveUp} says why.
   */
  synchronized boolean unreachableAtStart() {
    return unreachableAtStart;
  }

  synchronized boolean done() {
    return done;
  }

  /**
   * Socket open to READY of the session's last Identify, less the probe's own wait after an op 9,
   * or -1.
   */
  synchronized long readyNanos() {
    return readyNanos;
  }

  /** Ends the session's socket with 1000 and stops reconnecting. */
  synchronized void stop() {
    stopped = true;
    reconnect.cancel();
    Sock s = current;
    if (s != null && !s.ended && s.ws != null && !s.closeSent) {
      closeSocket(s, 1000, "probe stopping");
    }
  }

  private String name() {
    return probe.settings().gateway() + "/" + number;
  }

  private void connect() {
    if (stopped || gaveUp != null) {
      return;
    }
    Sock s = new Sock("s" + number + "-" + ++sockets);
    current = s;
    probe.transport().connect(probe.settings().url(), s);
  }

  // ---- what the socket says ----

  private synchronized void opened(Sock s, Transport.Socket ws) {
    s.ws = ws;
    if (s != current || stopped) {
      closeSocket(s, 1000, "probe stopping");
      return;
    }
    s.openedAt = probe.scheduler().nowNanos();
    s.conn = probe.tracker().open(s.id, s.openedAt);
  }

  private synchronized void received(Sock s, String text) {
    if (s.ended || s.conn == null) {
      return;
    }
    long now = probe.scheduler().nowNanos();
    s.conn.frame(now, Direction.SERVER, text);
    if (s != current || s.closeSent || !probe.scanner().scan(text, frame)) {
      return;
    }
    switch (frame.op()) {
      case Opcode.HELLO -> hello(s, frame.heartbeatIntervalMs());
      case Opcode.DISPATCH -> {
        if (frame.hasSeq()) {
          seq = frame.seq();
        }
        if (frame.event() == ScannedFrame.Event.READY) {
          sessionId = frame.sessionId();
          readyNanos = now - s.openedAt - s.ownWaitNanos;
          probe.metrics().ready(readyNanos);
          established(s, "READY in " + Probe.millis(readyNanos));
        } else if (frame.event() == ScannedFrame.Event.RESUMED) {
          established(s, "RESUMED");
        }
      }
      case Opcode.HEARTBEAT -> {
        // The server asks: answer at once; that heartbeat counts, so the next is a period on.
        heartbeat(s);
        s.heartbeat.cancel();
        s.heartbeat = probe.scheduler().schedule(s.period, () -> heartbeatDue(s));
      }
      case Opcode.HEARTBEAT_ACK -> {
        s.ackPending = false;
        acks++;
        if (probe.settings().isOnce()
            && s.established
            && !resumeStarted
            && acks >= probe.settings().onceHeartbeats()) {
          resumeStarted = true;
          s.deliberate = true;
          closeSocket(s, RESUMING_CLOSE, "probe: resume check");
        }
      }
      case Opcode.INVALID_SESSION -> {
        sessionId = null;
        seq = -1;
        resumeNext = false;
        ReconnectPolicy.Decision d = policy.afterInvalidSession();
        s.invalidSessionAt = now;
        down(d.reason() + " in " + Probe.millis(d.delay().toNanos()));
        s.identify.cancel();
        s.identify = probe.scheduler().schedule(d.delay(), () -> identifyAfterInvalidSession(s));
      }
      case Opcode.RECONNECT ->
          s.reconnectGrace =
              probe
                  .scheduler()
                  .schedule(RECONNECT_GRACE, () -> closeIfStillOpen(s, "reconnect requested"));
      default -> {}
    }
  }

  private void hello(Sock s, long intervalMs) {
    if (intervalMs <= 0) {
      return;
    }
    // Fluxer's own client beats at 0.8 x the interval (docs/protocol.md): early enough that the
    // server never has to ask and that no gap comes near the tracker's heartbeat_late (1.25
    // intervals). The first beat comes after a random part of that period, so sessions do not beat
    // in step.
    s.period = Duration.ofNanos(intervalMs * 1_000_000L * HEARTBEAT_PERIOD_PERCENT / 100);
    double jitter = Math.max(0, Math.min(1, probe.random().getAsDouble()));
    s.heartbeat =
        probe
            .scheduler()
            .schedule(
                Duration.ofNanos((long) (s.period.toNanos() * jitter)), () -> heartbeatDue(s));
    if (resumeNext && sessionId != null) {
      send(s, resume());
    } else {
      send(s, identify());
    }
  }

  private void established(Sock s, String how) {
    s.established = true;
    policy.established();
    resumeNext = false;
    up = true;
    logState("up", how);
    if (probe.settings().isOnce()) {
      if (resumeStarted) {
        finishOnce(s);
      }
    } else if (!probe.settings().resumeEvery().isZero()) {
      s.resumeTimer =
          probe.scheduler().schedule(probe.settings().resumeEvery(), () -> periodicResume(s));
    }
  }

  /** The check is over: close the socket, and count the session done once its close is seen. */
  private void finishOnce(Sock s) {
    done = true;
    stopped = true;
    if (s != null && !s.ended && s.ws != null && !s.closeSent) {
      closeSocket(s, 1000, "probe done");
    } else {
      signalDone();
    }
  }

  private void signalDone() {
    if (!doneSignalled) {
      doneSignalled = true;
      probe.sessionDone();
    }
  }

  private synchronized void identifyAfterInvalidSession(Sock s) {
    if (s == current && !s.ended && !s.closeSent) {
      s.ownWaitNanos += probe.scheduler().nowNanos() - s.invalidSessionAt;
      send(s, identify());
    }
  }

  private synchronized void periodicResume(Sock s) {
    if (s == current && !s.ended && !s.closeSent) {
      s.deliberate = true;
      closeSocket(s, RESUMING_CLOSE, "probe: periodic resume");
    }
  }

  private synchronized void closeIfStillOpen(Sock s, String reason) {
    if (s == current && !s.ended && !s.closeSent && s.ws != null) {
      closeSocket(s, RESUMING_CLOSE, reason);
    }
  }

  // ---- heartbeats ----

  private synchronized void heartbeatDue(Sock s) {
    if (s != current || s.ended || s.closeSent) {
      return;
    }
    if (s.ackPending) {
      // No ACK for a whole period: a dead ("zombied") socket. Close it and resume.
      closeSocket(s, RESUMING_CLOSE, "heartbeat ACK missing");
      return;
    }
    heartbeat(s);
    s.heartbeat = probe.scheduler().schedule(s.period, () -> heartbeatDue(s));
  }

  private void heartbeat(Sock s) {
    send(
        s,
        "{\"op\":" + Opcode.HEARTBEAT + ",\"d\":" + (seq < 0 ? "null" : Long.toString(seq)) + "}");
    s.ackPending = true;
  }

  // ---- ends ----

  private synchronized void socketFailed(Sock s, Throwable error) {
    if (s.ws == null) {
      s.unreachable = Transport.describe(error);
    }
    ended(s, CloseCode.ABNORMAL, Initiator.NONE);
  }

  private void closeSocket(Sock s, int code, String reason) {
    s.closeSent = true;
    s.closeCode = code;
    s.ws.close(code, reason);
    s.closeGrace =
        probe
            .scheduler()
            .schedule(
                CLOSE_GRACE,
                () -> {
                  if (!s.ended) {
                    s.ws.abort();
                  }
                });
  }

  private synchronized void ended(Sock s, int code, Initiator by) {
    if (s.ended) {
      return;
    }
    s.ended = true;
    s.cancelTimers();
    if (s.closeSent) {
      code = s.closeCode; // what the probe sent, whatever the echo said
      by = Initiator.CLIENT;
    } else if (s.conn == null || by == Initiator.NONE) {
      code = CloseCode.ABNORMAL;
    }
    if (s.conn != null) {
      s.conn.close(probe.scheduler().nowNanos(), code, by);
    }
    if (s != current) {
      return;
    }
    if (stopped) {
      up = false;
      if (done) {
        signalDone();
      }
      return;
    }
    if (!s.deliberate) {
      up = false;
    }
    String cannotConnect =
        s.unreachable == null
            ? null
            : "cannot connect to " + probe.settings().url() + ": " + s.unreachable;
    if (cannotConnect != null && probe.settings().isOnce() && sockets == 1) {
      // A check that cannot reach the gateway at all says so now, not when --timeout runs out.
      gaveUp = cannotConnect;
      unreachableAtStart = true;
      Probe.log.debug("probe {} gave up: {}", name(), cannotConnect); // the command prints it
      finishOnce(null);
      return;
    }
    ReconnectPolicy.Decision d = policy.afterClose(code, sessionId != null, s.established);
    switch (d.action()) {
      case RESUME -> resumeNext = true;
      case IDENTIFY -> {
        sessionId = null;
        seq = -1;
        resumeNext = false;
      }
      case GIVE_UP -> {
        gaveUp = d.reason();
        sessionId = null;
        logState("gave up", d.reason());
        if (probe.settings().isOnce()) {
          finishOnce(null);
        } else {
          signalDone();
        }
        return;
      }
    }
    String next =
        (cannotConnect == null ? "" : cannotConnect + "; ")
            + d.reason()
            + (d.delay().isZero() ? " at once" : " in " + Probe.millis(d.delay().toNanos()));
    if (s.deliberate && d.action() == ReconnectPolicy.Action.RESUME) {
      // The probe's own reconnect: it stays up unless the Resume fails.
      Probe.log.debug("probe {}: deliberate reconnect; {}", name(), next);
    } else {
      down(next);
    }
    reconnect = probe.scheduler().schedule(d.delay(), this::reconnect);
  }

  private synchronized void reconnect() {
    connect();
  }

  private void down(String why) {
    up = false;
    logState("down", why);
  }

  /** One log line per change of state; retries while down stay at debug. */
  private void logState(String state, String why) {
    if (state.equals(loggedState)) {
      Probe.log.debug("probe {} {}: {}", name(), state, why);
      return;
    }
    loggedState = state;
    if (state.equals("gave up")) {
      Probe.log.warn("probe {} gave up: {}", name(), why);
    } else {
      Probe.log.info("probe {} {}: {}", name(), state, why);
    }
  }

  // ---- payloads ----

  private void send(Sock s, String text) {
    s.conn.frame(probe.scheduler().nowNanos(), Direction.CLIENT, text);
    s.ws.send(text);
  }

  private String identify() {
    return payload(
        Opcode.IDENTIFY,
        g -> {
          g.writeStringField("token", probe.token().value());
          g.writeObjectFieldStart("properties");
          g.writeStringField("os", System.getProperty("os.name", "unknown"));
          g.writeStringField("browser", "gatewatch-probe");
          g.writeStringField("device", "gatewatch-probe");
          g.writeEndObject();
        });
  }

  private String resume() {
    return payload(
        Opcode.RESUME,
        g -> {
          g.writeStringField("token", probe.token().value());
          g.writeStringField("session_id", sessionId);
          g.writeNumberField("seq", Math.max(0, seq));
        });
  }

  private interface Fields {
    void write(JsonGenerator g) throws IOException;
  }

  private static String payload(int op, Fields d) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("op", op);
      g.writeObjectFieldStart("d");
      d.write(g);
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** One socket of this session. */
  private final class Sock implements Transport.Listener {
    final String id;
    Transport.Socket ws;
    Connection conn;
    long openedAt;

    /**
     * The probe's own waits on this socket (before Identifying again after an op 9): not the
     * gateway's time, so not in the time to READY.
     */
    long ownWaitNanos;

    long invalidSessionAt;
    Duration period = Duration.ofMillis(41_250 * HEARTBEAT_PERIOD_PERCENT / 100);
    boolean ended;
    boolean closeSent;
    int closeCode;
    boolean established;
    boolean ackPending;

    /** Closed by the probe to measure a Resume, not because anything failed. */
    boolean deliberate;

    /** Why the socket could not be opened (it never was), or null. */
    String unreachable;

    Scheduler.Cancellable heartbeat = Scheduler.Cancellable.NONE;
    Scheduler.Cancellable identify = Scheduler.Cancellable.NONE;
    Scheduler.Cancellable resumeTimer = Scheduler.Cancellable.NONE;
    Scheduler.Cancellable reconnectGrace = Scheduler.Cancellable.NONE;
    Scheduler.Cancellable closeGrace = Scheduler.Cancellable.NONE;

    Sock(String id) {
      this.id = id;
    }

    void cancelTimers() {
      heartbeat.cancel();
      identify.cancel();
      resumeTimer.cancel();
      reconnectGrace.cancel();
      closeGrace.cancel();
    }

    @Override
    public void opened(Transport.Socket socket) {
      ProbeSession.this.opened(this, socket);
    }

    @Override
    public void text(String message) {
      received(this, message);
    }

    @Override
    public void closed(int code, String reason) {
      ended(this, code, code == CloseCode.ABNORMAL ? Initiator.NONE : Initiator.SERVER);
    }

    @Override
    public void failed(Throwable error) {
      socketFailed(this, error);
    }
  }
}
