package io.gatewatch.export;

import io.opentelemetry.api.trace.SpanContext;

/**
 * The span a histogram sample's exemplar points at: set on the recording thread around the metric
 * recording ({@link #during}), read by the Prometheus registry's exemplar sampler. Outside {@link
 * #during} there is no current span, so no other sample gets an exemplar.
 */
final class ExemplarSpan implements io.prometheus.metrics.tracer.common.SpanContext {
  private final ThreadLocal<SpanContext> current = new ThreadLocal<>();

  /** Runs {@code recording} with {@code span} as the exemplar's span. */
  void during(SpanContext span, Runnable recording) {
    if (span == null || !span.isValid()) {
      recording.run();
      return;
    }
    SpanContext before = current.get();
    current.set(span);
    try {
      recording.run();
    } finally {
      if (before == null) {
        current.remove();
      } else {
        current.set(before);
      }
    }
  }

  @Override
  public String getCurrentTraceId() {
    SpanContext s = current.get();
    return s == null ? null : s.getTraceId();
  }

  @Override
  public String getCurrentSpanId() {
    SpanContext s = current.get();
    return s == null ? null : s.getSpanId();
  }

  @Override
  public boolean isCurrentSpanSampled() {
    SpanContext s = current.get();
    return s != null && s.isSampled();
  }

  @Override
  public void markCurrentSpanAsExemplar() {}
}
