package io.gatewatch.metrics;

import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.track.EvictionReason;
import io.gatewatch.track.PolicyRule;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.RttKind;
import io.gatewatch.track.Via;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The metric catalogue (docs/metrics.md): every metric gatewatch defines, once. The binders
 * register from it, the status page reads by it, the OpenTelemetry names and units come from it,
 * and the docs tests check the table against it. Names are Micrometer's dotted form, which is also
 * the OpenTelemetry name; {@link #prometheusName()} is what {@code /metrics} shows.
 */
public enum Metric {
  CONNECTIONS_OPENED(
      "gateway.connections.opened",
      Type.COUNTER,
      "{connection}",
      "Sockets opened",
      Label.SOURCE,
      Label.GATEWAY),
  CONNECTIONS_ACTIVE(
      "gateway.connections.active",
      Type.GAUGE,
      "{connection}",
      "Sockets open now",
      Label.SOURCE,
      Label.GATEWAY),
  SESSIONS_ACTIVE(
      "gateway.sessions.active",
      Type.GAUGE,
      "{session}",
      "Sockets holding a session (after READY or RESUMED)",
      Label.SOURCE,
      Label.GATEWAY),
  CLOSE(
      "gateway.close",
      Type.COUNTER,
      "{close}",
      "Close-code distribution",
      Label.SOURCE,
      Label.GATEWAY,
      Label.CODE,
      Label.NAME,
      Label.RESUMABLE,
      Label.INITIATOR),
  HEARTBEAT_RTT(
      "gateway.heartbeat.rtt",
      Buckets.HEARTBEAT,
      "s",
      "Heartbeat round trip: client op 1 to op 11, or server op 1 to the client's op 1",
      Label.SOURCE,
      Label.GATEWAY,
      Label.KIND),
  HEARTBEAT_MISSED(
      "gateway.heartbeat.missed",
      Type.COUNTER,
      "{heartbeat}",
      "Heartbeats never acknowledged (next heartbeat or close came first)",
      Label.SOURCE,
      Label.GATEWAY),
  RESUME(
      "gateway.resume",
      Type.COUNTER,
      "{resume}",
      "Resume attempts by outcome",
      Label.SOURCE,
      Label.GATEWAY,
      Label.OUTCOME),
  RECONNECT_DURATION(
      "gateway.reconnect.duration",
      Buckets.RECONNECT,
      "s",
      "Reconnect episodes: end of the socket that last held the session to READY or RESUMED on a"
          + " later socket",
      Label.SOURCE,
      Label.GATEWAY,
      Label.VIA),
  RECONNECT_STARTED(
      "gateway.reconnect.started",
      Type.COUNTER,
      "{episode}",
      "Reconnect episodes started: a socket that held a session ended or lost it",
      Label.SOURCE,
      Label.GATEWAY),
  READY(
      "gateway.ready",
      Type.COUNTER,
      "{session}",
      "Sessions established: identify (READY) or resume (RESUMED)",
      Label.SOURCE,
      Label.GATEWAY,
      Label.VIA),
  INVALID_SESSION(
      "gateway.invalid.session",
      Type.COUNTER,
      "{frame}",
      "op 9 Invalid Session seen",
      Label.SOURCE,
      Label.GATEWAY),
  RECONNECT_REQUESTS(
      "gateway.reconnect.requests",
      Type.COUNTER,
      "{frame}",
      "op 7 Reconnect seen",
      Label.SOURCE,
      Label.GATEWAY),
  POLICY_VIOLATIONS(
      "gateway.policy.violations",
      Type.COUNTER,
      "{violation}",
      "Client behaviour against the seed's recovery rules",
      Label.SOURCE,
      Label.GATEWAY,
      Label.RULE),
  CLIENT_VIOLATIONS(
      "gateway.client.violations",
      Type.COUNTER,
      "{violation}",
      "Policy violations by the client library of the socket that broke the rule",
      Label.SOURCE,
      Label.GATEWAY,
      Label.CLIENT,
      Label.RULE),
  CLIENT_RESUME(
      "gateway.client.resume",
      Type.COUNTER,
      "{resume}",
      "Resume attempts by client library and outcome",
      Label.SOURCE,
      Label.GATEWAY,
      Label.CLIENT,
      Label.OUTCOME),
  CLIENT_READY(
      "gateway.client.ready",
      Type.COUNTER,
      "{session}",
      "Sessions established by client library: identify (READY) or resume (RESUMED)",
      Label.SOURCE,
      Label.GATEWAY,
      Label.CLIENT,
      Label.VIA),
  CLIENT_RECONNECT_DURATION(
      "gateway.client.reconnect.duration",
      Buckets.RECONNECT,
      "s",
      "Reconnect episodes by the client library of the session",
      Label.SOURCE,
      Label.GATEWAY,
      Label.CLIENT),
  FRAMES(
      "gateway.frames",
      Type.COUNTER,
      "{frame}",
      "Frames by opcode name (unknown: other)",
      Label.SOURCE,
      Label.GATEWAY,
      Label.FROM,
      Label.OP),
  FRAME_SIZE(
      "gateway.frame.size",
      Buckets.FRAME_SIZE,
      "By",
      "Payload sizes, buckets around the 4,096-byte limit",
      Label.SOURCE,
      Label.GATEWAY,
      Label.FROM),
  PROBE_UP(
      "gateway.probe.up",
      Type.GAUGE,
      "1",
      "1 while the probe holds a ready session",
      Label.SOURCE,
      Label.GATEWAY),
  PROBE_READY_DURATION(
      "gateway.probe.ready.duration",
      Buckets.READY,
      "s",
      "Probe socket open to READY, less the probe's own wait after an op 9",
      Label.SOURCE,
      Label.GATEWAY),
  BUILD_INFO(
      "gatewatch.build.info",
      Type.GAUGE,
      "1",
      "gatewatch build; the value is always 1",
      Label.VERSION),
  TRACKED_CONNECTIONS(
      "gatewatch.tracked.connections",
      Type.GAUGE,
      "{entry}",
      "Tracker state entries held (open sockets and remembered clients)"),
  EVICTIONS(
      "gatewatch.evictions",
      Type.COUNTER,
      "{entry}",
      "Tracker state dropped to stay bounded",
      Label.EVICTION_REASON),
  DECODE_ERRORS(
      "gatewatch.decode.errors",
      Type.COUNTER,
      "{frame}",
      "Frames that could not be classified",
      Label.SOURCE),
  FRAMES_UNOBSERVED(
      "gatewatch.frames.unobserved",
      Type.COUNTER,
      "{frame}",
      "Frames relayed without being read: compressed observation is off",
      Label.SOURCE),
  UPSTREAM_ERRORS(
      "gatewatch.upstream.errors",
      Type.COUNTER,
      "{error}",
      "Proxy upstream failures",
      Label.REASON),
  CONNECTIONS_REFUSED(
      "gatewatch.connections.refused",
      Type.COUNTER,
      "{connection}",
      "Proxy upgrades refused with 503 at max_connections",
      Label.REASON),
  DRAINED(
      "gatewatch.drained",
      Type.COUNTER,
      "{connection}",
      "Relayed sockets a drain asked to reconnect",
      Label.NOTICE),
  DRAIN_REMAINING(
      "gatewatch.drain.remaining",
      Type.GAUGE,
      "{connection}",
      "Relayed sockets the running drain has not asked to reconnect yet"),
  OBSERVER_ERRORS(
      "gatewatch.observer.errors",
      Type.COUNTER,
      "{error}",
      "Observation failures inside the proxy or an in-process tap (the observed code went on)",
      Label.SOURCE),
  CORRELATION_ERRORS(
      "gatewatch.correlation.errors",
      Type.COUNTER,
      "{error}",
      "Session directory calls that failed or answers dropped (the tracker went on with its own"
          + " state)",
      Label.REASON),
  INGEST_LINES(
      "gatewatch.ingest.lines",
      Type.COUNTER,
      "{line}",
      "Capture lines posted to /v1/capture, accepted or rejected",
      Label.RESULT),
  CAPTURE_WRITTEN(
      "gatewatch.capture.written",
      Type.COUNTER,
      "By",
      "Bytes written to capture files, before rotated files are compressed",
      Label.GATEWAY),
  CAPTURE_RECORDS(
      "gatewatch.capture.records",
      Type.COUNTER,
      "{record}",
      "Capture records (lines) written",
      Label.GATEWAY),
  CAPTURE_ROTATIONS(
      "gatewatch.capture.rotations",
      Type.COUNTER,
      "{file}",
      "Capture files rotated (then compressed, the oldest beyond keep deleted)",
      Label.GATEWAY),
  CAPTURE_DROPPED(
      "gatewatch.capture.dropped",
      Type.COUNTER,
      "{record}",
      "Capture records not written: queue_full (the writer fell behind) or stopped (a write"
          + " failed, the capture stopped)",
      Label.GATEWAY,
      Label.REASON),
  HTTP_AUTH_FAILURES(
      "gatewatch.http.auth.failures",
      Type.COUNTER,
      "{request}",
      "Requests to the agent's HTTP endpoints refused for missing or wrong credentials",
      Label.ENDPOINT);

  /** The label value for anything outside a registry or fixed set. */
  public static final String OTHER = "other";

  /** What a metric is in Prometheus and in docs/metrics.md. */
  public enum Type {
    COUNTER,
    GAUGE,
    HISTOGRAM
  }

  /**
   * A label: its key, and its values when the catalogue fixes them. Open labels take the operator's
   * name ({@code gateway}), a profile registry's label or {@code other} ({@code code}, {@code
   * name}, {@code resumable}, {@code op}), a value of the profile's client table ({@code client}),
   * the build ({@code version}), or the fixed set of the component that records them ({@code
   * reason}, {@code result}, {@code endpoint}).
   */
  public enum Label {
    SOURCE("source", labels(Source.values(), Source::label)),
    GATEWAY("gateway"),
    CLIENT("client"),
    CODE("code"),
    NAME("name"),
    RESUMABLE("resumable"),
    INITIATOR("initiator", labels(Initiator.values(), Initiator::label)),
    KIND("kind", labels(RttKind.values(), RttKind::label)),
    OUTCOME("outcome", labels(ResumeOutcome.values(), ResumeOutcome::label)),
    VIA("via", labels(Via.values(), Via::label)),
    RULE("rule", labels(PolicyRule.values(), PolicyRule::label)),
    FROM("from", labels(Direction.values(), Direction::label)),
    OP("op"),
    EVICTION_REASON("reason", labels(EvictionReason.values(), EvictionReason::label)),
    NOTICE("notice", labels(DrainMetrics.Notice.values(), DrainMetrics.Notice::label)),
    VERSION("version"),
    REASON("reason"),
    RESULT("result"),
    ENDPOINT("endpoint");

    private final String key;
    private final List<String> values;

    Label(String key) {
      this(key, List.of());
    }

    Label(String key, List<String> values) {
      this.key = key;
      this.values = values;
    }

    /** The label name, as exported. */
    public String key() {
      return key;
    }

    /** The values the catalogue fixes; empty for an open label. */
    public List<String> fixedValues() {
      return values;
    }

    private static <E> List<String> labels(E[] values, Function<E, String> label) {
      return Arrays.stream(values).map(label).toList();
    }
  }

  private static final Map<String, Metric> BY_PROMETHEUS_NAME = new HashMap<>();

  static {
    for (Metric m : values()) {
      BY_PROMETHEUS_NAME.put(m.prometheusName(), m);
    }
  }

  private final String name;
  private final Type type;
  private final String unit;
  private final String help;
  private final List<Label> labels;
  private final double[] buckets;

  Metric(String name, Type type, String unit, String help, Label... labels) {
    this(name, type, unit, help, null, labels);
  }

  /** A histogram with these bucket bounds, in its unit. */
  Metric(String name, double[] buckets, String unit, String help, Label... labels) {
    this(name, Type.HISTOGRAM, unit, help, buckets, labels);
  }

  Metric(String name, Type type, String unit, String help, double[] buckets, Label... labels) {
    this.name = name;
    this.type = type;
    this.unit = unit;
    this.help = help;
    this.buckets = buckets == null ? new double[0] : buckets;
    this.labels = List.of(labels);
  }

  /** The Micrometer and OpenTelemetry name: {@code gateway.close}. */
  public String meterName() {
    return name;
  }

  public Type type() {
    return type;
  }

  /** UCUM: {@code s}, {@code By}, {@code 1}, or a count annotation such as {@code {close}}. */
  public String unit() {
    return unit;
  }

  /** The description: Prometheus's HELP, OpenTelemetry's description. */
  public String help() {
    return help;
  }

  public List<Label> labels() {
    return labels;
  }

  /** A histogram's bucket bounds in its unit (seconds or bytes); empty for the others. */
  public double[] buckets() {
    return buckets.clone();
  }

  /**
   * The Prometheus family name without a counter's {@code _total}: {@code gateway_close}, {@code
   * gateway_heartbeat_rtt_seconds}.
   */
  public String prometheusName() {
    String base = name.replace('.', '_');
    return switch (unit) {
      case "s" -> base + "_seconds";
      case "By" -> base + "_bytes";
      default -> base;
    };
  }

  /** The family as {@code /metrics} writes it: counters end in {@code _total}. */
  public String exposedName() {
    return type == Type.COUNTER ? prometheusName() + "_total" : prometheusName();
  }

  /**
   * The catalogue metric of a Prometheus family name, with or without a counter's {@code _total};
   * null for a name outside the catalogue (JVM and process metrics).
   */
  public static Metric ofPrometheusName(String name) {
    Metric m = BY_PROMETHEUS_NAME.get(name);
    if (m == null && name.endsWith("_total")) {
      m = BY_PROMETHEUS_NAME.get(name.substring(0, name.length() - "_total".length()));
    }
    return m;
  }

  // ---- Micrometer builders with this metric's name, description, unit and buckets ----------

  public Counter.Builder counter() {
    return Counter.builder(name).description(help).baseUnit(baseUnit());
  }

  public <T> FunctionCounter.Builder<T> functionCounter(T obj, ToDoubleFunction<T> count) {
    return FunctionCounter.builder(name, obj, count).description(help).baseUnit(baseUnit());
  }

  public <T> Gauge.Builder<T> gauge(T obj, ToDoubleFunction<T> value) {
    return Gauge.builder(name, obj, value).description(help).baseUnit(baseUnit());
  }

  public Gauge.Builder<Supplier<Number>> gauge(Supplier<Number> value) {
    return Gauge.builder(name, value).description(help).baseUnit(baseUnit());
  }

  /** A histogram in seconds. */
  public Timer.Builder timer() {
    Duration[] slos = new Duration[buckets.length];
    for (int i = 0; i < slos.length; i++) {
      slos[i] = Duration.ofNanos(Math.round(buckets[i] * 1e9));
    }
    return Timer.builder(name).description(help).serviceLevelObjectives(slos);
  }

  /** A histogram in bytes. */
  public DistributionSummary.Builder summary() {
    return DistributionSummary.builder(name)
        .description(help)
        .baseUnit(baseUnit())
        .serviceLevelObjectives(buckets);
  }

  // One meter per fixed value of a label, in the order of its values: the ordinals of the enum
  // they come from, so a recorder finds its meter by ordinal.

  public Counter[] counters(MeterRegistry registry, Tags tags, Label by) {
    return perValue(by, v -> counter().tags(tags).tag(by.key(), v).register(registry))
        .toArray(Counter[]::new);
  }

  public Timer[] timers(MeterRegistry registry, Tags tags, Label by) {
    return perValue(by, v -> timer().tags(tags).tag(by.key(), v).register(registry))
        .toArray(Timer[]::new);
  }

  public DistributionSummary[] summaries(MeterRegistry registry, Tags tags, Label by) {
    return perValue(by, v -> summary().tags(tags).tag(by.key(), v).register(registry))
        .toArray(DistributionSummary[]::new);
  }

  private static <M> List<M> perValue(Label by, Function<String, M> register) {
    return by.fixedValues().stream().map(register).toList();
  }

  /** Micrometer's unit, which becomes the Prometheus suffix; counted things have none. */
  private String baseUnit() {
    return unit.equals("By") ? "bytes" : null;
  }
}
