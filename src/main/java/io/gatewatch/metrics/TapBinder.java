package io.gatewatch.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
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

  /** Removes every meter kept so far from the registry. */
  void remove(MeterRegistry registry) {
    meters.forEach(registry::remove);
    meters.clear();
  }
}
