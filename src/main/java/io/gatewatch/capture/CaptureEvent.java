package io.gatewatch.capture;

import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.protocol.Spellings;

/**
 * One line of a capture (docs/capture-format.md): a socket opened, a frame went one way, or a
 * socket closed.
 *
 * @param nanos the line's {@code ts}, in epoch nanoseconds
 * @param conn the capture's name for the socket
 * @param type what happened
 * @param url the socket's path and query ({@code open} only; may be null)
 * @param from who sent the frame ({@code frame} only)
 * @param payload the frame's payload ({@code frame} only): the object's JSON text, the raw wire
 *     text when the capture holds it as a string, or the bytes of {@code frame_b64}; null for a
 *     frame that was not read
 * @param binary true when the payload came as {@code frame_b64}: a binary message, read in the
 *     socket's encoding (an Erlang term when its URL says {@code encoding=etf}); false for JSON
 *     text
 * @param size the payload's size as it was seen live ({@code frame} only), when the capture's
 *     payload differs from it (a redacted token, a metadata-only record); -1 when the payload is as
 *     seen
 * @param unread why the frame was relayed without being read ({@code frame} only), or null when it
 *     was read
 * @param code the close code ({@code close} only)
 * @param reason the close reason ({@code close} only; may be empty)
 * @param by who closed ({@code close} only)
 */
public record CaptureEvent(
    long nanos,
    String conn,
    Type type,
    String url,
    Direction from,
    byte[] payload,
    boolean binary,
    int size,
    Unread unread,
    int code,
    String reason,
    Initiator by) {

  /** A socket opened. */
  static CaptureEvent open(long nanos, String conn, String url) {
    return new CaptureEvent(
        nanos, conn, Type.OPEN, url, null, null, false, -1, null, 0, null, null);
  }

  /** A socket closed. */
  static CaptureEvent close(long nanos, String conn, int code, String reason, Initiator by) {
    return new CaptureEvent(
        nanos, conn, Type.CLOSE, null, null, null, false, -1, null, code, reason, by);
  }

  /** A frame's {@code unread} field: why gatewatch relayed it without reading it. */
  public enum Unread {
    /** Bytes that did not decode (binary without a known compression, a broken stream). */
    UNDECODABLE,
    /** Compressed, and compressed observation was off. */
    UNOBSERVED;

    public String label() {
      return Spellings.of(this);
    }

    /** The value for {@code label}, or null. */
    public static Unread parse(String label) {
      return Spellings.find(values(), Unread::label, label);
    }
  }

  /** The {@code type} field. */
  public enum Type {
    OPEN,
    FRAME,
    CLOSE
  }
}
