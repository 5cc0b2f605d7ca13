package io.gatewatch.tap;

import io.gatewatch.config.ConfigException;
import io.gatewatch.config.GatewayLabel;
import io.gatewatch.metrics.GatewayMetrics;
import io.gatewatch.metrics.Metric;
import io.gatewatch.metrics.Source;
import io.gatewatch.protocol.Encoding;
import io.gatewatch.protocol.FrameScanner;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.track.ConnectionTracker;
import io.gatewatch.track.TrackerSettings;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures a gateway client from the inside: the sockets the host application opens report their
 * messages and closes to a tap, and the tap records gatewatch's metric catalogue ({@code
 * docs/metrics.md}) with {@code source="client"} into the application's own Micrometer registry.
 * The same core as the proxy turns the messages into close codes, resumes, reconnect times and
 * heartbeat round trips.
 *
 * <pre>{@code
 * MeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * try (GatewayTap tap = GatewayTap.builder(registry).gateway("fluxer").build()) {
 *   SocketObserver socket = tap.socket(); // one per WebSocket
 *   socket.opened();
 *   socket.frameFromServer(text);
 *   socket.frameFromClient(sent);
 *   socket.closed(4009, "Heartbeat timeout", CloseInitiator.SERVER);
 * }
 * }</pre>
 *
 * <p>For the JDK's {@code java.net.http.WebSocket}, {@link JdkWebSocketTap} does the reporting.
 *
 * <p>A tap holds no global state and starts no thread: everything happens on the caller's thread,
 * inside the reporting call. It is thread-safe across sockets, and its observers never throw into
 * the caller (a failure is counted in {@code gatewatch_observer_errors_total{source="client"}});
 * only a {@link VirtualMachineError} other than a stack overflow, which says the JVM itself is
 * failing, is passed on. Tokens in Identify and Resume payloads are read only to compute a salted
 * fingerprint (for linking reconnects) and are never stored or exported. {@link #close()} removes
 * the tap's meters from the registry.
 */
public final class GatewayTap implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GatewayTap.class);

  private final MeterRegistry registry;
  private final GatewayMetrics metrics;
  private final ConnectionTracker tracker;
  private final Counter errors;
  private final Clock clock;
  private final long epochAtStart;
  private final long monotonicAtStart;
  private final AtomicLong sockets = new AtomicLong();
  private volatile boolean closed;

  private GatewayTap(Builder b) {
    this.registry = b.registry;
    this.clock = b.clock != null ? b.clock : registry.config().clock();
    this.epochAtStart = clock.wallTime() * 1_000_000L;
    this.monotonicAtStart = clock.monotonicTime();
    this.metrics = new GatewayMetrics(b.profile, Source.CLIENT, b.gateway); // checks the name
    if (registry
            .find(Metric.CONNECTIONS_OPENED.meterName())
            .tags(
                Metric.Label.SOURCE.key(),
                Source.CLIENT.label(),
                Metric.Label.GATEWAY.key(),
                b.gateway)
            .counter()
        != null) {
      throw new IllegalStateException(
          "this registry already has a client tap for gateway \"" + b.gateway + "\"");
    }
    TokenFingerprinter fingerprinter =
        b.salt != null ? new TokenFingerprinter(b.salt) : TokenFingerprinter.withRandomSalt();
    this.tracker =
        new ConnectionTracker(b.profile, b.settings, new FrameScanner(fingerprinter), metrics);
    this.errors =
        Metric.OBSERVER_ERRORS
            .counter()
            .tag(Metric.Label.SOURCE.key(), Source.CLIENT.label())
            .register(registry);
    metrics.observe(tracker).bindTo(registry);
  }

  /**
   * A builder recording into {@code registry}, the host application's registry.
   *
   * <pre>{@code
   * GatewayTap tap = GatewayTap.builder(registry).gateway("eu-west").profile("fluxer-current").build();
   * }</pre>
   */
  public static Builder builder(MeterRegistry registry) {
    return new Builder(registry);
  }

  /** An observer for one new socket; report its events to it. */
  public SocketObserver socket() {
    return new SocketObserver(this, "t" + sockets.incrementAndGet(), Encoding.JSON);
  }

  /**
   * An observer for one new socket opened with {@code url} (or its path and query): its binary
   * messages are read in the encoding the query names, Erlang terms for {@code encoding=etf}.
   */
  public SocketObserver socket(String url) {
    return new SocketObserver(this, "t" + sockets.incrementAndGet(), Encoding.fromUrl(url));
  }

  /** The {@code gateway} label of this tap's metrics. */
  public String gateway() {
    return metrics.gateway();
  }

  /**
   * Stops recording and removes the tap's meters from the registry (the agent-wide {@code
   * gatewatch_*} counters too, unless another gatewatch tap of the registry still uses them).
   * Observers of this tap keep working as no-ops. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    metrics.closeIncludingShared();
    boolean otherClientTap =
        registry.getMeters().stream()
            .map(Meter::getId)
            .anyMatch(
                id ->
                    id.getName().equals(Metric.CONNECTIONS_OPENED.meterName())
                        && Source.CLIENT.label().equals(id.getTag(Metric.Label.SOURCE.key())));
    if (!otherClientTap) {
      registry.remove(errors);
    }
  }

  long now() {
    return epochAtStart + (clock.monotonicTime() - monotonicAtStart);
  }

  ConnectionTracker tracker() {
    return tracker;
  }

  void failed(Throwable t) {
    if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
      throw (VirtualMachineError) t;
    }
    try {
      errors.increment();
      if (errors.count() == 1) {
        log.warn("gatewatch tap: observation failed; further failures are logged at debug", t);
      } else {
        log.debug("gatewatch tap: observation failed", t);
      }
    } catch (RuntimeException | StackOverflowError ignored) {
      // counting must not throw either
    }
  }

  /**
   * Settings of a {@link GatewayTap}; every one has a default but the registry.
   *
   * <pre>{@code
   * GatewayTap tap = GatewayTap.builder(registry)
   *     .gateway("fluxer")                 // the gateway label (default "default")
   *     .profile("fluxer-seed")            // close-code profile: bundled name or YAML file
   *     .linkWindow(Duration.ofMinutes(10)) // a session back within this is a reconnect
   *     .build();
   * }</pre>
   */
  public static final class Builder {
    private final MeterRegistry registry;
    private String gateway = GatewayLabel.DEFAULT;
    private GatewayProfile profile = ProfileLoader.defaultProfile();
    private TrackerSettings settings = TrackerSettings.DEFAULTS;
    private Clock clock;
    private byte[] salt;

    private Builder(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * The {@code gateway} label: 1-64 letters, digits and {@code . _ : -} (default {@code
     * default}).
     */
    public Builder gateway(String name) {
      this.gateway = name;
      return this;
    }

    /**
     * The close-code profile: {@code fluxer-seed} (default), {@code fluxer-current}, {@code
     * discord}, or the path of a profile YAML file (docs/profiles.md).
     *
     * @throws IllegalArgumentException for an unknown name or an invalid file
     */
    public Builder profile(String nameOrPath) {
      try {
        this.profile = ProfileLoader.load(nameOrPath);
      } catch (ConfigException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      return this;
    }

    /** A new socket's session within this of the last one's end is a reconnect (default 10m). */
    public Builder linkWindow(Duration window) {
      this.settings = settings.withLinkWindow(window);
      return this;
    }

    /** Sockets tracked at most; the least recently active are dropped past it (200,000). */
    public Builder maxSockets(int max) {
      this.settings = settings.withMaxConnections(max);
      return this;
    }

    /** Where event time is read; default the registry's clock. Tests pass a {@code MockClock}. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The key of the token fingerprints (default: random per tap). Give taps the same salt when
     * their fingerprints must be comparable, e.g. with captures of an agent using it.
     */
    public Builder fingerprintSalt(byte[] salt) {
      if (salt == null || salt.length == 0) {
        throw new IllegalArgumentException("salt must not be empty");
      }
      this.salt = salt.clone();
      return this;
    }

    /**
     * The tap, its meters registered.
     *
     * @throws IllegalArgumentException when the gateway name cannot be a label value
     * @throws IllegalStateException when the registry already has a client tap of this gateway
     */
    public GatewayTap build() {
      return new GatewayTap(this);
    }
  }
}
