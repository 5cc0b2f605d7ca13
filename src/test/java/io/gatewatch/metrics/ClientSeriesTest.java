package io.gatewatch.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.protocol.ClientLibrary;
import io.gatewatch.protocol.ClientTable;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.server.MetricsExposition;
import io.gatewatch.track.PolicyRule;
import io.gatewatch.track.ReconnectEpisode;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.Via;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The bound of the {@code client} label: with every value of the table recorded, the scrape holds
 * exactly 31 {@code gateway_client_*} series per value, per source and gateway (docs/metrics.md,
 * "By client library").
 */
class ClientSeriesTest {
  private static final String PREFIX = "gateway_client_";

  @Test
  void theDefaultTableGives341SeriesPerSourceAndGateway() throws Exception {
    GatewayProfile profile = ProfileLoader.load("fluxer-seed");
    assertThat(profile.clients().libraries()).hasSize(11);
    PrometheusMeterRegistry registry = recordedEverywhere(profile, "eu-west");

    List<String> series = clientSeries(scrape(registry));
    assertThat(series).hasSize(341);
    // per family and client value: 7 rules, 6 outcomes, 2 via, 13 buckets + +Inf + _count + _sum
    assertThat(PolicyRule.values()).hasSize(7);
    assertThat(ResumeOutcome.values()).hasSize(6);
    assertThat(Via.values()).hasSize(2);
    assertThat(perFamily(series))
        .isEqualTo(
            Map.of(
                "gateway_client_violations_total", 7 * 11,
                "gateway_client_resume_total", 6 * 11,
                "gateway_client_ready_total", 2 * 11,
                "gateway_client_reconnect_duration_seconds_bucket", 14 * 11,
                "gateway_client_reconnect_duration_seconds_count", 11,
                "gateway_client_reconnect_duration_seconds_sum", 11));
    for (ClientLibrary library : profile.clients().libraries()) {
      assertThat(series)
          .as(library.label())
          .filteredOn(l -> l.contains("client=\"" + library.label() + "\""))
          .hasSize(31)
          .allMatch(l -> !l.endsWith(" 0.0"), "recorded");
    }
  }

  @Test
  void theSeriesAreThereBeforeAnythingIsRecorded() throws Exception {
    GatewayProfile profile = ProfileLoader.load("fluxer-seed");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new GatewayMetrics(profile, Source.PROXY, "eu-west").bindTo(registry);
    assertThat(clientSeries(scrape(registry))).hasSize(341);
  }

  @Test
  void micrometersTimerMaximumIsTheOnlySeriesTheExpositionLeavesOut() throws Exception {
    GatewayProfile profile = ProfileLoader.load("fluxer-seed");
    PrometheusMeterRegistry registry = recordedEverywhere(profile, "eu-west");
    // the registry's own text adds a _max gauge per client value; /metrics drops it
    List<String> raw = clientSeries(registry.scrape());
    assertThat(raw).hasSize(341 + 11);
    assertThat(perFamily(raw)).containsEntry("gateway_client_reconnect_duration_seconds_max", 11);
    assertThat(clientSeries(scrape(registry, "application/openmetrics-text; version=1.0.0")))
        .hasSize(341);
  }

  @Test
  void aTableOf29ValuesTheMostAllowedGives992() throws Exception {
    List<ClientTable.Entry> more = new ArrayList<>();
    for (int i = 1; i <= 21; i++) {
      more.add(ClientTable.Entry.browser("lib" + i, "Lib" + i));
    }
    GatewayProfile profile = ProfileLoader.load("fluxer-seed").withClients(more);
    assertThat(profile.clients().libraries()).hasSize(3 + ClientTable.MAX_CLIENTS);
    PrometheusMeterRegistry registry = recordedEverywhere(profile, "eu-west");

    assertThat(clientSeries(scrape(registry))).hasSize(992); // 32 values x 31
  }

  @Test
  void theBoundHoldsPerSourceAndGateway() throws Exception {
    GatewayProfile profile = ProfileLoader.load("fluxer-seed");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new GatewayMetrics(profile, Source.PROXY, "eu-west").bindTo(registry);
    new GatewayMetrics(profile, Source.PROXY, "us-east").bindTo(registry);
    new GatewayMetrics(profile, Source.PROBE, "eu-west").bindTo(registry);
    assertThat(clientSeries(scrape(registry))).hasSize(3 * 341);
  }

  /**
   * A proxy tap's metrics with every rule, outcome, via and an episode recorded for every value.
   */
  private static PrometheusMeterRegistry recordedEverywhere(
      GatewayProfile profile, String gateway) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    GatewayMetrics m = new GatewayMetrics(profile, Source.PROXY, gateway);
    m.bindTo(registry);
    for (ClientLibrary library : profile.clients().libraries()) {
      for (PolicyRule rule : PolicyRule.values()) {
        m.violation(rule, library);
      }
      for (ResumeOutcome outcome : ResumeOutcome.values()) {
        m.resume(outcome, library);
      }
      for (Via via : Via.values()) {
        m.ready(via, library);
      }
      // a 1 ms episode: under the smallest bound, so every (cumulative) bucket counts it
      m.reconnected(
          new ReconnectEpisode(
              0,
              1_000_000,
              4000,
              profile.closeCode(4000),
              Via.RESUME,
              ResumeOutcome.SUCCESS,
              1,
              library));
    }
    return registry;
  }

  private static String scrape(PrometheusMeterRegistry registry) throws Exception {
    return scrape(registry, null);
  }

  /** What /metrics serves for this Accept header. */
  private static String scrape(PrometheusMeterRegistry registry, String accept) throws Exception {
    MetricsExposition exposition = new MetricsExposition(registry);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    exposition.write(out, exposition.writerFor(accept));
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The sample lines of the gateway_client_* families. */
  private static List<String> clientSeries(String text) {
    List<String> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.startsWith(PREFIX)) {
        out.add(line);
      }
    }
    return out;
  }

  private static Map<String, Integer> perFamily(List<String> series) {
    Map<String, Integer> out = new TreeMap<>();
    for (String line : series) {
      out.merge(line.substring(0, line.indexOf('{')), 1, Integer::sum);
    }
    return out;
  }
}
