package io.gatewatch.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeSettingsTest {

  @Test
  void aUrlWithoutAQueryGetsTheProtocolVersionAndEncoding() {
    assertThat(ProbeSettings.gatewayUrl(URI.create("wss://gw.example.com")))
        .hasToString("wss://gw.example.com/?v=1&encoding=json");
    assertThat(ProbeSettings.gatewayUrl(URI.create("ws://127.0.0.1:8765/gateway")))
        .hasToString("ws://127.0.0.1:8765/gateway?v=1&encoding=json");
    assertThat(ProbeSettings.gatewayUrl(URI.create("wss://gw.example.com/?v=1&encoding=json")))
        .hasToString("wss://gw.example.com/?v=1&encoding=json");
  }

  @Test
  void otherSchemesAndCompressionAreRefused() {
    assertThatThrownBy(() -> ProbeSettings.gatewayUrl(URI.create("https://gw.example.com")))
        .hasMessage("url: not a ws:// or wss:// URL");
    assertThatThrownBy(
            () ->
                ProbeSettings.gatewayUrl(
                    URI.create("wss://gw.example.com/?v=1&encoding=json&compress=zstd-stream")))
        .hasMessage("url: the probe speaks plain JSON; remove compress=");
    assertThatThrownBy(
            () ->
                ProbeSettings.gatewayUrl(
                    URI.create("wss://gw.example.com/?v=1&encoding=json&compress=zlib-stream")))
        .hasMessage("url: the probe speaks plain JSON; remove compress=");
    assertThatThrownBy(
            () -> ProbeSettings.gatewayUrl(URI.create("wss://gw.example.com/?v=10&encoding=etf")))
        .hasMessage("url: the probe speaks plain JSON; use encoding=json, not encoding=etf");
  }

  @Test
  void theTokenIsTrimmedAndNeverPrinted(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, "  secret-token\n");
    ProbeToken fromFile = ProbeToken.fromFile(file);
    assertThat(fromFile.value()).isEqualTo("secret-token");
    assertThat(fromFile).hasToString("token from file " + file);

    ProbeToken fromEnv = ProbeToken.fromEnv("PROBE_TOKEN", Map.of("PROBE_TOKEN", "secret-env"));
    assertThat(fromEnv.value()).isEqualTo("secret-env");
    assertThat(fromEnv).hasToString("token from environment variable PROBE_TOKEN");

    Files.writeString(file, "\n");
    assertThatThrownBy(() -> ProbeToken.fromFile(file))
        .hasMessage("token file " + file + " is empty");
    assertThatThrownBy(() -> ProbeToken.fromEnv("PROBE_TOKEN", Map.of()))
        .hasMessage("environment variable PROBE_TOKEN is not set");
  }
}
