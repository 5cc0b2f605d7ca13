package io.gatewatch.cli;

import io.gatewatch.capture.CaptureWriter;
import io.gatewatch.config.ConfigException;
import io.gatewatch.config.ConfigNode;
import io.gatewatch.config.Durations;
import io.gatewatch.config.GatewayLabel;
import io.gatewatch.config.HostPort;
import io.gatewatch.config.RecordBuilder;
import io.gatewatch.correlation.CorrelationSettings;
import io.gatewatch.export.LogFormat;
import io.gatewatch.export.OtlpSettings;
import io.gatewatch.probe.ProbeSettings;
import io.gatewatch.probe.ProbeToken;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.proxy.ProxySettings;
import io.gatewatch.server.HttpAuth;
import io.gatewatch.server.IngestEndpoint;
import io.gatewatch.track.TrackerSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The agent's configuration file ({@code gatewatch run --config FILE}; docs/config.md), read and
 * validated at start-up: the first problem fails with the file, the path and the line. Any value in
 * the file can be overridden by an environment variable named after its path: {@code
 * GATEWATCH_HTTP_LISTEN} for {@code http.listen}, {@code GATEWATCH_PROXIES_0_UPSTREAM} for {@code
 * proxies[0].upstream}.
 *
 * @param httpListen the agent's HTTP endpoints
 * @param httpAuth who may read them ({@code http.auth}; {@link HttpAuth#NONE} when not configured)
 * @param httpTls TLS for them ({@code http.tls}), or null for plain HTTP
 * @param profile the close-code profile every tap uses
 * @param tracker tracker limits and windows
 * @param proxies the proxies to run, each with its own gateway label
 * @param probes the probes to run, each with its own gateway label
 * @param ingest {@code POST /v1/capture} on the HTTP port, or null when it is off
 * @param otlp OTLP export (off without an endpoint), the file's {@code otlp:} over OTEL_* variables
 * @param logFormat the file's {@code logging.format}, or null when it says nothing
 * @param activityEvery how often close and resume activity is summarised in the log
 * @param drainPeriod how long a stop spreads the proxies' reconnect requests over ({@code
 *     drain_period}; zero: every relayed socket is closed with 1001 at once)
 * @param correlation where the replicas share reconnect state ({@code correlation:}), or null
 */
public record AgentConfig(
    InetSocketAddress httpListen,
    HttpAuth httpAuth,
    HttpTls httpTls,
    GatewayProfile profile,
    TrackerSettings tracker,
    List<ProxyConfig> proxies,
    List<ProbeConfig> probes,
    IngestConfig ingest,
    OtlpSettings otlp,
    LogFormat logFormat,
    Duration activityEvery,
    Duration drainPeriod,
    CorrelationSettings correlation) {

  static final Duration DEFAULT_ACTIVITY_EVERY = Duration.ofSeconds(60);

  /** How long a stop drains the relayed sockets when nothing says otherwise. */
  public static final Duration DEFAULT_DRAIN_PERIOD = Duration.ofSeconds(30);

  /** The longest drain: longer keeps a stopping pod (and its grace period) for no gain. */
  static final Duration MAX_DRAIN_PERIOD = Duration.ofHours(1);

  static final String DRAIN_PERIOD_ENV = "GATEWATCH_DRAIN_PERIOD";

  static final String DEFAULT_HTTP_LISTEN = "127.0.0.1:9470";
  private static final String HTTP_LISTEN_VARIABLE = "GATEWATCH_HTTP_LISTEN";
  private static final Pattern GATEWAY = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

  /** {@code http.tls}: a PEM certificate chain and an unencrypted PKCS#8 key. */
  public record HttpTls(Path cert, Path key) {}

  /**
   * One proxy: the relay's settings, the gateway label, how it observes, and its capture (null for
   * none).
   */
  public record ProxyConfig(
      String gateway,
      ProxySettings settings,
      CaptureWriter.Settings capture,
      boolean compressedObservation) {

    public InetSocketAddress listen() {
      return settings.listen();
    }

    public URI upstream() {
      return settings.upstream();
    }
  }

  /** One probe: its target and settings, and the token it was given (read at start-up). */
  public record ProbeConfig(ProbeSettings settings, ProbeToken token) {}

  /**
   * The ingest endpoint: its gateway label (from configuration only, never from requests) and its
   * settings (the bearer token, read from a file or an environment variable, and the limits).
   */
  public record IngestConfig(String gateway, IngestEndpoint.Settings settings) {}

  /** Reads and validates {@code file}, with {@code env} (normally System.getenv()) on top. */
  public static AgentConfig load(Path file, Map<String, String> env) {
    return read(ConfigNode.parse(file), env);
  }

  static AgentConfig read(ConfigNode file, Map<String, String> env) {
    ConfigNode root = file.withEnvironment(env, AgentConfig::envName);
    root.rejectUnknownKeys(
        "http",
        "profile",
        "tracker",
        "proxies",
        "probes",
        "ingest",
        "otlp",
        "logging",
        "drain_period",
        "correlation");

    ConfigNode listenNode = null;
    HttpAuth httpAuth = HttpAuth.NONE;
    HttpTls httpTls = null;
    if (root.find("http").isPresent()) {
      ConfigNode http = root.get("http");
      http.rejectUnknownKeys("listen", "auth", "tls");
      listenNode = http.find("listen").orElse(null);
      if (http.find("auth").isPresent()) {
        httpAuth = httpAuth(http.get("auth"), env);
      }
      if (http.find("tls").isPresent()) {
        ConfigNode tls = http.get("tls");
        tls.rejectUnknownKeys("cert", "key");
        httpTls = new HttpTls(tls.get("cert").readableFile(), tls.get("key").readableFile());
      }
    }
    InetSocketAddress httpListen;
    if (listenNode != null) {
      httpListen = listenNode.hostPort();
    } else if (root.leftOut("http.listen")) {
      httpListen = HostPort.parse(DEFAULT_HTTP_LISTEN); // its problem is reported already
    } else { // the variable also when the file has no http.listen
      try {
        httpListen = HostPort.parse(env.getOrDefault(HTTP_LISTEN_VARIABLE, DEFAULT_HTTP_LISTEN));
      } catch (IllegalArgumentException e) {
        throw variableProblem(
            root, "http.listen", Optional.empty(), HTTP_LISTEN_VARIABLE + ": " + e.getMessage());
      }
    }

    String profileName =
        env.getOrDefault(
            "GATEWATCH_PROFILE", root.find("profile").map(ConfigNode::text).orElse("fluxer-seed"));
    GatewayProfile profile;
    try {
      profile = ProfileLoader.load(profileName);
    } catch (ConfigException e) {
      throw root.find("profile").map(n -> n.error(e.getMessage())).orElse(e);
    }

    TrackerSettings tracker = TrackerSettings.DEFAULTS;
    if (root.find("tracker").isPresent()) {
      ConfigNode t = root.get("tracker");
      t.rejectUnknownKeys("link_window", "idle_ttl", "max_connections", "max_clients");
      if (t.find("link_window").isPresent()) {
        tracker = tracker.withLinkWindow(t.get("link_window").duration());
      }
      if (t.find("idle_ttl").isPresent()) {
        tracker = tracker.withIdleTtl(t.get("idle_ttl").duration());
      }
      if (t.find("max_connections").isPresent()) {
        tracker = tracker.withMaxConnections(t.get("max_connections").positiveInt());
      }
      if (t.find("max_clients").isPresent()) {
        tracker = tracker.withMaxClients(t.get("max_clients").positiveInt());
      }
    }

    List<ProxyConfig> proxies = new ArrayList<>();
    Set<String> gateways = new HashSet<>();
    Set<InetSocketAddress> listens = new HashSet<>();
    listens.add(httpListen);
    for (ConfigNode p : root.find("proxies").map(ConfigNode::items).orElse(List.of())) {
      ProxyConfig proxy = proxy(p);
      if (!gateways.add(proxy.gateway())) {
        throw p.get("gateway").error("gateway \"" + proxy.gateway() + "\" is used twice");
      }
      if (proxy.listen().getPort() != 0 && !listens.add(proxy.listen())) {
        throw p.get("listen").error("address already used by another listener");
      }
      proxies.add(proxy);
    }
    List<ProbeConfig> probes = new ArrayList<>();
    Set<String> probed = new HashSet<>();
    for (ConfigNode p : root.find("probes").map(ConfigNode::items).orElse(List.of())) {
      ProbeConfig probe = probe(p, env);
      if (!probed.add(probe.settings().gateway())) {
        throw p.get("gateway")
            .error("gateway \"" + probe.settings().gateway() + "\" is probed twice");
      }
      probes.add(probe);
    }
    IngestConfig ingest = null;
    if (root.find("ingest").isPresent()) {
      ingest = ingest(root.get("ingest"), env);
    }
    OtlpSettings otlp = otlp(root, env);
    // the resource names the gateway when the agent watches exactly one
    Set<String> watched = new HashSet<>(gateways);
    probes.forEach(p -> watched.add(p.settings().gateway()));
    if (ingest != null) {
      watched.add(ingest.gateway());
    }
    if (watched.size() == 1) {
      otlp = otlp.withDefaultAttribute("gateway.name", watched.iterator().next());
    }
    LogFormat logFormat = null;
    Duration activityEvery = DEFAULT_ACTIVITY_EVERY;
    if (root.find("logging").isPresent()) {
      ConfigNode logging = root.get("logging");
      logging.rejectUnknownKeys("format", "summary_every");
      if (logging.find("format").isPresent()) {
        logFormat = logging.get("format").as(LogFormat::parse);
      }
      if (logging.find("summary_every").isPresent()) {
        activityEvery = logging.get("summary_every").duration();
        if (activityEvery.toMillis() < 1000) {
          throw logging.get("summary_every").error("must be at least 1s");
        }
      }
    }
    Duration drainPeriod = DEFAULT_DRAIN_PERIOD;
    // the variable also when the file has no drain_period; once, when check left it out
    if (env.containsKey(DRAIN_PERIOD_ENV) && !root.leftOut("drain_period")) {
      try {
        drainPeriod = drainPeriod(DRAIN_PERIOD_ENV, env.get(DRAIN_PERIOD_ENV));
      } catch (IllegalArgumentException e) {
        throw variableProblem(root, "drain_period", root.find("drain_period"), e.getMessage());
      }
    } else if (root.find("drain_period").isPresent()) {
      ConfigNode n = root.get("drain_period");
      drainPeriod = n.duration();
      if (drainPeriod.compareTo(MAX_DRAIN_PERIOD) > 0) {
        throw n.error("must be at most " + MAX_DRAIN_PERIOD.toMinutes() + "m");
      }
    }
    return new AgentConfig(
        httpListen,
        httpAuth,
        httpTls,
        profile,
        tracker,
        List.copyOf(proxies),
        List.copyOf(probes),
        ingest,
        otlp,
        logFormat,
        activityEvery,
        drainPeriod,
        correlation(root, env));
  }

  /**
   * A bad variable that also stands in for a setting the file may lack: at the setting's path, with
   * the line of the file's key when {@code fileKey} is there, the message naming the variable.
   */
  private static ConfigException variableProblem(
      ConfigNode root, String path, Optional<ConfigNode> fileKey, String message) {
    String where = fileKey.map(ConfigNode::where).orElse(root.source() + ": " + path);
    return new ConfigException(where + ": " + message, path);
  }

  /**
   * A drain period from a flag or a variable: a duration from 0 to 1h.
   *
   * @param where names the setting in the error message
   * @throws IllegalArgumentException naming {@code where}
   */
  static Duration drainPeriod(String where, String text) {
    Duration d = Durations.parse(where, text);
    if (d.compareTo(MAX_DRAIN_PERIOD) > 0) {
      throw new IllegalArgumentException(
          where + ": must be at most " + MAX_DRAIN_PERIOD.toMinutes() + "m, got \"" + text + "\"");
    }
    return d;
  }

  /** The same configuration with another drain period ({@code run --drain-period}). */
  AgentConfig withDrainPeriod(Duration period) {
    return RecordBuilder.from(this).set("drainPeriod", period).build();
  }

  /** Settings of {@code correlation:} a variable may give when the file has no such section. */
  private static final List<String> CORRELATION_KEYS =
      List.of("url", "password_file", "password_env", "ca_file", "key_prefix", "timeout");

  /**
   * The {@code correlation:} section, or {@code GATEWATCH_CORRELATION_URL} (and its siblings) when
   * the file has none; null when neither asks for it.
   */
  private static CorrelationSettings correlation(ConfigNode root, Map<String, String> env) {
    ConfigNode c;
    if (root.find("correlation").isPresent()) {
      c = root.get("correlation");
    } else {
      StringBuilder yaml = new StringBuilder("correlation:\n");
      for (String k : CORRELATION_KEYS) {
        if (env.containsKey(envName("correlation." + k))) {
          yaml.append("  ").append(k).append(": \"\"\n"); // the variable gives the value
        }
      }
      if (!env.containsKey("GATEWATCH_CORRELATION_URL")) {
        return null;
      }
      c =
          ConfigNode.parse("environment", yaml.toString())
              .withEnvironment(env, AgentConfig::envName)
              .get("correlation");
    }
    c.rejectUnknownKeys(CORRELATION_KEYS.toArray(String[]::new));
    String password = null;
    boolean file = c.find("password_file").isPresent();
    if (file && c.find("password_env").isPresent()) {
      throw c.get("password_env").error("give password_file or password_env, not both");
    }
    if (file || c.find("password_env").isPresent()) {
      password = secret(c, "password_file", "password_env", "token", env);
    }
    return CorrelationSettings.fromConfig(c, password);
  }

  private static ProbeConfig probe(ConfigNode p, Map<String, String> env) {
    p.rejectUnknownKeys(
        "gateway", "url", "token_file", "token_env", "sessions", "resume_every", "connect_timeout");
    gateway(p.get("gateway"));
    ProbeSettings settings = ProbeSettings.fromConfig(p);
    boolean file = p.find("token_file").isPresent();
    boolean fromEnv = p.find("token_env").isPresent();
    if (file == fromEnv) {
      throw p.error("exactly one of token_file and token_env is required (never the token itself)");
    }
    ConfigNode tokenNode = p.get(file ? "token_file" : "token_env");
    ProbeToken token =
        tokenNode.as(
            name -> file ? ProbeToken.fromFile(Path.of(name)) : ProbeToken.fromEnv(name, env));
    return new ProbeConfig(settings, token);
  }

  /** A gateway label. */
  private static String gateway(ConfigNode n) {
    String gateway = n.text();
    if (!GATEWAY.matcher(gateway).matches()) {
      throw n.error("expected 1-64 of letters, digits and . _ : - (it becomes a label value)");
    }
    return gateway;
  }

  /**
   * {@code http.auth}: exactly one of {@code bearer_token_file}, {@code bearer_token_env} or {@code
   * basic} ({@code user} and {@code password_sha256}). Messages name the path, never the secret.
   */
  private static HttpAuth httpAuth(ConfigNode auth, Map<String, String> env) {
    auth.rejectUnknownKeys("bearer_token_file", "bearer_token_env", "basic");
    List<String> given = new ArrayList<>();
    for (String k : List.of("bearer_token_file", "bearer_token_env", "basic")) {
      if (auth.find(k).isPresent()) {
        given.add(k);
      }
    }
    if (given.size() != 1) {
      throw auth.error(
          "exactly one of bearer_token_file, bearer_token_env and basic is required"
              + (given.isEmpty() ? "" : ", got " + given));
    }
    if (auth.find("basic").isPresent()) {
      ConfigNode basic = auth.get("basic");
      basic.rejectUnknownKeys("user", "password_sha256");
      String user = basic.get("user").text();
      if (user.isEmpty() || user.indexOf(':') >= 0) {
        throw basic.get("user").error("must be non-empty and hold no ':'");
      }
      return basic.get("password_sha256").as(hash -> HttpAuth.basic(user, hash));
    }
    return HttpAuth.bearer(secret(auth, "bearer_token_file", "bearer_token_env", "token", env));
  }

  /**
   * A secret from the file or the environment variable the node names; errors never hold it.
   *
   * @param what what the file must hold, for the message about an empty one
   */
  private static String secret(
      ConfigNode parent, String fileKey, String envKey, String what, Map<String, String> env) {
    if (parent.find(fileKey).isPresent()) {
      ConfigNode n = parent.get(fileKey);
      Path file = Path.of(n.text());
      String token;
      try {
        token = Files.readString(file).strip();
      } catch (IOException e) {
        throw n.error("cannot read " + file + ": " + ConfigException.describe(e));
      }
      if (token.isEmpty()) {
        throw n.error(file + " is empty; it must hold the " + what);
      }
      return token;
    }
    ConfigNode n = parent.get(envKey);
    String name = n.text();
    String token = env.get(name);
    if (token == null || token.isBlank()) {
      throw n.error("environment variable " + name + " is not set or empty");
    }
    return token.strip();
  }

  /** The {@code ingest} section; null when it is not enabled. */
  private static IngestConfig ingest(ConfigNode in, Map<String, String> env) {
    in.rejectUnknownKeys(
        "enabled", "gateway", "token_file", "token_env", "max_body_bytes", "max_line_bytes");
    if (!in.find("enabled").map(ConfigNode::bool).orElse(false)) {
      return null;
    }
    String gateway = in.find("gateway").map(AgentConfig::gateway).orElse(GatewayLabel.DEFAULT);
    if (in.find("token_file").isPresent() && in.find("token_env").isPresent()) {
      throw in.get("token_env").error("give token_file or token_env, not both");
    }
    String token =
        in.find("token_file").isPresent() || in.find("token_env").isPresent()
            ? secret(in, "token_file", "token_env", "bearer token", env)
            : null;
    return new IngestConfig(
        gateway,
        new IngestEndpoint.Settings(
            token,
            in.find("max_body_bytes")
                .map(ConfigNode::positiveInt)
                .orElse(IngestEndpoint.Settings.DEFAULT_MAX_BODY_BYTES),
            in.find("max_line_bytes")
                .map(ConfigNode::positiveInt)
                .orElse(IngestEndpoint.Settings.DEFAULT_MAX_LINE_BYTES)));
  }

  /** The file's {@code otlp:} section, each value checked at its path, then the environment. */
  private static OtlpSettings otlp(ConfigNode root, Map<String, String> env) {
    OtlpSettings.Declared declared =
        root.find("otlp").map(OtlpSettings.Declared::fromConfig).orElse(OtlpSettings.Declared.NONE);
    try {
      return OtlpSettings.resolve(declared, env);
    } catch (ConfigException e) {
      throw root.find("otlp").map(n -> n.error(e.getMessage())).orElse(e);
    }
  }

  private static ProxyConfig proxy(ConfigNode p) {
    p.rejectUnknownKeys(
        "gateway",
        "listen",
        "upstream",
        "capture",
        "capture_payloads",
        "capture_max_size",
        "capture_keep",
        "compressed_observation",
        "max_connections",
        "connect_timeout",
        "idle_timeout",
        "max_frame_bytes",
        "upstream_ca",
        "tls");
    String gateway = gateway(p.get("gateway"));
    return new ProxyConfig(
        gateway,
        ProxySettings.fromConfig(p),
        CaptureWriter.Settings.fromConfig(p),
        p.find("compressed_observation").map(ConfigNode::bool).orElse(true));
  }

  /** {@code proxies[0].upstream} -> {@code GATEWATCH_PROXIES_0_UPSTREAM}. */
  static String envName(String path) {
    return "GATEWATCH_"
        + path.replaceAll("[\\[\\].]+", "_").replaceAll("_+$", "").toUpperCase(Locale.ROOT);
  }
}
