package io.gatewatch.metrics;

import io.gatewatch.metrics.Metric.Label;
import io.gatewatch.track.RttKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * One tap's heartbeats: {@code gateway_heartbeat_rtt_seconds} by kind and {@code
 * gateway_heartbeat_missed_total}.
 */
final class HeartbeatMetrics extends TapBinder {
  private Timer[] rtt;
  private Counter missed;

  HeartbeatMetrics(Source source, String gateway) {
    super(source, gateway);
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    rtt = timers(registry, Metric.HEARTBEAT_RTT, Label.KIND);
    missed = counter(registry, Metric.HEARTBEAT_MISSED);
  }

  void rtt(RttKind kind, long nanos) {
    rtt[kind.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
  }

  void missed() {
    missed.increment();
  }
}
