package io.gatewatch.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The two probe-only metrics of the catalogue, {@code gateway_probe_up} and {@code
 * gateway_probe_ready_duration_seconds}; everything else the probe measures is a tap's metrics
 * ({@link GatewayMetrics}) under {@code source="probe"}.
 */
public final class ProbeMetrics extends TapBinder implements AutoCloseable {
  private final BooleanSupplier up;
  private MeterRegistry registry;
  private volatile Timer ready;

  /**
   * @param up whether the probe holds a ready session now
   */
  public ProbeMetrics(String gateway, BooleanSupplier up) {
    super(Source.PROBE, gateway);
    this.up = up;
  }

  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    this.registry = registry;
    keep(Metric.PROBE_UP.gauge(up, u -> u.getAsBoolean() ? 1 : 0).tags(common).register(registry));
    ready = keep(Metric.PROBE_READY_DURATION.timer().tags(common).register(registry));
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
      remove(registry);
    }
  }
}
