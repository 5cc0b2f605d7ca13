package io.gatewatch.track;

import io.gatewatch.protocol.ClientLibrary;
import io.gatewatch.protocol.CloseCode;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;

/**
 * What the tracker derives from connection events: one method per measurement behind the metric
 * catalogue. {@code GatewayMetrics} records them; tests script them. Called on the thread that
 * delivered the event, so implementations must be thread-safe and must not block or throw.
 */
public interface Signals {

  void connectionOpened();

  /**
   * A socket ended.
   *
   * @param code the close code (1006 when no close frame was seen)
   * @param close the code in the active profile, or null when the profile does not know it
   */
  void connectionClosed(int code, CloseCode close, Initiator initiator);

  /**
   * A frame went one way.
   *
   * @param op the opcode, or {@code ScannedFrame.NO_OP} when the payload could not be classified
   * @param sizeBytes payload size
   */
  void frame(Direction from, int op, int sizeBytes);

  /** A payload that is not a JSON object with an integer op. */
  void decodeError();

  /** A frame relayed without being read (compressed observation is off). */
  default void frameUnobserved() {}

  void heartbeatRtt(RttKind kind, long nanos);

  void heartbeatMissed();

  /**
   * A Resume ended.
   *
   * @param client the client library of the socket (the session's, for a socket that only resumed)
   */
  void resume(ResumeOutcome outcome, ClientLibrary client);

  /** A session was established (READY or RESUMED) by a socket of {@code client}. */
  void ready(Via via, ClientLibrary client);

  /**
   * A reconnect episode started: a socket that held a session ended, lost the session to op 9, or
   * had it taken over by a later socket. Signalled at once, so an episode that never finishes (a
   * client that cannot get back in) is counted while it happens, not when it is given up.
   */
  default void reconnectStarted() {}

  void reconnected(ReconnectEpisode episode);

  /** A reconnect episode given up: no session came back within the link window. */
  default void reconnectAbandoned(ReconnectEpisode episode) {}

  void invalidSession();

  void reconnectRequested();

  /** A client broke a rule of the profile's policy; {@code client} is its library. */
  void violation(PolicyRule rule, ClientLibrary client);

  void evicted(EvictionReason reason);

  /** Both receive every signal, {@code first} first. */
  static Signals both(Signals first, Signals second) {
    return new SignalPair(first, second);
  }

  /** Signals that go nowhere; a base for tests and for taps that record only some. */
  Signals NONE =
      new Signals() {
        @Override
        public void connectionOpened() {}

        @Override
        public void connectionClosed(int code, CloseCode close, Initiator initiator) {}

        @Override
        public void frame(Direction from, int op, int sizeBytes) {}

        @Override
        public void decodeError() {}

        @Override
        public void heartbeatRtt(RttKind kind, long nanos) {}

        @Override
        public void heartbeatMissed() {}

        @Override
        public void resume(ResumeOutcome outcome, ClientLibrary client) {}

        @Override
        public void ready(Via via, ClientLibrary client) {}

        @Override
        public void reconnected(ReconnectEpisode episode) {}

        @Override
        public void invalidSession() {}

        @Override
        public void reconnectRequested() {}

        @Override
        public void violation(PolicyRule rule, ClientLibrary client) {}

        @Override
        public void evicted(EvictionReason reason) {}
      };
}
