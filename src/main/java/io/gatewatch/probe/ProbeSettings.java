package io.gatewatch.probe;

import io.gatewatch.config.ConfigNode;
import io.gatewatch.config.RecordBuilder;
import io.gatewatch.config.Scalars;
import io.gatewatch.protocol.UrlQuery;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;

/**
 * One probe target.
 *
 * @param url the gateway, with {@code v=1&encoding=json} added when the URL has no query
 * @param gateway the {@code gateway} label
 * @param sessions sessions held at once
 * @param resumeEvery how often each session ends its socket on purpose and resumes (zero: never)
 * @param connectTimeout TCP connect + WebSocket handshake
 * @param reconnect the reconnection strategy's delays and limits
 * @param onceHeartbeats with {@code --once}: acknowledged heartbeats per session before its one
 *     resume; 0 for a probe that runs until stopped
 */
public record ProbeSettings(
    URI url,
    String gateway,
    int sessions,
    Duration resumeEvery,
    Duration connectTimeout,
    ReconnectPolicy.Settings reconnect,
    int onceHeartbeats) {

  public static final Duration DEFAULT_RESUME_EVERY = Duration.ofMinutes(5);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final int MAX_SESSIONS = 100;

  public ProbeSettings {
    Scalars.named("sessions", () -> validSessions(sessions));
    if (resumeEvery.isNegative()) {
      throw new IllegalArgumentException("resumeEvery: must not be negative");
    }
    if (onceHeartbeats < 0) {
      throw new IllegalArgumentException("heartbeats: must not be negative");
    }
    url = gatewayUrl(url);
  }

  /**
   * Reads a probe of the configuration file (the node of {@code probes[0]}): {@code gateway},
   * {@code url}, {@code sessions}, {@code resume_every} and {@code connect_timeout}. The caller
   * checks the gateway label and rejects unknown keys, since the node holds the token's keys too.
   *
   * @throws io.gatewatch.config.ConfigException naming the path and line of the first problem
   */
  public static ProbeSettings fromConfig(ConfigNode p) {
    ConfigNode url = p.get("url");
    return new ProbeSettings(
        url.check(url.url("ws", "wss"), ProbeSettings::validUrl),
        p.get("gateway").text(),
        p.find("sessions")
            .map(n -> n.check(n.positiveInt(), ProbeSettings::validSessions))
            .orElse(1),
        p.find("resume_every").map(ConfigNode::duration).orElse(DEFAULT_RESUME_EVERY),
        p.find("connect_timeout").map(ConfigNode::duration).orElse(DEFAULT_CONNECT_TIMEOUT),
        ReconnectPolicy.Settings.DEFAULTS,
        0);
  }

  private static int validSessions(int sessions) {
    if (sessions < 1 || sessions > MAX_SESSIONS) {
      throw new IllegalArgumentException("must be from 1 to " + MAX_SESSIONS);
    }
    return sessions;
  }

  public static ProbeSettings of(URI url, String gateway) {
    return new ProbeSettings(
        url,
        gateway,
        1,
        DEFAULT_RESUME_EVERY,
        DEFAULT_CONNECT_TIMEOUT,
        ReconnectPolicy.Settings.DEFAULTS,
        0);
  }

  public ProbeSettings withSessions(int n) {
    return RecordBuilder.from(this).set("sessions", n).build();
  }

  public ProbeSettings withResumeEvery(Duration d) {
    return RecordBuilder.from(this).set("resumeEvery", d).build();
  }

  public ProbeSettings withReconnect(ReconnectPolicy.Settings r) {
    return RecordBuilder.from(this).set("reconnect", r).build();
  }

  /** One-shot: {@code heartbeats} acknowledged, one resume, then done; no retry after 4004 etc. */
  public ProbeSettings once(int heartbeats) {
    return RecordBuilder.from(this)
        .set("reconnect", reconnect.withFatalAttempts(1))
        .set("onceHeartbeats", Math.max(1, heartbeats))
        .build();
  }

  public boolean isOnce() {
    return onceHeartbeats > 0;
  }

  /**
   * A ws:// or wss:// URL with a host; no query means {@code ?v=1&encoding=json}, no path means
   * {@code /}. The probe speaks plain JSON text, so {@code compress} and any {@code encoding} but
   * {@code json} are refused.
   *
   * @throws IllegalArgumentException {@code url: ...} naming what is wrong
   */
  public static URI gatewayUrl(URI url) {
    return Scalars.named("url", () -> validUrl(url));
  }

  /** {@link #gatewayUrl}, with errors that do not name the setting. */
  private static URI validUrl(URI url) {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("ws") || scheme.equals("wss")) || url.getHost() == null) {
      throw new IllegalArgumentException("not a ws:// or wss:// URL");
    }
    String query = url.getRawQuery();
    if (query != null && query.contains("compress=")) {
      throw new IllegalArgumentException("the probe speaks plain JSON; remove compress=");
    }
    String encoding = UrlQuery.first(url.toString(), "encoding");
    if (encoding != null && !encoding.equals("json")) {
      throw new IllegalArgumentException(
          "the probe speaks plain JSON; use encoding=json, not encoding=" + encoding);
    }
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    try {
      return new URI(
          url.getScheme()
              + "://"
              + url.getRawAuthority()
              + path
              + "?"
              + (query == null ? "v=1&encoding=json" : query));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a ws:// or wss:// URL");
    }
  }
}
