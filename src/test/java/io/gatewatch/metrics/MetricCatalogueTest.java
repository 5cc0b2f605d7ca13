package io.gatewatch.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.protocol.ClientLibrary;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.server.MetricsDocTest;
import io.gatewatch.track.EvictionReason;
import io.gatewatch.track.PolicyRule;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.RttKind;
import io.gatewatch.track.Via;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Statistic;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The catalogue, docs/metrics.md and the meters the binders register agree. */
class MetricCatalogueTest {
  private final GatewayProfile profile = ProfileLoader.load("fluxer-seed");

  @Test
  void theDocsTableListsTheCatalogueWithItsTypesAndLabels() throws Exception {
    Map<String, MetricsDocTest.Doc> doc = MetricsDocTest.documented();
    Map<String, Metric> catalogue = new LinkedHashMap<>();
    for (Metric m : Metric.values()) {
      catalogue.put(m.exposedName(), m);
    }
    assertThat(doc.keySet()).containsExactlyElementsOf(catalogue.keySet());
    catalogue.forEach(
        (name, m) -> {
          assertThat(doc.get(name).type()).as(name).isEqualTo(m.type().name().toLowerCase());
          assertThat(doc.get(name).labels()).as(name).isEqualTo(keys(m));
        });
  }

  @Test
  void theCatalogueFindsItsMetricsByPrometheusName() {
    for (Metric m : Metric.values()) {
      assertThat(Metric.ofPrometheusName(m.prometheusName())).isSameAs(m);
      assertThat(Metric.ofPrometheusName(m.exposedName())).isSameAs(m);
    }
    assertThat(Metric.ofPrometheusName("gateway_close_total")).isSameAs(Metric.CLOSE);
    assertThat(Metric.ofPrometheusName("gateway_heartbeat_rtt_seconds"))
        .isSameAs(Metric.HEARTBEAT_RTT);
    assertThat(Metric.ofPrometheusName("jvm_threads_live_threads")).isNull();
  }

  @Test
  void everyHistogramHasBucketsInItsUnit() {
    for (Metric m : Metric.values()) {
      if (m.type() == Metric.Type.HISTOGRAM) {
        assertThat(m.unit()).as(m.name()).isIn("s", "By");
        double[] b = m.buckets();
        assertThat(b).as(m.name()).isNotEmpty().isSorted();
      } else {
        assertThat(m.buckets()).as(m.name()).isEmpty();
      }
    }
    assertThat(Metric.HEARTBEAT_RTT.buckets()).startsWith(0.005).endsWith(10.0);
    assertThat(Metric.FRAME_SIZE.buckets()).contains(4096.0);
  }

  @Test
  void theBindersRegisterWhatTheCatalogueSays() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    GatewayMetrics tap = new GatewayMetrics(profile, Source.PROXY, "g");
    tap.bindTo(registry);
    tap.connectionClosed(4009, profile.closeCode(4009), Initiator.SERVER);
    tap.connectionClosed(4999, null, Initiator.NONE);
    tap.frame(Direction.CLIENT, 1, 10);
    new ProbeMetrics("g", () -> true).bindTo(registry);
    new DrainMetrics(() -> 0).bindTo(registry);
    new AgentMetrics().bindTo(registry);

    Set<Metric> seen = new TreeSet<>();
    for (Meter meter : registry.getMeters()) {
      Meter.Id id = meter.getId();
      if (id.syntheticAssociation() != null) {
        continue; // the simple registry's bucket gauges of a histogram
      }
      Metric m =
          Arrays.stream(Metric.values())
              .filter(c -> c.meterName().equals(id.getName()))
              .findFirst()
              .orElseThrow(() -> new AssertionError("not in the catalogue: " + id.getName()));
      seen.add(m);
      assertThat(id.getDescription()).as(id.getName()).isEqualTo(m.help());
      assertThat(id.getTags().stream().map(Tag::getKey).collect(Collectors.toSet()))
          .as(id.getName())
          .isEqualTo(keys(m));
      for (Metric.Label label : m.labels()) {
        if (!label.fixedValues().isEmpty()) {
          assertThat(label.fixedValues())
              .as(id.getName() + " " + label.key())
              .contains(id.getTag(label.key()));
        }
      }
    }
    assertThat(seen)
        .contains(
            Metric.CLOSE,
            Metric.HEARTBEAT_RTT,
            Metric.RECONNECT_DURATION,
            Metric.FRAME_SIZE,
            Metric.POLICY_VIOLATIONS,
            Metric.EVICTIONS,
            Metric.PROBE_UP,
            Metric.PROBE_READY_DURATION,
            Metric.DRAINED,
            Metric.DRAIN_REMAINING,
            Metric.BUILD_INFO,
            Metric.TRACKED_CONNECTIONS);
  }

  @Test
  void eachValueRecordsIntoTheMeterOfItsOwnLabel() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    GatewayMetrics m = new GatewayMetrics(profile, Source.PROXY, "g");
    m.bindTo(registry);
    ClientLibrary unknown = profile.clients().unknown();
    recordEach(ResumeOutcome.values(), o -> m.resume(o, unknown));
    recordEach(Via.values(), v -> m.ready(v, unknown));
    recordEach(RttKind.values(), k -> m.heartbeatRtt(k, 1_000_000));
    recordEach(PolicyRule.values(), r -> m.violation(r, unknown));
    recordEach(EvictionReason.values(), m::evicted);
    recordEach(Direction.values(), d -> m.frame(d, 1, 10));

    checkEach(registry, Metric.RESUME, ResumeOutcome.values(), ResumeOutcome::label);
    checkEach(registry, Metric.READY, Via.values(), Via::label);
    checkEach(registry, Metric.HEARTBEAT_RTT, RttKind.values(), RttKind::label);
    checkEach(registry, Metric.POLICY_VIOLATIONS, PolicyRule.values(), PolicyRule::label);
    checkEach(registry, Metric.EVICTIONS, EvictionReason.values(), EvictionReason::label);
    checkEach(registry, Metric.FRAME_SIZE, Direction.values(), Direction::label);
  }

  /** Value i, i + 1 times: a meter found by the wrong index shows the wrong count. */
  private static <E extends Enum<E>> void recordEach(E[] values, Consumer<E> signal) {
    for (E e : values) {
      for (int i = 0; i <= e.ordinal(); i++) {
        signal.accept(e);
      }
    }
  }

  /** Each value's meter, found by the metric's last label, counted ordinal + 1 times. */
  private static <E extends Enum<E>> void checkEach(
      SimpleMeterRegistry registry, Metric metric, E[] values, Function<E, String> label) {
    String key = metric.labels().get(metric.labels().size() - 1).key();
    for (E e : values) {
      Meter meter = registry.get(metric.meterName()).tag(key, label.apply(e)).meter();
      double count = 0;
      for (Measurement measurement : meter.measure()) {
        if (measurement.getStatistic() == Statistic.COUNT) {
          count = measurement.getValue();
        }
      }
      assertThat(count).as(metric + " " + e).isEqualTo(e.ordinal() + 1);
    }
  }

  private static Set<String> keys(Metric m) {
    return m.labels().stream()
        .map(Metric.Label::key)
        .collect(Collectors.toCollection(TreeSet::new));
  }
}
