package io.gatewatch.capture;

import io.gatewatch.protocol.EtfScanner;
import io.gatewatch.protocol.TokenFingerprinter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Replaces the value of every {@code "token"} key in a payload with {@code <redacted:FP>}, wherever
 * it stands and whether or not the payload is valid JSON (or a valid Erlang term, {@link
 * #redactTerm}): a truncated Identify must not carry its token into a capture. Values already
 * redacted keep their fingerprint.
 */
public final class TokenRedactor {
  private static final byte[] KEY = "\"token\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NAME = "token".getBytes(StandardCharsets.US_ASCII);

  private final TokenFingerprinter fingerprinter;

  public TokenRedactor(TokenFingerprinter fingerprinter) {
    this.fingerprinter = fingerprinter;
  }

  /**
   * The event with every token in its payload reduced to a fingerprint (in an Erlang term when the
   * payload is one), its live size kept; the same event when there is none. The token's bytes are
   * overwritten, so they do not outlive the event.
   */
  public CaptureEvent redact(CaptureEvent e) {
    if (e.type() != CaptureEvent.Type.FRAME || e.payload() == null) {
      return e; // an unread frame has no payload
    }
    byte[] payload = e.payload();
    boolean term = e.binary() && payload.length > 0 && (payload[0] & 0xFF) == EtfScanner.VERSION;
    byte[] clean =
        term ? redactTerm(payload, 0, payload.length) : redact(payload, 0, payload.length);
    if (clean == payload) {
      return e;
    }
    Arrays.fill(payload, (byte) 0);
    return new CaptureEvent(
        e.nanos(),
        e.conn(),
        e.type(),
        e.url(),
        e.from(),
        clean,
        e.binary(),
        e.size() >= 0 ? e.size() : payload.length,
        e.unread(),
        e.code(),
        e.reason(),
        e.by());
  }

  /** The payload with every token value redacted; the same array when there is none. */
  public byte[] redact(byte[] b, int off, int len) {
    int end = off + len;
    ByteArrayOutputStream out = null;
    int copied = off;
    for (int i = indexOf(b, off, end); i >= 0; i = indexOf(b, i + KEY.length, end)) {
      int p = skipSpace(b, i + KEY.length, end);
      if (p >= end || b[p] != ':') {
        continue;
      }
      p = skipSpace(b, p + 1, end);
      if (p >= end || b[p] != '"') {
        continue;
      }
      int start = p + 1;
      int stop = stringEnd(b, start, end);
      if (out == null) {
        out = new ByteArrayOutputStream(len + 32);
      }
      out.write(b, copied, start - copied);
      long fp = fingerprinter.fingerprint(b, start, stop - start);
      out.writeBytes(TokenFingerprinter.redacted(fp).getBytes(StandardCharsets.US_ASCII));
      copied = stop;
      i = stop - KEY.length;
    }
    if (out == null) {
      return off == 0 && len == b.length ? b : Arrays.copyOfRange(b, off, end);
    }
    out.write(b, copied, end - copied);
    return out.toByteArray();
  }

  /**
   * The Erlang term ({@code encoding=etf}) with every token redacted: a binary or byte-list value
   * after a key {@code token} (an atom of any tag, a binary or a byte list), its length prefix
   * rewritten; a value cut off by the end of the payload is redacted up to the end. Returns the
   * same array when there is none.
   */
  public byte[] redactTerm(byte[] b, int off, int len) {
    int end = off + len;
    ByteArrayOutputStream out = null;
    int copied = off;
    for (int i = indexOf(b, NAME, off, end); i >= 0; i = indexOf(b, NAME, i + NAME.length, end)) {
      int v = i + NAME.length;
      if (!isTokenKey(b, off, i) || v >= end) {
        continue;
      }
      int tag = b[v] & 0xFF;
      int header = tag == 'm' ? 5 : tag == 'k' ? 3 : 0; // BINARY_EXT, STRING_EXT
      if (header == 0 || v + header > end) {
        continue;
      }
      long declared =
          header == 5
              ? ((long) (b[v + 1] & 0xFF) << 24)
                  | ((b[v + 2] & 0xFF) << 16)
                  | ((b[v + 3] & 0xFF) << 8)
                  | (b[v + 4] & 0xFF)
              : ((b[v + 1] & 0xFF) << 8) | (b[v + 2] & 0xFF);
      int start = v + header;
      int stop = (int) Math.min(end, start + declared);
      byte[] redacted =
          TokenFingerprinter.redacted(fingerprinter.fingerprint(b, start, stop - start))
              .getBytes(StandardCharsets.US_ASCII);
      if (out == null) {
        out = new ByteArrayOutputStream(len + 32);
      }
      out.write(b, copied, v + 1 - copied);
      if (header == 5) {
        out.write(new byte[] {0, 0, 0, (byte) redacted.length}, 0, 4);
      } else {
        out.write(new byte[] {0, (byte) redacted.length}, 0, 2);
      }
      out.writeBytes(redacted);
      copied = stop;
      i = stop - NAME.length;
    }
    if (out == null) {
      return off == 0 && len == b.length ? b : Arrays.copyOfRange(b, off, end);
    }
    out.write(b, copied, end - copied);
    return out.toByteArray();
  }

  /**
   * True when the 5 bytes {@code token} at {@code i} are a key's contents: an atom, a binary or a
   * byte list.
   */
  private static boolean isTokenKey(byte[] b, int off, int i) {
    int tag1 = i - 2 >= off ? b[i - 2] & 0xFF : -1; // SMALL_ATOM(_UTF8)_EXT: tag, length
    if ((tag1 == 's' || tag1 == 'w') && b[i - 1] == 5) {
      return true;
    }
    int tag2 = i - 3 >= off ? b[i - 3] & 0xFF : -1; // ATOM(_UTF8)_EXT, STRING_EXT: tag, 2 bytes
    if ((tag2 == 'd' || tag2 == 'v' || tag2 == 'k') && b[i - 2] == 0 && b[i - 1] == 5) {
      return true;
    }
    int tag4 = i - 5 >= off ? b[i - 5] & 0xFF : -1; // BINARY_EXT: tag, 4 bytes
    return tag4 == 'm' && b[i - 4] == 0 && b[i - 3] == 0 && b[i - 2] == 0 && b[i - 1] == 5;
  }

  private static int indexOf(byte[] b, byte[] key, int from, int end) {
    outer:
    for (int i = from; i <= end - key.length; i++) {
      for (int k = 0; k < key.length; k++) {
        if (b[i + k] != key[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static int indexOf(byte[] b, int from, int end) {
    outer:
    for (int i = from; i <= end - KEY.length; i++) {
      for (int k = 0; k < KEY.length; k++) {
        if (b[i + k] != KEY[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static int skipSpace(byte[] b, int p, int end) {
    while (p < end && (b[p] == ' ' || b[p] == '\t' || b[p] == '\n' || b[p] == '\r')) {
      p++;
    }
    return p;
  }

  /** The index of the closing quote, or {@code end} when the string is cut off. */
  private static int stringEnd(byte[] b, int p, int end) {
    while (p < end) {
      if (b[p] == '\\') {
        p += 2;
      } else if (b[p] == '"') {
        return p;
      } else {
        p++;
      }
    }
    return end;
  }
}
