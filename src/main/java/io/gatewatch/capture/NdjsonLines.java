package io.gatewatch.capture;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a stream into lines without decoding it: NDJSON is UTF-8, and a newline byte never occurs
 * inside a multi-byte character. A trailing {@code \r} is dropped; a line longer than the limit is
 * reported instead of buffered, so one hostile line cannot take the memory.
 */
public final class NdjsonLines {
  private NdjsonLines() {}

  /** Receives the lines, numbered from 1. */
  public interface Handler {
    /** One line: {@code len} bytes of {@code buf}, valid only during the call. */
    void line(long number, byte[] buf, int len);

    /** A line over the limit, skipped; {@code length} is its full length in bytes. */
    void tooLong(long number, long length);
  }

  public static void read(InputStream in, int maxLineBytes, Handler handler) throws IOException {
    byte[] chunk = new byte[64 * 1024];
    byte[] line = new byte[Math.min(maxLineBytes, 8 * 1024)];
    int len = 0;
    long overflow = 0; // bytes of the current line beyond the limit
    long number = 1;
    int n;
    while ((n = in.read(chunk)) > 0) {
      for (int i = 0; i < n; i++) {
        byte b = chunk[i];
        if (b == '\n') {
          finish(handler, number++, line, len, overflow);
          len = 0;
          overflow = 0;
        } else if (overflow > 0 || len == maxLineBytes) {
          overflow++;
        } else {
          if (len == line.length) {
            line = Arrays.copyOf(line, Math.min(maxLineBytes, line.length * 2));
          }
          line[len++] = b;
        }
      }
    }
    if (len > 0 || overflow > 0) {
      finish(handler, number, line, len, overflow);
    }
  }

  private static void finish(Handler handler, long number, byte[] line, int len, long overflow) {
    if (overflow > 0) {
      handler.tooLong(number, len + overflow);
      return;
    }
    if (len > 0 && line[len - 1] == '\r') {
      len--;
    }
    handler.line(number, line, len);
  }

  /** True when the line holds only spaces and tabs. */
  public static boolean isBlank(byte[] buf, int len) {
    for (int i = 0; i < len; i++) {
      if (buf[i] != ' ' && buf[i] != '\t') {
        return false;
      }
    }
    return true;
  }
}
