package io.gatewatch.metrics;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
    // value i recorded i + 1 times: a meter found by the wrong index shows the wrong count
    for (ResumeOutcome o : ResumeOutcome.values()) {
      repeat(o.ordinal() + 1, () -> m.resume(o));
    }
    for (Via v : Via.values()) {
      repeat(v.ordinal() + 1, () -> m.ready(v));
    }
    for (RttKind k : RttKind.values()) {
      repeat(k.ordinal() + 1, () -> m.heartbeatRtt(k, 1_000_000));
    }
    for (PolicyRule r : PolicyRule.values()) {
      repeat(r.ordinal() + 1, () -> m.violation(r));
    }
    for (EvictionReason r : EvictionReason.values()) {
      repeat(r.ordinal() + 1, () -> m.evicted(r));
    }
    for (Direction d : Direction.values()) {
      repeat(d.ordinal() + 1, () -> m.frame(d, 1, 10));
    }

    for (ResumeOutcome o : ResumeOutcome.values()) {
      assertThat(registry.get("gateway.resume").tag("outcome", o.label()).counter().count())
          .isEqualTo(o.ordinal() + 1);
    }
    for (Via v : Via.values()) {
      assertThat(registry.get("gateway.ready").tag("via", v.label()).counter().count())
          .isEqualTo(v.ordinal() + 1);
    }
    for (RttKind k : RttKind.values()) {
      assertThat(registry.get("gateway.heartbeat.rtt").tag("kind", k.label()).timer().count())
          .isEqualTo(k.ordinal() + 1);
    }
    for (PolicyRule r : PolicyRule.values()) {
      assertThat(registry.get("gateway.policy.violations").tag("rule", r.label()).counter().count())
          .isEqualTo(r.ordinal() + 1);
    }
    for (EvictionReason r : EvictionReason.values()) {
      assertThat(registry.get("gatewatch.evictions").tag("reason", r.label()).counter().count())
          .isEqualTo(r.ordinal() + 1);
    }
    for (Direction d : Direction.values()) {
      assertThat(registry.get("gateway.frame.size").tag("from", d.label()).summary().count())
          .isEqualTo(d.ordinal() + 1);
    }
  }

  private static void repeat(int times, Runnable r) {
    for (int i = 0; i < times; i++) {
      r.run();
    }
  }

  private static Set<String> keys(Metric m) {
    return m.labels().stream()
        .map(Metric.Label::key)
        .collect(Collectors.toCollection(TreeSet::new));
  }
}
