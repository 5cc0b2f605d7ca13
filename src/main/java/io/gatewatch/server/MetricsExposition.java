package io.gatewatch.server;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes the registry in the format a scraper asks for (Prometheus text, or OpenMetrics when the
 * Accept header says so). Micrometer adds a decaying {@code _max} gauge to every timer; it is left
 * out: a windowed maximum cannot be summed across agents, and the catalogue does not hold it.
 */
public final class MetricsExposition {
  private final PrometheusMeterRegistry registry;
  private final ExpositionFormats formats = ExpositionFormats.init();

  public MetricsExposition(PrometheusMeterRegistry registry) {
    this.registry = registry;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The writer for this Accept header (Prometheus text when null or nothing better matches). */
  public ExpositionFormatWriter writerFor(String accept) {
    ExpositionFormatWriter writer = formats.findWriter(accept);
    // The protobuf format is not part of the contract; plain text is what users read.
    if (writer == formats.getPrometheusProtobufWriter()) {
      return formats.getPrometheusTextFormatWriter();
    }
    return writer;
  }

  public void write(OutputStream out, ExpositionFormatWriter writer) throws IOException {
    writer.write(out, snapshot());
  }

  /** The catalogue as it stands now, without Micrometer's timer maxima. */
  public MetricSnapshots snapshot() {
    MetricSnapshots all = registry.getPrometheusRegistry().scrape();
    MetricSnapshots.Builder kept = MetricSnapshots.builder();
    for (MetricSnapshot s : all) {
      if (!s.getMetadata().getName().endsWith("_max")) {
        kept.metricSnapshot(s);
      }
    }
    return kept.build();
  }
}
