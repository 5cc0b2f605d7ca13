package io.gatewatch.metrics;

import io.gatewatch.metrics.Metric.Label;
import io.gatewatch.track.EvictionReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent-wide counters every tap of a registry records into: {@code
 * gatewatch_decode_errors_total} and {@code gatewatch_frames_unobserved_total} by source, {@code
 * gatewatch_evictions_total} by reason. Micrometer returns the same meter for the same id, so two
 * taps share one counter, and one tap closing leaves it for the others.
 */
final class SharedCounters implements MeterBinder {
  private final Source source;
  private final List<Meter> meters = new ArrayList<>();
  private Counter decodeErrors;
  private Counter unobserved;
  private Counter[] evictions;

  SharedCounters(Source source) {
    this.source = source;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Tags bySource = Tags.of(Label.SOURCE.key(), source.label());
    decodeErrors = Metric.DECODE_ERRORS.counter().tags(bySource).register(registry);
    unobserved = Metric.FRAMES_UNOBSERVED.counter().tags(bySource).register(registry);
    evictions = Metric.EVICTIONS.counters(registry, Tags.empty(), Label.EVICTION_REASON);
    meters.add(decodeErrors);
    meters.add(unobserved);
    meters.addAll(List.of(evictions));
  }

  void decodeError() {
    decodeErrors.increment();
  }

  void unobserved() {
    unobserved.increment();
  }

  void evicted(EvictionReason reason) {
    evictions[reason.ordinal()].increment();
  }

  /**
   * Removes the counters no other binder of the registry records into any more. Another binder is
   * recognised by its {@code gateway.connections.opened} meter (of the same source, for counters
   * labelled by source).
   */
  void removeUnused(MeterRegistry registry) {
    String opened = Metric.CONNECTIONS_OPENED.meterName();
    String sourceKey = Label.SOURCE.key();
    for (Meter m : meters) {
      String bySource = m.getId().getTag(sourceKey);
      boolean stillUsed =
          registry.getMeters().stream()
              .map(Meter::getId)
              .anyMatch(
                  id ->
                      id.getName().equals(opened)
                          && (bySource == null || bySource.equals(id.getTag(sourceKey))));
      if (!stillUsed) {
        registry.remove(m);
      }
    }
    meters.clear();
  }
}
