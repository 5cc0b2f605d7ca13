package io.gatewatch.sim;

import io.gatewatch.config.ConfigException;
import io.gatewatch.config.ConfigNode;
import io.gatewatch.config.HostPort;
import io.gatewatch.config.RecordBuilder;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntConsumer;
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
    private final RecordBuilder<SimulatorSettings> values;

    /** Null: the profile's {@code max_client_payload_bytes}. */
    private Integer maxPayloadBytes;

    private Builder() { // listen and profile stay null until build(): the defaults
      values =
          RecordBuilder.of(SimulatorSettings.class)
              .set("heartbeatInterval", Duration.ofMillis(41_250))
              .set("heartbeatTimeout", Duration.ofMillis(45_000))
              .set("sessionRetention", Duration.ofMillis(60_000))
              .set("dispatchRate", 1.0)
              .set("dispatchSize", DispatchSize.NATURAL)
              .set("rateLimit", RateLimit.SEED_DEFAULT)
              .set("replayBufferEvents", 4096)
              .set("replayBufferBytes", 16L << 20)
              .set("maxSocketsPerIp", 256)
              .set("maxSessionsPerToken", 100)
              .set("maxGuildsPerShard", 2500)
              .set("guildCount", 3)
              .set("guildsPerToken", Map.of())
              .set("validTokens", Set.of())
              .set("rejectedOpcodes", Set.of(13))
              .set("eventBufferBound", 4096)
              .set("backpressureGrace", Duration.ofSeconds(10))
              .set("ackDelay", AckDelay.NONE)
              .set("dropEvery", Duration.ZERO)
              .set("drainEvery", Duration.ZERO)
              .set("expireEvery", Duration.ZERO)
              .set("backpressureBurstEvery", Duration.ZERO)
              .set("backpressureBurstEvents", 256)
              .set("seed", 1L);
    }

    private Builder(SimulatorSettings s) {
      values = RecordBuilder.from(s);
      maxPayloadBytes = s.maxPayloadBytes;
    }

    public Builder listen(InetSocketAddress v) {
      return set("listen", v);
    }

    /** {@code HOST:PORT}. */
    public Builder listen(String hostPort) {
      return set("listen", HostPort.parse("listen", hostPort));
    }

    public Builder profile(GatewayProfile v) {
      return set("profile", v);
    }

    /** A bundled profile name or a YAML file ({@link ProfileLoader#load(String)}). */
    public Builder profile(String nameOrPath) {
      return set("profile", ProfileLoader.load(nameOrPath));
    }

    public Builder heartbeatInterval(Duration v) {
      return set("heartbeatInterval", v);
    }

    public Builder heartbeatTimeout(Duration v) {
      return set("heartbeatTimeout", v);
    }

    public Builder sessionRetention(Duration v) {
      return set("sessionRetention", v);
    }

    public Builder dispatchRate(double perSecond) {
      return set("dispatchRate", perSecond);
    }

    public Builder dispatchSize(DispatchSize v) {
      return set("dispatchSize", v);
    }

    public Builder maxPayloadBytes(int v) {
      maxPayloadBytes = v;
      return this;
    }

    public Builder rateLimit(RateLimit v) {
      return set("rateLimit", v);
    }

    public Builder rateLimit(int count, Duration window) {
      return rateLimit(new RateLimit(count, window));
    }

    public Builder replayBufferEvents(int v) {
      return set("replayBufferEvents", v);
    }

    public Builder replayBufferBytes(long v) {
      return set("replayBufferBytes", v);
    }

    public Builder maxSocketsPerIp(int v) {
      return set("maxSocketsPerIp", v);
    }

    public Builder maxSessionsPerToken(int v) {
      return set("maxSessionsPerToken", v);
    }

    public Builder maxGuildsPerShard(int v) {
      return set("maxGuildsPerShard", v);
    }

    public Builder guildCount(int v) {
      return set("guildCount", v);
    }

    public Builder guildsFor(String token, int guilds) {
      Map<String, Integer> map = new LinkedHashMap<>(values.get("guildsPerToken"));
      map.put(token, guilds);
      return guildsPerToken(map);
    }

    public Builder guildsPerToken(Map<String, Integer> v) {
      return set("guildsPerToken", new LinkedHashMap<>(v));
    }

    /** Replaces the valid tokens; empty restores the {@code valid-} prefix rule. */
    public Builder validTokens(Set<String> v) {
      return set("validTokens", new LinkedHashSet<>(v));
    }

    public Builder validToken(String token) {
      Set<String> tokens = new LinkedHashSet<>(values.get("validTokens"));
      tokens.add(token);
      return validTokens(tokens);
    }

    public Builder rejectedOpcodes(Set<Integer> v) {
      return set("rejectedOpcodes", new TreeSet<>(v));
    }

    public Builder eventBufferBound(int v) {
      return set("eventBufferBound", v);
    }

    public Builder backpressureGrace(Duration v) {
      return set("backpressureGrace", v);
    }

    public Builder ackDelay(AckDelay v) {
      return set("ackDelay", v);
    }

    public Builder dropProbability(double v) {
      return set("dropProbability", v);
    }

    public Builder dropEvery(Duration v) {
      return set("dropEvery", v);
    }

    public Builder drainEvery(Duration v) {
      return set("drainEvery", v);
    }

    public Builder expireEvery(Duration v) {
      return set("expireEvery", v);
    }

    public Builder backpressureBurstEvery(Duration v) {
      return set("backpressureBurstEvery", v);
    }

    public Builder backpressureBurstEvents(int v) {
      return set("backpressureBurstEvents", v);
    }

    public Builder seed(long v) {
      return set("seed", v);
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the first invalid setting
     */
    public SimulatorSettings build() {
      RecordBuilder<SimulatorSettings> resolved = values.copy();
      if (resolved.get("listen") == null) {
        resolved.set("listen", HostPort.parse("listen", DEFAULT_LISTEN));
      }
      if (resolved.get("profile") == null) {
        resolved.set("profile", ProfileLoader.defaultProfile());
      }
      GatewayProfile profile = resolved.get("profile");
      return resolved
          .set(
              "maxPayloadBytes",
              maxPayloadBytes != null ? maxPayloadBytes : profile.maxClientPayloadBytes())
          .build();
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
      s.findValue("listen").ifPresent(n -> listen(n.hostPort()));
      s.findValue("profile").map(n -> n.as(ProfileLoader::load)).ifPresent(this::profile);
      s.findValue("heartbeat_interval").ifPresent(n -> heartbeatInterval(n.positiveDuration()));
      s.findValue("heartbeat_timeout").ifPresent(n -> heartbeatTimeout(n.positiveDuration()));
      s.findValue("session_retention").ifPresent(n -> sessionRetention(n.duration()));
      s.findValue("dispatch_rate")
          .ifPresent(n -> dispatchRate(n.doubleValue(0, MAX_DISPATCH_RATE)));
      s.findValue("dispatch_bytes").ifPresent(n -> dispatchSize(n.as(DispatchSize::parse)));
      s.findValue("rejected_opcodes")
          .ifPresent(
              n -> {
                Set<Integer> ops = new TreeSet<>();
                for (ConfigNode item : n.items()) {
                  ops.add(item.intValue(0, 255));
                }
                rejectedOpcodes(ops);
              });
      s.findValue("tokens").ifPresent(this::applyTokens);
      s.findValue("limits").ifPresent(this::applyLimits);
      s.findValue("faults").ifPresent(this::applyFaults);
      return this;
    }

    private void applyTokens(ConfigNode t) {
      t.rejectUnknownKeys("valid", "guilds", "guilds_per_token");
      t.findValue("valid")
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
                validTokens(tokens);
              });
      t.findValue("guilds").ifPresent(n -> guildCount(n.intValue(0, Integer.MAX_VALUE)));
      t.findValue("guilds_per_token")
          .ifPresent(
              n -> {
                Map<String, Integer> map = new LinkedHashMap<>();
                for (String token : n.keys()) {
                  map.put(token, n.get(token).intValue(0, Integer.MAX_VALUE));
                }
                guildsPerToken(map);
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
      l.findValue("max_payload_bytes").ifPresent(n -> maxPayloadBytes(n.intValue(1, 1 << 20)));
      l.findValue("rate_limit").ifPresent(n -> rateLimit(n.as(RateLimit::parse)));
      atLeastOne(l, "replay_buffer_events", this::replayBufferEvents);
      l.findValue("replay_buffer_bytes")
          .ifPresent(n -> replayBufferBytes(n.longValue(1, Long.MAX_VALUE)));
      atLeastOne(l, "max_sockets_per_ip", this::maxSocketsPerIp);
      atLeastOne(l, "max_sessions_per_token", this::maxSessionsPerToken);
      atLeastOne(l, "max_guilds_per_shard", this::maxGuildsPerShard);
      atLeastOne(l, "event_buffer_bound", this::eventBufferBound);
      l.findValue("backpressure_grace").ifPresent(n -> backpressureGrace(n.duration()));
    }

    private Builder set(String component, Object value) {
      values.set(component, value);
      return this;
    }

    /** A count that must be at least 1, when {@code key} is given. */
    private static void atLeastOne(ConfigNode section, String key, IntConsumer set) {
      section.findValue(key).ifPresent(n -> set.accept(n.intValue(1, Integer.MAX_VALUE)));
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
      f.findValue("random_seed").ifPresent(n -> seed(n.longValue()));
      // the key's spelling before issue 23, kept for one release
      f.findValue("seed")
          .ifPresent(
              n -> {
                if (f.find("random_seed").isPresent()) {
                  throw n.error("is the old spelling of random_seed; give only random_seed");
                }
                LOG.warn("{}: seed is deprecated; use random_seed", n.path());
                seed(n.longValue());
              });
      f.findValue("ack_delay").ifPresent(n -> ackDelay(n.as(AckDelay::parse)));
      f.findValue("drop_probability").ifPresent(n -> dropProbability(n.doubleValue(0, 1)));
      f.findValue("drop_every").ifPresent(n -> dropEvery(n.duration()));
      f.findValue("drain_every").ifPresent(n -> drainEvery(n.duration()));
      f.findValue("expire_every").ifPresent(n -> expireEvery(n.duration()));
      f.findValue("backpressure_burst_every").ifPresent(n -> backpressureBurstEvery(n.duration()));
      f.findValue("backpressure_burst_events")
          .ifPresent(n -> backpressureBurstEvents(n.intValue(0, 1_000_000)));
    }
  }
}
