package io.gatewatch.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.capture.CaptureParser;
import io.gatewatch.capture.CaptureTap;
import io.gatewatch.metrics.Source;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.server.AgentServer;
import io.gatewatch.server.MetricsExposition;
import io.gatewatch.track.ConnectionTracker;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBucket;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Label;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A scripted run (the bundled sample, plus one scripted reconnect with known times) exported over
 * OTLP to a receiver inside the test: every metric of the registry arrives with its OpenTelemetry
 * name, unit, type, attributes and the values {@code /metrics} shows; the reconnect span arrives
 * with its attributes and event-time duration; exemplars point at it on OpenMetrics only.
 */
class OtlpExportTest {
  /** Micrometer's JVM and process binders: live values, not the catalogue's counts. */
  private static final java.util.regex.Pattern LIVE =
      java.util.regex.Pattern.compile("(jvm|process|system)\\.");

  static final long T0_MS = 1_732_790_000_000L;
  static final String TOKEN = "secret-token-8f2e61";

  static OtlpReceiver receiver;
  static Telemetry telemetry;
  static Watches watches;
  static AgentServer server;
  static ByteArrayOutputStream logs = new ByteArrayOutputStream();

  @BeforeAll
  static void run() throws Exception {
    Logging.configure(LogFormat.JSON, logs);
    receiver = new OtlpReceiver();
    OtlpSettings settings =
        OtlpSettings.fromEnv(
                Map.of(
                    "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(),
                    "OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20sekrit-header",
                    "OTEL_METRIC_EXPORT_INTERVAL", "3600000",
                    "OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test"))
            .withDefaultAttribute("gateway.name", "scripted");
    telemetry = Telemetry.start(settings, new ActivityLog(Duration.ofHours(1)));
    watches = telemetry.watches(new TokenFingerprinter("salt".getBytes(StandardCharsets.UTF_8)));
    GatewayProfile profile = ProfileLoader.load("fluxer-seed");
    CaptureParser parser = new CaptureParser();

    ConnectionTracker sample =
        watches.add(profile, TrackerSettings.DEFAULTS, Source.REPLAY, "sample", Signals.NONE);
    CaptureTap sampleTap = new CaptureTap(sample);
    for (String line : Files.readAllLines(Path.of("samples/fluxer-sample.ndjson"))) {
      if (!line.isBlank()) {
        sampleTap.accept(parser.parse(line.getBytes(StandardCharsets.UTF_8)));
      }
    }

    ConnectionTracker scripted =
        watches.add(profile, TrackerSettings.DEFAULTS, Source.REPLAY, "scripted", Signals.NONE);
    CaptureTap tap = new CaptureTap(scripted);
    for (String line : scriptedReconnect()) {
      tap.accept(parser.parse(line.getBytes(StandardCharsets.UTF_8)));
    }
    server =
        new AgentServer(
            new InetSocketAddress("127.0.0.1", 0),
            new MetricsExposition(watches.registry()),
            () -> true);
    server.start();
    assertThat(telemetry.flush()).isTrue();
  }

  /**
   * c1 READY at 50 ms, a 40 ms heartbeat, closed 4009 at 2,000 ms; c2 resumes, RESUMED at 3,500 ms
   * (one episode of 1.5 s, via resume, one attempt, of the discord.js session c1 identified), then
   * a 25 ms heartbeat.
   */
  static List<String> scriptedReconnect() {
    List<String> l = new ArrayList<>();
    l.add(open(0, "c1"));
    l.add(frame(1, "c1", "server", "{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}"));
    l.add(
        frame(
            5,
            "c1",
            "client",
            "{\"op\":2,\"d\":{\"token\":\""
                + TOKEN
                + "\",\"properties\":{\"os\":\"x\",\"browser\":\"@discordjs/ws 2.0.4\"}}}"));
    l.add(
        frame(
            50,
            "c1",
            "server",
            "{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"session_id\":\"sess-1\"}}"));
    l.add(
        String.format(
            "{\"ts\":%d,\"conn\":\"c1\",\"type\":\"close\",\"code\":4009,\"reason\":\"timeout\","
                + "\"by\":\"server\"}",
            T0_MS + 2000));
    l.add(open(2500, "c2"));
    l.add(frame(2501, "c2", "server", "{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}"));
    l.add(
        frame(
            2600,
            "c2",
            "client",
            "{\"op\":6,\"d\":{\"token\":\"" + TOKEN + "\",\"session_id\":\"sess-1\",\"seq\":1}}"));
    l.add(frame(3500, "c2", "server", "{\"op\":0,\"s\":2,\"t\":\"RESUMED\",\"d\":{}}"));
    l.add(frame(4000, "c2", "client", "{\"op\":1,\"d\":2}"));
    l.add(frame(4025, "c2", "server", "{\"op\":11}"));
    return l;
  }

  static String open(long ms, String conn) {
    return String.format(
        "{\"ts\":%d,\"conn\":\"%s\",\"type\":\"open\",\"url\":\"/?v=1&encoding=json\"}",
        T0_MS + ms, conn);
  }

  static String frame(long ms, String conn, String from, String frame) {
    return String.format(
        "{\"ts\":%d,\"conn\":\"%s\",\"type\":\"frame\",\"from\":\"%s\",\"frame\":%s}",
        T0_MS + ms, conn, from, frame);
  }

  @AfterAll
  static void stop() {
    server.close();
    telemetry.close();
    receiver.close();
    Logging.configure(LogFormat.TEXT, System.err);
  }

  @Test
  void everyRegistryMetricArrivesWithTheValuesOfMetricsEndpoint() {
    Map<String, Metric> otlp =
        receiver.latestMetrics().stream().collect(Collectors.toMap(Metric::getName, m -> m));
    List<String> checked = new ArrayList<>();
    for (MetricSnapshot s : new MetricsExposition(watches.registry()).snapshot()) {
      OtelNames.Name n = OtelNames.of(s);
      Metric m = otlp.get(n.name());
      if (m == null && LIVE.matcher(n.name()).lookingAt()) {
        // a JVM meter made after the export: jvm.gc.pause exists from the first collection on
        continue;
      }
      assertThat(m).as(n.name()).isNotNull();
      assertThat(m.getUnit()).as(n.name()).isEqualTo(n.unit());
      checked.add(n.name());
      if (LIVE.matcher(n.name()).lookingAt()) {
        // JVM and process meters move between the export and this snapshot: kind and unit only
        assertThat(m.hasSum() || m.hasGauge() || m.hasHistogram() || m.hasSummary())
            .as(n.name())
            .isTrue();
        continue;
      }
      if (s instanceof CounterSnapshot c) {
        assertThat(m.hasSum()).as(n.name()).isTrue();
        assertThat(m.getSum().getIsMonotonic()).isTrue();
        assertThat(m.getSum().getAggregationTemporality())
            .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
        assertThat(m.getSum().getDataPointsCount()).isEqualTo(c.getDataPoints().size());
        for (CounterSnapshot.CounterDataPointSnapshot p : c.getDataPoints()) {
          NumberDataPoint o = number(m.getSum().getDataPointsList(), p, n.name());
          assertThat(o.getAsDouble()).as(n.name() + labels(p)).isEqualTo(p.getValue());
        }
      } else if (s instanceof GaugeSnapshot g) {
        assertThat(m.hasGauge()).as(n.name()).isTrue();
        for (GaugeSnapshot.GaugeDataPointSnapshot p : g.getDataPoints()) {
          NumberDataPoint o = number(m.getGauge().getDataPointsList(), p, n.name());
          assertThat(o.getAsDouble()).as(n.name() + labels(p)).isEqualTo(p.getValue());
        }
      } else if (s instanceof InfoSnapshot i) {
        assertThat(m.hasGauge()).as(n.name()).isTrue();
        for (InfoSnapshot.InfoDataPointSnapshot p : i.getDataPoints()) {
          assertThat(number(m.getGauge().getDataPointsList(), p, n.name()).getAsDouble())
              .isEqualTo(1.0);
        }
      } else if (s instanceof HistogramSnapshot h) {
        assertThat(m.hasHistogram()).as(n.name()).isTrue();
        assertThat(m.getHistogram().getAggregationTemporality())
            .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
        for (HistogramSnapshot.HistogramDataPointSnapshot p : h.getDataPoints()) {
          HistogramDataPoint o =
              m.getHistogram().getDataPointsList().stream()
                  .filter(d -> attributes(d.getAttributesList()).equals(labels(p)))
                  .findFirst()
                  .orElseThrow();
          assertThat(o.getCount()).as(n.name() + labels(p)).isEqualTo(p.getCount());
          assertThat(o.getSum()).as(n.name() + labels(p)).isEqualTo(p.getSum());
          List<Double> bounds = new ArrayList<>();
          List<Long> counts = new ArrayList<>();
          for (ClassicHistogramBucket b : p.getClassicBuckets()) {
            if (b.getUpperBound() != Double.POSITIVE_INFINITY) {
              bounds.add(b.getUpperBound());
            }
            counts.add(b.getCount());
          }
          assertThat(o.getExplicitBoundsList()).isEqualTo(bounds);
          assertThat(o.getBucketCountsList()).isEqualTo(counts);
        }
      }
    }
    assertThat(checked)
        .contains(
            "gateway.connections.opened",
            "gateway.connections.active",
            "gateway.sessions.active",
            "gateway.close",
            "gateway.heartbeat.rtt",
            "gateway.heartbeat.missed",
            "gateway.resume",
            "gateway.reconnect.duration",
            "gateway.ready",
            "gateway.invalid.session",
            "gateway.reconnect.requests",
            "gateway.reconnect.started",
            "gateway.policy.violations",
            "gateway.frames",
            "gateway.frame.size",
            "gatewatch.build.info",
            "gatewatch.tracked.connections",
            "gatewatch.evictions",
            "gatewatch.decode.errors");
    assertThat(otlp.keySet()).containsExactlyInAnyOrderElementsOf(checked);
  }

  @Test
  void theScriptedRunHasExactValuesNamesAndUnits() {
    Map<String, Metric> otlp =
        receiver.latestMetrics().stream().collect(Collectors.toMap(Metric::getName, m -> m));
    HistogramDataPoint reconnect =
        scripted(otlp.get("gateway.reconnect.duration").getHistogram().getDataPointsList(), "via")
            .get("resume");
    assertThat(otlp.get("gateway.reconnect.duration").getUnit()).isEqualTo("s");
    assertThat(reconnect.getCount()).isEqualTo(1);
    assertThat(reconnect.getSum()).isEqualTo(1.5);
    assertThat(reconnect.getExplicitBoundsList())
        .containsExactly(0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0);
    assertThat(reconnect.getBucketCountsList())
        .containsExactly(0L, 0L, 0L, 0L, 1L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L);
    assertThat(reconnect.getExemplarsList()).hasSize(1);
    assertThat(reconnect.getExemplars(0).getAsDouble()).isEqualTo(1.5);
    assertThat(reconnect.getExemplars(0).getTraceId()).isEqualTo(reconnectSpan().getTraceId());

    HistogramDataPoint rtt =
        scripted(otlp.get("gateway.heartbeat.rtt").getHistogram().getDataPointsList(), "kind")
            .get("client");
    assertThat(rtt.getCount()).isEqualTo(1);
    assertThat(rtt.getSum()).isEqualTo(0.025);
    assertThat(rtt.getExemplarsList()).hasSize(1);
    assertThat(rtt.getExemplars(0).getTraceId()).isEqualTo(reconnectSpan().getTraceId());

    NumberDataPoint close =
        otlp.get("gateway.close").getSum().getDataPointsList().stream()
            .filter(p -> attributes(p.getAttributesList()).get("gateway").equals("scripted"))
            .findFirst()
            .orElseThrow();
    assertThat(attributes(close.getAttributesList()))
        .isEqualTo(
            new TreeMap<>(
                Map.of(
                    "source", "replay",
                    "gateway", "scripted",
                    "code", "4009",
                    "name", "session_timeout",
                    "resumable", "true",
                    "initiator", "server")));
    assertThat(close.getAsDouble()).isEqualTo(1.0);
    assertThat(otlp.get("gateway.close").getUnit()).isEqualTo("{close}");
    assertThat(otlp.get("gateway.connections.opened").getUnit()).isEqualTo("{connection}");
    assertThat(otlp.get("gateway.frame.size").getUnit()).isEqualTo("By");
    assertThat(scriptedValue(otlp.get("gateway.connections.opened").getSum().getDataPointsList()))
        .isEqualTo(2.0);
    assertThat(scriptedValue(otlp.get("gateway.sessions.active").getGauge().getDataPointsList()))
        .isEqualTo(1.0);
    assertThat(scriptedValue(otlp.get("gateway.resume").getSum().getDataPointsList()))
        .isEqualTo(1.0); // only outcome="success" has a value; the others are 0
    // c1's end started the one episode, counted at once (through the tap's span wrapper too)
    assertThat(scriptedValue(otlp.get("gateway.reconnect.started").getSum().getDataPointsList()))
        .isEqualTo(1.0);
    assertThat(otlp.get("gateway.reconnect.started").getUnit()).isEqualTo("{episode}");

    Map<String, String> resource =
        attributes(receiver.metrics.get(0).getResourceMetrics(0).getResource().getAttributesList());
    assertThat(resource)
        .containsEntry("service.name", "gatewatch")
        .containsEntry("gateway.name", "scripted")
        .containsEntry("deployment.environment", "test")
        .containsKeys("service.instance.id", "service.version");
    assertThat(receiver.authorizations).isNotEmpty().allMatch("Bearer sekrit-header"::equals);
  }

  @Test
  void oneSpanPerEpisodeWithItsAttributesAndEventTimes() {
    Span span = reconnectSpan();
    assertThat(span.getStartTimeUnixNano()).isEqualTo((T0_MS + 2000) * 1_000_000L);
    assertThat(span.getEndTimeUnixNano()).isEqualTo((T0_MS + 3500) * 1_000_000L);
    assertThat(span.getParentSpanId().isEmpty()).isTrue();
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_INTERNAL);
    assertThat(span.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_UNSET);
    assertThat(attributes(span.getAttributesList()))
        .isEqualTo(
            new TreeMap<>(
                Map.of(
                    "source", "replay",
                    "gateway", "scripted",
                    "gateway.close.code", "4009",
                    "gateway.close.name", "session_timeout",
                    "gateway.close.resumable", "true",
                    "gateway.reconnect.via", "resume",
                    "gateway.resume.outcome", "success",
                    "gateway.reconnect.attempts", "1",
                    "gateway.client", "discord.js")));
    long sampleEpisodes =
        receiver.spans().stream()
            .filter(s -> attributes(s.getAttributesList()).get("gateway").equals("sample"))
            .count();
    assertThat(sampleEpisodes).isPositive();
  }

  @Test
  void exemplarsOnOpenMetricsOnlyPointingAtTheSpan() throws Exception {
    String traceId = hex(reconnectSpan().getTraceId().toByteArray());
    HttpClient http = HttpClient.newHttpClient();
    URI uri = URI.create("http://" + server.hostPort() + "/metrics");
    String openMetrics =
        http.send(
                HttpRequest.newBuilder(uri)
                    .header("Accept", "application/openmetrics-text; version=1.0.0")
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    String text =
        http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(openMetrics)
        .contains(
            "gateway_reconnect_duration_seconds_bucket{gateway=\"scripted\",source=\"replay\","
                + "via=\"resume\",le=\"2.0\"} 1 # {span_id=\"")
        .contains("trace_id=\"" + traceId + "\"} 1.5");
    assertThat(
            openMetrics
                .lines()
                .filter(l -> l.startsWith("gateway_heartbeat_rtt_seconds_bucket{"))
                .filter(l -> l.contains("gateway=\"scripted\""))
                .filter(l -> l.contains("# {"))
                .findFirst())
        .hasValueSatisfying(l -> assertThat(l).contains(traceId + "\"} 0.025 "));
    assertThat(text).contains("gateway_reconnect_duration_seconds_bucket").doesNotContain("# {");
    assertThat(text).doesNotContain("trace_id").doesNotContain(traceId);
  }

  @Test
  void noTokenAnywhere() throws Exception {
    String metricsText =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://" + server.hostPort() + "/metrics"))
                    .header("Accept", "application/openmetrics-text; version=1.0.0")
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(metricsText).doesNotContain(TOKEN).doesNotContain("sess-1");
    for (byte[] body : receiver.raw) {
      assertThat(new String(body, StandardCharsets.ISO_8859_1)).doesNotContain(TOKEN);
    }
    assertThat(logs.toString(StandardCharsets.UTF_8))
        .doesNotContain(TOKEN)
        .doesNotContain("sekrit-header")
        .contains("OTLP metrics to");
  }

  private static Span reconnectSpan() {
    List<Span> spans =
        receiver.spans().stream()
            .filter(s -> s.getName().equals("gateway.reconnect"))
            .filter(s -> attributes(s.getAttributesList()).get("gateway").equals("scripted"))
            .toList();
    assertThat(spans).hasSize(1);
    return spans.get(0);
  }

  private static Map<String, HistogramDataPoint> scripted(
      List<HistogramDataPoint> points, String key) {
    return points.stream()
        .filter(p -> attributes(p.getAttributesList()).get("gateway").equals("scripted"))
        .collect(Collectors.toMap(p -> attributes(p.getAttributesList()).get(key), p -> p));
  }

  private static double scriptedValue(List<NumberDataPoint> points) {
    return points.stream()
        .filter(p -> attributes(p.getAttributesList()).get("gateway").equals("scripted"))
        .mapToDouble(NumberDataPoint::getAsDouble)
        .sum();
  }

  private static NumberDataPoint number(
      List<NumberDataPoint> points, DataPointSnapshot p, String name) {
    return points.stream()
        .filter(d -> attributes(d.getAttributesList()).equals(labels(p)))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + labels(p) + " missing"));
  }

  static TreeMap<String, String> attributes(List<KeyValue> kvs) {
    TreeMap<String, String> out = new TreeMap<>();
    for (KeyValue kv : kvs) {
      out.put(
          kv.getKey(),
          kv.getValue().hasIntValue()
              ? Long.toString(kv.getValue().getIntValue())
              : kv.getValue().getStringValue());
    }
    return out;
  }

  private static TreeMap<String, String> labels(DataPointSnapshot p) {
    TreeMap<String, String> out = new TreeMap<>();
    for (Label l : p.getLabels()) {
      out.put(l.getName(), l.getValue());
    }
    return out;
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
