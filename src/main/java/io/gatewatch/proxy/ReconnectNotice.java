package io.gatewatch.proxy;

import io.gatewatch.protocol.Compression;
import io.gatewatch.protocol.Encoding;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.UrlQuery;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;

/**
 * How a draining proxy asks one client to reconnect, from the profile's {@code drain}: its
 * reconnect opcode (op 7) as a frame in the socket's own encoding, where the proxy can write one
 * into the socket's stream without breaking it, then its resumable close. The seed's strategy
 * resumes after a resumable close alone, so a socket that gets no frame is still asked to resume.
 *
 * <ul>
 *   <li>No {@code compress}, {@code encoding=json} (or none): a text frame {@code
 *       {"op":7,"d":null}}. Text frames are JSON on every socket, so this holds with Discord's
 *       payload compression too (clients inflate binary messages only).
 *   <li>No {@code compress}, {@code encoding=etf}: a binary frame holding the term {@code #{d =>
 *       nil, op => 7}} as a Discord-style gateway writes it (atom keys, {@code nil}); none where
 *       the profile has payload compression, whose binary messages are zlib streams.
 *   <li>Any {@code compress} ({@code zstd-stream} of either variant, {@code zlib-stream}): none.
 *       The stream's compressor state is the upstream's, and whether a zstd socket without {@code
 *       stream=1} gets one frame per message (Fluxer's older builds) or one stream (Discord) is not
 *       in its URL; a frame the proxy made would corrupt the client's decompressor.
 * </ul>
 *
 * Immutable; {@link #frame} makes a new frame each time (the caller owns it).
 */
public final class ReconnectNotice {
  private static final int ETF_VERSION = 131;
  private static final int MAP_EXT = 116;
  private static final int SMALL_ATOM_UTF8_EXT = 119;
  private static final int SMALL_INTEGER_EXT = 97;

  private final GatewayProfile.Drain drain;
  private final byte[] json;
  private final byte[] etf;

  public ReconnectNotice(GatewayProfile profile) {
    this.drain = profile.drain();
    if (drain.reconnectOp() == null) {
      json = null;
      etf = null;
    } else {
      int op = drain.reconnectOp().code(); // 0-255: a profile's opcodes fit in a small integer
      json = ("{\"op\":" + op + ",\"d\":null}").getBytes(StandardCharsets.UTF_8);
      etf =
          profile.transport().payloadCompression()
              ? null
              : new byte[] {
                (byte) ETF_VERSION,
                (byte) MAP_EXT,
                0,
                0,
                0,
                2,
                (byte) SMALL_ATOM_UTF8_EXT,
                1,
                'd',
                (byte) SMALL_ATOM_UTF8_EXT,
                3,
                'n',
                'i',
                'l',
                (byte) SMALL_ATOM_UTF8_EXT,
                2,
                'o',
                'p',
                (byte) SMALL_INTEGER_EXT,
                (byte) op
              };
    }
  }

  /** The close code both sides get: one the profile marks resumable. */
  int closeCode() {
    return drain.close().code();
  }

  /** The close frame's reason. */
  String reason() {
    return drain.reason();
  }

  /**
   * @param target the socket's request target ({@code /?v=1&encoding=json})
   * @return the reconnect frame for this socket, or null when none can be sent on it
   */
  WebSocketFrame frame(String target) {
    if (json == null || Compression.fromUrl(target) != Compression.NONE) {
      return null;
    }
    String encoding = UrlQuery.first(target, "encoding");
    if (encoding == null || Encoding.parse(encoding) == Encoding.JSON) {
      return new TextWebSocketFrame(Unpooled.wrappedBuffer(json.clone()));
    }
    if (Encoding.parse(encoding) == Encoding.ETF && etf != null) {
      return new BinaryWebSocketFrame(Unpooled.wrappedBuffer(etf.clone()));
    }
    return null; // an encoding the proxy does not write
  }
}
