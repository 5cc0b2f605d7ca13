package io.gatewatch.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

class ForwardedHeadersTest {

  @Test
  void requestHeadersAreFilteredAndForwardedForIsAppended() {
    HttpHeaders client =
        new DefaultHttpHeaders()
            .add("Host", "proxy.example")
            .add("Connection", "Upgrade, X-Private")
            .add("Connection", "keep-alive")
            .add("Upgrade", "websocket")
            .add("X-Private", "1")
            .add("TE", "trailers")
            .add("Transfer-Encoding", "chunked")
            .add("Content-Length", "0")
            .add("Sec-WebSocket-Key", "k")
            .add("Sec-WebSocket-Version", "13")
            .add("Sec-WebSocket-Extensions", "permessage-deflate")
            .add("Sec-WebSocket-Protocol", "a")
            .add("Sec-WebSocket-Protocol", "b, c")
            .add("X-Forwarded-For", "1.1.1.1")
            .add("Authorization", "Bearer t")
            .add("Accept-Language", "de");
    HttpHeaders out = ForwardedHeaders.upstreamRequest(client, "gw.example:8443", "::1");
    assertThat(out.names())
        .containsExactlyInAnyOrder("Host", "Authorization", "Accept-Language", "X-Forwarded-For");
    assertThat(out.get("Host")).isEqualTo("gw.example:8443");
    assertThat(out.get("X-Forwarded-For")).isEqualTo("1.1.1.1, ::1");
    assertThat(out.get("Authorization")).isEqualTo("Bearer t");
    assertThat(ForwardedHeaders.subprotocols(client)).isEqualTo("a, b, c");
    assertThat(ForwardedHeaders.subprotocols(new DefaultHttpHeaders())).isNull();
  }

  @Test
  void responseHeadersLoseOnlyWhatTheClientHandshakeSetsItself() {
    HttpHeaders upstream =
        new DefaultHttpHeaders()
            .add("Upgrade", "websocket")
            .add("Connection", "Upgrade")
            .add("Sec-WebSocket-Accept", "x")
            .add("Sec-WebSocket-Protocol", "chat")
            .add("Sec-WebSocket-Extensions", "permessage-deflate")
            .add("Set-Cookie", "s=1")
            .add("Set-Cookie", "t=2")
            .add("X-Request-Id", "abc");
    HttpHeaders out = ForwardedHeaders.clientResponse(upstream);
    assertThat(out.getAll("Set-Cookie")).containsExactly("s=1", "t=2");
    assertThat(out.names()).containsExactlyInAnyOrder("Set-Cookie", "X-Request-Id");
  }
}
