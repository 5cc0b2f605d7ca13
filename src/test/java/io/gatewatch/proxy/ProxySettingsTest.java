package io.gatewatch.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProxySettingsTest {

  @Test
  void defaults() {
    ProxySettings s = ProxySettings.of(URI.create("wss://gateway.fluxer.app"));
    assertThat(s.listen()).isEqualTo(new InetSocketAddress("127.0.0.1", 8766));
    assertThat(s.upstream()).isEqualTo(URI.create("wss://gateway.fluxer.app"));
    assertThat(s.maxConnections()).isEqualTo(10_000);
    assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.idleTimeout()).isEqualTo(Duration.ofSeconds(120));
    assertThat(s.maxFrameBytes()).isEqualTo(16 * 1024 * 1024);
    assertThat(s.upstreamCa()).isNull();
    assertThat(s.listenerTls()).isNull();
    assertThat(s.eventLoopThreads()).isZero();
    assertThat(s.upstreamTls()).isTrue();
    assertThat(s.upstreamHost()).isEqualTo("gateway.fluxer.app");
    assertThat(s.upstreamPort()).isEqualTo(443);
    assertThat(s.upstreamHostHeader()).isEqualTo("gateway.fluxer.app");
  }

  @Test
  void upstreamPortsAndHostHeaders() {
    assertThat(ProxySettings.builder("ws://gw:80/").build().upstreamHostHeader()).isEqualTo("gw");
    assertThat(ProxySettings.builder("ws://gw:80/").build().upstreamPort()).isEqualTo(80);
    ProxySettings v6 = ProxySettings.builder("WS://[::1]:8765").build();
    assertThat(v6.upstream()).isEqualTo(URI.create("ws://[::1]:8765"));
    assertThat(v6.upstreamHost()).isEqualTo("::1");
    assertThat(v6.upstreamHostHeader()).isEqualTo("[::1]:8765");
    assertThat(ProxySettings.builder("wss://gw:443").build().upstreamHostHeader()).isEqualTo("gw");
  }

  @Test
  void builderAndToBuilderCarryEverySetting() {
    ProxySettings s =
        ProxySettings.builder("ws://127.0.0.1:1")
            .listen("[::1]:0")
            .maxConnections(3)
            .connectTimeout(Duration.ofMillis(250))
            .idleTimeout(Duration.ZERO)
            .maxFrameBytes(4096)
            .upstreamCa(Path.of("ca.pem"))
            .listenerTls(Path.of("cert.pem"), Path.of("key.pem"))
            .eventLoopThreads(4)
            .build();
    assertThat(s.toBuilder().build()).isEqualTo(s);
    assertThat(s.listen()).isEqualTo(new InetSocketAddress("::1", 0));
    assertThat(s.listenerTls().privateKey()).isEqualTo(Path.of("key.pem"));
  }

  @Test
  void invalidSettingsNameTheSetting() {
    assertThatThrownBy(() -> ProxySettings.builder("http://gw").build())
        .hasMessage("upstream: not a ws:// or wss:// URL: http://gw");
    assertThatThrownBy(() -> ProxySettings.builder("gw:8765").build())
        .hasMessageStartingWith("upstream: not a ws:// or wss:// URL");
    assertThatThrownBy(() -> ProxySettings.builder("ws:///x").build())
        .hasMessageStartingWith("upstream: ");
    assertThatThrownBy(() -> ProxySettings.builder("ws://gw/gateway").build())
        .hasMessageStartingWith("upstream: must not have a path");
    assertThatThrownBy(() -> ProxySettings.builder("ws://gw/?v=1").build())
        .hasMessageStartingWith("upstream: must not have a query");
    assertThatThrownBy(() -> ProxySettings.builder("ws://a b").build())
        .hasMessageStartingWith("upstream: not a ws:// or wss:// URL");
    assertThatThrownBy(() -> ProxySettings.builder((URI) null).build())
        .hasMessage("upstream: required");
    assertThatThrownBy(() -> ProxySettings.builder("ws://gw").maxConnections(0).build())
        .hasMessage("maxConnections: must be at least 1, got 0");
    assertThatThrownBy(() -> ProxySettings.builder("ws://gw").connectTimeout(Duration.ZERO).build())
        .hasMessageStartingWith("connectTimeout: must be positive");
    assertThatThrownBy(
            () -> ProxySettings.builder("ws://gw").idleTimeout(Duration.ofSeconds(-1)).build())
        .hasMessageStartingWith("idleTimeout: must not be negative");
    assertThatThrownBy(() -> ProxySettings.builder("ws://gw").maxFrameBytes(124).build())
        .hasMessage("maxFrameBytes: must be at least 125, got 124");
    assertThatThrownBy(() -> ProxySettings.builder("ws://gw").eventLoopThreads(-1).build())
        .hasMessageStartingWith("eventLoopThreads: ");
    assertThatThrownBy(() -> ProxySettings.builder("ws://gw").listen("nowhere"))
        .hasMessageStartingWith("listen: expected HOST:PORT");
    assertThatThrownBy(
            () -> ProxySettings.builder("ws://gw").listen((InetSocketAddress) null).build())
        .hasMessage("listen: required");
  }
}
