package io.gatewatch.export;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the spans that went out and the spans whose export failed; with the count of spans
 * recorded, the difference is what the batch processor dropped because its queue was full.
 */
final class CountingSpanExporter implements SpanExporter {
  final LongAdder exported = new LongAdder();
  final LongAdder failed = new LongAdder();
  private final SpanExporter delegate;

  CountingSpanExporter(SpanExporter delegate) {
    this.delegate = delegate;
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    int n = spans.size();
    CompletableResultCode result = delegate.export(spans);
    result.whenComplete(() -> (result.isSuccess() ? exported : failed).add(n));
    return result;
  }

  @Override
  public CompletableResultCode flush() {
    return delegate.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    return delegate.shutdown();
  }
}
