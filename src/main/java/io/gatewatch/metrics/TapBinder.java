package io.gatewatch.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A binder of one tap's meters: each carries the tap's {@code source} and {@code gateway} labels,
 * and {@link #remove} takes them out of the registry again when the tap closes.
 */
abstract class TapBinder implements MeterBinder {
  protected final Tags common;
  private final List<Meter> meters = new CopyOnWriteArrayList<>();

  TapBinder(Source source, String gateway) {
    this.common =
        Tags.of(Metric.Label.SOURCE.key(), source.label(), Metric.Label.GATEWAY.key(), gateway);
  }

  /** Remembers a registered meter, to remove it with this binder's others. */
  protected <M extends Meter> M keep(M meter) {
    meters.add(meter);
    return meter;
  }

  /** Keeps every meter of the array, as {@link #keep(Meter)}. */
  protected <M extends Meter> M[] keep(M[] meters) {
    this.meters.addAll(List.of(meters));
    return meters;
  }

  /** The tap's counter of a metric without further labels. */
  protected Counter counter(MeterRegistry registry, Metric metric) {
    return keep(metric.counter().tags(common).register(registry));
  }

  /** The tap's counters of a metric, one per fixed value of {@code by}, by the enum's ordinal. */
  protected Counter[] counters(MeterRegistry registry, Metric metric, Metric.Label by) {
    return keep(metric.counters(registry, common, by));
  }

  /** The tap's timers of a metric, one per fixed value of {@code by}, by the enum's ordinal. */
  protected Timer[] timers(MeterRegistry registry, Metric metric, Metric.Label by) {
    return keep(metric.timers(registry, common, by));
  }

  /** Removes every meter kept so far from the registry. */
  void remove(MeterRegistry registry) {
    meters.forEach(registry::remove);
    meters.clear();
  }
}
