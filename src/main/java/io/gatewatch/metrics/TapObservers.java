package io.gatewatch.metrics;

import io.gatewatch.track.Signals;
import io.prometheus.metrics.tracer.common.SpanContext;

/**
 * What else watches every tap of a {@link Watches} besides the metric catalogue: the OTLP span
 * recorder and the activity log ({@code export/}). It wraps each tap's metrics so that it sees a
 * signal before the metrics record it (a reconnect span exists before the histogram records, and
 * the histogram's exemplar points at it).
 */
public interface TapObservers {

  /**
   * The signals one tap's tracker emits to.
   *
   * @param metrics the tap's metric catalogue; the result must pass every signal on to it
   */
  Signals around(Source source, String gateway, Signals metrics);

  /** The span whose ids histogram exemplars carry, or null for no exemplars. */
  SpanContext exemplars();

  /** Nothing but the metrics. */
  TapObservers NONE =
      new TapObservers() {
        @Override
        public Signals around(Source source, String gateway, Signals metrics) {
          return metrics;
        }

        @Override
        public SpanContext exemplars() {
          return null;
        }
      };
}
