package io.gatewatch.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The two probe-only metrics; everything else the probe measures comes from the core's catalogue
 * under {@code source="probe"}: {@code gateway_probe_up} and {@code
 * gateway_probe_ready_duration_seconds}.
 */
public final class ProbeMetrics implements MeterBinder, AutoCloseable {
  private final Tags common;
  private final BooleanSupplier up;
  private final List<Meter> meters = new ArrayList<>();
  private MeterRegistry registry;
  private volatile Timer ready;

  /**
   * @param up whether the probe holds a ready session now
   */
  public ProbeMetrics(String gateway, BooleanSupplier up) {
    this.common = Tags.of("source", Source.PROBE.label(), "gateway", gateway);
    this.up = up;
  }

  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    this.registry = registry;
    meters.add(
        Gauge.builder("gateway.probe.up", up, u -> u.getAsBoolean() ? 1 : 0)
            .description("1 while the probe holds a ready session")
            .tags(common)
            .register(registry));
    Timer t =
        Timer.builder("gateway.probe.ready.duration")
            .description("Probe socket open to READY")
            .serviceLevelObjectives(Buckets.READY)
            .tags(common)
            .register(registry);
    meters.add(t);
    ready = t;
  }

  /** A probe socket got READY this long after it opened. */
  public void ready(long nanos) {
    Timer t = ready;
    if (t != null && nanos >= 0) {
      t.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public synchronized void close() {
    ready = null;
    if (registry != null) {
      meters.forEach(registry::remove);
      meters.clear();
    }
  }
}
