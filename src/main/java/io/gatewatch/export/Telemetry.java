package io.gatewatch.export;

import io.gatewatch.metrics.Source;
import io.gatewatch.metrics.TapObservers;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.track.Signals;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporterBuilder;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's OpenTelemetry side and activity log, for one {@link Watches}: reconnect spans and the
 * catalogue pushed over OTLP/HTTP, exemplars on {@code /metrics}, and the per-interval close and
 * resume summary. The SDK is built here, never registered as the global one. Closing flushes what
 * is pending (bounded wait) and shuts the exporters down.
 *
 * <pre>{@code
 * try (Telemetry telemetry = Telemetry.start(OtlpSettings.fromEnv(System.getenv()), activity)) {
 *   Watches watches = telemetry.watches(TokenFingerprinter.withRandomSalt());
 *   ...
 * }
 * }</pre>
 */
public final class Telemetry implements TapObservers, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Telemetry.class);

  /** Longest wait for the last export at shutdown. */
  static final Duration FLUSH_WAIT = Duration.ofSeconds(5);

  /** Spans waiting for export at most; more are dropped, a tap never waits for the collector. */
  static final int SPAN_QUEUE = 2048;

  private final OtlpSettings settings;
  private final ActivityLog activity;
  private final LongSupplier epochNanos;
  private final SdkTracerProvider tracerProvider;
  private final CountingSpanExporter spanExporter;
  private final LongAdder spansRecorded = new LongAdder();
  private final Duration flushWait;
  private final ExemplarSpan exemplars = new ExemplarSpan();
  private volatile SdkMeterProvider meterProvider;
  private volatile CountingMetricExporter metricExporter;
  private boolean closed;

  private Telemetry(
      OtlpSettings settings,
      ActivityLog activity,
      LongSupplier epochNanos,
      SdkTracerProvider tracerProvider,
      CountingSpanExporter spanExporter,
      Duration flushWait) {
    this.spanExporter = spanExporter;
    this.flushWait = flushWait;
    this.settings = settings;
    this.activity = activity;
    this.epochNanos = epochNanos;
    this.tracerProvider = tracerProvider;
  }

  /** Nothing exported, no activity log: the metric catalogue alone. */
  public static Telemetry none() {
    return new Telemetry(OtlpSettings.off(), null, System::nanoTime, null, null, FLUSH_WAIT);
  }

  /**
   * Builds the trace side now (metrics once {@link #watches} gives the registry).
   *
   * @param activity the activity log to count into, or null for none
   */
  public static Telemetry start(OtlpSettings settings, ActivityLog activity) {
    return start(settings, activity, Telemetry::epochNanosNow, FLUSH_WAIT);
  }

  static Telemetry start(
      OtlpSettings settings, ActivityLog activity, LongSupplier epochNanos, Duration flushWait) {
    SdkTracerProvider tracers = null;
    CountingSpanExporter counting = null;
    if (settings.tracesEndpoint() != null) {
      OtlpHttpSpanExporterBuilder exporter =
          OtlpHttpSpanExporter.builder().setEndpoint(settings.tracesEndpoint().toString());
      settings.headers().forEach(exporter::addHeader);
      counting = new CountingSpanExporter(exporter.build());
      tracers =
          SdkTracerProvider.builder()
              .setResource(resource(settings))
              .setSampler(Sampler.alwaysOn())
              .addSpanProcessor(
                  BatchSpanProcessor.builder(counting)
                      .setMaxQueueSize(SPAN_QUEUE)
                      .setScheduleDelay(Duration.ofSeconds(1))
                      .build())
              .build();
      log.atInfo()
          .addKeyValue("endpoint", settings.tracesEndpoint())
          .log("OTLP traces to {} (one span per reconnect episode)", settings.tracesEndpoint());
    }
    return new Telemetry(settings, activity, epochNanos, tracers, counting, flushWait);
  }

  /**
   * The watches whose taps this observes, with metric export over OTLP when configured. Call once.
   */
  public synchronized Watches watches(TokenFingerprinter fingerprinter) {
    if (meterProvider != null) {
      throw new IllegalStateException("already watching");
    }
    Watches watches = new Watches(fingerprinter, this);
    if (settings.metricsEndpoint() != null) {
      OtlpHttpMetricExporterBuilder exporter =
          OtlpHttpMetricExporter.builder().setEndpoint(settings.metricsEndpoint().toString());
      settings.headers().forEach(exporter::addHeader);
      metricExporter = new CountingMetricExporter(exporter.build());
      meterProvider =
          SdkMeterProvider.builder()
              .setResource(resource(settings))
              .registerMetricReader(
                  PeriodicMetricReader.builder(metricExporter)
                      .setInterval(settings.interval())
                      .build())
              .registerMetricProducer(new RegistryMetricProducer(watches.registry(), epochNanos))
              .build();
      log.atInfo()
          .addKeyValue("endpoint", settings.metricsEndpoint())
          .addKeyValue("interval_ms", settings.interval().toMillis())
          .log(
              "OTLP metrics to {} every {} s{}",
              settings.metricsEndpoint(),
              settings.interval().toMillis() / 1000.0,
              settings.headers().isEmpty() ? "" : " with headers " + settings.headers().keySet());
    }
    return watches;
  }

  public OtlpSettings settings() {
    return settings;
  }

  @Override
  public Signals around(Source source, String gateway, Signals metrics) {
    if (tracerProvider == null && activity == null) {
      return metrics;
    }
    ReconnectSpans spans =
        tracerProvider == null
            ? null
            : new ReconnectSpans(
                tracerProvider.get("io.gatewatch"), source, gateway, spansRecorded);
    return new TapSignals(metrics, spans, exemplars, activity);
  }

  /** Exemplars only when the spans they point at are exported. */
  @Override
  public io.prometheus.metrics.tracer.common.SpanContext exemplars() {
    return tracerProvider == null ? null : exemplars;
  }

  /** Sends what is pending now (bounded wait); true when everything went out. */
  public boolean flush() {
    boolean ok = true;
    if (tracerProvider != null) {
      ok &= await(tracerProvider.forceFlush());
    }
    SdkMeterProvider meters = meterProvider;
    if (meters != null) {
      ok &= await(meters.forceFlush());
    }
    return ok;
  }

  /** Logs the last activity line, flushes pending spans and metrics, stops the exporters. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (activity != null) {
      activity.close();
    }
    if (tracerProvider == null && meterProvider == null) {
      return;
    }
    // shutdown exports what is pending (spans) and a last collection (metrics) before it stops
    boolean flushed = true;
    if (tracerProvider != null) {
      flushed &= await(tracerProvider.shutdown());
    }
    if (meterProvider != null) {
      flushed &= await(meterProvider.shutdown());
    }
    if (!flushed) {
      log.warn("OTLP: the last export did not complete within {} s", flushWait.toSeconds());
    }
    CountingMetricExporter metrics = metricExporter;
    if (metrics != null) {
      long failed = metrics.failed.sum();
      log.atLevel(failed > 0 ? org.slf4j.event.Level.WARN : org.slf4j.event.Level.INFO)
          .addKeyValue("metric_exports", metrics.exported.sum())
          .addKeyValue("metric_exports_failed", failed)
          .log(
              "OTLP metrics: {} exports sent, {} failed (dropped: the next export reads the"
                  + " registry afresh)",
              metrics.exported.sum(),
              failed);
    }
    if (spanExporter != null) {
      long recorded = spansRecorded.sum();
      long exported = spanExporter.exported.sum();
      long failed = spanExporter.failed.sum();
      long dropped = Math.max(0, recorded - exported - failed);
      log.atLevel(failed + dropped > 0 ? org.slf4j.event.Level.WARN : org.slf4j.event.Level.INFO)
          .addKeyValue("spans_recorded", recorded)
          .addKeyValue("spans_exported", exported)
          .addKeyValue("spans_failed", failed)
          .addKeyValue("spans_dropped", dropped)
          .log(
              "OTLP traces: {} reconnect spans recorded, {} exported, {} failed to export, {}"
                  + " dropped (queue full or unsent at shutdown)",
              recorded,
              exported,
              failed,
              dropped);
    }
  }

  /** Metric exports so far: {@code [sent, failed]} ({@code [0, 0]} without metric export). */
  long[] metricExportCounts() {
    CountingMetricExporter m = metricExporter;
    return m == null ? new long[2] : new long[] {m.exported.sum(), m.failed.sum()};
  }

  /** Spans recorded, exported, failed and dropped so far: {@code [recorded, exported, failed]}. */
  long[] spanCounts() {
    return spanExporter == null
        ? new long[3]
        : new long[] {spansRecorded.sum(), spanExporter.exported.sum(), spanExporter.failed.sum()};
  }

  private boolean await(CompletableResultCode result) {
    return result.join(flushWait.toMillis(), TimeUnit.MILLISECONDS).isSuccess();
  }

  private static Resource resource(OtlpSettings settings) {
    AttributesBuilder b = Attributes.builder();
    for (Map.Entry<String, String> e : settings.resourceAttributes().entrySet()) {
      b.put(e.getKey(), e.getValue());
    }
    return Resource.getDefault().merge(Resource.create(b.build()));
  }

  private static long epochNanosNow() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}
