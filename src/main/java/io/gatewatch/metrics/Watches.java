package io.gatewatch.metrics;

import io.gatewatch.protocol.FrameScanner;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.track.ConnectionTracker;
import io.gatewatch.track.SessionDirectory;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.HashSet;
import java.util.Set;

/**
 * The gateways one agent process watches: one Prometheus registry, one token-fingerprint salt (so
 * every tap and capture of the process links a client the same way), the agent's own metrics (with
 * Micrometer's JVM and process binders), and one tracker with its metric catalogue per source and
 * gateway. {@link #close()} detaches the GC listener.
 */
public final class Watches implements AutoCloseable {
  private final PrometheusMeterRegistry registry;
  private final AgentMetrics agent = new AgentMetrics();
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final TokenFingerprinter fingerprinter;
  private final FrameScanner scanner;
  private final Set<String> names = new HashSet<>();
  private final TapObservers observers;
  private volatile SessionDirectory.Factory directories = SessionDirectory.Factory.LOCAL;

  public Watches(TokenFingerprinter fingerprinter) {
    this(fingerprinter, TapObservers.NONE);
  }

  /**
   * @param observers see each tap's signals around its metrics (spans, the activity log), and give
   *     histogram exemplars their span
   */
  public Watches(TokenFingerprinter fingerprinter, TapObservers observers) {
    this.observers = observers;
    this.registry =
        observers.exemplars() == null
            ? new PrometheusMeterRegistry(
                PrometheusConfig.DEFAULT, new PrometheusRegistry(), CoarseClock.INSTANCE)
            : new PrometheusMeterRegistry(
                PrometheusConfig.DEFAULT,
                new PrometheusRegistry(),
                CoarseClock.INSTANCE,
                observers.exemplars());
    this.fingerprinter = fingerprinter;
    this.scanner = new FrameScanner(fingerprinter);
    agent.bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  /**
   * Where the trackers added from now on share reconnect state with other agents' (the replicas
   * behind one load balancer); by default they share nothing.
   */
  public void shareThrough(SessionDirectory.Factory directories) {
    this.directories = directories;
  }

  /**
   * Starts watching one gateway from one source.
   *
   * @param also receives every signal after the metrics (a report's tally), or {@link Signals#NONE}
   * @throws IllegalArgumentException when the gateway name cannot be a label value, or this source
   *     already watches a gateway of that name
   */
  public synchronized ConnectionTracker add(
      GatewayProfile profile,
      TrackerSettings settings,
      Source source,
      String gateway,
      Signals also) {
    GatewayMetrics metrics = new GatewayMetrics(profile, source, gateway);
    if (!names.add(source.label() + "/" + gateway)) {
      throw new IllegalArgumentException(
          "gateway \"" + gateway + "\" is already watched as source " + source.label());
    }
    Signals first = observers.around(source, gateway, metrics);
    ConnectionTracker tracker =
        new ConnectionTracker(
            profile,
            settings,
            scanner,
            also == Signals.NONE ? first : Signals.both(first, also),
            directories.forTap(source.label(), gateway));
    metrics.observe(tracker).bindTo(registry);
    agent.track(tracker);
    return tracker;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public TokenFingerprinter fingerprinter() {
    return fingerprinter;
  }

  /** Stops listening to garbage collections; the registry keeps its meters. */
  @Override
  public void close() {
    gc.close();
  }
}
