package io.gatewatch.export;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;

/**
 * Counts the spans that went out and the spans whose export failed; with the count of spans
 * recorded, the difference is what the batch processor dropped because its queue was full.
 */
final class CountingSpanExporter extends ExportCounts implements SpanExporter {
  private final SpanExporter delegate;

  CountingSpanExporter(SpanExporter delegate) {
    this.delegate = delegate;
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    int n = spans.size(); // before the export, which may hand the batch back for reuse
    return counted(delegate.export(spans), n);
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
