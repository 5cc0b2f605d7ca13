package io.gatewatch.sim;

import io.gatewatch.config.ConfigException;
import io.gatewatch.config.ConfigNode;
import io.gatewatch.config.HostPort;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the gateway simulator can be told: where it listens, which close-code profile it
 * follows, its timings and limits (the Fluxer defaults from docs/protocol.md), which tokens it
 * accepts, how many events it sends, and the faults it injects. Immutable; build with {@link
 * #builder()} (or {@link #toBuilder()}), or read a YAML {@code simulator:} section with {@link
 * #fromConfig}.
 *
 * <p><b>Tokens.</b> With {@code validTokens} empty (the default) a token is valid when it starts
 * with {@code valid-} ({@code valid-alice}); anything else gets 4004. With a non-empty set exactly
 * those tokens are valid. Every token's session owns {@code guildCount} guilds (3) unless {@code
 * guildsPerToken} says otherwise; a shard owning more than {@code maxGuildsPerShard} (2,500) of
 * them gets 4011.
 *
 * <p><b>Faults</b> (all off by default): {@code ackDelay} delays op 11; {@code dropProbability} is
 * the chance, per socket and heartbeat interval, that the TCP connection is dropped without a close
 * frame; {@code dropEvery}, {@code drainEvery}, {@code expireEvery} and {@code
 * backpressureBurstEvery} apply {@link GatewaySimulator#dropAll()}, {@link
 * GatewaySimulator#drainAll()}, {@link GatewaySimulator#expireSessions()} and {@link
 * GatewaySimulator#backpressureBurst()} periodically (zero: never). {@code seed} makes the random
 * faults repeatable.
 *
 * @param listen where to listen (default 127.0.0.1:8765; port 0 picks a free port)
 * @param profile the close-code profile (default fluxer-seed)
 * @param heartbeatInterval advertised in Hello (41,250 ms)
 * @param heartbeatTimeout since the last accepted heartbeat, while awaiting one: 4009 (45,000 ms)
 * @param sessionRetention how long a session outlives its socket for Resume (60,000 ms)
 * @param dispatchRate MESSAGE_CREATE dispatches per second per session (1.0; 0 = none)
 * @param dispatchSize MESSAGE_CREATE sizes ({@link DispatchSize#NATURAL}: about 270 bytes)
 * @param maxPayloadBytes inbound limit per message, on the wire and decompressed (the profile's
 *     {@code max_client_payload_bytes}: 4,096)
 * @param rateLimit inbound payloads per socket in a rolling window (120/60 s)
 * @param replayBufferEvents dispatches retained per session for replay (4,096)
 * @param replayBufferBytes bytes retained per session for replay (16 MiB)
 * @param maxSocketsPerIp sockets one IP may hold; the next gets 4008 before Hello (256)
 * @param maxSessionsPerToken live sessions per token; the next Identify gets 4008 (100)
 * @param maxGuildsPerShard guilds one shard may own; more gets 4011 (2,500)
 * @param guildCount guilds of every token's user unless {@code guildsPerToken} says otherwise (3)
 * @param guildsPerToken guild counts of particular tokens (empty)
 * @param validTokens the accepted tokens; empty means "starts with valid-" (empty)
 * @param rejectedOpcodes client opcodes answered as unknown although the profile lists them ({13}:
 *     the seed's "skipped in spec")
 * @param eventBufferBound server messages queued unsent on a socket before it counts as congested
 *     (4,096)
 * @param backpressureGrace how long a socket may stay congested (over the bound, or not writable)
 *     before 4013 (10 s)
 * @param ackDelay delay before op 11 ({@link AckDelay#NONE})
 * @param dropProbability chance per socket per heartbeat interval of a dropped connection (0)
 * @param dropEvery drop every socket this often (zero: never)
 * @param drainEvery drain every socket (op 7, then 4000) this often (zero: never)
 * @param expireEvery forget every session this often (zero: never)
 * @param backpressureBurstEvery overflow every session's event buffer this often (zero: never)
 * @param backpressureBurstEvents dispatches a backpressure burst sends before closing (256)
 * @param seed seeds the random faults (1)
 */
public record SimulatorSettings(
    InetSocketAddress listen,
    GatewayProfile profile,
    Duration heartbeatInterval,
    Duration heartbeatTimeout,
    Duration sessionRetention,
    double dispatchRate,
    DispatchSize dispatchSize,
    int maxPayloadBytes,
    RateLimit rateLimit,
    int replayBufferEvents,
    long replayBufferBytes,
    int maxSocketsPerIp,
    int maxSessionsPerToken,
    int maxGuildsPerShard,
    int guildCount,
    Map<String, Integer> guildsPerToken,
    Set<String> validTokens,
    Set<Integer> rejectedOpcodes,
    int eventBufferBound,
    Duration backpressureGrace,
    AckDelay ackDelay,
    double dropProbability,
    Duration dropEvery,
    Duration drainEvery,
    Duration expireEvery,
    Duration backpressureBurstEvery,
    int backpressureBurstEvents,
    long seed) {

  /** The prefix of valid tokens when no set is configured. */
  public static final String VALID_TOKEN_PREFIX = "valid-";

  /** The default listen address. */
  public static final String DEFAULT_LISTEN = "127.0.0.1:8765";

  /** Highest dispatch rate accepted, per session. */
  public static final double MAX_DISPATCH_RATE = 10_000;

  public SimulatorSettings {
    require(listen != null, "listen is required");
    require(profile != null, "profile is required");
    positive(heartbeatInterval, "heartbeat interval");
    positive(heartbeatTimeout, "heartbeat timeout");
    nonNegative(sessionRetention, "session retention");
    require(
        dispatchRate >= 0 && dispatchRate <= MAX_DISPATCH_RATE,
        "dispatch rate must be from 0 to " + (long) MAX_DISPATCH_RATE + " per second");
    require(dispatchSize != null, "dispatch size is required");
    require(maxPayloadBytes >= 1, "max payload bytes must be at least 1");
    require(rateLimit != null, "rate limit is required");
    require(replayBufferEvents >= 1, "replay buffer events must be at least 1");
    require(replayBufferBytes >= 1, "replay buffer bytes must be at least 1");
    require(maxSocketsPerIp >= 1, "max sockets per IP must be at least 1");
    require(maxSessionsPerToken >= 1, "max sessions per token must be at least 1");
    require(maxGuildsPerShard >= 1, "max guilds per shard must be at least 1");
    require(guildCount >= 0, "guild count must not be negative");
    guildsPerToken = Collections.unmodifiableMap(new LinkedHashMap<>(guildsPerToken));
    for (Integer g : guildsPerToken.values()) {
      require(g != null && g >= 0, "guild counts must not be negative");
    }
    validTokens = Collections.unmodifiableSet(new LinkedHashSet<>(validTokens));
    rejectedOpcodes = Collections.unmodifiableSet(new TreeSet<>(rejectedOpcodes));
    require(eventBufferBound >= 1, "event buffer bound must be at least 1");
    nonNegative(backpressureGrace, "backpressure grace");
    require(ackDelay != null, "ACK delay is required");
    require(dropProbability >= 0 && dropProbability <= 1, "drop probability must be from 0 to 1");
    nonNegative(dropEvery, "drop-every period");
    nonNegative(drainEvery, "drain-every period");
    nonNegative(expireEvery, "expire-every period");
    nonNegative(backpressureBurstEvery, "backpressure-burst-every period");
    require(backpressureBurstEvents >= 0, "backpressure burst events must not be negative");
  }

  private static final Logger LOG = LoggerFactory.getLogger(SimulatorSettings.class);

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  private static void positive(Duration d, String what) {
    require(d != null && !d.isNegative() && !d.isZero(), what + " must be positive");
  }

  private static void nonNegative(Duration d, String what) {
    require(d != null && !d.isNegative(), what + " must not be negative");
  }

  /** Every default. */
  public static SimulatorSettings defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Whether a token passes Identify (see the class comment for the rule). */
  public boolean isValidToken(String token) {
    if (token == null || token.isEmpty()) {
      return false;
    }
    return validTokens.isEmpty()
        ? token.startsWith(VALID_TOKEN_PREFIX)
        : validTokens.contains(token);
  }

  /** The guild count of a token's user. */
  public int guildsFor(String token) {
    return guildsPerToken.getOrDefault(token, guildCount);
  }

  /** The listen address as {@code HOST:PORT}. */
  public String listenHostPort() {
    String host = listen.getHostString();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + listen.getPort();
  }

  /**
   * Reads a {@code simulator:} section (the node under the key). Every key is optional; unknown
   * keys are rejected; errors name the file, the path and the line ({@code gatewatch.yaml:
   * simulator.limits.rate_limit (line 9): expected a rate limit such as 120/60s ...}).
   *
   * <pre>
   * simulator:
   *   listen: 127.0.0.1:8765
   *   profile: fluxer-seed            # or fluxer-current, discord, a YAML file
   *   heartbeat_interval: 41250ms
   *   heartbeat_timeout: 45s
   *   session_retention: 60s
   *   dispatch_rate: 1                # MESSAGE_CREATE per second per session
   *   dispatch_bytes: 1024..4096      # padded sizes (absent: natural, about 270 bytes)
   *   tokens:
   *     valid: [valid-alice]          # absent or empty: any token starting with valid-
   *     guilds: 3
   *     guilds_per_token: {valid-big: 3000}
   *   rejected_opcodes: [13]
   *   limits:
   *     max_payload_bytes: 4096
   *     rate_limit: 120/60s
   *     replay_buffer_events: 4096
   *     replay_buffer_bytes: 16777216
   *     max_sockets_per_ip: 256
   *     max_sessions_per_token: 100
   *     max_guilds_per_shard: 2500
   *     event_buffer_bound: 4096
   *     backpressure_grace: 10s
   *   faults:
   *     random_seed: 1              # seed of the random faults (the old key seed: still read)
   *     ack_delay: 0ms                # 50ms | 10ms..200ms | 10ms,50ms
   *     drop_probability: 0.0         # per socket per heartbeat interval
   *     drop_every: 0s
   *     drain_every: 0s
   *     expire_every: 0s
   *     backpressure_burst_every: 0s
   *     backpressure_burst_events: 256
   * </pre>
   *
   * @throws ConfigException naming the path and line of the first problem
   */
  public static SimulatorSettings fromConfig(ConfigNode section) {
    return builder().apply(section).build();
  }

  /** A mutable copy of the settings, validated by {@link #build()}. */
  public static final class Builder {
    private InetSocketAddress listen;
    private GatewayProfile profile;
    private Duration heartbeatInterval = Duration.ofMillis(41_250);
    private Duration heartbeatTimeout = Duration.ofMillis(45_000);
    private Duration sessionRetention = Duration.ofMillis(60_000);
    private double dispatchRate = 1.0;
    private DispatchSize dispatchSize = DispatchSize.NATURAL;
    private Integer maxPayloadBytes; // null: the profile's limit
    private RateLimit rateLimit = RateLimit.SEED_DEFAULT;
    private int replayBufferEvents = 4096;
    private long replayBufferBytes = 16L << 20;
    private int maxSocketsPerIp = 256;
    private int maxSessionsPerToken = 100;
    private int maxGuildsPerShard = 2500;
    private int guildCount = 3;
    private Map<String, Integer> guildsPerToken = new LinkedHashMap<>();
    private Set<String> validTokens = new LinkedHashSet<>();
    private Set<Integer> rejectedOpcodes = new TreeSet<>(Set.of(13));
    private int eventBufferBound = 4096;
    private Duration backpressureGrace = Duration.ofSeconds(10);
    private AckDelay ackDelay = AckDelay.NONE;
    private double dropProbability;
    private Duration dropEvery = Duration.ZERO;
    private Duration drainEvery = Duration.ZERO;
    private Duration expireEvery = Duration.ZERO;
    private Duration backpressureBurstEvery = Duration.ZERO;
    private int backpressureBurstEvents = 256;
    private long seed = 1;

    private Builder() {}

    private Builder(SimulatorSettings s) {
      listen = s.listen;
      profile = s.profile;
      heartbeatInterval = s.heartbeatInterval;
      heartbeatTimeout = s.heartbeatTimeout;
      sessionRetention = s.sessionRetention;
      dispatchRate = s.dispatchRate;
      dispatchSize = s.dispatchSize;
      maxPayloadBytes = s.maxPayloadBytes;
      rateLimit = s.rateLimit;
      replayBufferEvents = s.replayBufferEvents;
      replayBufferBytes = s.replayBufferBytes;
      maxSocketsPerIp = s.maxSocketsPerIp;
      maxSessionsPerToken = s.maxSessionsPerToken;
      maxGuildsPerShard = s.maxGuildsPerShard;
      guildCount = s.guildCount;
      guildsPerToken = new LinkedHashMap<>(s.guildsPerToken);
      validTokens = new LinkedHashSet<>(s.validTokens);
      rejectedOpcodes = new TreeSet<>(s.rejectedOpcodes);
      eventBufferBound = s.eventBufferBound;
      backpressureGrace = s.backpressureGrace;
      ackDelay = s.ackDelay;
      dropProbability = s.dropProbability;
      dropEvery = s.dropEvery;
      drainEvery = s.drainEvery;
      expireEvery = s.expireEvery;
      backpressureBurstEvery = s.backpressureBurstEvery;
      backpressureBurstEvents = s.backpressureBurstEvents;
      seed = s.seed;
    }

    public Builder listen(InetSocketAddress v) {
      listen = v;
      return this;
    }

    /** {@code HOST:PORT}. */
    public Builder listen(String hostPort) {
      listen = HostPort.parse("listen", hostPort);
      return this;
    }

    public Builder profile(GatewayProfile v) {
      profile = v;
      return this;
    }

    /** A bundled profile name or a YAML file ({@link ProfileLoader#load(String)}). */
    public Builder profile(String nameOrPath) {
      profile = ProfileLoader.load(nameOrPath);
      return this;
    }

    public Builder heartbeatInterval(Duration v) {
      heartbeatInterval = v;
      return this;
    }

    public Builder heartbeatTimeout(Duration v) {
      heartbeatTimeout = v;
      return this;
    }

    public Builder sessionRetention(Duration v) {
      sessionRetention = v;
      return this;
    }

    public Builder dispatchRate(double perSecond) {
      dispatchRate = perSecond;
      return this;
    }

    public Builder dispatchSize(DispatchSize v) {
      dispatchSize = v;
      return this;
    }

    public Builder maxPayloadBytes(int v) {
      maxPayloadBytes = v;
      return this;
    }

    public Builder rateLimit(RateLimit v) {
      rateLimit = v;
      return this;
    }

    public Builder rateLimit(int count, Duration window) {
      rateLimit = new RateLimit(count, window);
      return this;
    }

    public Builder replayBufferEvents(int v) {
      replayBufferEvents = v;
      return this;
    }

    public Builder replayBufferBytes(long v) {
      replayBufferBytes = v;
      return this;
    }

    public Builder maxSocketsPerIp(int v) {
      maxSocketsPerIp = v;
      return this;
    }

    public Builder maxSessionsPerToken(int v) {
      maxSessionsPerToken = v;
      return this;
    }

    public Builder maxGuildsPerShard(int v) {
      maxGuildsPerShard = v;
      return this;
    }

    public Builder guildCount(int v) {
      guildCount = v;
      return this;
    }

    public Builder guildsFor(String token, int guilds) {
      guildsPerToken.put(token, guilds);
      return this;
    }

    public Builder guildsPerToken(Map<String, Integer> v) {
      guildsPerToken = new LinkedHashMap<>(v);
      return this;
    }

    /** Replaces the valid tokens; empty restores the {@code valid-} prefix rule. */
    public Builder validTokens(Set<String> v) {
      validTokens = new LinkedHashSet<>(v);
      return this;
    }

    public Builder validToken(String token) {
      validTokens.add(token);
      return this;
    }

    public Builder rejectedOpcodes(Set<Integer> v) {
      rejectedOpcodes = new TreeSet<>(v);
      return this;
    }

    public Builder eventBufferBound(int v) {
      eventBufferBound = v;
      return this;
    }

    public Builder backpressureGrace(Duration v) {
      backpressureGrace = v;
      return this;
    }

    public Builder ackDelay(AckDelay v) {
      ackDelay = v;
      return this;
    }

    public Builder dropProbability(double v) {
      dropProbability = v;
      return this;
    }

    public Builder dropEvery(Duration v) {
      dropEvery = v;
      return this;
    }

    public Builder drainEvery(Duration v) {
      drainEvery = v;
      return this;
    }

    public Builder expireEvery(Duration v) {
      expireEvery = v;
      return this;
    }

    public Builder backpressureBurstEvery(Duration v) {
      backpressureBurstEvery = v;
      return this;
    }

    public Builder backpressureBurstEvents(int v) {
      backpressureBurstEvents = v;
      return this;
    }

    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the first invalid setting
     */
    public SimulatorSettings build() {
      GatewayProfile resolvedProfile = profile == null ? ProfileLoader.defaultProfile() : profile;
      return new SimulatorSettings(
          listen == null ? HostPort.parse("listen", DEFAULT_LISTEN) : listen,
          resolvedProfile,
          heartbeatInterval,
          heartbeatTimeout,
          sessionRetention,
          dispatchRate,
          dispatchSize,
          maxPayloadBytes != null ? maxPayloadBytes : resolvedProfile.maxClientPayloadBytes(),
          rateLimit,
          replayBufferEvents,
          replayBufferBytes,
          maxSocketsPerIp,
          maxSessionsPerToken,
          maxGuildsPerShard,
          guildCount,
          guildsPerToken,
          validTokens,
          rejectedOpcodes,
          eventBufferBound,
          backpressureGrace,
          ackDelay,
          dropProbability,
          dropEvery,
          drainEvery,
          expireEvery,
          backpressureBurstEvery,
          backpressureBurstEvents,
          seed);
    }

    /**
     * Applies a {@code simulator:} section on top of this builder (see {@link
     * SimulatorSettings#fromConfig}); keys that are absent keep their value.
     *
     * @throws ConfigException naming the path and line of the first problem
     */
    public Builder apply(ConfigNode s) {
      if (s.isNull()) {
        return this;
      }
      s.rejectUnknownKeys(
          "listen",
          "profile",
          "heartbeat_interval",
          "heartbeat_timeout",
          "session_retention",
          "dispatch_rate",
          "dispatch_bytes",
          "tokens",
          "rejected_opcodes",
          "limits",
          "faults");
      opt(s, "listen").ifPresent(n -> listen = parse(n, () -> HostPort.parse("", n.text())));
      opt(s, "profile").ifPresent(n -> profile = parse(n, () -> ProfileLoader.load(n.text())));
      opt(s, "heartbeat_interval").ifPresent(n -> heartbeatInterval = positive(n));
      opt(s, "heartbeat_timeout").ifPresent(n -> heartbeatTimeout = positive(n));
      opt(s, "session_retention").ifPresent(n -> sessionRetention = n.duration());
      opt(s, "dispatch_rate").ifPresent(n -> dispatchRate = number(n, 0, MAX_DISPATCH_RATE));
      opt(s, "dispatch_bytes")
          .ifPresent(n -> dispatchSize = parse(n, () -> DispatchSize.parse(n.text())));
      opt(s, "rejected_opcodes")
          .ifPresent(
              n -> {
                Set<Integer> ops = new TreeSet<>();
                for (ConfigNode item : n.items()) {
                  ops.add(integer(item, 0, 255));
                }
                rejectedOpcodes = ops;
              });
      opt(s, "tokens").ifPresent(this::applyTokens);
      opt(s, "limits").ifPresent(this::applyLimits);
      opt(s, "faults").ifPresent(this::applyFaults);
      return this;
    }

    private void applyTokens(ConfigNode t) {
      t.rejectUnknownKeys("valid", "guilds", "guilds_per_token");
      opt(t, "valid")
          .ifPresent(
              n -> {
                Set<String> tokens = new LinkedHashSet<>();
                for (ConfigNode item : n.items()) {
                  String token = item.text();
                  if (token.isEmpty()) {
                    throw item.error("a token must not be empty");
                  }
                  tokens.add(token);
                }
                validTokens = tokens;
              });
      opt(t, "guilds").ifPresent(n -> guildCount = integer(n, 0, Integer.MAX_VALUE));
      opt(t, "guilds_per_token")
          .ifPresent(
              n -> {
                Map<String, Integer> map = new LinkedHashMap<>();
                for (String token : n.keys()) {
                  map.put(token, integer(n.get(token), 0, Integer.MAX_VALUE));
                }
                guildsPerToken = map;
              });
    }

    private void applyLimits(ConfigNode l) {
      l.rejectUnknownKeys(
          "max_payload_bytes",
          "rate_limit",
          "replay_buffer_events",
          "replay_buffer_bytes",
          "max_sockets_per_ip",
          "max_sessions_per_token",
          "max_guilds_per_shard",
          "event_buffer_bound",
          "backpressure_grace");
      opt(l, "max_payload_bytes").ifPresent(n -> maxPayloadBytes = integer(n, 1, 1 << 20));
      opt(l, "rate_limit").ifPresent(n -> rateLimit = parse(n, () -> RateLimit.parse(n.text())));
      opt(l, "replay_buffer_events")
          .ifPresent(n -> replayBufferEvents = integer(n, 1, Integer.MAX_VALUE));
      opt(l, "replay_buffer_bytes").ifPresent(n -> replayBufferBytes = longAtLeast(n, 1));
      opt(l, "max_sockets_per_ip")
          .ifPresent(n -> maxSocketsPerIp = integer(n, 1, Integer.MAX_VALUE));
      opt(l, "max_sessions_per_token")
          .ifPresent(n -> maxSessionsPerToken = integer(n, 1, Integer.MAX_VALUE));
      opt(l, "max_guilds_per_shard")
          .ifPresent(n -> maxGuildsPerShard = integer(n, 1, Integer.MAX_VALUE));
      opt(l, "event_buffer_bound")
          .ifPresent(n -> eventBufferBound = integer(n, 1, Integer.MAX_VALUE));
      opt(l, "backpressure_grace").ifPresent(n -> backpressureGrace = n.duration());
    }

    private void applyFaults(ConfigNode f) {
      f.rejectUnknownKeys(
          "random_seed",
          "seed",
          "ack_delay",
          "drop_probability",
          "drop_every",
          "drain_every",
          "expire_every",
          "backpressure_burst_every",
          "backpressure_burst_events");
      opt(f, "random_seed").ifPresent(n -> seed = n.longValue());
      // the key's spelling before issue 23, kept for one release
      opt(f, "seed")
          .ifPresent(
              n -> {
                if (f.find("random_seed").isPresent()) {
                  throw n.error("is the old spelling of random_seed; give only random_seed");
                }
                LOG.warn("{}: seed is deprecated; use random_seed", n.path());
                seed = n.longValue();
              });
      opt(f, "ack_delay").ifPresent(n -> ackDelay = parse(n, () -> AckDelay.parse(n.text())));
      opt(f, "drop_probability").ifPresent(n -> dropProbability = number(n, 0, 1));
      opt(f, "drop_every").ifPresent(n -> dropEvery = n.duration());
      opt(f, "drain_every").ifPresent(n -> drainEvery = n.duration());
      opt(f, "expire_every").ifPresent(n -> expireEvery = n.duration());
      opt(f, "backpressure_burst_every").ifPresent(n -> backpressureBurstEvery = n.duration());
      opt(f, "backpressure_burst_events")
          .ifPresent(n -> backpressureBurstEvents = integer(n, 0, 1_000_000));
    }

    /** An optional key; a null value ({@code key:}) counts as absent. */
    private static Optional<ConfigNode> opt(ConfigNode node, String key) {
      return node.find(key).filter(n -> !n.isNull());
    }

    private static <T> T parse(ConfigNode n, java.util.function.Supplier<T> parser) {
      try {
        return parser.get();
      } catch (ConfigException | IllegalArgumentException e) {
        String message = e.getMessage();
        if (message != null && message.startsWith(": ")) {
          message = message.substring(2);
        }
        throw n.error(message);
      }
    }

    private static Duration positive(ConfigNode n) {
      Duration d = n.duration();
      if (d.isZero()) {
        throw n.error("must be positive, got " + n.text());
      }
      return d;
    }

    private static int integer(ConfigNode n, int min, int max) {
      int v = n.intValue();
      if (v < min || v > max) {
        throw n.error(
            "must be "
                + (max == Integer.MAX_VALUE ? "at least " + min : "from " + min + " to " + max)
                + ", got "
                + v);
      }
      return v;
    }

    private static long longAtLeast(ConfigNode n, long min) {
      long v = n.longValue();
      if (v < min) {
        throw n.error("must be at least " + min + ", got " + v);
      }
      return v;
    }

    private static double number(ConfigNode n, double min, double max) {
      double v = n.doubleValue();
      if (!(v >= min && v <= max)) {
        throw n.error("must be from " + fmt(min) + " to " + fmt(max) + ", got " + n.text());
      }
      return v;
    }

    private static String fmt(double v) {
      return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
  }
}
