package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatewatch.config.ConfigNode;
import io.gatewatch.export.LogFormat;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code otlp:} and {@code logging:} sections of the agent's configuration file. */
class OtlpConfigTest {
  static final String PROXY =
      """
      proxies:
        - gateway: eu-west
          listen: 127.0.0.1:8766
          upstream: wss://gateway.example.com
      """;

  static AgentConfig read(String yaml, Map<String, String> env) {
    return AgentConfig.read(ConfigNode.parse("agent.yaml", yaml), env);
  }

  @Test
  void theSections() {
    AgentConfig c =
        read(
            """
            otlp:
              endpoint: http://collector:4318
              protocol: http/protobuf
              headers:
                Authorization: Bearer abc
              interval: 10s
              resource_attributes:
                deployment.environment: prod
            logging:
              format: json
              summary_every: 30s
            """
                + PROXY,
            Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://ignored:4318"));
    assertThat(c.otlp().metricsEndpoint())
        .isEqualTo(URI.create("http://collector:4318/v1/metrics"));
    assertThat(c.otlp().headers()).containsExactly(Map.entry("Authorization", "Bearer abc"));
    assertThat(c.otlp().interval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.otlp().resourceAttributes())
        .containsEntry("deployment.environment", "prod")
        .containsEntry("gateway.name", "eu-west")
        .containsEntry("service.name", "gatewatch");
    assertThat(c.logFormat()).isEqualTo(LogFormat.JSON);
    assertThat(c.activityEvery()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void withoutTheSectionTheStandardVariablesAndOffWithoutThem() {
    assertThat(read(PROXY, Map.of()).otlp().enabled()).isFalse();
    assertThat(read(PROXY, Map.of()).logFormat()).isNull();
    assertThat(
            read(PROXY, Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "https://c:4318"))
                .otlp()
                .tracesEndpoint())
        .isEqualTo(URI.create("https://c:4318/v1/traces"));
    assertThat(
            read(
                    "otlp:\n  endpoint: http://file:4318\n" + PROXY,
                    Map.of("GATEWATCH_OTLP_ENDPOINT", "http://override:4318"))
                .otlp()
                .metricsEndpoint())
        .isEqualTo(URI.create("http://override:4318/v1/metrics"));
  }

  @Test
  void aHeaderValueFromTheEnvironment() {
    AgentConfig c =
        read(
            "otlp:\n  endpoint: http://c:4318\n  headers:\n    Authorization: placeholder\n"
                + PROXY,
            Map.of("GATEWATCH_OTLP_HEADERS_AUTHORIZATION", "Bearer from-env"));
    assertThat(c.otlp().headers()).containsExactly(Map.entry("Authorization", "Bearer from-env"));
  }

  @Test
  void badValuesNameThePath() {
    assertThatThrownBy(() -> read("otlp:\n  endpoint: collector:4318\n", Map.of()))
        .hasMessage(
            "agent.yaml: otlp.endpoint (line 2): not an http:// or https:// URL:"
                + " \"collector:4318\"");
    assertThatThrownBy(() -> read("otlp:\n  protocol: grpc\n", Map.of()))
        .hasMessageStartingWith("agent.yaml: otlp.protocol (line 2): only http/protobuf");
    assertThatThrownBy(() -> read("otlp:\n  interval: soon\n", Map.of()))
        .hasMessageStartingWith("agent.yaml: otlp.interval (line 2): expected a duration");
    assertThatThrownBy(() -> read("otlp:\n  headers: Bearer x\n", Map.of()))
        .hasMessage("agent.yaml: otlp.headers (line 2): expected a mapping of names to values");
    assertThatThrownBy(() -> read("otlp:\n  endpont: http://c\n", Map.of()))
        .hasMessageStartingWith("agent.yaml: otlp.endpont (line 2): unknown key");
    assertThatThrownBy(() -> read("logging:\n  format: xml\n", Map.of()))
        .hasMessage("agent.yaml: logging.format (line 2): expected text or json, got \"xml\"");
    assertThatThrownBy(() -> read(PROXY, Map.of("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")))
        .hasMessageStartingWith("OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported");
  }
}
