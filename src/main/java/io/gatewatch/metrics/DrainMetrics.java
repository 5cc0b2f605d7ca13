package io.gatewatch.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.IntSupplier;

/**
 * A proxy agent's drain, once per process: {@code gatewatch_drained_total{notice}} (sockets asked
 * to reconnect) and {@code gatewatch_drain_remaining} (relayed sockets not asked yet). Both read 0
 * until a drain starts, so a dashboard can show the drain of a pod that is stopping.
 */
public final class DrainMetrics implements MeterBinder {
  /** How a socket was asked to reconnect: the {@code notice} label. */
  public enum Notice {
    /** The profile's reconnect opcode (op 7), then its resumable close. */
    RECONNECT_OP("reconnect_op"),
    /** The resumable close alone: no opcode can go into that socket's stream safely. */
    CLOSE_ONLY("close_only");

    private final String label;

    Notice(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private final IntSupplier remaining;
  private volatile Counter[] asked;

  /**
   * @param remaining relayed sockets a running drain has not asked yet (0 when none runs)
   */
  public DrainMetrics(IntSupplier remaining) {
    this.remaining = remaining;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    asked = Metric.DRAINED.counters(registry, Tags.empty(), Metric.Label.NOTICE);
    Metric.DRAIN_REMAINING.gauge(remaining, IntSupplier::getAsInt).register(registry);
  }

  /** One socket was asked to reconnect. */
  public void asked(Notice notice) {
    Counter[] counters = asked;
    if (counters != null) {
      counters[notice.ordinal()].increment();
    }
  }
}
