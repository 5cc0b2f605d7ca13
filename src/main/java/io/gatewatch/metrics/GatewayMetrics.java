package io.gatewatch.metrics;

import io.gatewatch.protocol.ClientLibrary;
import io.gatewatch.protocol.CloseCode;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.track.ConnectionTracker;
import io.gatewatch.track.EvictionReason;
import io.gatewatch.track.PolicyRule;
import io.gatewatch.track.ReconnectEpisode;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.RttKind;
import io.gatewatch.track.Signals;
import io.gatewatch.track.Via;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@link Metric catalogue}'s per-tap metrics for one tap: records the tracker's {@link Signals}
 * through one binder per concern (connections and frames, closes, heartbeats, reconnects, policy,
 * the same by client library, and the agent-wide counters). Every label value comes from the
 * profile's registries or a fixed set; anything else is {@code other}. Meters are resolved once at
 * bind time (close codes on first sight), so recording is an array index and an increment.
 * Recording never throws.
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
  public static final String OTHER = Metric.OTHER;

  private static final Pattern GATEWAY_NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

  private final Source source;
  private final String gateway;
  private final ConnectionMetrics connections;
  private final CloseMetrics closes;
  private final HeartbeatMetrics heartbeats;
  private final ReconnectMetrics reconnects;
  private final PolicyMetrics policy;
  private final ClientMetrics clients;
  private final SharedCounters shared;
  private final List<TapBinder> binders;
  private MeterRegistry registry;

  /** Set once every meter exists: signals before that are dropped, never thrown. */
  private volatile boolean bound;

  public GatewayMetrics(GatewayProfile profile, Source source, String gateway) {
    if (gateway == null || !GATEWAY_NAME.matcher(gateway).matches()) {
      throw new IllegalArgumentException(
          "gateway name must match " + GATEWAY_NAME.pattern() + ": " + gateway);
    }
    this.source = source;
    this.gateway = gateway;
    this.connections = new ConnectionMetrics(profile, source, gateway);
    this.closes = new CloseMetrics(source, gateway);
    this.heartbeats = new HeartbeatMetrics(source, gateway);
    this.reconnects = new ReconnectMetrics(source, gateway);
    this.policy = new PolicyMetrics(source, gateway);
    this.clients = new ClientMetrics(profile.clients(), source, gateway);
    this.shared = new SharedCounters(source);
    this.binders = List.of(connections, closes, heartbeats, reconnects, policy, clients);
  }

  /** The tracker whose sockets and sessions the gauges report; call before {@link #bindTo}. */
  public GatewayMetrics observe(ConnectionTracker tracker) {
    connections.observe(tracker);
    return this;
  }

  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    this.registry = registry;
    binders.forEach(b -> b.bindTo(registry));
    shared.bindTo(registry);
    bound = true;
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
      binders.forEach(b -> b.remove(registry));
    }
  }

  /**
   * Like {@link #close()}, and also removes the agent-wide counters ({@code gatewatch.*}) that no
   * other binder of the registry records into any more: an embedded tap leaves a host's registry as
   * it found it.
   */
  public synchronized void closeIncludingShared() {
    close();
    if (registry != null) {
      shared.removeUnused(registry);
    }
  }

  // ---- Signals -------------------------------------------------------------------------------

  @Override
  public void connectionOpened() {
    if (bound) {
      connections.opened();
    }
  }

  @Override
  public void connectionClosed(int code, CloseCode close, Initiator initiator) {
    if (bound) {
      closes.closed(code, close, initiator);
    }
  }

  @Override
  public void frame(Direction from, int op, int sizeBytes) {
    if (bound) {
      connections.frame(from, op, sizeBytes);
    }
  }

  @Override
  public void decodeError() {
    if (bound) {
      shared.decodeError();
    }
  }

  @Override
  public void frameUnobserved() {
    if (bound) {
      shared.unobserved();
    }
  }

  @Override
  public void heartbeatRtt(RttKind kind, long nanos) {
    if (bound) {
      heartbeats.rtt(kind, nanos);
    }
  }

  @Override
  public void heartbeatMissed() {
    if (bound) {
      heartbeats.missed();
    }
  }

  @Override
  public void resume(ResumeOutcome outcome, ClientLibrary client) {
    if (bound) {
      reconnects.resume(outcome);
      clients.resume(outcome, client);
    }
  }

  @Override
  public void ready(Via via, ClientLibrary client) {
    if (bound) {
      reconnects.ready(via);
      clients.ready(via, client);
    }
  }

  @Override
  public void reconnectStarted() {
    if (bound) {
      reconnects.started();
    }
  }

  @Override
  public void reconnected(ReconnectEpisode episode) {
    if (bound) {
      reconnects.reconnected(episode);
      clients.reconnected(episode);
    }
  }

  @Override
  public void invalidSession() {
    if (bound) {
      reconnects.invalidSession();
    }
  }

  @Override
  public void reconnectRequested() {
    if (bound) {
      reconnects.requested();
    }
  }

  @Override
  public void violation(PolicyRule rule, ClientLibrary client) {
    if (bound) {
      policy.violation(rule);
      clients.violation(rule, client);
    }
  }

  @Override
  public void evicted(EvictionReason reason) {
    if (bound) {
      shared.evicted(reason);
    }
  }
}
