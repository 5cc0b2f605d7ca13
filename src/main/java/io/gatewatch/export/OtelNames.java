package io.gatewatch.export;

import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.Map;

/**
 * Prometheus names of the catalogue to OpenTelemetry names and UCUM units (docs/metrics.md,
 * "OpenTelemetry"): the dotted Micrometer name without the unit suffix, the unit as UCUM ({@code
 * s}, {@code By}) or an annotation in braces for counts ({@code {connection}}).
 */
public final class OtelNames {
  private OtelNames() {}

  /** Annotations for counted things; a name not listed gets {@code 1}. */
  private static final Map<String, String> COUNT_UNITS =
      Map.ofEntries(
          Map.entry("gateway.connections.opened", "{connection}"),
          Map.entry("gateway.connections.active", "{connection}"),
          Map.entry("gateway.sessions.active", "{session}"),
          Map.entry("gateway.close", "{close}"),
          Map.entry("gateway.heartbeat.missed", "{heartbeat}"),
          Map.entry("gateway.resume", "{resume}"),
          Map.entry("gateway.ready", "{session}"),
          Map.entry("gateway.invalid.session", "{frame}"),
          Map.entry("gateway.reconnect.started", "{episode}"),
          Map.entry("gateway.reconnect.requests", "{frame}"),
          Map.entry("gateway.policy.violations", "{violation}"),
          Map.entry("gateway.frames", "{frame}"),
          Map.entry("gatewatch.tracked.connections", "{entry}"),
          Map.entry("gatewatch.evictions", "{entry}"),
          Map.entry("gatewatch.decode.errors", "{frame}"),
          Map.entry("gatewatch.frames.unobserved", "{frame}"),
          Map.entry("gatewatch.upstream.errors", "{error}"),
          Map.entry("gatewatch.correlation.errors", "{error}"),
          Map.entry("gatewatch.connections.refused", "{connection}"),
          Map.entry("gatewatch.observer.errors", "{error}"),
          Map.entry("gatewatch.ingest.lines", "{line}"),
          Map.entry("gatewatch.capture.records", "{record}"),
          Map.entry("gatewatch.capture.rotations", "{file}"),
          Map.entry("gatewatch.capture.dropped", "{record}"),
          Map.entry("gatewatch.http.auth.failures", "{request}"));

  /** A name and its unit. */
  public record Name(String name, String unit) {}

  /** The name of a registry family ({@code _info} families keep their suffix: build info). */
  public static Name of(MetricSnapshot snapshot) {
    String name = snapshot.getMetadata().getPrometheusName();
    return of(snapshot instanceof InfoSnapshot ? name + "_info" : name);
  }

  /**
   * @param prometheusName the metric family name without {@code _total} ({@code gateway_close},
   *     {@code gateway_heartbeat_rtt_seconds})
   */
  public static Name of(String prometheusName) {
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
    String name = base.replace('_', '.');
    if (unit == null) {
      unit = COUNT_UNITS.getOrDefault(name, "1");
    }
    return new Name(name, unit);
  }
}
