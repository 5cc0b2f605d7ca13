package io.gatewatch.export;

import io.gatewatch.metrics.Metric;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

/**
 * Prometheus names to OpenTelemetry names and UCUM units (docs/metrics.md, "OpenTelemetry"): the
 * catalogue's own ({@link Metric#meterName()}, {@link Metric#unit()}); for a metric outside it
 * (Micrometer's JVM and process binders) the dotted Prometheus name without the unit suffix, and
 * the unit from that suffix ({@code s}, {@code By}) or {@code 1}.
 */
public final class OtelNames {
  private OtelNames() {}

  /** A name and its unit. */
  public record Name(String name, String unit) {}

  /** The name of a registry family ({@code _info} families keep their suffix: build info). */
  public static Name of(MetricSnapshot snapshot) {
    String name = snapshot.getMetadata().getPrometheusName();
    return of(snapshot instanceof InfoSnapshot ? name + "_info" : name);
  }

  /**
   * @param prometheusName the metric family name, with or without a counter's {@code _total}
   *     ({@code gateway_close}, {@code gateway_heartbeat_rtt_seconds})
   */
  public static Name of(String prometheusName) {
    Metric metric = Metric.ofPrometheusName(prometheusName);
    if (metric != null) {
      return new Name(metric.meterName(), metric.unit());
    }
    String base = prometheusName;
    String unit = null;
    if (base.endsWith("_total")) {
      base = base.substring(0, base.length() - "_total".length());
    }
    if (base.endsWith("_seconds")) {
      base = base.substring(0, base.length() - "_seconds".length());
      unit = "s";
    } else if (base.endsWith("_bytes")) {
      base = base.substring(0, base.length() - "_bytes".length());
      unit = "By";
    }
    return new Name(base.replace('_', '.'), unit == null ? "1" : unit);
  }
}
