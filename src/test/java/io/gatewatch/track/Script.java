package io.gatewatch.track;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.capture.CaptureFormatException;
import io.gatewatch.capture.CaptureParser;
import io.gatewatch.capture.CaptureTap;
import io.gatewatch.metrics.GatewayMetrics;
import io.gatewatch.metrics.Source;
import io.gatewatch.protocol.FrameScanner;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.report.Tally;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A scripted capture: builds capture lines at scripted times and plays them through the parser, the
 * capture tap, the tracker and the metrics, exactly as {@code replay} does.
 */
final class Script {
  static final long T0_MS = 1_732_790_000_000L;

  final GatewayProfile profile;
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final Tally tally = new Tally();
  final ConnectionTracker tracker;
  final List<String> lines = new ArrayList<>();
  private final CaptureTap tap;
  private final CaptureParser parser = new CaptureParser();
  private double nowMs = T0_MS;

  Script() {
    this(ProfileLoader.load("fluxer-seed"), TrackerSettings.DEFAULTS);
  }

  Script(TrackerSettings settings) {
    this(ProfileLoader.load("fluxer-seed"), settings);
  }

  /** One of several trackers (replicas) that share {@code directory}. */
  Script(TrackerSettings settings, SessionDirectory directory) {
    this(ProfileLoader.load("fluxer-seed"), settings, directory);
  }

  Script(GatewayProfile profile, TrackerSettings settings) {
    this(profile, settings, SessionDirectory.local());
  }

  Script(GatewayProfile profile, TrackerSettings settings, SessionDirectory directory) {
    this.profile = profile;
    GatewayMetrics metrics = new GatewayMetrics(profile, Source.REPLAY, "test");
    tracker =
        new ConnectionTracker(
            profile,
            settings,
            new FrameScanner(new TokenFingerprinter("salt".getBytes(StandardCharsets.UTF_8))),
            Signals.both(metrics, tally),
            directory);
    metrics.observe(tracker).bindTo(registry);
    tap = new CaptureTap(tracker);
  }

  /** Moves the script's clock to {@code ms} after T0. */
  Script at(double ms) {
    nowMs = T0_MS + ms;
    return this;
  }

  Script open(String conn) {
    return line(
        "{\"ts\":%s,\"conn\":\"%s\",\"type\":\"open\",\"url\":\"/?v=1&encoding=json\"}", conn);
  }

  Script server(String conn, String frame) {
    return line(
        "{\"ts\":%s,\"conn\":\"%s\",\"type\":\"frame\",\"from\":\"server\",\"frame\":"
            + frame
            + "}",
        conn);
  }

  Script client(String conn, String frame) {
    return line(
        "{\"ts\":%s,\"conn\":\"%s\",\"type\":\"frame\",\"from\":\"client\",\"frame\":"
            + frame
            + "}",
        conn);
  }

  Script close(String conn, int code, String by) {
    return line(
        "{\"ts\":%s,\"conn\":\"%s\",\"type\":\"close\",\"code\":"
            + code
            + ",\"reason\":\"\",\"by\":\""
            + by
            + "\"}",
        conn);
  }

  Script drop(String conn) {
    return line("{\"ts\":%s,\"conn\":\"%s\",\"type\":\"close\",\"by\":\"none\"}", conn);
  }

  // ---- frames ----

  static String hello() {
    return "{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}";
  }

  static String identify(String token) {
    return "{\"op\":2,\"d\":{\"token\":\""
        + token
        + "\",\"properties\":{\"os\":\"linux\",\"browser\":\"x\",\"device\":\"x\"}}}";
  }

  /** An Identify whose properties name a client library ({@code browser}; os and device fixed). */
  static String identifyAs(String token, String browser) {
    return "{\"op\":2,\"d\":{\"token\":\""
        + token
        + "\",\"properties\":{\"os\":\"linux\",\"browser\":\""
        + browser
        + "\",\"device\":\"x\"}}}";
  }

  /** An Identify without properties: the client library is unknown. */
  static String identifyWithoutProperties(String token) {
    return "{\"op\":2,\"d\":{\"token\":\"" + token + "\"}}";
  }

  static String ready(String sessionId) {
    return "{\"d\":{\"session_id\":\""
        + sessionId
        + "\",\"user\":{\"id\":\"1\"}},\"op\":0,\"s\":1,\"t\":\"READY\"}";
  }

  static String resume(String token, String sessionId, long seq) {
    return "{\"op\":6,\"d\":{\"token\":\""
        + token
        + "\",\"session_id\":\""
        + sessionId
        + "\",\"seq\":"
        + seq
        + "}}";
  }

  static String resumed(long seq) {
    return "{\"d\":{},\"op\":0,\"s\":" + seq + ",\"t\":\"RESUMED\"}";
  }

  static String heartbeat(Long seq) {
    return "{\"op\":1,\"d\":" + seq + "}";
  }

  static String heartbeatRequest() {
    return "{\"op\":1,\"d\":null}";
  }

  static String ack() {
    return "{\"op\":11}";
  }

  static String invalidSession() {
    return "{\"op\":9,\"d\":false}";
  }

  static String reconnect() {
    return "{\"op\":7}";
  }

  static String dispatch(long seq) {
    return "{\"d\":{\"content\":\"hi\"},\"op\":0,\"s\":" + seq + ",\"t\":\"MESSAGE_CREATE\"}";
  }

  /** Opens a socket and takes it to READY: open, Hello, Identify, READY, 10 ms apart. */
  Script session(String conn, String token, String sessionId, double startMs) {
    return at(startMs)
        .open(conn)
        .at(startMs + 1)
        .server(conn, hello())
        .at(startMs + 5)
        .client(conn, identify(token))
        .at(startMs + 50)
        .server(conn, ready(sessionId));
  }

  private Script line(String format, String conn) {
    String ts = String.format(Locale.ROOT, "%.3f", nowMs);
    String text = String.format(Locale.ROOT, format, ts, conn);
    lines.add(text);
    try {
      tap.accept(parser.parse(text.getBytes(StandardCharsets.UTF_8)));
    } catch (CaptureFormatException e) {
      throw new AssertionError("script wrote a bad line: " + text + ": " + e.getMessage());
    }
    return this;
  }

  // ---- reading the metrics ----

  double count(String name, String... tags) {
    Counter c = registry.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  long timerCount(String name, String... tags) {
    Timer t = registry.find(name).tags(tags).timer();
    return t == null ? 0 : t.count();
  }

  double timerTotalMs(String name, String... tags) {
    Timer t = registry.find(name).tags(tags).timer();
    return t == null ? 0 : t.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  double violations(PolicyRule rule) {
    return count("gateway.policy.violations", "rule", rule.label());
  }

  double resumes(ResumeOutcome outcome) {
    return count("gateway.resume", "outcome", outcome.label());
  }

  /**
   * The non-zero series of a {@code gateway.client.*} family: "client/value of {@code by}" (or
   * "client" when {@code by} is null) to the count (a timer's: its episodes).
   */
  Map<String, Double> byClient(String name, String by) {
    Map<String, Double> out = new TreeMap<>();
    for (Meter m : registry.find(name).meters()) {
      double v = m instanceof Counter c ? c.count() : m instanceof Timer t ? t.count() : 0;
      if (v != 0) {
        String client = m.getId().getTag("client");
        out.put(by == null ? client : client + "/" + m.getId().getTag(by), v);
      }
    }
    return out;
  }

  /** The Prometheus text lines of one metric family, sorted, without comments. */
  List<String> series(String prometheusName) {
    List<String> out = new ArrayList<>();
    for (String l : registry.scrape().split("\n")) {
      if (l.startsWith(prometheusName + "{") || l.startsWith(prometheusName + " ")) {
        out.add(l);
      }
    }
    out.sort(null);
    return out;
  }

  void assertNoViolations() {
    for (PolicyRule rule : PolicyRule.values()) {
      assertThat(violations(rule)).as(rule.label()).isZero();
    }
  }
}
