package io.gatewatch.compress;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * {@code compress=zstd-stream} as the two gateway generations do it (docs/protocol.md):
 *
 * <ul>
 *   <li>per message (older builds, no {@code stream} parameter): every server message is one
 *       complete zstd frame ({@link #compressFrame}); clients send plain text;
 *   <li>continuous ({@code stream=1|true}): one zstd stream per direction for the life of the
 *       socket, flushed at the end of every message ({@link StreamCompressor}); the receiver feeds
 *       every binary message of its direction, in order, to one {@link StreamDecompressor}.
 * </ul>
 *
 * Both ends of both variants are here, so tests (and clients written in Java) decode exactly what
 * the simulator encodes. Each compressor and decompressor is single-threaded and must be {@link
 * #close}d (native memory).
 */
public final class ZstdCodec {
  /** The compression level the simulator uses. */
  public static final int LEVEL = 3;

  private ZstdCodec() {}

  /** One message as one complete zstd frame (with its content size). */
  public static byte[] compressFrame(byte[] message) {
    return Zstd.compress(message, LEVEL);
  }

  /** One direction's continuous stream, flushed after every message. */
  public static final class StreamCompressor implements AutoCloseable {
    private final ZstdCompressCtx ctx = new ZstdCompressCtx();

    public StreamCompressor() {
      ctx.setLevel(LEVEL);
    }

    /** Compresses one message into the stream and flushes it: the bytes of one WS message. */
    public byte[] compress(byte[] message) {
      ByteBuffer src = ByteBuffer.wrap(message);
      ByteBuffer dst = ByteBuffer.allocate((int) Zstd.compressBound(message.length) + 32);
      while (true) {
        boolean flushed = ctx.compressByteBufferStream(dst, src, EndDirective.FLUSH);
        if (flushed && !src.hasRemaining()) {
          break;
        }
        if (!dst.hasRemaining()) {
          ByteBuffer bigger = ByteBuffer.allocate(dst.capacity() * 2);
          dst.flip();
          bigger.put(dst);
          dst = bigger;
        }
      }
      return Arrays.copyOf(dst.array(), dst.position());
    }

    @Override
    public void close() {
      ctx.close();
    }
  }

  /**
   * The receiving end of a continuous stream, or of a sequence of whole frames (a zstd stream may
   * hold several frames back to back).
   */
  public static final class StreamDecompressor implements AutoCloseable {
    private final ZstdDecompressCtx ctx = new ZstdDecompressCtx();

    /**
     * Feeds one WebSocket message of the stream and returns what it decompresses to.
     *
     * @param maxBytes the largest output accepted
     * @return the message, or null when it decompresses to more than {@code maxBytes}
     * @throws com.github.luben.zstd.ZstdException when the bytes are not valid zstd here
     */
    public byte[] decompress(byte[] compressed, int maxBytes) {
      return decompress(compressed, compressed.length, maxBytes);
    }

    /** Like {@link #decompress(byte[], int)} for the first {@code length} bytes of the array. */
    public byte[] decompress(byte[] compressed, int length, int maxBytes) {
      ByteBuffer src = ByteBuffer.wrap(compressed, 0, length);
      int limit = maxBytes + 1;
      ByteBuffer dst = ByteBuffer.allocate(Math.min(limit, Math.max(1024, length * 4)));
      while (true) {
        int srcBefore = src.position();
        int dstBefore = dst.position();
        ctx.decompressByteBufferStream(dst, src);
        if (!dst.hasRemaining()) {
          if (dst.capacity() >= limit) {
            return null;
          }
          ByteBuffer bigger = ByteBuffer.allocate((int) Math.min(limit, dst.capacity() * 2L));
          dst.flip();
          bigger.put(dst);
          dst = bigger;
          continue;
        }
        if (src.position() == srcBefore && dst.position() == dstBefore) {
          break;
        }
      }
      return Arrays.copyOf(dst.array(), dst.position());
    }

    /** Like {@link #decompress(byte[], int)} with no practical limit (16 MiB). */
    public byte[] decompress(byte[] compressed) {
      return decompress(compressed, 16 << 20);
    }

    @Override
    public void close() {
      ctx.close();
    }
  }
}
