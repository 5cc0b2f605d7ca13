package io.gatewatch.export;

import io.gatewatch.metrics.GatewayMetrics;
import io.gatewatch.metrics.Source;
import io.gatewatch.protocol.ClientTable;
import io.gatewatch.track.ReconnectEpisode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * One span per reconnect episode (docs/design.md): from the end of the socket that last held the
 * session to READY or RESUMED on a later socket, or to giving up, with the episode's own event
 * timestamps. A root span named {@code gateway.reconnect}; given-up episodes have status ERROR and
 * {@code gateway.reconnect.via="none"}. {@code gateway.client} names the session's client library.
 */
final class ReconnectSpans {
  static final String SPAN_NAME = "gateway.reconnect";
  static final AttributeKey<String> SOURCE = AttributeKey.stringKey("source");
  static final AttributeKey<String> GATEWAY = AttributeKey.stringKey("gateway");
  static final AttributeKey<Long> CLOSE_CODE = AttributeKey.longKey("gateway.close.code");
  static final AttributeKey<String> CLOSE_NAME = AttributeKey.stringKey("gateway.close.name");
  static final AttributeKey<String> RESUMABLE = AttributeKey.stringKey("gateway.close.resumable");
  static final AttributeKey<String> VIA = AttributeKey.stringKey("gateway.reconnect.via");
  static final AttributeKey<String> RESUME_OUTCOME =
      AttributeKey.stringKey("gateway.resume.outcome");
  static final AttributeKey<Long> ATTEMPTS = AttributeKey.longKey("gateway.reconnect.attempts");

  /** The session's client library: a value of the profile's client table, as on the metrics. */
  static final AttributeKey<String> CLIENT = AttributeKey.stringKey("gateway.client");

  private final Tracer tracer;
  private final Attributes common;
  private final LongAdder recorded;

  ReconnectSpans(Tracer tracer, Source source, String gateway, LongAdder recorded) {
    this.tracer = tracer;
    this.recorded = recorded;
    this.common = Attributes.of(SOURCE, source.label(), GATEWAY, gateway);
  }

  /** Records the episode's span; its context, or an invalid one if recording failed. */
  SpanContext record(ReconnectEpisode e, boolean gaveUp) {
    try {
      Span span =
          tracer
              .spanBuilder(SPAN_NAME)
              .setNoParent()
              .setSpanKind(SpanKind.INTERNAL)
              .setStartTimestamp(e.startNanos(), TimeUnit.NANOSECONDS)
              .setAllAttributes(common)
              .setAttribute(CLOSE_CODE, (long) e.closeCode())
              .setAttribute(
                  CLOSE_NAME, e.close() == null ? GatewayMetrics.OTHER : e.close().label())
              .setAttribute(
                  RESUMABLE,
                  e.close() == null ? GatewayMetrics.OTHER : e.close().resumable().label())
              .setAttribute(VIA, e.via() == null ? "none" : e.via().label())
              .setAttribute(
                  RESUME_OUTCOME, e.lastResume() == null ? "none" : e.lastResume().label())
              .setAttribute(ATTEMPTS, (long) e.attempts())
              .setAttribute(CLIENT, e.client() == null ? ClientTable.UNKNOWN : e.client().label())
              .startSpan();
      if (gaveUp) {
        span.setStatus(StatusCode.ERROR, "no session came back within the link window");
      }
      span.end(Math.max(e.endNanos(), e.startNanos()), TimeUnit.NANOSECONDS);
      recorded.increment();
      return span.getSpanContext();
    } catch (RuntimeException ex) {
      return SpanContext.getInvalid(); // recording never throws
    }
  }
}
