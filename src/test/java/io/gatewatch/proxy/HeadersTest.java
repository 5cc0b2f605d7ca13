package io.gatewatch.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The upgrade request and response as they cross the proxy. */
class HeadersTest extends ProxyTestSupport {
  static final String TARGET = "/gate|way/?v=1&encoding=json&q={x}%20y&empty=";

  @Test
  void theRequestGoesUpstreamAsTheClientSentItExceptHopByHopAndHandshakeHeaders() {
    EchoUpstream up = track(new EchoUpstream(null, "superchat").start());
    GatewayProxy proxy = proxy(settings(up.uri()));
    try (RawClient c = RawClient.open(proxy.port(), 0)) {
      c.write(
          RawClient.upgradeRequest(
              TARGET,
              "Connection: X-Hop",
              "X-Hop: secret",
              "Keep-Alive: timeout=5",
              "Proxy-Authorization: Basic Zm9vOmJhcg==",
              "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
              "Sec-WebSocket-Protocol: chat, superchat",
              "Origin: https://app.example",
              "Cookie: a=b",
              "User-Agent: gatewatch-test/1",
              "X-Forwarded-For: 10.0.0.1",
              "X-Forwarded-For: 10.0.0.2"));
      RawClient.Head head = c.readHead();

      EchoUpstream.Conn conn = up.nextConnection();
      await().until(() -> conn.requestHeaders != null);
      HttpHeaders h = conn.requestHeaders;
      assertThat(conn.uri).isEqualTo(TARGET);
      assertThat(h.getAll("Host")).containsExactly("127.0.0.1:" + up.port());
      assertThat(h.getAll("X-Forwarded-For")).containsExactly("10.0.0.1, 10.0.0.2, 127.0.0.1");
      assertThat(h.get("Origin")).isEqualTo("https://app.example");
      assertThat(h.get("Cookie")).isEqualTo("a=b");
      assertThat(h.get("User-Agent")).isEqualTo("gatewatch-test/1");
      assertThat(h.get("Sec-WebSocket-Protocol")).isEqualTo("chat, superchat");
      assertThat(h.get("Sec-WebSocket-Version")).isEqualTo("13");
      assertThat(h.get("Sec-WebSocket-Key")).isNotBlank().isNotEqualTo("dGhlIHNhbXBsZSBub25jZQ==");
      assertThat(h.get("Upgrade")).isEqualToIgnoringCase("websocket");
      assertThat(h.get("Connection")).isEqualToIgnoringCase("upgrade");
      assertThat(h.contains("X-Hop")).isFalse();
      assertThat(h.contains("Keep-Alive")).isFalse();
      assertThat(h.contains("Proxy-Authorization")).isFalse();
      assertThat(h.contains("Sec-WebSocket-Extensions")).isFalse();

      // the client's answer: the upstream's subprotocol choice and headers, no extension
      assertThat(head.status()).isEqualTo(101);
      assertThat(head.headers())
          .containsEntry("sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
          .containsEntry("sec-websocket-protocol", "superchat")
          .containsEntry("x-upstream", "echo")
          .doesNotContainKey("sec-websocket-extensions");

      // and frames pass
      c.sendText("through");
      assertThat(c.readFrame()).isEqualTo(TransparencyTest.text(true, "through"));
      assertThat(observer.opened).containsExactly(TARGET);
    }
  }

  @Test
  void withoutSubprotocolsOrForwardedForNoneAreInvented() {
    EchoUpstream up = upstream();
    GatewayProxy proxy = proxy(settings(up.uri()));
    try (RawClient c = RawClient.open(proxy.port(), 0)) {
      c.write(RawClient.upgradeRequest("/"));
      RawClient.Head head = c.readHead();
      assertThat(head.status()).isEqualTo(101);
      assertThat(head.headers()).doesNotContainKey("sec-websocket-protocol");
      EchoUpstream.Conn conn = up.nextConnection();
      await().until(() -> conn.requestHeaders != null);
      assertThat(conn.requestHeaders.getAll("X-Forwarded-For")).containsExactly("127.0.0.1");
      assertThat(conn.requestHeaders.contains("Origin")).isFalse();
      assertThat(conn.requestHeaders.contains("Sec-WebSocket-Protocol")).isFalse();
      c.sendFrame(8, new byte[] {0x03, (byte) 0xe8});
      WireFrame close = c.readFrame();
      assertThat(close.type()).isEqualTo("close");
      assertThat(close.bytes()).containsExactly(0x03, 0xe8);
      assertThat(new String(close.bytes(), 2, 0, StandardCharsets.UTF_8)).isEmpty();
      assertThat(c.readsToEnd()).isTrue();
    }
  }
}
