package io.gatewatch.metrics;

import io.gatewatch.protocol.CloseCode;
import io.gatewatch.protocol.Initiator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One tap's close-code distribution, {@code gateway_close_total}: a counter per code and initiator,
 * registered when the code is first seen (a profile knows dozens of codes, a gateway uses a few).
 */
final class CloseMetrics extends TapBinder {
  private final Map<Integer, Counter> closes = new ConcurrentHashMap<>();
  private volatile MeterRegistry registry;

  CloseMetrics(Source source, String gateway) {
    super(source, gateway);
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * @param close the code in the profile, or null: then every label but the initiator is {@code
   *     other}
   */
  void closed(int code, CloseCode close, Initiator initiator) {
    int key = (close == null ? -1 : code) * Initiator.values().length + initiator.ordinal();
    Counter counter = closes.get(key);
    if (counter == null) {
      counter = closes.computeIfAbsent(key, k -> keep(counter(close, initiator)));
    }
    counter.increment();
  }

  private Counter counter(CloseCode close, Initiator initiator) {
    return Metric.CLOSE
        .counter()
        .tags(common)
        .tags(
            Metric.Label.CODE.key(),
            close == null ? Metric.OTHER : Integer.toString(close.code()),
            Metric.Label.NAME.key(),
            close == null ? Metric.OTHER : close.label(),
            Metric.Label.RESUMABLE.key(),
            close == null ? Metric.OTHER : close.resumable().label(),
            Metric.Label.INITIATOR.key(),
            initiator.label())
        .register(registry);
  }

  @Override
  void remove(MeterRegistry registry) {
    super.remove(registry);
    closes.clear();
  }
}
