package io.gatewatch.proxy;

import io.gatewatch.config.ConfigNode;
import io.gatewatch.config.HostPort;
import io.gatewatch.config.RecordBuilder;
import io.gatewatch.config.Scalars;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * How one {@link GatewayProxy} runs. Immutable; build with {@link #builder(URI)} (or {@link
 * #toBuilder()}), or read a proxy of the configuration file with {@link #fromConfig}. Every setting
 * but {@code upstream} has a default. Invalid values fail at construction with an {@link
 * IllegalArgumentException} whose message starts with the setting's name ({@code upstream: not a
 * ws:// or wss:// URL: http://x}).
 *
 * @param listen where clients connect (default 127.0.0.1:8766; port 0 picks a free port)
 * @param upstream the gateway every socket is relayed to: {@code ws://HOST[:PORT]} or {@code
 *     wss://HOST[:PORT]}, without a path, query or fragment (the client's own path and query are
 *     passed on unchanged)
 * @param maxConnections relayed sockets at once (upgrading ones included); the next upgrade request
 *     is answered 503 (10,000)
 * @param connectTimeout TCP connect, TLS and WebSocket handshake with the upstream together; then
 *     the client gets 1014 (5 s)
 * @param idleTimeout no frame either way for this long: both sides are closed with 1001; also how
 *     long an accepted connection may take to send its upgrade request (120 s; zero: never)
 * @param maxFrameBytes largest frame payload accepted from either side; a larger one closes both
 *     sides with 1009 (16 MiB; at least 125, the control-frame size)
 * @param upstreamCa PEM file of the certificates trusted for a {@code wss://} upstream; null: the
 *     JDK's default trust store
 * @param listenerTls certificate chain and private key (PEM, PKCS#8) to serve TLS to clients; null:
 *     plain TCP
 * @param eventLoopThreads I/O threads; 0: one per processor the JVM sees (as nginx's {@code
 *     worker_processes auto}; docs/performance.md)
 */
public record ProxySettings(
    InetSocketAddress listen,
    URI upstream,
    int maxConnections,
    Duration connectTimeout,
    Duration idleTimeout,
    int maxFrameBytes,
    Path upstreamCa,
    ListenerTls listenerTls,
    int eventLoopThreads) {

  /** The default listen address. */
  public static final String DEFAULT_LISTEN = "127.0.0.1:8766";

  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(120);
  public static final int DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

  /** The smallest {@code maxFrameBytes}: a control frame may carry 125 bytes. */
  public static final int MIN_FRAME_BYTES = 125;

  /**
   * TLS on the listener.
   *
   * @param certificateChain PEM file with the server certificate first, then its intermediates
   * @param privateKey PEM file with the unencrypted PKCS#8 private key ({@code BEGIN PRIVATE KEY})
   */
  public record ListenerTls(Path certificateChain, Path privateKey) {
    public ListenerTls {
      require(certificateChain != null, "listenerTls.certificateChain: required");
      require(privateKey != null, "listenerTls.privateKey: required");
    }
  }

  public ProxySettings {
    require(listen != null, "listen: required");
    URI given = upstream; // the lambda needs a variable that is not reassigned
    upstream = Scalars.named("upstream", () -> validUpstream(given));
    require(maxConnections >= 1, "maxConnections: must be at least 1, got " + maxConnections);
    Scalars.named("connectTimeout", () -> validConnectTimeout(connectTimeout));
    require(
        idleTimeout != null && !idleTimeout.isNegative(),
        "idleTimeout: must not be negative, got " + idleTimeout);
    Scalars.named("maxFrameBytes", () -> validMaxFrameBytes(maxFrameBytes));
    require(
        eventLoopThreads >= 0, "eventLoopThreads: must not be negative, got " + eventLoopThreads);
  }

  /**
   * Reads a proxy of the configuration file (the node of {@code proxies[0]}): {@code listen},
   * {@code upstream}, {@code max_connections}, {@code connect_timeout}, {@code idle_timeout},
   * {@code max_frame_bytes}, {@code upstream_ca} and {@code tls} ({@code cert}, {@code key}). The
   * caller rejects unknown keys, since the node holds the agent's own keys too.
   *
   * @throws io.gatewatch.config.ConfigException naming the path and line of the first problem
   */
  public static ProxySettings fromConfig(ConfigNode p) {
    ConfigNode upstream = p.get("upstream");
    Builder b = builder(upstream.check(upstream.url("ws", "wss"), ProxySettings::validUpstream));
    p.find("tls")
        .ifPresent(
            tls -> {
              tls.rejectUnknownKeys("cert", "key");
              b.listenerTls(tls.get("cert").readableFile(), tls.get("key").readableFile());
            });
    b.listen(p.get("listen").hostPort());
    p.find("max_connections").ifPresent(n -> b.maxConnections(n.positiveInt()));
    p.find("connect_timeout")
        .ifPresent(
            n -> b.connectTimeout(n.check(n.duration(), ProxySettings::validConnectTimeout)));
    p.find("idle_timeout").ifPresent(n -> b.idleTimeout(n.duration()));
    p.find("max_frame_bytes")
        .ifPresent(
            n -> b.maxFrameBytes(n.check(n.positiveInt(), ProxySettings::validMaxFrameBytes)));
    p.find("upstream_ca").ifPresent(n -> b.upstreamCa(n.readableFile()));
    return b.build();
  }

  /** The upstream, normalized to scheme, host and port; errors do not name the setting. */
  private static URI validUpstream(URI u) {
    require(u != null, "required");
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    require(
        u.isAbsolute() && !u.isOpaque() && (scheme.equals("ws") || scheme.equals("wss")),
        "not a ws:// or wss:// URL: " + u);
    require(u.getHost() != null && !u.getHost().isEmpty(), "no host in " + u.toString());
    require(u.getRawUserInfo() == null, "user info is not supported: " + u);
    require(
        u.getRawPath() == null || u.getRawPath().isEmpty() || u.getRawPath().equals("/"),
        "must not have a path (clients' paths are passed on unchanged): " + u);
    require(
        u.getRawQuery() == null && u.getRawFragment() == null,
        "must not have a query or fragment: " + u);
    require(u.getPort() >= -1 && u.getPort() <= 65535, "bad port in " + u);
    try {
      return new URI(scheme, null, u.getHost(), u.getPort(), null, null, null);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static Duration validConnectTimeout(Duration d) {
    require(
        d != null && !d.isNegative() && !d.isZero() && d.toMillis() <= Integer.MAX_VALUE,
        "must be positive (and under 24 days), got " + d);
    return d;
  }

  private static int validMaxFrameBytes(int bytes) {
    require(bytes >= MIN_FRAME_BYTES, "must be at least " + MIN_FRAME_BYTES + ", got " + bytes);
    return bytes;
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Defaults with this upstream. */
  public static ProxySettings of(URI upstream) {
    return builder(upstream).build();
  }

  /** A builder holding the defaults and this upstream. */
  public static Builder builder(URI upstream) {
    return new Builder().upstream(upstream);
  }

  /**
   * A builder holding the defaults and this upstream.
   *
   * @throws IllegalArgumentException when {@code upstream} is not a URL
   */
  public static Builder builder(String upstream) {
    return new Builder().upstream(upstream);
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** True for a {@code wss://} upstream. */
  public boolean upstreamTls() {
    return upstream.getScheme().equals("wss");
  }

  /** The upstream's host name or address (an IPv6 address without brackets). */
  public String upstreamHost() {
    String h = upstream.getHost();
    return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
  }

  /** The upstream's port (80 or 443 when the URL has none). */
  public int upstreamPort() {
    int p = upstream.getPort();
    return p != -1 ? p : upstreamTls() ? 443 : 80;
  }

  /** The {@code Host} header the upstream gets: host, and the port unless it is the default. */
  public String upstreamHostHeader() {
    String h = upstream.getHost(); // IPv6 literals keep their brackets here
    return upstream.getPort() == -1 || upstream.getPort() == (upstreamTls() ? 443 : 80)
        ? h
        : h + ":" + upstream.getPort();
  }

  /** Builds {@link ProxySettings}; validation happens in {@link #build()}. */
  public static final class Builder {
    private final RecordBuilder<ProxySettings> values;

    private Builder() {
      values =
          RecordBuilder.of(ProxySettings.class)
              .set("listen", HostPort.parse(DEFAULT_LISTEN))
              .set("maxConnections", DEFAULT_MAX_CONNECTIONS)
              .set("connectTimeout", DEFAULT_CONNECT_TIMEOUT)
              .set("idleTimeout", DEFAULT_IDLE_TIMEOUT)
              .set("maxFrameBytes", DEFAULT_MAX_FRAME_BYTES);
    }

    private Builder(ProxySettings s) {
      values = RecordBuilder.from(s);
    }

    public Builder listen(InetSocketAddress v) {
      return set("listen", v);
    }

    /** {@code HOST:PORT} ({@code [::1]:8766} for IPv6); not resolved. */
    public Builder listen(String hostPort) {
      return set("listen", HostPort.parse("listen", hostPort));
    }

    public Builder upstream(URI v) {
      return set("upstream", v);
    }

    public Builder upstream(String v) {
      try {
        return set("upstream", new URI(v == null ? "" : v.trim()));
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("upstream: not a ws:// or wss:// URL: " + v, e);
      }
    }

    public Builder maxConnections(int v) {
      return set("maxConnections", v);
    }

    public Builder connectTimeout(Duration v) {
      return set("connectTimeout", v);
    }

    public Builder idleTimeout(Duration v) {
      return set("idleTimeout", v);
    }

    public Builder maxFrameBytes(int v) {
      return set("maxFrameBytes", v);
    }

    /** PEM file of trusted certificates for a {@code wss://} upstream; null: the JDK default. */
    public Builder upstreamCa(Path v) {
      return set("upstreamCa", v);
    }

    /** TLS on the listener; null: none. */
    public Builder listenerTls(ListenerTls v) {
      return set("listenerTls", v);
    }

    public Builder listenerTls(Path certificateChain, Path privateKey) {
      return listenerTls(new ListenerTls(certificateChain, privateKey));
    }

    public Builder eventLoopThreads(int v) {
      return set("eventLoopThreads", v);
    }

    public ProxySettings build() {
      return values.build();
    }

    private Builder set(String component, Object value) {
      values.set(component, value);
      return this;
    }
  }
}
