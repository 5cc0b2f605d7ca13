package io.gatewatch.proxy;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;

/**
 * One WebSocket frame as it went over the wire: its type ({@code text}, {@code binary}, {@code
 * continuation}, {@code ping}, {@code pong}, {@code close}), FIN bit, RSV bits and payload bytes
 * (hex, so that records compare byte for byte and print readably).
 */
record WireFrame(String type, boolean fin, int rsv, String hex) {

  static WireFrame of(WebSocketFrame f) {
    return new WireFrame(type(f), f.isFinalFragment(), f.rsv(), ByteBufUtil.hexDump(f.content()));
  }

  static String type(WebSocketFrame f) {
    if (f instanceof TextWebSocketFrame) {
      return "text";
    } else if (f instanceof BinaryWebSocketFrame) {
      return "binary";
    } else if (f instanceof ContinuationWebSocketFrame) {
      return "continuation";
    } else if (f instanceof PingWebSocketFrame) {
      return "ping";
    } else if (f instanceof PongWebSocketFrame) {
      return "pong";
    } else if (f instanceof CloseWebSocketFrame) {
      return "close";
    }
    return f.getClass().getSimpleName();
  }

  byte[] bytes() {
    return ByteBufUtil.decodeHexDump(hex);
  }

  String text() {
    return new String(bytes(), StandardCharsets.UTF_8);
  }

  /** For a close frame: its status code (-1 without one). */
  int closeCode() {
    byte[] b = bytes();
    return b.length < 2 ? -1 : ((b[0] & 0xff) << 8) | (b[1] & 0xff);
  }

  /** For a close frame: its reason. */
  String closeReason() {
    byte[] b = bytes();
    return b.length <= 2 ? "" : new String(b, 2, b.length - 2, StandardCharsets.UTF_8);
  }
}
