package io.gatewatch.export;

import io.gatewatch.protocol.ClientLibrary;
import io.gatewatch.protocol.CloseCode;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.track.EvictionReason;
import io.gatewatch.track.PolicyRule;
import io.gatewatch.track.ReconnectEpisode;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.RttKind;
import io.gatewatch.track.Signals;
import io.gatewatch.track.Via;
import io.opentelemetry.api.trace.SpanContext;

/**
 * One tap's signals on their way to its metrics: a reconnect episode becomes a span first, and the
 * reconnect-duration sample is recorded with that span as its exemplar; a heartbeat RTT sample
 * carries the tap's most recent reconnect span (if under {@link #RTT_EXEMPLAR_MAX_AGE_NANOS} old)
 * as its exemplar. Closes, resumes and reconnects are counted for the activity log.
 */
final class TapSignals implements Signals {
  /** How long a reconnect span stays the exemplar of the tap's heartbeat RTT samples. */
  static final long RTT_EXEMPLAR_MAX_AGE_NANOS = 300_000_000_000L;

  private final Signals metrics;
  private final ReconnectSpans spans;
  private final ExemplarSpan exemplars;
  private final ActivityLog activity;
  private volatile SpanContext lastReconnect;
  private volatile long lastReconnectAt;

  /**
   * @param spans null when traces are not exported
   * @param activity null for no activity log
   */
  TapSignals(Signals metrics, ReconnectSpans spans, ExemplarSpan exemplars, ActivityLog activity) {
    this.metrics = metrics;
    this.spans = spans;
    this.exemplars = exemplars;
    this.activity = activity;
  }

  @Override
  public void reconnectStarted() {
    metrics.reconnectStarted();
  }

  @Override
  public void reconnected(ReconnectEpisode episode) {
    if (activity != null) {
      activity.reconnected();
    }
    if (spans == null) {
      metrics.reconnected(episode);
      return;
    }
    SpanContext span = spans.record(episode, false);
    if (span.isValid()) {
      lastReconnect = span;
      lastReconnectAt = System.nanoTime();
    }
    exemplars.during(span, () -> metrics.reconnected(episode));
  }

  @Override
  public void reconnectAbandoned(ReconnectEpisode episode) {
    if (activity != null) {
      activity.abandoned();
    }
    if (spans != null) {
      spans.record(episode, true);
    }
    metrics.reconnectAbandoned(episode);
  }

  @Override
  public void heartbeatRtt(RttKind kind, long nanos) {
    SpanContext span = lastReconnect;
    if (span == null || System.nanoTime() - lastReconnectAt > RTT_EXEMPLAR_MAX_AGE_NANOS) {
      metrics.heartbeatRtt(kind, nanos);
    } else {
      exemplars.during(span, () -> metrics.heartbeatRtt(kind, nanos));
    }
  }

  @Override
  public void connectionClosed(int code, CloseCode close, Initiator initiator) {
    if (activity != null) {
      activity.closed(code, close);
    }
    metrics.connectionClosed(code, close, initiator);
  }

  @Override
  public void resume(ResumeOutcome outcome, ClientLibrary client) {
    if (activity != null) {
      activity.resumed(outcome);
    }
    metrics.resume(outcome, client);
  }

  @Override
  public void connectionOpened() {
    metrics.connectionOpened();
  }

  @Override
  public void frame(Direction from, int op, int sizeBytes) {
    metrics.frame(from, op, sizeBytes);
  }

  @Override
  public void decodeError() {
    metrics.decodeError();
  }

  @Override
  public void frameUnobserved() {
    metrics.frameUnobserved();
  }

  @Override
  public void heartbeatMissed() {
    metrics.heartbeatMissed();
  }

  @Override
  public void ready(Via via, ClientLibrary client) {
    metrics.ready(via, client);
  }

  @Override
  public void invalidSession() {
    metrics.invalidSession();
  }

  @Override
  public void reconnectRequested() {
    metrics.reconnectRequested();
  }

  @Override
  public void violation(PolicyRule rule, ClientLibrary client) {
    metrics.violation(rule, client);
  }

  @Override
  public void evicted(EvictionReason reason) {
    metrics.evicted(reason);
  }
}
