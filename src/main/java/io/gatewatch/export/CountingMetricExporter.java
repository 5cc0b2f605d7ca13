package io.gatewatch.export;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.util.Collection;

/**
 * Counts metric exports (batches) that went out and those that failed: a collector that is down
 * costs dropped batches, counted and logged at shutdown, never a waiting tap (the reader exports on
 * its own thread and keeps no backlog: the next export reads the registry afresh).
 */
final class CountingMetricExporter extends ExportCounts implements MetricExporter {
  private final MetricExporter delegate;

  CountingMetricExporter(MetricExporter delegate) {
    this.delegate = delegate;
  }

  @Override
  public CompletableResultCode export(Collection<MetricData> metrics) {
    return counted(delegate.export(metrics), 1);
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType type) {
    return delegate.getAggregationTemporality(type);
  }

  @Override
  public Aggregation getDefaultAggregation(InstrumentType type) {
    return delegate.getDefaultAggregation(type);
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
