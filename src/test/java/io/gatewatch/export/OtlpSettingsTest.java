package io.gatewatch.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatewatch.config.ConfigException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OtlpSettingsTest {

  @Test
  void offWithoutAnEndpoint() {
    OtlpSettings s = OtlpSettings.fromEnv(Map.of("OTEL_SERVICE_NAME", "x"));
    assertThat(s.enabled()).isFalse();
    assertThat(s.metricsEndpoint()).isNull();
    assertThat(s.tracesEndpoint()).isNull();
  }

  @Test
  void standardVariables() {
    OtlpSettings s =
        OtlpSettings.fromEnv(
            Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/",
                "OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Basic%20YWJj+ZA==,x-team=sre",
                "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
                "OTEL_METRIC_EXPORT_INTERVAL", "15000",
                "OTEL_SERVICE_NAME", "gw-eu",
                "OTEL_RESOURCE_ATTRIBUTES", "service.name=ignored,deployment.environment=prod"));
    assertThat(s.metricsEndpoint()).isEqualTo(URI.create("http://collector:4318/v1/metrics"));
    assertThat(s.tracesEndpoint()).isEqualTo(URI.create("http://collector:4318/v1/traces"));
    assertThat(s.headers())
        .containsExactly(Map.entry("Authorization", "Basic YWJj+ZA=="), Map.entry("x-team", "sre"));
    assertThat(s.interval()).isEqualTo(Duration.ofSeconds(15));
    assertThat(s.resourceAttributes())
        .containsEntry("service.name", "gw-eu")
        .containsEntry("deployment.environment", "prod")
        .containsKeys("service.version", "service.instance.id");
    assertThat(s.toString()).contains("Authorization").doesNotContain("YWJj");
  }

  @Test
  void signalSpecificEndpointsAndNone() {
    OtlpSettings s =
        OtlpSettings.fromEnv(
            Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318",
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "https://metrics.example/otlp/v1/metrics",
                "OTEL_TRACES_EXPORTER", "none"));
    assertThat(s.metricsEndpoint())
        .isEqualTo(URI.create("https://metrics.example/otlp/v1/metrics"));
    assertThat(s.tracesEndpoint()).isNull();
    assertThat(
            OtlpSettings.fromEnv(
                    Map.of(
                        "OTEL_EXPORTER_OTLP_ENDPOINT",
                        "http://c:4318",
                        "OTEL_SDK_DISABLED",
                        "true"))
                .enabled())
        .isFalse();
  }

  @Test
  void theFileWinsOverTheVariables() {
    OtlpSettings s =
        OtlpSettings.resolve(
            new OtlpSettings.Declared(
                URI.create("http://file:4318"),
                Map.of("Authorization", "Bearer file"),
                Duration.ofSeconds(5),
                Map.of("service.name", "from-file")),
            Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://env:4318",
                "OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer env",
                "OTEL_METRIC_EXPORT_INTERVAL", "1000",
                "OTEL_SERVICE_NAME", "from-env"));
    assertThat(s.metricsEndpoint()).isEqualTo(URI.create("http://file:4318/v1/metrics"));
    assertThat(s.headers()).containsExactly(Map.entry("Authorization", "Bearer file"));
    assertThat(s.interval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.resourceAttributes()).containsEntry("service.name", "from-file");
  }

  @Test
  void badValuesFailNamingTheVariableNeverEchoingHeaders() {
    assertThatThrownBy(
            () -> OtlpSettings.fromEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "OTEL_EXPORTER_OTLP_ENDPOINT: not an http:// or https:// URL: \"collector:4318\"");
    assertThatThrownBy(() -> OtlpSettings.fromEnv(Map.of("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")))
        .hasMessageStartingWith("OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported");
    assertThatThrownBy(() -> OtlpSettings.fromEnv(Map.of("OTEL_METRIC_EXPORT_INTERVAL", "10s")))
        .hasMessage("OTEL_METRIC_EXPORT_INTERVAL: expected milliseconds, got \"10s\"");
    assertThatThrownBy(() -> OtlpSettings.fromEnv(Map.of("OTEL_METRIC_EXPORT_INTERVAL", "0")))
        .hasMessageContaining("must be positive");
    assertThatThrownBy(
            () -> OtlpSettings.fromEnv(Map.of("OTEL_EXPORTER_OTLP_HEADERS", "secret-value-only")))
        .hasMessage("OTEL_EXPORTER_OTLP_HEADERS: expected key=value pairs separated by commas")
        .hasMessageNotContaining("secret");
  }

  @Test
  void otelNames() {
    assertThat(OtelNames.of("gateway_heartbeat_rtt_seconds"))
        .isEqualTo(new OtelNames.Name("gateway.heartbeat.rtt", "s"));
    assertThat(OtelNames.of("gateway_frame_size_bytes"))
        .isEqualTo(new OtelNames.Name("gateway.frame.size", "By"));
    assertThat(OtelNames.of("gateway_close"))
        .isEqualTo(new OtelNames.Name("gateway.close", "{close}"));
    assertThat(OtelNames.of("gateway_connections_opened_total"))
        .isEqualTo(new OtelNames.Name("gateway.connections.opened", "{connection}"));
    assertThat(OtelNames.of("gateway_probe_up"))
        .isEqualTo(new OtelNames.Name("gateway.probe.up", "1"));
  }
}
