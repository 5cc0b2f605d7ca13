package io.gatewatch.correlation;

import io.gatewatch.config.ConfigNode;
import io.gatewatch.config.Scalars;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Where the replicas of a proxy share reconnect state: a Redis (or Valkey) server.
 *
 * @param url {@code redis://HOST[:PORT][/DB]} or {@code rediss://...} (TLS); a user name may stand
 *     before the host, never a password
 * @param password the server's password, or null (read from a file or the environment, never a
 *     flag)
 * @param caFile a PEM file of the CA that signed a {@code rediss://} server's certificate, or null
 *     for the JVM's trust store
 * @param keyPrefix the prefix of every key gatewatch writes
 * @param timeout how long an answer may take before the tracker goes on without it
 */
public record CorrelationSettings(
    URI url, String password, Path caFile, String keyPrefix, Duration timeout) {

  public static final String DEFAULT_KEY_PREFIX = "gatewatch:";
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(50);

  /** The longest timeout: an answer later than this comes long after the client moved on. */
  public static final Duration MAX_TIMEOUT = Duration.ofSeconds(5);

  public CorrelationSettings {
    parseUrl(url.toString());
    Scalars.named("keyPrefix", () -> validKeyPrefix(keyPrefix));
    Scalars.named("timeout", () -> validTimeout(timeout));
  }

  /**
   * Reads the {@code correlation:} section: {@code url}, {@code ca_file}, {@code key_prefix} and
   * {@code timeout}. The caller reads the password (from {@code password_file} or {@code
   * password_env}) and rejects unknown keys.
   *
   * @throws io.gatewatch.config.ConfigException naming the path and line of the first problem
   */
  public static CorrelationSettings fromConfig(ConfigNode c, String password) {
    URI url = c.get("url").as(CorrelationSettings::parseUrl);
    Path ca = c.find("ca_file").map(ConfigNode::readableFile).orElse(null);
    if (ca != null && !url.getScheme().equalsIgnoreCase("rediss")) {
      throw c.get("ca_file").error("needs a rediss:// url (TLS)");
    }
    return new CorrelationSettings(
        url,
        password,
        ca,
        c.find("key_prefix")
            .map(n -> n.check(n.text(), CorrelationSettings::validKeyPrefix))
            .orElse(DEFAULT_KEY_PREFIX),
        c.find("timeout")
            .map(n -> n.check(n.duration(), CorrelationSettings::validTimeout))
            .orElse(DEFAULT_TIMEOUT));
  }

  private static String validKeyPrefix(String prefix) {
    if (prefix == null || prefix.isEmpty() || prefix.length() > 64) {
      throw new IllegalArgumentException("must be 1 to 64 characters");
    }
    return prefix;
  }

  private static Duration validTimeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
      throw new IllegalArgumentException("must be above 0 and at most 5s");
    }
    return timeout;
  }

  /**
   * Checks a Redis URL: the scheme, a host, an optional port and database number, no password.
   *
   * @throws IllegalArgumentException with a message that never repeats a password
   */
  public static URI parseUrl(String text) {
    URI uri;
    try {
      uri = new URI(text);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("not a redis:// or rediss:// URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("redis") && !scheme.equals("rediss")) {
      throw new IllegalArgumentException("not a redis:// or rediss:// URL");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("a redis:// URL needs a host");
    }
    if (uri.getRawUserInfo() != null && uri.getRawUserInfo().contains(":")) {
      throw new IllegalArgumentException(
          "the URL holds a password; give it in a file or an environment variable instead");
    }
    String path = uri.getPath() == null ? "" : uri.getPath();
    if (!path.isEmpty() && !path.matches("/\\d{0,2}")) {
      throw new IllegalArgumentException("the path may only be a database number (/0 to /99)");
    }
    if (uri.getQuery() != null || uri.getFragment() != null) {
      throw new IllegalArgumentException("the URL takes no query or fragment");
    }
    return uri;
  }

  public boolean tls() {
    return url.getScheme().equalsIgnoreCase("rediss");
  }

  /** The URL as logs may show it: scheme, host, port and database. */
  public String describe() {
    return url.getScheme()
        + "://"
        + url.getHost()
        + (url.getPort() < 0 ? "" : ":" + url.getPort())
        + (url.getPath() == null ? "" : url.getPath());
  }

  /** What the log and errors show instead of the settings: never the password. */
  @Override
  public String toString() {
    return "CorrelationSettings[" + describe() + ", prefix " + keyPrefix + "]";
  }
}
