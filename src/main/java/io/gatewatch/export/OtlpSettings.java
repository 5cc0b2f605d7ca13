package io.gatewatch.export;

import io.gatewatch.config.ConfigException;
import io.gatewatch.config.ConfigNode;
import io.gatewatch.metrics.AgentMetrics;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Where and how the agent pushes OTLP (HTTP/protobuf): metrics and reconnect traces. Resolved once
 * at start-up from the configuration file's {@code otlp:} section and the standard OpenTelemetry
 * environment variables; a bad value fails there, naming the path or the variable (never a header
 * value). Export is off when no endpoint is configured.
 *
 * <p>Precedence, per setting: the file (itself overridable by {@code GATEWATCH_OTLP_*}) over the
 * {@code OTEL_*} variables over the defaults. Resource attributes merge in the same order.
 *
 * @param metricsEndpoint full URL metrics are posted to, or null: no metric export
 * @param tracesEndpoint full URL spans are posted to, or null: no trace export
 * @param headers sent with every request (authentication); values are never logged
 * @param interval how often metrics are pushed
 * @param resourceAttributes {@code service.name}, {@code service.instance.id}, ...
 */
public record OtlpSettings(
    URI metricsEndpoint,
    URI tracesEndpoint,
    Map<String, String> headers,
    Duration interval,
    Map<String, String> resourceAttributes) {

  /** The OpenTelemetry SDK default. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(60);

  public static final String PROTOCOL = "http/protobuf";

  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  public OtlpSettings {
    headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    resourceAttributes = Collections.unmodifiableMap(new LinkedHashMap<>(resourceAttributes));
  }

  /** Nothing is exported. */
  public static OtlpSettings off() {
    return new OtlpSettings(null, null, Map.of(), DEFAULT_INTERVAL, Map.of());
  }

  public boolean enabled() {
    return metricsEndpoint != null || tracesEndpoint != null;
  }

  /** The same settings with one more resource attribute, unless one of that name is set. */
  public OtlpSettings withDefaultAttribute(String key, String value) {
    if (resourceAttributes.containsKey(key) || value == null) {
      return this;
    }
    Map<String, String> attributes = new LinkedHashMap<>(resourceAttributes);
    attributes.put(key, value);
    return new OtlpSettings(metricsEndpoint, tracesEndpoint, headers, interval, attributes);
  }

  /** Header names only: values carry credentials. */
  @Override
  public String toString() {
    return "OtlpSettings[metrics="
        + metricsEndpoint
        + ", traces="
        + tracesEndpoint
        + ", headers="
        + headers.keySet()
        + ", interval="
        + interval
        + ", resource="
        + resourceAttributes
        + "]";
  }

  /**
   * What a configuration file said, each value already checked against its path; null (or empty)
   * where the file says nothing.
   *
   * @param endpoint base URL; {@code /v1/metrics} and {@code /v1/traces} are appended
   */
  public record Declared(
      URI endpoint,
      Map<String, String> headers,
      Duration interval,
      Map<String, String> resourceAttributes) {
    public static final Declared NONE = new Declared(null, Map.of(), null, Map.of());

    /**
     * Reads the file's {@code otlp:} section: {@code endpoint}, {@code protocol} (only {@value
     * OtlpSettings#PROTOCOL}), {@code headers}, {@code interval} and {@code resource_attributes}.
     *
     * @throws ConfigException naming the path and line of the first problem
     */
    public static Declared fromConfig(ConfigNode o) {
      o.rejectUnknownKeys("endpoint", "protocol", "headers", "interval", "resource_attributes");
      URI endpoint = o.find("endpoint").map(n -> n.as(OtlpSettings::parseEndpoint)).orElse(null);
      ConfigNode protocol = o.find("protocol").orElse(null);
      if (protocol != null && !PROTOCOL.equals(protocol.text())) {
        throw protocol.error("only " + PROTOCOL + " is supported (the collector's port 4318)");
      }
      Duration interval = o.find("interval").map(ConfigNode::duration).orElse(null);
      if (interval != null && interval.isZero()) {
        throw o.get("interval").error("must be positive");
      }
      return new Declared(
          endpoint,
          o.find("headers").map(ConfigNode::textMap).orElse(Map.of()),
          interval,
          o.find("resource_attributes").map(ConfigNode::textMap).orElse(Map.of()));
    }
  }

  /** The settings for a command without a configuration file: the environment alone. */
  public static OtlpSettings fromEnv(Map<String, String> env) {
    return resolve(Declared.NONE, env);
  }

  /**
   * Resolves the file's values and the environment.
   *
   * @throws ConfigException naming the variable whose value is unusable
   */
  public static OtlpSettings resolve(Declared file, Map<String, String> env) {
    String protocol = env.get("OTEL_EXPORTER_OTLP_PROTOCOL");
    if (protocol != null && !protocol.isBlank() && !PROTOCOL.equals(protocol.trim())) {
      throw new ConfigException(
          "OTEL_EXPORTER_OTLP_PROTOCOL: "
              + protocol.trim()
              + " is not supported; gatewatch sends http/protobuf (the collector's port 4318)");
    }

    URI metrics = null;
    URI traces = null;
    if (file.endpoint() != null) {
      metrics = signalUrl(file.endpoint(), "v1/metrics");
      traces = signalUrl(file.endpoint(), "v1/traces");
    } else {
      URI base = url(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
      URI m = url(env, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
      URI t = url(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
      metrics = m != null ? m : base == null ? null : signalUrl(base, "v1/metrics");
      traces = t != null ? t : base == null ? null : signalUrl(base, "v1/traces");
    }
    if (isNone(env, "OTEL_METRICS_EXPORTER")) {
      metrics = null;
    }
    if (isNone(env, "OTEL_TRACES_EXPORTER")) {
      traces = null;
    }
    if ("true".equalsIgnoreCase(env.getOrDefault("OTEL_SDK_DISABLED", "").trim())) {
      metrics = null;
      traces = null;
    }

    Map<String, String> headers =
        !file.headers().isEmpty()
            ? file.headers()
            : pairs(env, "OTEL_EXPORTER_OTLP_HEADERS", false);
    for (String name : headers.keySet()) {
      if (!HEADER_NAME.matcher(name).matches()) {
        throw new ConfigException("otlp headers: \"" + name + "\" is not a valid header name");
      }
    }

    Duration interval = file.interval();
    if (interval == null) {
      String ms = env.get("OTEL_METRIC_EXPORT_INTERVAL");
      interval = DEFAULT_INTERVAL;
      if (ms != null && !ms.isBlank()) {
        try {
          interval = Duration.ofMillis(Long.parseLong(ms.trim()));
        } catch (NumberFormatException e) {
          throw new ConfigException(
              "OTEL_METRIC_EXPORT_INTERVAL: expected milliseconds, got \"" + ms + "\"");
        }
      }
    }
    if (interval.isNegative() || interval.isZero()) {
      throw new ConfigException("otlp interval: must be positive, got " + interval);
    }

    Map<String, String> resource = new LinkedHashMap<>();
    resource.put("service.name", "gatewatch");
    resource.put("service.version", AgentMetrics.version());
    resource.put("service.instance.id", UUID.randomUUID().toString());
    resource.putAll(pairs(env, "OTEL_RESOURCE_ATTRIBUTES", true));
    String serviceName = env.get("OTEL_SERVICE_NAME");
    if (serviceName != null && !serviceName.isBlank()) {
      resource.put("service.name", serviceName.trim());
    }
    resource.putAll(file.resourceAttributes());
    return new OtlpSettings(metrics, traces, headers, interval, resource);
  }

  /** An http:// or https:// URL with a host, or an {@link IllegalArgumentException} saying so. */
  public static URI parseEndpoint(String text) {
    try {
      URI uri = new URI(text.trim());
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    throw new IllegalArgumentException("not an http:// or https:// URL: \"" + text + "\"");
  }

  private static URI url(Map<String, String> env, String variable) {
    String text = env.get(variable);
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return parseEndpoint(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(variable + ": " + e.getMessage());
    }
  }

  private static boolean isNone(Map<String, String> env, String variable) {
    return "none".equalsIgnoreCase(env.getOrDefault(variable, "").trim());
  }

  /** {@code http://collector:4318} -> {@code http://collector:4318/v1/metrics}. */
  static URI signalUrl(URI base, String signalPath) {
    String s = base.toString();
    return URI.create(s.endsWith("/") ? s + signalPath : s + "/" + signalPath);
  }

  /**
   * {@code k1=v1,k2=v2} with percent-encoded values (W3C Baggage style, as the OpenTelemetry
   * specification says). A malformed list fails naming the variable, never echoing the values.
   */
  static Map<String, String> pairs(Map<String, String> env, String variable, boolean showValue) {
    String text = env.get(variable);
    Map<String, String> out = new LinkedHashMap<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    for (String item : text.split(",")) {
      if (item.isBlank()) {
        continue;
      }
      int eq = item.indexOf('=');
      String key = eq < 0 ? "" : item.substring(0, eq).trim();
      if (key.isEmpty()) {
        throw new ConfigException(
            variable
                + ": expected key=value pairs separated by commas"
                + (showValue ? ", got \"" + item.trim() + "\"" : ""));
      }
      try {
        out.put(
            key,
            URLDecoder.decode(
                item.substring(eq + 1).trim().replace("+", "%2B"), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(variable + ": bad percent-encoding in the value of " + key);
      }
    }
    return out;
  }
}
