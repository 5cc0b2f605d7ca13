package io.gatewatch.export;

import io.gatewatch.metrics.AgentMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.Data;
import io.opentelemetry.sdk.metrics.data.DoubleExemplarData;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.GaugeData;
import io.opentelemetry.sdk.metrics.data.HistogramData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.metrics.data.SummaryData;
import io.opentelemetry.sdk.metrics.data.SummaryPointData;
import io.opentelemetry.sdk.metrics.export.MetricProducer;
import io.opentelemetry.sdk.resources.Resource;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBucket;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Exemplar;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Label;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The catalogue as OpenTelemetry metric data, read from the same Micrometer registry {@code
 * /metrics} serves at collection time: nothing is counted twice, so OTLP and Prometheus agree at
 * the same moment. Counters become cumulative monotonic sums, gauges gauges, histograms cumulative
 * explicit-bucket histograms with the same bounds (and their exemplars); names and units follow
 * {@link OtelNames}. Micrometer's {@code _max} gauges are left out, as on {@code /metrics}. Built
 * from the SDK's public data interfaces only (its {@code internal} classes change without notice).
 */
final class RegistryMetricProducer implements MetricProducer {
  private static final InstrumentationScopeInfo SCOPE =
      InstrumentationScopeInfo.builder("io.gatewatch").setVersion(AgentMetrics.version()).build();

  private final PrometheusMeterRegistry registry;
  private final LongSupplier epochNanos;
  private final long startEpochNanos;

  RegistryMetricProducer(PrometheusMeterRegistry registry, LongSupplier epochNanos) {
    this.registry = registry;
    this.epochNanos = epochNanos;
    this.startEpochNanos = epochNanos.getAsLong();
  }

  @Override
  public Collection<MetricData> produce(Resource resource) {
    long now = epochNanos.getAsLong();
    List<MetricData> out = new ArrayList<>();
    for (MetricSnapshot s : registry.getPrometheusRegistry().scrape()) {
      String prometheusName = s.getMetadata().getPrometheusName();
      if (prometheusName.endsWith("_max")) {
        continue;
      }
      OtelNames.Name n = OtelNames.of(s);
      String help = s.getMetadata().getHelp() == null ? "" : s.getMetadata().getHelp();
      MetricDataType type;
      Data<?> data;
      if (s instanceof CounterSnapshot c) {
        List<DoublePointData> points = new ArrayList<>();
        for (CounterSnapshot.CounterDataPointSnapshot p : c.getDataPoints()) {
          DoubleExemplarData e = p.getExemplar() == null ? null : exemplar(p.getExemplar());
          points.add(
              DoublePointData.create(
                  startEpochNanos,
                  now,
                  attributes(p.getLabels()),
                  p.getValue(),
                  e == null ? List.of() : List.of(e)));
        }
        type = MetricDataType.DOUBLE_SUM;
        data = SumData.createDoubleSumData(true, AggregationTemporality.CUMULATIVE, points);
      } else if (s instanceof GaugeSnapshot g) {
        List<DoublePointData> points = new ArrayList<>();
        for (GaugeSnapshot.GaugeDataPointSnapshot p : g.getDataPoints()) {
          if (!Double.isNaN(p.getValue())) {
            points.add(
                DoublePointData.create(
                    startEpochNanos, now, attributes(p.getLabels()), p.getValue(), List.of()));
          }
        }
        type = MetricDataType.DOUBLE_GAUGE;
        data = GaugeData.createDoubleGaugeData(points);
      } else if (s instanceof InfoSnapshot info) {
        List<DoublePointData> points = new ArrayList<>();
        for (InfoSnapshot.InfoDataPointSnapshot p : info.getDataPoints()) {
          points.add(
              DoublePointData.create(
                  startEpochNanos, now, attributes(p.getLabels()), 1, List.of()));
        }
        type = MetricDataType.DOUBLE_GAUGE;
        data = GaugeData.createDoubleGaugeData(points);
      } else if (s instanceof HistogramSnapshot h) {
        List<HistogramPointData> points = new ArrayList<>();
        for (HistogramSnapshot.HistogramDataPointSnapshot p : h.getDataPoints()) {
          if (p.hasClassicHistogramData()) {
            points.add(histogramPoint(p, now));
          }
        }
        type = MetricDataType.HISTOGRAM;
        data = HistogramData.create(AggregationTemporality.CUMULATIVE, points);
      } else if (s instanceof SummarySnapshot sum) {
        List<SummaryPointData> points = new ArrayList<>();
        for (SummarySnapshot.SummaryDataPointSnapshot p : sum.getDataPoints()) {
          points.add(
              SummaryPointData.create(
                  startEpochNanos,
                  now,
                  attributes(p.getLabels()),
                  p.hasCount() ? p.getCount() : 0,
                  p.hasSum() ? p.getSum() : 0,
                  List.of()));
        }
        type = MetricDataType.SUMMARY;
        data = SummaryData.create(points);
      } else {
        continue;
      }
      out.add(new Metric(resource, SCOPE, n.name(), help, n.unit(), type, data));
    }
    return out;
  }

  private HistogramPointData histogramPoint(
      HistogramSnapshot.HistogramDataPointSnapshot p, long now) {
    List<Double> bounds = new ArrayList<>();
    List<Long> counts = new ArrayList<>();
    long total = 0;
    for (ClassicHistogramBucket b : p.getClassicBuckets()) {
      if (b.getUpperBound() != Double.POSITIVE_INFINITY) {
        bounds.add(b.getUpperBound());
      }
      counts.add(b.getCount()); // per bucket, not cumulative, as OTLP wants them
      total += b.getCount();
    }
    if (counts.size() == bounds.size()) {
      counts.add(Math.max(0, (p.hasCount() ? p.getCount() : total) - total)); // the +Inf bucket
    }
    List<DoubleExemplarData> exemplars = new ArrayList<>();
    Exemplars ex = p.getExemplars();
    if (ex != null) {
      for (Exemplar e : ex) {
        DoubleExemplarData d = exemplar(e);
        if (d != null) {
          exemplars.add(d);
        }
      }
    }
    long count = 0;
    for (long c : counts) {
      count += c;
    }
    return new HistogramPoint(
        startEpochNanos,
        now,
        attributes(p.getLabels()),
        p.hasSum() ? p.getSum() : 0,
        count,
        false,
        0,
        false,
        0,
        List.copyOf(bounds),
        List.copyOf(counts),
        List.copyOf(exemplars));
  }

  private static Attributes attributes(Labels labels) {
    AttributesBuilder b = Attributes.builder();
    for (Label l : labels) {
      b.put(l.getName(), l.getValue());
    }
    return b.build();
  }

  /** A Prometheus exemplar ({@code trace_id}, {@code span_id} labels) as an OTLP one. */
  private static DoubleExemplarData exemplar(Exemplar e) {
    String traceId = e.getLabels().get(Exemplar.TRACE_ID);
    String spanId = e.getLabels().get(Exemplar.SPAN_ID);
    if (traceId == null || spanId == null) {
      return null;
    }
    return DoubleExemplarData.create(
        Attributes.empty(),
        e.hasTimestamp() ? e.getTimestampMillis() * 1_000_000L : 0,
        SpanContext.create(traceId, spanId, TraceFlags.getSampled(), TraceState.getDefault()),
        e.getValue());
  }

  // The records' components are named after the interfaces' getters: their accessors implement
  // them.

  /** One metric of the export, in the SDK's public {@link MetricData} shape. */
  private record Metric(
      Resource getResource,
      InstrumentationScopeInfo getInstrumentationScopeInfo,
      String getName,
      String getDescription,
      String getUnit,
      MetricDataType getType,
      Data<?> getData)
      implements MetricData {}

  /**
   * A cumulative explicit-bucket point with exemplars (the SDK's public factory takes none); no min
   * or max, which a cumulative Prometheus histogram does not keep.
   */
  private record HistogramPoint(
      long getStartEpochNanos,
      long getEpochNanos,
      Attributes getAttributes,
      double getSum,
      long getCount,
      boolean hasMin,
      double getMin,
      boolean hasMax,
      double getMax,
      List<Double> getBoundaries,
      List<Long> getCounts,
      List<DoubleExemplarData> getExemplars)
      implements HistogramPointData {}
}
