package io.gatewatch.proxy;

import io.gatewatch.compress.ZstdCodec;
import io.gatewatch.protocol.GatewayProfile;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The frame a draining proxy writes to one client before its close: the profile's reconnect opcode
 * (op 7) in that socket's own encoding and compression, or none where the proxy cannot write into
 * the socket's stream without breaking it. The close with the profile's resumable code follows
 * either way, and the seed's strategy resumes after a resumable code alone, so a socket without the
 * frame is still asked to resume.
 *
 * <ul>
 *   <li>{@code encoding=json} (or none), uncompressed: a text frame {@code {"op":7,"d":null}}.
 *   <li>{@code compress=zstd-stream} without {@code stream=1}: every server message is its own zstd
 *       frame, so the notice goes as one more: a binary frame holding the compressed JSON.
 *   <li>{@code compress=zstd-stream&stream=1} (one zstd stream for the socket's life), any other
 *       {@code compress} ({@code zlib-stream}) and any other {@code encoding} ({@code etf}): none.
 *       A continuous stream's compressor state belongs to the upstream; a frame made here would
 *       corrupt the client's decompressor. An encoding this class does not write gets no frame.
 * </ul>
 *
 * Called on the relay's event loop; every frame returned is new (the caller owns it).
 */
final class ReconnectNotice {
  private ReconnectNotice() {}

  /**
   * @param target the socket's request target ({@code /?v=1&encoding=json})
   * @return the frame, or null when none is sent on this socket
   */
  static WebSocketFrame frame(String target, GatewayProfile.Drain drain) {
    if (drain.reconnectOp() == null) {
      return null;
    }
    Map<String, List<String>> query = new QueryStringDecoder(target).parameters();
    String encoding = first(query, "encoding");
    if (encoding != null && !encoding.equals("json")) {
      return null;
    }
    byte[] json =
        ("{\"op\":" + drain.reconnectOp().code() + ",\"d\":null}").getBytes(StandardCharsets.UTF_8);
    String compress = first(query, "compress");
    if (compress == null) {
      return new TextWebSocketFrame(Unpooled.wrappedBuffer(json));
    }
    String stream = first(query, "stream");
    boolean continuous = "1".equals(stream) || "true".equals(stream);
    if (compress.equals("zstd-stream") && !continuous) {
      return new BinaryWebSocketFrame(Unpooled.wrappedBuffer(ZstdCodec.compressFrame(json)));
    }
    return null;
  }

  private static String first(Map<String, List<String>> query, String key) {
    List<String> values = query.get(key);
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}
