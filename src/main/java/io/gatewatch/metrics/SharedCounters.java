package io.gatewatch.metrics;

import io.gatewatch.track.EvictionReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
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
    decodeErrors =
        share(
            Metric.DECODE_ERRORS
                .counter()
                .tag(Metric.Label.SOURCE.key(), source.label())
                .register(registry));
    unobserved =
        share(
            Metric.FRAMES_UNOBSERVED
                .counter()
                .tag(Metric.Label.SOURCE.key(), source.label())
                .register(registry));
    evictions = new Counter[EvictionReason.values().length];
    for (EvictionReason reason : EvictionReason.values()) {
      evictions[reason.ordinal()] =
          share(
              Metric.EVICTIONS
                  .counter()
                  .tag(Metric.Label.EVICTION_REASON.key(), reason.label())
                  .register(registry));
    }
  }

  private Counter share(Counter counter) {
    meters.add(counter);
    return counter;
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
    String sourceKey = Metric.Label.SOURCE.key();
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
