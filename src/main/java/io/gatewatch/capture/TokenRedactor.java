package io.gatewatch.capture;

import io.gatewatch.protocol.TokenFingerprinter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Replaces the value of every {@code "token"} key in a payload with {@code <redacted:FP>}, wherever
 * it stands and whether or not the payload is valid JSON: a truncated Identify must not carry its
 * token into a capture. Values already redacted keep their fingerprint.
 */
public final class TokenRedactor {
  private static final byte[] KEY = "\"token\"".getBytes(StandardCharsets.US_ASCII);

  private final TokenFingerprinter fingerprinter;

  public TokenRedactor(TokenFingerprinter fingerprinter) {
    this.fingerprinter = fingerprinter;
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
