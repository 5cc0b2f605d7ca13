package io.gatewatch.cli;

import io.gatewatch.capture.CaptureWriter;
import io.gatewatch.config.ConfigException;
import io.gatewatch.config.ConfigNode;
import io.gatewatch.config.Durations;
import io.gatewatch.config.GatewayLabel;
import io.gatewatch.config.HostPort;
import io.gatewatch.config.Sizes;
import io.gatewatch.correlation.CorrelationSettings;
import io.gatewatch.export.LogFormat;
import io.gatewatch.export.OtlpSettings;
import io.gatewatch.probe.ProbeSettings;
import io.gatewatch.probe.ProbeToken;
import io.gatewatch.probe.ReconnectPolicy;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.proxy.ProxySettings;
import io.gatewatch.server.HttpAuth;
import io.gatewatch.server.IngestEndpoint;
import io.gatewatch.track.TrackerSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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

  static AgentConfig read(ConfigNode root, Map<String, String> env) {
    Values v = new Values(env);
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
        httpAuth = httpAuth(http.get("auth"), v);
      }
      if (http.find("tls").isPresent()) {
        ConfigNode tls = http.get("tls");
        tls.rejectUnknownKeys("cert", "key");
        httpTls = new HttpTls(readable(tls.get("cert"), v), readable(tls.get("key"), v));
      }
    }
    String listen =
        listenNode != null
            ? v.text(listenNode)
            : env.getOrDefault("GATEWATCH_HTTP_LISTEN", DEFAULT_HTTP_LISTEN);
    InetSocketAddress httpListen =
        listenNode != null ? address(listenNode, listen) : address(root, "http.listen: ", listen);

    String profileName =
        env.getOrDefault(
            "GATEWATCH_PROFILE", root.find("profile").map(v::text).orElse("fluxer-seed"));
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
        tracker = tracker.withLinkWindow(v.duration(t.get("link_window")));
      }
      if (t.find("idle_ttl").isPresent()) {
        tracker = tracker.withIdleTtl(v.duration(t.get("idle_ttl")));
      }
      if (t.find("max_connections").isPresent()) {
        tracker = tracker.withMaxConnections(v.positive(t.get("max_connections")));
      }
      if (t.find("max_clients").isPresent()) {
        tracker = tracker.withMaxClients(v.positive(t.get("max_clients")));
      }
    }

    List<ProxyConfig> proxies = new ArrayList<>();
    Set<String> gateways = new HashSet<>();
    Set<InetSocketAddress> listens = new HashSet<>();
    listens.add(httpListen);
    for (ConfigNode p : root.find("proxies").map(ConfigNode::items).orElse(List.of())) {
      ProxyConfig proxy = proxy(p, v);
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
      ProbeConfig probe = probe(p, v);
      if (!probed.add(probe.settings().gateway())) {
        throw p.get("gateway")
            .error("gateway \"" + probe.settings().gateway() + "\" is probed twice");
      }
      probes.add(probe);
    }
    IngestConfig ingest = null;
    if (root.find("ingest").isPresent()) {
      ingest = ingest(root.get("ingest"), v);
    }
    OtlpSettings otlp = otlp(root, v, env);
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
        ConfigNode f = logging.get("format");
        try {
          logFormat = LogFormat.parse(v.text(f));
        } catch (IllegalArgumentException e) {
          throw f.error(e.getMessage());
        }
      }
      if (logging.find("summary_every").isPresent()) {
        activityEvery = v.duration(logging.get("summary_every"));
        if (activityEvery.toMillis() < 1000) {
          throw logging.get("summary_every").error("must be at least 1s");
        }
      }
    }
    Duration drainPeriod = DEFAULT_DRAIN_PERIOD;
    if (env.containsKey(DRAIN_PERIOD_ENV)) { // also when the file has no drain_period
      try {
        drainPeriod = drainPeriod(DRAIN_PERIOD_ENV, env.get(DRAIN_PERIOD_ENV));
      } catch (IllegalArgumentException e) {
        throw root.find("drain_period").orElse(root).error(e.getMessage());
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
        correlation(root, v, env));
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
    return new AgentConfig(
        httpListen,
        httpAuth,
        httpTls,
        profile,
        tracker,
        proxies,
        probes,
        ingest,
        otlp,
        logFormat,
        activityEvery,
        period,
        correlation);
  }

  /** Settings of {@code correlation:} a variable may give when the file has no such section. */
  private static final List<String> CORRELATION_KEYS =
      List.of("url", "password_file", "password_env", "ca_file", "key_prefix", "timeout");

  /**
   * The {@code correlation:} section, or {@code GATEWATCH_CORRELATION_URL} (and its siblings) when
   * the file has none; null when neither asks for it.
   */
  private static CorrelationSettings correlation(
      ConfigNode root, Values v, Map<String, String> env) {
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
      c = ConfigNode.parse("environment", yaml.toString()).get("correlation");
    }
    c.rejectUnknownKeys(CORRELATION_KEYS.toArray(String[]::new));
    ConfigNode urlNode = c.get("url");
    URI url;
    try {
      url = CorrelationSettings.parseUrl(v.text(urlNode));
    } catch (IllegalArgumentException e) {
      throw urlNode.error(e.getMessage());
    }
    String password = null;
    boolean file = c.find("password_file").isPresent();
    if (file && c.find("password_env").isPresent()) {
      throw c.get("password_env").error("give password_file or password_env, not both");
    }
    if (file || c.find("password_env").isPresent()) {
      password = secret(c, "password_file", "password_env", v);
    }
    Path ca = c.find("ca_file").map(n -> readable(n, v)).orElse(null);
    if (ca != null && !url.getScheme().equalsIgnoreCase("rediss")) {
      throw c.get("ca_file").error("needs a rediss:// url (TLS)");
    }
    String prefix =
        c.find("key_prefix").map(v::text).orElse(CorrelationSettings.DEFAULT_KEY_PREFIX);
    if (prefix.isEmpty() || prefix.length() > 64) {
      throw c.get("key_prefix").error("must be 1 to 64 characters");
    }
    Duration timeout =
        c.find("timeout").map(v::duration).orElse(CorrelationSettings.DEFAULT_TIMEOUT);
    if (timeout.isZero()
        || timeout.isNegative()
        || timeout.compareTo(CorrelationSettings.MAX_TIMEOUT) > 0) {
      throw c.get("timeout").error("must be above 0 and at most 5s");
    }
    return new CorrelationSettings(url, password, ca, prefix, timeout);
  }

  private static ProbeConfig probe(ConfigNode p, Values v) {
    p.rejectUnknownKeys(
        "gateway", "url", "token_file", "token_env", "sessions", "resume_every", "connect_timeout");
    String gateway = gateway(p, v);
    ConfigNode urlNode = p.get("url");
    URI url = upstream(urlNode, v.text(urlNode));
    boolean file = p.find("token_file").isPresent();
    boolean env = p.find("token_env").isPresent();
    if (file == env) {
      throw p.error("exactly one of token_file and token_env is required (never the token itself)");
    }
    ProbeToken token;
    try {
      token =
          file
              ? ProbeToken.fromFile(Path.of(v.text(p.get("token_file"))))
              : ProbeToken.fromEnv(v.text(p.get("token_env")), v.env());
    } catch (IllegalArgumentException e) {
      throw p.get(file ? "token_file" : "token_env").error(e.getMessage());
    }
    ProbeSettings settings;
    try {
      settings =
          new ProbeSettings(
              url,
              gateway,
              p.find("sessions").map(v::positive).orElse(1),
              p.find("resume_every").map(v::duration).orElse(ProbeSettings.DEFAULT_RESUME_EVERY),
              p.find("connect_timeout")
                  .map(v::duration)
                  .orElse(ProbeSettings.DEFAULT_CONNECT_TIMEOUT),
              ReconnectPolicy.Settings.DEFAULTS,
              0);
    } catch (IllegalArgumentException e) {
      throw settingError(p, e.getMessage());
    }
    return new ProbeConfig(settings, token);
  }

  private static String gateway(ConfigNode p, Values v) {
    String gateway = v.text(p.get("gateway"));
    if (!GATEWAY.matcher(gateway).matches()) {
      throw p.get("gateway")
          .error("expected 1-64 of letters, digits and . _ : - (it becomes a label value)");
    }
    return gateway;
  }

  /**
   * {@code http.auth}: exactly one of {@code bearer_token_file}, {@code bearer_token_env} or {@code
   * basic} ({@code user} and {@code password_sha256}). Messages name the path, never the secret.
   */
  private static HttpAuth httpAuth(ConfigNode auth, Values v) {
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
      String user = v.text(basic.get("user"));
      if (user.isEmpty() || user.indexOf(':') >= 0) {
        throw basic.get("user").error("must be non-empty and hold no ':'");
      }
      ConfigNode hash = basic.get("password_sha256");
      try {
        return HttpAuth.basic(user, v.text(hash));
      } catch (IllegalArgumentException e) {
        throw hash.error(e.getMessage());
      }
    }
    return HttpAuth.bearer(secret(auth, "bearer_token_file", "bearer_token_env", v));
  }

  /** A secret from the file or the environment variable the node names; errors never hold it. */
  private static String secret(ConfigNode parent, String fileKey, String envKey, Values v) {
    if (parent.find(fileKey).isPresent()) {
      ConfigNode n = parent.get(fileKey);
      Path file = Path.of(v.text(n));
      String token;
      try {
        token = Files.readString(file).strip();
      } catch (IOException e) {
        throw n.error("cannot read " + file + ": " + ConfigException.describe(e));
      }
      if (token.isEmpty()) {
        throw n.error(file + " is empty; it must hold the token");
      }
      return token;
    }
    ConfigNode n = parent.get(envKey);
    String name = v.text(n);
    String token = v.env().get(name);
    if (token == null || token.isBlank()) {
      throw n.error("environment variable " + name + " is not set or empty");
    }
    return token.strip();
  }

  /** A path that names a readable file. */
  private static Path readable(ConfigNode n, Values v) {
    Path p = Path.of(v.text(n));
    if (!Files.isReadable(p)) {
      throw n.error("cannot read " + p);
    }
    return p;
  }

  /** The {@code ingest} section; null when it is not enabled. */
  private static IngestConfig ingest(ConfigNode in, Values v) {
    in.rejectUnknownKeys(
        "enabled", "gateway", "token_file", "token_env", "max_body_bytes", "max_line_bytes");
    if (!in.find("enabled").map(v::bool).orElse(false)) {
      return null;
    }
    String gateway = in.find("gateway").map(v::text).orElse(GatewayLabel.DEFAULT);
    if (!GATEWAY.matcher(gateway).matches()) {
      throw in.get("gateway")
          .error("expected 1-64 of letters, digits and . _ : - (it becomes a label value)");
    }
    if (in.find("token_file").isPresent() && in.find("token_env").isPresent()) {
      throw in.get("token_env").error("give token_file or token_env, not both");
    }
    String token = null;
    if (in.find("token_file").isPresent()) {
      ConfigNode n = in.get("token_file");
      Path file = Path.of(v.text(n));
      try {
        token = Files.readString(file).strip();
      } catch (IOException e) {
        throw n.error("cannot read " + file + ": " + ConfigException.describe(e));
      }
      if (token.isEmpty()) {
        throw n.error(file + " is empty; it must hold the bearer token");
      }
    } else if (in.find("token_env").isPresent()) {
      ConfigNode n = in.get("token_env");
      String name = v.text(n);
      token = v.env().get(name);
      if (token == null || token.isBlank()) {
        throw n.error("environment variable " + name + " is not set or empty");
      }
      token = token.strip();
    }
    return new IngestConfig(
        gateway,
        new IngestEndpoint.Settings(
            token,
            in.find("max_body_bytes")
                .map(v::positive)
                .orElse(IngestEndpoint.Settings.DEFAULT_MAX_BODY_BYTES),
            in.find("max_line_bytes")
                .map(v::positive)
                .orElse(IngestEndpoint.Settings.DEFAULT_MAX_LINE_BYTES)));
  }

  /** The file's {@code otlp:} section, each value checked at its path, then the environment. */
  private static OtlpSettings otlp(ConfigNode root, Values v, Map<String, String> env) {
    OtlpSettings.Declared declared = OtlpSettings.Declared.NONE;
    if (root.find("otlp").isPresent()) {
      ConfigNode o = root.get("otlp");
      o.rejectUnknownKeys("endpoint", "protocol", "headers", "interval", "resource_attributes");
      URI endpoint = null;
      if (o.find("endpoint").isPresent()) {
        ConfigNode e = o.get("endpoint");
        try {
          endpoint = OtlpSettings.parseEndpoint(v.text(e));
        } catch (IllegalArgumentException ex) {
          throw e.error(ex.getMessage());
        }
      }
      if (o.find("protocol").isPresent()) {
        ConfigNode p = o.get("protocol");
        if (!OtlpSettings.PROTOCOL.equals(v.text(p))) {
          throw p.error(
              "only " + OtlpSettings.PROTOCOL + " is supported (the collector's port 4318)");
        }
      }
      Duration interval = null;
      if (o.find("interval").isPresent()) {
        interval = v.duration(o.get("interval"));
        if (interval.isZero() || interval.isNegative()) {
          throw o.get("interval").error("must be positive");
        }
      }
      declared =
          new OtlpSettings.Declared(
              endpoint, strings(o, "headers", v), interval, strings(o, "resource_attributes", v));
    }
    try {
      return OtlpSettings.resolve(declared, env);
    } catch (ConfigException e) {
      throw root.find("otlp").map(n -> n.error(e.getMessage())).orElse(e);
    }
  }

  /** A mapping of strings ({@code headers:}, {@code resource_attributes:}); empty when absent. */
  private static Map<String, String> strings(ConfigNode parent, String key, Values v) {
    Map<String, String> out = new LinkedHashMap<>();
    if (parent.find(key).isPresent()) {
      ConfigNode m = parent.get(key);
      if (!m.isMapping()) {
        throw m.error("expected a mapping of names to values");
      }
      for (String k : m.keys()) {
        out.put(k, v.text(m.get(k)));
      }
    }
    return out;
  }

  private static ProxyConfig proxy(ConfigNode p, Values v) {
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
    String gateway = gateway(p, v);
    ConfigNode upstreamNode = p.get("upstream");
    URI upstream = upstream(upstreamNode, v.text(upstreamNode));
    Path cert = null;
    Path key = null;
    if (p.find("tls").isPresent()) {
      ConfigNode tls = p.get("tls");
      tls.rejectUnknownKeys("cert", "key");
      cert = readable(tls.get("cert"), v);
      key = readable(tls.get("key"), v);
    }
    ProxySettings settings;
    try {
      settings =
          new ProxySettings(
              address(p.get("listen"), v.text(p.get("listen"))),
              upstream,
              p.find("max_connections")
                  .map(v::positive)
                  .orElse(ProxySettings.DEFAULT_MAX_CONNECTIONS),
              p.find("connect_timeout")
                  .map(v::duration)
                  .orElse(ProxySettings.DEFAULT_CONNECT_TIMEOUT),
              p.find("idle_timeout").map(v::duration).orElse(ProxySettings.DEFAULT_IDLE_TIMEOUT),
              p.find("max_frame_bytes")
                  .map(v::positive)
                  .orElse(ProxySettings.DEFAULT_MAX_FRAME_BYTES),
              p.find("upstream_ca").map(n -> readable(n, v)).orElse(null),
              cert == null ? null : new ProxySettings.ListenerTls(cert, key),
              0);
    } catch (IllegalArgumentException e) {
      throw settingError(p, e.getMessage());
    }
    return new ProxyConfig(
        gateway,
        settings,
        capture(p, v),
        p.find("compressed_observation").map(v::bool).orElse(true));
  }

  /** A proxy's {@code capture} and how it is kept: null without {@code capture}. */
  private static CaptureWriter.Settings capture(ConfigNode p, Values v) {
    if (p.find("capture").isEmpty()) {
      for (String k : List.of("capture_payloads", "capture_max_size", "capture_keep")) {
        if (p.find(k).isPresent()) {
          throw p.get(k).error("needs capture (the file to write)");
        }
      }
      return null;
    }
    ConfigNode keepNode = p.find("capture_keep").orElse(null);
    int keep = keepNode == null ? CaptureWriter.Settings.DEFAULT_KEEP : v.nonNegative(keepNode);
    ConfigNode maxNode = p.find("capture_max_size").orElse(null);
    long max = maxNode == null ? CaptureWriter.Settings.DEFAULT_MAX_FILE_BYTES : v.size(maxNode);
    if (max < CaptureWriter.Settings.MIN_FILE_BYTES) {
      throw maxNode.error(
          "must be at least " + Sizes.format(CaptureWriter.Settings.MIN_FILE_BYTES));
    }
    ConfigNode fileNode = p.get("capture");
    Path file = Path.of(v.text(fileNode));
    Path dir = file.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      throw fileNode.error("no such directory: " + dir);
    }
    if (Files.isDirectory(file)) {
      throw fileNode.error("is a directory; name a file in it");
    }
    if (!Files.isWritable(dir)) {
      throw fileNode.error("cannot write in " + dir);
    }
    return new CaptureWriter.Settings(
        file, p.find("capture_payloads").map(v::bool).orElse(false), max, keep);
  }

  /**
   * The relay's own validation says {@code upstream: must not have a path ...}; report it at that
   * key of the file when there is one.
   */
  private static ConfigException settingError(ConfigNode proxy, String message) {
    int colon = message.indexOf(": ");
    if (colon > 0) {
      String key =
          message
              .substring(0, colon)
              .replaceAll("([a-z])([A-Z])", "$1_$2")
              .toLowerCase(Locale.ROOT);
      if (proxy.find(key).isPresent()) {
        return proxy.get(key).error(message.substring(colon + 2));
      }
    }
    return proxy.error(message);
  }

  /** A ws:// or wss:// URL with a host. */
  static URI upstream(ConfigNode node, String text) {
    try {
      URI uri = new URI(text);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("ws") || scheme.equals("wss")) && uri.getHost() != null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    throw node.error("not a ws:// or wss:// URL");
  }

  private static InetSocketAddress address(ConfigNode node, String text) {
    return address(node, "", text);
  }

  /** {@code what} names the setting when {@code node} is not its own (a value from the env). */
  private static InetSocketAddress address(ConfigNode node, String what, String text) {
    try {
      return HostPort.parse("listen", text);
    } catch (IllegalArgumentException e) {
      throw node.error(what + "expected HOST:PORT, got \"" + text + "\"");
    }
  }

  /** Reads scalars, with the environment variable of the node's path taking precedence. */
  private record Values(Map<String, String> env) {
    String text(ConfigNode n) {
      String override = env.get(envName(n.path()));
      return override != null ? override : n.text();
    }

    boolean bool(ConfigNode n) {
      String override = env.get(envName(n.path()));
      if (override == null) {
        return n.bool();
      }
      return switch (override.toLowerCase(Locale.ROOT)) {
        case "true", "yes", "on", "1" -> true;
        case "false", "no", "off", "0" -> false;
        default -> throw n.error(envName(n.path()) + ": expected true or false");
      };
    }

    Duration duration(ConfigNode n) {
      String override = env.get(envName(n.path()));
      if (override == null) {
        return n.duration();
      }
      try {
        return Durations.parse(envName(n.path()), override);
      } catch (IllegalArgumentException e) {
        throw n.error(e.getMessage());
      }
    }

    long size(ConfigNode n) {
      String override = env.get(envName(n.path()));
      if (override == null) {
        return n.size();
      }
      try {
        return Sizes.parse(envName(n.path()), override);
      } catch (IllegalArgumentException e) {
        throw n.error(e.getMessage());
      }
    }

    int nonNegative(ConfigNode n) {
      String override = env.get(envName(n.path()));
      int value;
      try {
        value = override == null ? n.intValue() : Integer.parseInt(override.trim());
      } catch (NumberFormatException e) {
        throw n.error(envName(n.path()) + ": expected an integer");
      }
      if (value < 0) {
        throw n.error("must not be negative");
      }
      return value;
    }

    int positive(ConfigNode n) {
      String override = env.get(envName(n.path()));
      int value;
      try {
        value = override == null ? n.intValue() : Integer.parseInt(override.trim());
      } catch (NumberFormatException e) {
        throw n.error(envName(n.path()) + ": expected an integer");
      }
      if (value < 1) {
        throw n.error("must be at least 1");
      }
      return value;
    }
  }

  /** {@code proxies[0].upstream} -> {@code GATEWATCH_PROXIES_0_UPSTREAM}. */
  static String envName(String path) {
    return "GATEWATCH_"
        + path.replaceAll("[\\[\\].]+", "_").replaceAll("_+$", "").toUpperCase(Locale.ROOT);
  }
}
