package io.gatewatch.metrics;

import io.gatewatch.protocol.CloseCode;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.protocol.Opcode;
import io.gatewatch.track.ConnectionTracker;
import io.gatewatch.track.EvictionReason;
import io.gatewatch.track.PolicyRule;
import io.gatewatch.track.ReconnectEpisode;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.RttKind;
import io.gatewatch.track.Signals;
import io.gatewatch.track.Via;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The metric catalogue (docs/metrics.md) for one tap: a Micrometer binder that records the
 * tracker's {@link Signals}. Every label value comes from the profile's registries or a fixed set;
 * anything else is {@code other}. Meters are resolved once at bind time (close codes on first
 * sight), so recording is an array index and an increment. Recording never throws.
 *
 * <pre>{@code
 * GatewayMetrics metrics = new GatewayMetrics(profile, Source.PROXY, "eu-west");
 * ConnectionTracker tracker = new ConnectionTracker(profile, settings, scanner, metrics);
 * metrics.observe(tracker);
 * metrics.bindTo(registry);
 * }</pre>
 */
public final class GatewayMetrics implements Signals, MeterBinder, AutoCloseable {
  /** The label value for anything outside a registry or fixed set. */
  public static final String OTHER = "other";

  private static final Pattern GATEWAY_NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

  private final GatewayProfileIndex ops;
  private final Source source;
  private final String gateway;
  private final Tags common;
  private final List<Meter> meters = new ArrayList<>();

  /** Agent-wide meters this binder registered (or found registered), keyed by other binders too. */
  private final List<Meter> shared = new ArrayList<>();

  private final Map<Integer, Counter> closes = new ConcurrentHashMap<>();
  private volatile ConnectionTracker tracker;
  private MeterRegistry registry;

  /** Set once every meter exists: signals before that are dropped, never thrown. */
  private volatile boolean bound;

  private Counter opened;
  private Counter[][] frames;
  private DistributionSummary[] frameSizes;
  private Timer[] rtt;
  private Counter missed;
  private Counter[] resumes;
  private Counter[] readies;
  private Counter reconnectsStarted;
  private Timer[] reconnects;
  private Counter invalidSessions;
  private Counter reconnectRequests;
  private Counter[] violations;
  private Counter decodeErrors;
  private Counter unobserved;
  private Counter[] evictions;

  public GatewayMetrics(GatewayProfile profile, Source source, String gateway) {
    if (gateway == null || !GATEWAY_NAME.matcher(gateway).matches()) {
      throw new IllegalArgumentException(
          "gateway name must match " + GATEWAY_NAME.pattern() + ": " + gateway);
    }
    this.ops = new GatewayProfileIndex(profile);
    this.source = source;
    this.gateway = gateway;
    this.common = Tags.of("source", source.label(), "gateway", gateway);
  }

  /** The tracker whose sockets and sessions the gauges report; call before {@link #bindTo}. */
  public GatewayMetrics observe(ConnectionTracker tracker) {
    this.tracker = tracker;
    return this;
  }

  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    this.registry = registry;
    opened =
        keep(
            Counter.builder("gateway.connections.opened")
                .description("Sockets opened")
                .tags(common)
                .register(registry));
    keep(
        Gauge.builder("gateway.connections.active", this, m -> m.gauge(true))
            .description("Sockets open now")
            .tags(common)
            .register(registry));
    keep(
        Gauge.builder("gateway.sessions.active", this, m -> m.gauge(false))
            .description("Sockets holding a session (after READY or RESUMED)")
            .tags(common)
            .register(registry));

    frames = new Counter[Direction.values().length][ops.size()];
    frameSizes = new DistributionSummary[Direction.values().length];
    for (Direction from : Direction.values()) {
      for (int i = 0; i < ops.size(); i++) {
        frames[from.ordinal()][i] =
            keep(
                Counter.builder("gateway.frames")
                    .description("Frames by opcode name (unknown: other)")
                    .tags(common)
                    .tags("from", from.label(), "op", ops.label(i))
                    .register(registry));
      }
      frameSizes[from.ordinal()] =
          keep(
              DistributionSummary.builder("gateway.frame.size")
                  .description("Payload sizes, buckets around the 4,096-byte limit")
                  .baseUnit("bytes")
                  .serviceLevelObjectives(Buckets.FRAME_SIZE)
                  .tags(common)
                  .tags("from", from.label())
                  .register(registry));
    }

    rtt = new Timer[RttKind.values().length];
    for (RttKind kind : RttKind.values()) {
      rtt[kind.ordinal()] =
          keep(
              Timer.builder("gateway.heartbeat.rtt")
                  .description(
                      "Heartbeat round trip: client op 1 to op 11, or server op 1 to the client's"
                          + " op 1")
                  .serviceLevelObjectives(Buckets.HEARTBEAT)
                  .tags(common)
                  .tags("kind", kind.label())
                  .register(registry));
    }
    missed =
        keep(
            Counter.builder("gateway.heartbeat.missed")
                .description("Heartbeats never acknowledged (next heartbeat or close came first)")
                .tags(common)
                .register(registry));

    resumes = new Counter[ResumeOutcome.values().length];
    for (ResumeOutcome outcome : ResumeOutcome.values()) {
      resumes[outcome.ordinal()] =
          keep(
              Counter.builder("gateway.resume")
                  .description("Resume attempts by outcome")
                  .tags(common)
                  .tags("outcome", outcome.label())
                  .register(registry));
    }
    reconnectsStarted =
        keep(
            Counter.builder("gateway.reconnect.started")
                .description(
                    "Reconnect episodes started: a socket that held a session ended or lost it")
                .tags(common)
                .register(registry));
    readies = new Counter[Via.values().length];
    reconnects = new Timer[Via.values().length];
    for (Via via : Via.values()) {
      readies[via.ordinal()] =
          keep(
              Counter.builder("gateway.ready")
                  .description("Sessions established: identify (READY) or resume (RESUMED)")
                  .tags(common)
                  .tags("via", via.label())
                  .register(registry));
      reconnects[via.ordinal()] =
          keep(
              Timer.builder("gateway.reconnect.duration")
                  .description(
                      "Reconnect episodes: end of the socket that last held the session to READY"
                          + " or RESUMED on a later socket")
                  .serviceLevelObjectives(Buckets.RECONNECT)
                  .tags(common)
                  .tags("via", via.label())
                  .register(registry));
    }
    invalidSessions =
        keep(
            Counter.builder("gateway.invalid.session")
                .description("op 9 Invalid Session seen")
                .tags(common)
                .register(registry));
    reconnectRequests =
        keep(
            Counter.builder("gateway.reconnect.requests")
                .description("op 7 Reconnect seen")
                .tags(common)
                .register(registry));
    violations = new Counter[PolicyRule.values().length];
    for (PolicyRule rule : PolicyRule.values()) {
      violations[rule.ordinal()] =
          keep(
              Counter.builder("gateway.policy.violations")
                  .description("Client behaviour against the seed's recovery rules")
                  .tags(common)
                  .tags("rule", rule.label())
                  .register(registry));
    }
    // Agent-wide counters: shared by every tap (Micrometer returns the same meter for the same
    // id), so they are not removed with this binder.
    decodeErrors =
        share(
            Counter.builder("gatewatch.decode.errors")
                .description("Frames that could not be classified")
                .tag("source", source.label())
                .register(registry));
    unobserved =
        share(
            Counter.builder("gatewatch.frames.unobserved")
                .description("Frames relayed without being read: compressed observation is off")
                .tag("source", source.label())
                .register(registry));
    evictions = new Counter[EvictionReason.values().length];
    for (EvictionReason reason : EvictionReason.values()) {
      evictions[reason.ordinal()] =
          share(
              Counter.builder("gatewatch.evictions")
                  .description("Tracker state dropped to stay bounded")
                  .tag("reason", reason.label())
                  .register(registry));
    }
    bound = true;
  }

  private <M extends Meter> M share(M meter) {
    shared.add(meter);
    return meter;
  }

  private <M extends Meter> M keep(M meter) {
    meters.add(meter);
    return meter;
  }

  private double gauge(boolean connections) {
    ConnectionTracker t = tracker;
    if (t == null) {
      return 0;
    }
    return connections ? t.activeConnections() : t.activeSessions();
  }

  public Source source() {
    return source;
  }

  public String gateway() {
    return gateway;
  }

  /** Removes this binder's meters from the registry (agent-wide counters stay). */
  @Override
  public synchronized void close() {
    bound = false;
    if (registry != null) {
      for (Meter m : meters) {
        registry.remove(m);
      }
      for (Counter c : closes.values()) {
        registry.remove(c);
      }
      meters.clear();
      closes.clear();
    }
  }

  /**
   * Like {@link #close()}, and also removes the agent-wide counters ({@code gatewatch.*}) that no
   * other binder of the registry records into any more: an embedded tap leaves a host's registry as
   * it found it. Another binder is recognised by its {@code gateway.connections.opened} meter (of
   * the same source, for counters labelled by source).
   */
  public synchronized void closeIncludingShared() {
    MeterRegistry r = registry;
    close();
    if (r == null) {
      return;
    }
    for (Meter m : shared) {
      String bySource = m.getId().getTag("source");
      boolean stillUsed =
          r.getMeters().stream()
              .map(Meter::getId)
              .anyMatch(
                  id ->
                      id.getName().equals("gateway.connections.opened")
                          && (bySource == null || bySource.equals(id.getTag("source"))));
      if (!stillUsed) {
        r.remove(m);
      }
    }
    shared.clear();
  }

  // ---- Signals -------------------------------------------------------------------------------

  @Override
  public void connectionOpened() {
    if (!bound) {
      return;
    }
    opened.increment();
  }

  @Override
  public void connectionClosed(int code, CloseCode close, Initiator initiator) {
    if (!bound) {
      return;
    }
    int key = (close == null ? -1 : code) * Initiator.values().length + initiator.ordinal();
    Counter counter = closes.get(key);
    if (counter == null) {
      counter = closes.computeIfAbsent(key, k -> closeCounter(close, initiator));
    }
    counter.increment();
  }

  private Counter closeCounter(CloseCode close, Initiator initiator) {
    return Counter.builder("gateway.close")
        .description("Close-code distribution")
        .tags(common)
        .tags(
            "code",
            close == null ? OTHER : Integer.toString(close.code()),
            "name",
            close == null ? OTHER : close.label(),
            "resumable",
            close == null ? OTHER : close.resumable().label(),
            "initiator",
            initiator.label())
        .register(registry);
  }

  @Override
  public void frame(Direction from, int op, int sizeBytes) {
    if (!bound) {
      return;
    }
    frames[from.ordinal()][ops.index(op)].increment();
    frameSizes[from.ordinal()].record(sizeBytes);
  }

  @Override
  public void decodeError() {
    if (!bound) {
      return;
    }
    decodeErrors.increment();
  }

  @Override
  public void frameUnobserved() {
    if (!bound) {
      return;
    }
    unobserved.increment();
  }

  @Override
  public void heartbeatRtt(RttKind kind, long nanos) {
    if (!bound) {
      return;
    }
    rtt[kind.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void heartbeatMissed() {
    if (!bound) {
      return;
    }
    missed.increment();
  }

  @Override
  public void resume(ResumeOutcome outcome) {
    if (!bound) {
      return;
    }
    resumes[outcome.ordinal()].increment();
  }

  @Override
  public void ready(Via via) {
    if (!bound) {
      return;
    }
    readies[via.ordinal()].increment();
  }

  @Override
  public void reconnectStarted() {
    if (!bound) {
      return;
    }
    reconnectsStarted.increment();
  }

  @Override
  public void reconnected(ReconnectEpisode episode) {
    if (!bound) {
      return;
    }
    reconnects[episode.via().ordinal()].record(episode.durationNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void invalidSession() {
    if (!bound) {
      return;
    }
    invalidSessions.increment();
  }

  @Override
  public void reconnectRequested() {
    if (!bound) {
      return;
    }
    reconnectRequests.increment();
  }

  @Override
  public void violation(PolicyRule rule) {
    if (!bound) {
      return;
    }
    violations[rule.ordinal()].increment();
  }

  @Override
  public void evicted(EvictionReason reason) {
    if (!bound) {
      return;
    }
    evictions[reason.ordinal()].increment();
  }

  /** Maps opcodes to dense label indexes: the profile's opcodes in order, then {@code other}. */
  static final class GatewayProfileIndex {
    private final int[] indexByOp = new int[256];
    private final String[] labels;

    GatewayProfileIndex(GatewayProfile profile) {
      List<String> names = new ArrayList<>();
      Arrays.fill(indexByOp, -1);
      for (Opcode op : profile.opcodes()) {
        if (op.code() >= 0 && op.code() < indexByOp.length) {
          indexByOp[op.code()] = names.size();
          names.add(op.label());
        }
      }
      names.add(GatewayMetrics.OTHER);
      labels = names.toArray(new String[0]);
    }

    int size() {
      return labels.length;
    }

    String label(int index) {
      return labels[index];
    }

    int index(int op) {
      int i = op >= 0 && op < indexByOp.length ? indexByOp[op] : -1;
      return i < 0 ? labels.length - 1 : i;
    }
  }
}
