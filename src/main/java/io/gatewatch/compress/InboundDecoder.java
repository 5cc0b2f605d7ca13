package io.gatewatch.compress;

import com.github.luben.zstd.ZstdException;
import io.gatewatch.protocol.Compression;
import java.util.zip.DataFormatException;

/**
 * One direction of one observed socket: turns its binary WebSocket messages into payloads (JSON
 * bytes or Erlang terms, in the socket's encoding), decompressing a copy as the socket's URL asks.
 * The decompression state lives as long as the socket, made on the first compressed message; what
 * it costs per socket is measured in docs/performance.md. Not thread-safe: one direction, in order.
 *
 * <p>Which messages are compressed:
 *
 * <ul>
 *   <li>from the server, under {@code compress=zstd-stream} or {@code zlib-stream}: every binary
 *       message, one context for the direction (zstd's continuous stream and its one frame per
 *       message both decode through it);
 *   <li>from the client, under either: Discord's clients send plain messages (binary ones for ETF),
 *       Fluxer's continuous variant compresses them; so the direction is compressed when its first
 *       binary message starts a stream (the zstd magic number, a zlib header), plain otherwise;
 *   <li>without transport compression, on a gateway with payload compression (its profile says so):
 *       each server message that starts with a zlib header is a zlib stream of its own.
 * </ul>
 *
 * Everything else is passed through as it is.
 */
public final class InboundDecoder implements AutoCloseable {
  /** What became of one binary message. */
  public enum Status {
    /** A payload is ready: {@link #takePayload()}, {@link #payloadLength()}. */
    PAYLOAD,
    /** A zlib-stream message split over WebSocket messages: nothing yet. */
    INCOMPLETE,
    /** Compressed, and compressed observation is off: not read. */
    UNOBSERVED,
    /** Compressed bytes that do not decompress here, or to more than the limit. */
    UNDECODABLE
  }

  private enum Mode {
    UNDECIDED,
    PLAIN,
    ZSTD,
    ZLIB_STREAM,
    ZLIB_MESSAGES
  }

  private static final int ZSTD_MAGIC = 0xFD2FB528; // little-endian on the wire: 28 b5 2f fd

  private final Compression compression;
  private final boolean observe;
  private final int maxBytes;
  private Mode mode;
  private ZstdCodec.StreamDecompressor zstd;
  private ZlibCodec.StreamInflater zlib;
  private ZlibCodec.MessageInflater zlibMessages;
  private byte[] payload;
  private int payloadLength;

  /**
   * @param compression what the socket's URL asks for
   * @param fromServer the server-to-client direction (else the client's)
   * @param payloadCompression the gateway has payload compression (its profile says so)
   * @param observe false: compressed messages are not decompressed ({@link Status#UNOBSERVED})
   * @param maxBytes the largest payload a compressed message may decompress to
   */
  public InboundDecoder(
      Compression compression,
      boolean fromServer,
      boolean payloadCompression,
      boolean observe,
      int maxBytes) {
    this.compression = compression;
    this.observe = observe;
    this.maxBytes = maxBytes;
    if (compression == Compression.NONE) {
      mode = fromServer && payloadCompression ? Mode.ZLIB_MESSAGES : Mode.PLAIN;
    } else if (fromServer) {
      mode = compression == Compression.ZSTD_STREAM ? Mode.ZSTD : Mode.ZLIB_STREAM;
    } else {
      mode = Mode.UNDECIDED;
    }
  }

  /** Decodes one whole binary message: the first {@code length} bytes of {@code message}. */
  public Status decode(byte[] message, int length) {
    if (mode == Mode.UNDECIDED) {
      mode = startsStream(message, length) ? streamMode() : Mode.PLAIN;
    }
    Mode m = mode;
    if (m == Mode.ZLIB_MESSAGES && !ZlibCodec.isZlibHeader(message, length)) {
      m = Mode.PLAIN;
    }
    if (m == Mode.PLAIN) {
      return payload(message, length);
    }
    if (!observe) {
      return Status.UNOBSERVED;
    }
    return switch (m) {
      case ZSTD -> zstd(message, length);
      case ZLIB_STREAM -> zlibStream(message, length);
      default -> zlibMessage(message, length);
    };
  }

  /**
   * The payload of the last {@link Status#PAYLOAD} (its first {@link #payloadLength()} bytes); the
   * decoder keeps no reference to it, so a socket holds no decompressed message between messages. A
   * plain message is the caller's own array.
   */
  public byte[] takePayload() {
    byte[] p = payload;
    payload = null;
    return p;
  }

  public int payloadLength() {
    return payloadLength;
  }

  private boolean startsStream(byte[] b, int len) {
    if (compression == Compression.ZLIB_STREAM) {
      return ZlibCodec.isZlibHeader(b, len);
    }
    return len >= 4
        && ((b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (b[3] & 0xFF) << 24)
            == ZSTD_MAGIC;
  }

  private Mode streamMode() {
    return compression == Compression.ZLIB_STREAM ? Mode.ZLIB_STREAM : Mode.ZSTD;
  }

  private Status zstd(byte[] message, int length) {
    if (zstd == null) {
      zstd = new ZstdCodec.StreamDecompressor();
    }
    byte[] out;
    try {
      out = zstd.decompress(message, length, maxBytes);
    } catch (ZstdException e) {
      zstd.close(); // the stream is broken; later messages may still be whole frames
      zstd = null;
      return Status.UNDECODABLE;
    }
    return out == null ? Status.UNDECODABLE : payload(out, out.length);
  }

  private Status zlibStream(byte[] message, int length) {
    if (zlib == null) {
      zlib = new ZlibCodec.StreamInflater();
    }
    int n;
    try {
      n = zlib.inflate(message, 0, length, maxBytes);
    } catch (DataFormatException e) {
      return Status.UNDECODABLE;
    }
    if (n == ZlibCodec.StreamInflater.INCOMPLETE) {
      return Status.INCOMPLETE;
    }
    return n < 0 ? Status.UNDECODABLE : payload(zlib.output(), n);
  }

  private Status zlibMessage(byte[] message, int length) {
    if (zlibMessages == null) {
      zlibMessages = new ZlibCodec.MessageInflater();
    }
    byte[] out;
    try {
      out = zlibMessages.inflate(message, 0, length, maxBytes);
    } catch (DataFormatException e) {
      return Status.UNDECODABLE;
    }
    return out == null ? Status.UNDECODABLE : payload(out, out.length);
  }

  private Status payload(byte[] bytes, int length) {
    payload = bytes;
    payloadLength = length;
    return Status.PAYLOAD;
  }

  /** Frees the native decompression state; the decoder may not be used after. */
  @Override
  public void close() {
    if (zstd != null) {
      zstd.close();
      zstd = null;
    }
    if (zlib != null) {
      zlib.close();
      zlib = null;
    }
    if (zlibMessages != null) {
      zlibMessages.close();
      zlibMessages = null;
    }
  }
}
