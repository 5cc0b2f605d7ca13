package io.gatewatch.capture;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * Parses capture lines (NDJSON, docs/capture-format.md) into {@link CaptureEvent}s, one line at a
 * time, with a precise error for a line that does not fit. Thread-safe.
 */
public final class CaptureParser {
  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(1000)
                  .maxStringLength(1 << 24)
                  .build())
          .build();

  /** Parses one line (UTF-8, without its newline). */
  public CaptureEvent parse(byte[] line) throws CaptureFormatException {
    try (JsonParser p = JSON.createParser(line)) {
      return parse(p, line);
    } catch (IOException e) {
      throw new CaptureFormatException("not valid JSON: " + firstLine(e.getMessage()));
    }
  }

  private CaptureEvent parse(JsonParser p, byte[] line) throws IOException, CaptureFormatException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw new CaptureFormatException("not a JSON object");
    }
    BigDecimal ts = null;
    String conn = null;
    String type = null;
    String url = null;
    String from = null;
    byte[] payload = null;
    boolean binary = false;
    Integer code = null;
    int size = -1;
    String reason = null;
    String by = null;
    String unread = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "ts" -> {
          if (!value.isNumeric()) {
            throw new CaptureFormatException("ts: expected epoch milliseconds (a number)");
          }
          ts = p.getDecimalValue();
        }
        case "conn" -> conn = text(p, value, "conn");
        case "type" -> type = text(p, value, "type");
        case "url" -> url = value == JsonToken.VALUE_NULL ? null : text(p, value, "url");
        case "from" -> from = text(p, value, "from");
        case "frame" -> {
          if (binary) {
            throw new CaptureFormatException("frame and frame_b64: expected only one of them");
          }
          payload = payload(p, value, line);
        }
        case "frame_b64" -> {
          if (payload != null) {
            throw new CaptureFormatException("frame and frame_b64: expected only one of them");
          }
          payload = base64(p, value);
          binary = true;
        }
        case "code" -> {
          if (value != JsonToken.VALUE_NUMBER_INT) {
            throw new CaptureFormatException("code: expected an integer close code");
          }
          code = p.getValueAsInt(-1);
        }
        case "size" -> {
          if (value != JsonToken.VALUE_NUMBER_INT || p.getValueAsInt(-1) < 0) {
            throw new CaptureFormatException("size: expected a non-negative integer");
          }
          size = p.getValueAsInt(-1);
        }
        case "reason" -> reason = value == JsonToken.VALUE_NULL ? "" : text(p, value, "reason");
        case "by" -> by = text(p, value, "by");
        case "unread" -> unread = text(p, value, "unread");
        default -> p.skipChildren(); // unknown fields are allowed, for forward compatibility
      }
    }
    if (p.nextToken() != null) {
      throw new CaptureFormatException("more than one JSON value on the line");
    }
    if (ts == null) {
      throw new CaptureFormatException("ts: required");
    }
    if (conn == null || conn.isEmpty()) {
      throw new CaptureFormatException("conn: required");
    }
    if (type == null) {
      throw new CaptureFormatException("type: required (open, frame or close)");
    }
    long nanos = toNanos(ts);
    return switch (type) {
      case "open" -> CaptureEvent.open(nanos, conn, url);
      case "frame" -> {
        Direction direction = direction(from);
        CaptureEvent.Unread why = null;
        if (unread != null) {
          why = CaptureEvent.Unread.parse(unread);
          if (why == null) {
            throw new CaptureFormatException("unread: expected undecodable or unobserved");
          }
          if (payload != null) {
            throw new CaptureFormatException(
                (binary ? "frame_b64" : "frame") + ": not allowed with unread");
          }
          if (size < 0) {
            throw new CaptureFormatException("size: required with unread");
          }
        } else if (payload == null) {
          throw new CaptureFormatException("frame: required for type frame (or frame_b64)");
        }
        yield new CaptureEvent(
            nanos,
            conn,
            CaptureEvent.Type.FRAME,
            null,
            direction,
            payload,
            binary,
            size,
            why,
            0,
            null,
            null);
      }
      case "close" -> {
        Initiator initiator = by == null ? null : Initiator.parse(by);
        if (initiator == null) {
          throw new CaptureFormatException("by: expected server, client or none");
        }
        int closeCode;
        if (initiator == Initiator.NONE) {
          closeCode = 1006;
        } else if (code == null) {
          throw new CaptureFormatException("code: required for type close");
        } else if (code < 1000 || code > 4999) {
          throw new CaptureFormatException("code: " + code + " is not a close code (1000-4999)");
        } else {
          closeCode = code;
        }
        yield CaptureEvent.close(nanos, conn, closeCode, reason == null ? "" : reason, initiator);
      }
      default -> throw new CaptureFormatException("type: expected open, frame or close");
    };
  }

  private static Direction direction(String from) throws CaptureFormatException {
    if ("server".equals(from)) {
      return Direction.SERVER;
    }
    if ("client".equals(from)) {
      return Direction.CLIENT;
    }
    throw new CaptureFormatException("from: expected server or client");
  }

  /** The frame as the bytes that went over the wire: an object's own text, or a string's value. */
  private static byte[] payload(JsonParser p, JsonToken value, byte[] line)
      throws IOException, CaptureFormatException {
    if (value == JsonToken.VALUE_STRING) {
      return p.getText().getBytes(StandardCharsets.UTF_8);
    }
    if (value == JsonToken.START_OBJECT) {
      int start = (int) p.currentTokenLocation().getByteOffset();
      p.skipChildren();
      int end = (int) p.currentLocation().getByteOffset();
      if (start < 0 || end > line.length || end <= start) {
        throw new CaptureFormatException("frame: cannot locate the object's text");
      }
      return Arrays.copyOfRange(line, start, end);
    }
    throw new CaptureFormatException("frame: expected a JSON object or a string");
  }

  /** A binary message's payload: base64 (RFC 4648, the standard alphabet; padding optional). */
  private static byte[] base64(JsonParser p, JsonToken value)
      throws IOException, CaptureFormatException {
    if (value != JsonToken.VALUE_STRING) {
      throw new CaptureFormatException("frame_b64: expected a base64 string");
    }
    try {
      return Base64.getDecoder().decode(p.getText());
    } catch (IllegalArgumentException e) {
      throw new CaptureFormatException("frame_b64: not base64");
    }
  }

  private static String text(JsonParser p, JsonToken value, String field)
      throws IOException, CaptureFormatException {
    if (value != JsonToken.VALUE_STRING) {
      throw new CaptureFormatException(field + ": expected a string");
    }
    return p.getText();
  }

  /** Epoch milliseconds (fraction allowed) to nanoseconds, exactly: no binary rounding. */
  static long toNanos(BigDecimal millis) throws CaptureFormatException {
    if (millis.signum() < 0 || millis.compareTo(BigDecimal.valueOf(9_000_000_000_000L)) > 0) {
      throw new CaptureFormatException("ts: not epoch milliseconds: " + millis.toPlainString());
    }
    return millis.movePointRight(6).setScale(0, RoundingMode.HALF_UP).longValueExact();
  }

  /**
   * Jackson's message without its excerpt of the input: "Unrecognized token 'abc...'" quotes up to
   * 256 characters of the line, which may be an unquoted token (the message goes back to the poster
   * and into replay's report, never the input itself).
   */
  static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int nl = message.indexOf('\n');
    String first = nl < 0 ? message : message.substring(0, nl);
    return UNRECOGNIZED.matcher(first).replaceAll("Unrecognized token");
  }

  private static final java.util.regex.Pattern UNRECOGNIZED =
      java.util.regex.Pattern.compile("Unrecognized token '[^']*'");
}
