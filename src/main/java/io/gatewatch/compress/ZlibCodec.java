package io.gatewatch.compress;

import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * zlib as Discord-style gateways use it, both ends ({@code java.util.zip}, nothing native to load):
 *
 * <ul>
 *   <li>{@code compress=zlib-stream}: one zlib stream per direction for the life of the socket,
 *       sync-flushed at the end of every message, so that every message ends with {@code 00 00 ff
 *       ff} ({@link StreamCompressor}). A receiver feeds every binary message of its direction, in
 *       order, to one {@link StreamInflater}, and a message is complete at that suffix (a sender
 *       may split one across several WebSocket messages).
 *   <li>payload compression (Identify's {@code compress: true}): every server message a complete
 *       zlib stream of its own ({@link #compressMessage}, {@link MessageInflater}).
 * </ul>
 *
 * Every compressor and inflater is single-threaded and must be {@link AutoCloseable#close closed}
 * (native memory).
 */
public final class ZlibCodec {
  /** The sync-flush marker that ends every message of a zlib-stream. */
  public static final int SUFFIX = 0x0000FFFF;

  private ZlibCodec() {}

  /**
   * True when {@code b} starts with a zlib header (deflate, a valid check): how a stream's first
   * message or a payload-compressed message begins. JSON ({@code {}) and Erlang terms (131) never
   * do.
   */
  public static boolean isZlibHeader(byte[] b, int len) {
    if (len < 2) {
      return false;
    }
    int cmf = b[0] & 0xFF;
    int flg = b[1] & 0xFF;
    return (cmf & 0x0F) == 8 && (cmf >>> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
  }

  /** One message as one complete zlib stream (payload compression). */
  public static byte[] compressMessage(byte[] message) {
    Deflater deflater = new Deflater();
    try {
      deflater.setInput(message);
      deflater.finish();
      byte[] out = new byte[message.length + 64];
      int n = 0;
      while (!deflater.finished()) {
        if (n == out.length) {
          out = Arrays.copyOf(out, out.length * 2);
        }
        n += deflater.deflate(out, n, out.length - n);
      }
      return Arrays.copyOf(out, n);
    } finally {
      deflater.end();
    }
  }

  /** One direction's zlib-stream, sync-flushed after every message. */
  public static final class StreamCompressor implements AutoCloseable {
    private final Deflater deflater = new Deflater();

    /** Compresses one message into the stream and flushes it: the bytes of one WS message. */
    public byte[] compress(byte[] message) {
      deflater.setInput(message);
      byte[] out = new byte[message.length + 64];
      int n = 0;
      while (true) {
        n += deflater.deflate(out, n, out.length - n, Deflater.SYNC_FLUSH);
        if (n < out.length) {
          break; // room left: the flush is complete
        }
        out = Arrays.copyOf(out, out.length * 2);
      }
      return Arrays.copyOf(out, n);
    }

    @Override
    public void close() {
      deflater.end();
    }
  }

  /**
   * The receiving end of a zlib-stream. Compressed bytes are inflated as they come, never kept;
   * what a message decompresses to is kept only until its suffix arrives, and never beyond the
   * limit given (output past it is inflated into a scratch buffer and dropped, so the stream stays
   * in step for the messages after it).
   */
  public static final class StreamInflater implements AutoCloseable {
    /** {@link #inflate} result: the message's suffix has not arrived yet. */
    public static final int INCOMPLETE = -1;

    /** {@link #inflate} result: the message decompressed to more than the limit. */
    public static final int TOO_LARGE = -2;

    private final Inflater inflater = new Inflater();
    private byte[] out;
    private int outLength;
    private boolean tooLarge;
    private int tail;
    private byte[] discard;

    /**
     * Feeds one WebSocket message of the stream.
     *
     * @param maxBytes the largest message accepted
     * @return the length of the completed message in {@link #output()}, {@link #INCOMPLETE} or
     *     {@link #TOO_LARGE}
     * @throws DataFormatException when the bytes are not valid here; the stream is then reset (a
     *     later message can only be read if it starts a new stream)
     */
    public int inflate(byte[] in, int off, int len, int maxBytes) throws DataFormatException {
      for (int i = Math.max(off, off + len - 4); i < off + len; i++) {
        tail = (tail << 8) | (in[i] & 0xFF);
      }
      inflater.setInput(in, off, len);
      try {
        while (true) {
          int n;
          if (tooLarge) {
            if (discard == null) {
              discard = new byte[8192];
            }
            n = inflater.inflate(discard);
          } else {
            if (out == null) {
              out = new byte[(int) Math.min(maxBytes + 1L, Math.max(256L, len * 4L))];
            } else if (outLength == out.length) {
              if (out.length > maxBytes) {
                tooLarge = true;
                out = null;
                outLength = 0;
                continue;
              }
              out = Arrays.copyOf(out, (int) Math.min(maxBytes + 1L, out.length * 2L));
            }
            n = inflater.inflate(out, outLength, out.length - outLength);
            outLength += n;
          }
          if (n == 0 && (inflater.needsInput() || inflater.finished())) {
            break;
          }
          if (n == 0 && inflater.needsDictionary()) {
            throw new DataFormatException("a preset dictionary is not part of zlib-stream");
          }
        }
      } catch (DataFormatException e) {
        reset();
        throw e;
      }
      boolean ended = inflater.finished(); // the sender ended its stream: a new one may follow
      if (tail != SUFFIX && !ended) {
        return INCOMPLETE;
      }
      if (ended) {
        inflater.reset();
      }
      int result = tooLarge ? TOO_LARGE : outLength;
      tooLarge = false;
      outLength = 0;
      return result;
    }

    /**
     * The message {@link #inflate} just completed (its first {@code n} bytes, n as it returned);
     * valid until the next call.
     */
    public byte[] output() {
      byte[] done = out;
      out = null;
      return done;
    }

    private void reset() {
      inflater.reset();
      out = null;
      outLength = 0;
      tooLarge = false;
      tail = 0;
    }

    @Override
    public void close() {
      inflater.end();
    }
  }

  /** The receiving end of payload compression: each message a zlib stream of its own. */
  public static final class MessageInflater implements AutoCloseable {
    private final Inflater inflater = new Inflater();

    /**
     * Inflates one message.
     *
     * @return the payload, or null when it is larger than {@code maxBytes}
     * @throws DataFormatException when the message is not one complete zlib stream
     */
    public byte[] inflate(byte[] in, int off, int len, int maxBytes) throws DataFormatException {
      inflater.reset();
      inflater.setInput(in, off, len);
      byte[] out = new byte[(int) Math.min(maxBytes + 1L, Math.max(256L, len * 4L))];
      int n = 0;
      while (!inflater.finished()) {
        if (n == out.length) {
          if (out.length > maxBytes) {
            return null;
          }
          out = Arrays.copyOf(out, (int) Math.min(maxBytes + 1L, out.length * 2L));
        }
        int got = inflater.inflate(out, n, out.length - n);
        n += got;
        if (got == 0
            && !inflater.finished()
            && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new DataFormatException("not one complete zlib stream");
        }
      }
      return n > maxBytes ? null : Arrays.copyOf(out, n);
    }

    @Override
    public void close() {
      inflater.end();
    }
  }
}
