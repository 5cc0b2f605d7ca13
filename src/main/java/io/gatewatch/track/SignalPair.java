package io.gatewatch.track;

import io.gatewatch.protocol.ClientLibrary;
import io.gatewatch.protocol.CloseCode;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;

/** Two receivers of the same signals, in order. */
record SignalPair(Signals first, Signals second) implements Signals {
  @Override
  public void connectionOpened() {
    first.connectionOpened();
    second.connectionOpened();
  }

  @Override
  public void connectionClosed(int code, CloseCode close, Initiator initiator) {
    first.connectionClosed(code, close, initiator);
    second.connectionClosed(code, close, initiator);
  }

  @Override
  public void frame(Direction from, int op, int sizeBytes) {
    first.frame(from, op, sizeBytes);
    second.frame(from, op, sizeBytes);
  }

  @Override
  public void decodeError() {
    first.decodeError();
    second.decodeError();
  }

  @Override
  public void frameUnobserved() {
    first.frameUnobserved();
    second.frameUnobserved();
  }

  @Override
  public void heartbeatRtt(RttKind kind, long nanos) {
    first.heartbeatRtt(kind, nanos);
    second.heartbeatRtt(kind, nanos);
  }

  @Override
  public void heartbeatMissed() {
    first.heartbeatMissed();
    second.heartbeatMissed();
  }

  @Override
  public void resume(ResumeOutcome outcome, ClientLibrary client) {
    first.resume(outcome, client);
    second.resume(outcome, client);
  }

  @Override
  public void ready(Via via, ClientLibrary client) {
    first.ready(via, client);
    second.ready(via, client);
  }

  @Override
  public void reconnectStarted() {
    first.reconnectStarted();
    second.reconnectStarted();
  }

  @Override
  public void reconnected(ReconnectEpisode episode) {
    first.reconnected(episode);
    second.reconnected(episode);
  }

  @Override
  public void reconnectAbandoned(ReconnectEpisode episode) {
    first.reconnectAbandoned(episode);
    second.reconnectAbandoned(episode);
  }

  @Override
  public void invalidSession() {
    first.invalidSession();
    second.invalidSession();
  }

  @Override
  public void reconnectRequested() {
    first.reconnectRequested();
    second.reconnectRequested();
  }

  @Override
  public void violation(PolicyRule rule, ClientLibrary client) {
    first.violation(rule, client);
    second.violation(rule, client);
  }

  @Override
  public void evicted(EvictionReason reason) {
    first.evicted(reason);
    second.evicted(reason);
  }
}
