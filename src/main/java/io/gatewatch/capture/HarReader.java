package io.gatewatch.capture;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.gatewatch.compress.InboundDecoder;
import io.gatewatch.protocol.Compression;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.protocol.UrlQuery;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;

/**
 * Reads a HAR file exported by a browser's developer tools (docs/capture-format.md, "HAR files")
 * into the {@link CaptureEvent}s a capture of the same sockets would give: each WebSocket entry
 * becomes an {@code open}, its {@code _webSocketMessages} frames, and a {@code close} when the HAR
 * holds a close frame. Everything downstream (tracker, report, metrics) is the NDJSON path's.
 *
 * <p>Read with Jackson's streaming parser: other entries (pages, scripts, their bodies) are skipped
 * unread, and of a WebSocket entry only {@code startedDateTime}, {@code request.url} (its path and
 * the gateway's {@code v}, {@code encoding} and {@code compress}), {@code _resourceType} and the
 * messages are read; never headers, cookies or other query parameters. Tokens in the messages are
 * redacted as they are read. The events are held to be sorted by time across sockets, so what is
 * held is bounded ({@code maxHeldBytes}).
 */
public final class HarReader {
  /**
   * A message time below this is epoch seconds (Chrome writes 1666255720.899063), at or above it
   * epoch milliseconds (Firefox may): 1e11 seconds is the year 5138, 1e11 milliseconds March 1973.
   */
  static final BigDecimal SECONDS_BELOW = BigDecimal.valueOf(100_000_000_000L);

  /** What replay holds of one HAR's messages at most, to sort them. */
  public static final long DEFAULT_MAX_HELD_BYTES = 256L << 20;

  private static final byte[] LOG = "\"log\"".getBytes(StandardCharsets.US_ASCII);

  /** A message or entry that was skipped, and why; {@code line} is where it starts in the HAR. */
  public record Rejection(long line, String error) {}

  /**
   * What a HAR holds: the events of its WebSocket entries sorted by time (stably: one socket's
   * events keep their order), the messages and entries skipped, and how many sockets there were.
   */
  public record Result(List<CaptureEvent> events, List<Rejection> rejections, int sockets) {}

  private final JsonFactory json;
  private final TokenRedactor redactor;
  private final int maxMessageBytes;
  private final long maxHeldBytes;

  /**
   * A reader that redacts every message's tokens with {@code redactor}, rejects a message over
   * {@code maxMessageBytes} (the capture format's per-line limit) and refuses a HAR whose messages
   * are over {@code maxHeldBytes} in all (they are held to be sorted).
   */
  public HarReader(TokenRedactor redactor, int maxMessageBytes, long maxHeldBytes) {
    this.redactor = redactor;
    this.maxMessageBytes = maxMessageBytes;
    this.maxHeldBytes = maxHeldBytes;
    // room for a message over the limit (base64 is 4/3 of its bytes) to be read and rejected
    int maxString = (int) Math.min(Integer.MAX_VALUE / 2, 2L * maxMessageBytes + 1024);
    this.json =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(1000)
                    .maxStringLength(maxString)
                    .build())
            .build();
  }

  /**
   * True when the bytes start like a HAR: a JSON object whose first member is {@code log} (white
   * space and a UTF-8 byte order mark allowed). A capture line starts {@code {"ts"}.
   */
  public static boolean startsLikeHar(byte[] b, int len) {
    int i =
        len >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF ? 3 : 0;
    i = skipSpace(b, i, len);
    if (i >= len || b[i] != '{') {
      return false;
    }
    i = skipSpace(b, i + 1, len);
    return i + LOG.length <= len && Arrays.equals(b, i, i + LOG.length, LOG, 0, LOG.length);
  }

  /** True when the body's first JSON value is an object with a top-level {@code log} member. */
  public boolean hasLog(byte[] body) {
    try (JsonParser p = json.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        if ("log".equals(p.currentName())) {
          return true;
        }
        p.nextToken();
        p.skipChildren();
      }
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Reads a whole HAR.
   *
   * @param connPrefix names the sockets: {@code connPrefix} and the entry's index
   * @throws CaptureFormatException when the file is not a HAR gatewatch can read (not JSON, no
   *     {@code log.entries}, no WebSocket entry, more messages than can be held)
   * @throws IOException when the stream cannot be read
   */
  public Result read(InputStream in, String connPrefix) throws IOException, CaptureFormatException {
    Reading r = new Reading(connPrefix);
    try (JsonParser p = json.createParser(in)) {
      r.har(p);
    } catch (JsonProcessingException e) {
      long line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
      throw new CaptureFormatException(
          "not valid JSON"
              + (line > 0 ? " at line " + line : "")
              + ": "
              + CaptureParser.firstLine(e.getOriginalMessage()));
    }
    if (r.sockets == 0) {
      throw new CaptureFormatException(
          "no WebSocket entry in the HAR ("
              + r.entries
              + " entries); export it from the"
              + " developer tools' network panel with the WebSocket open");
    }
    r.events.sort(Comparator.comparingLong(CaptureEvent::nanos)); // List.sort is stable
    return new Result(r.events, r.rejections, r.sockets);
  }

  /**
   * One message of an entry, checked; its payload held as read (redaction comes after decoding).
   */
  private record Message(
      long nanos, Direction from, int opcode, byte[] payload, int code, String reason) {}

  /** The state of one {@link #read}. */
  private final class Reading {
    final String connPrefix;
    final List<CaptureEvent> events = new ArrayList<>();
    final List<Rejection> rejections = new ArrayList<>();
    int entries;
    int sockets;
    long held;

    Reading(String connPrefix) {
      this.connPrefix = connPrefix;
    }

    void har(JsonParser p) throws IOException, CaptureFormatException {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new CaptureFormatException("not a HAR: expected a JSON object with log.entries");
      }
      boolean sawEntries = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        if (p.nextToken() == JsonToken.START_OBJECT && "log".equals(field)) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String member = p.currentName();
            if (p.nextToken() == JsonToken.START_ARRAY && "entries".equals(member)) {
              sawEntries = true;
              entries(p);
            } else {
              p.skipChildren();
            }
          }
        } else {
          p.skipChildren();
        }
      }
      if (!sawEntries) {
        throw new CaptureFormatException("not a HAR: log.entries: required (an array)");
      }
    }

    private void entries(JsonParser p) throws IOException, CaptureFormatException {
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
        int index = entries++;
        if (t == JsonToken.START_OBJECT) {
          entry(p, index);
        } else {
          p.skipChildren(); // not an entry: nothing to read
        }
      }
    }

    private void entry(JsonParser p, int index) throws IOException, CaptureFormatException {
      String where = "entries[" + index + "]";
      long line = p.currentTokenLocation().getLineNr();
      JsonToken started = null;
      String startedText = null;
      String url = null;
      String resourceType = null;
      List<Message> messages = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "startedDateTime" -> {
            started = value;
            startedText = value == JsonToken.VALUE_STRING ? p.getText() : null;
          }
          case "request" -> url = requestUrl(p, value);
          case "_resourceType" ->
              resourceType = value == JsonToken.VALUE_STRING ? p.getText() : null;
          case "_webSocketMessages" -> {
            if (value == JsonToken.START_ARRAY) {
              messages = messages(p, where + "._webSocketMessages");
            } else {
              p.skipChildren();
            }
          }
          default -> p.skipChildren(); // response, timings, headers, cookies: never read
        }
      }
      boolean webSocket =
          messages != null
              || "websocket".equals(resourceType)
              || (url != null && (url.startsWith("ws://") || url.startsWith("wss://")));
      if (!webSocket) {
        return;
      }
      if (messages == null) {
        messages = List.of();
      }
      Long openNanos = null;
      if (startedText != null) {
        try {
          openNanos = nanos(OffsetDateTime.parse(startedText).toInstant());
        } catch (DateTimeParseException e) {
          // reported below when there is no message time to fall back on
        }
      }
      if (openNanos == null && started != null && started != JsonToken.VALUE_NULL) {
        reject(line, where + ".startedDateTime: expected ISO-8601 with an offset");
      }
      for (Message m : messages) { // a socket opens no later than its first message
        openNanos = openNanos == null ? m.nanos() : Math.min(openNanos, m.nanos());
      }
      if (openNanos == null) {
        reject(line, where + ".startedDateTime: required");
        return;
      }
      sockets++;
      socket(connPrefix + index, gatewayUrl(url), openNanos, messages);
    }

    /** {@code request.url}; the rest of the request (headers, cookies, query) is skipped unread. */
    private String requestUrl(JsonParser p, JsonToken value) throws IOException {
      if (value != JsonToken.START_OBJECT) {
        p.skipChildren();
        return null;
      }
      String url = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        if ("url".equals(field) && v == JsonToken.VALUE_STRING) {
          url = p.getText();
        } else {
          p.skipChildren();
        }
      }
      return url;
    }

    private List<Message> messages(JsonParser p, String where)
        throws IOException, CaptureFormatException {
      List<Message> out = new ArrayList<>();
      int index = 0;
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
        String at = where + "[" + index++ + "]";
        long line = p.currentTokenLocation().getLineNr();
        if (t != JsonToken.START_OBJECT) {
          p.skipChildren();
          reject(line, at + ": expected an object");
          continue;
        }
        try {
          Message m = message(p);
          if (m != null) {
            held += m.payload().length + 64L;
            if (held > maxHeldBytes) {
              throw new CaptureFormatException(
                  "the HAR's WebSocket messages are over "
                      + (maxHeldBytes % (1 << 20) == 0
                          ? (maxHeldBytes >> 20) + " MiB"
                          : maxHeldBytes + " bytes")
                      + "; they are held to be sorted by time: split the HAR");
            }
            out.add(m);
          }
        } catch (Rejected e) {
          reject(line, at + e.getMessage());
        }
      }
      return out;
    }

    /** One message, null for a ping or a pong; the object is read to its end either way. */
    private Message message(JsonParser p) throws IOException, Rejected {
      String type = null;
      BigDecimal time = null;
      Integer opcode = null;
      String data = null;
      Integer code = null;
      String reason = "";
      String bad = null; // the first field of the wrong type; the object is still read through
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "type" -> type = value == JsonToken.VALUE_STRING ? p.getText() : "";
          case "time" -> {
            if (value.isNumeric()) {
              time = p.getDecimalValue();
            } else {
              bad = bad != null ? bad : ".time: expected a number (epoch seconds or milliseconds)";
            }
          }
          case "opcode" -> {
            if (value == JsonToken.VALUE_NUMBER_INT) {
              opcode = p.getValueAsInt(-1);
            } else {
              bad = bad != null ? bad : ".opcode: expected an integer";
            }
          }
          case "data" -> {
            if (value == JsonToken.VALUE_STRING) {
              data = p.getText();
            } else if (value != JsonToken.VALUE_NULL) {
              bad = bad != null ? bad : ".data: expected a string";
            }
          }
          case "code" -> code = value == JsonToken.VALUE_NUMBER_INT ? p.getValueAsInt(-1) : null;
          case "reason" -> reason = value == JsonToken.VALUE_STRING ? p.getText() : "";
          default -> p.skipChildren();
        }
      }
      if (bad != null) {
        throw new Rejected(bad);
      }
      if (opcode == null) {
        throw new Rejected(".opcode: required");
      }
      if (opcode == 9 || opcode == 10) {
        return null; // ping and pong: not the gateway's protocol
      }
      if (opcode != 1 && opcode != 2 && opcode != 8) {
        throw new Rejected(".opcode: " + opcode + " is not a WebSocket message (1, 2, 8, 9 or 10)");
      }
      Direction from;
      if ("send".equals(type)) {
        from = Direction.CLIENT;
      } else if ("receive".equals(type)) {
        from = Direction.SERVER;
      } else {
        throw new Rejected(".type: expected send or receive");
      }
      if (time == null) {
        throw new Rejected(".time: required");
      }
      long nanos;
      try {
        BigDecimal millis = time.compareTo(SECONDS_BELOW) < 0 ? time.movePointRight(3) : time;
        nanos = CaptureParser.toNanos(millis);
      } catch (CaptureFormatException e) {
        throw new Rejected(".time: not an epoch time: " + time.toPlainString());
      }
      byte[] payload = payload(opcode, data == null ? "" : data);
      if (payload.length > maxMessageBytes) {
        throw new Rejected(
            ": message of " + payload.length + " bytes is over the limit of " + maxMessageBytes);
      }
      int closeCode = opcode == 8 ? closeCode(code, data) : 0;
      return new Message(nanos, from, opcode, payload, closeCode, reason);
    }

    private byte[] payload(int opcode, String data) throws Rejected {
      if (opcode == 2) {
        try {
          return Base64.getDecoder().decode(data);
        } catch (IllegalArgumentException e) {
          throw new Rejected(".data: not base64");
        }
      }
      return opcode == 1 ? data.getBytes(StandardCharsets.UTF_8) : new byte[0];
    }

    /**
     * A close frame's code: its {@code code} field, else its data as a number; 1005 (no status)
     * when it has neither, as a browser reports a close frame without a code.
     */
    private int closeCode(Integer code, String data) throws Rejected {
      int c;
      if (code != null) {
        c = code;
      } else if (data == null || data.isBlank()) {
        return 1005;
      } else {
        try {
          c = Integer.parseInt(data.trim());
        } catch (NumberFormatException e) {
          throw new Rejected(".code: expected a close code in code or data");
        }
      }
      if (c < 1000 || c > 4999) {
        throw new Rejected(".code: " + c + " is not a close code (1000-4999)");
      }
      return c;
    }

    /** The socket's events: open, its frames (binary ones decompressed as its URL asks), close. */
    private void socket(String conn, String url, long openNanos, List<Message> messages) {
      events.add(CaptureEvent.open(openNanos, conn, url));
      Compression compression = Compression.fromUrl(url);
      try (InboundDecoder fromServer = decoder(compression, true);
          InboundDecoder fromClient = decoder(compression, false)) {
        for (Message m : messages) {
          if (m.opcode() == 8) {
            Initiator by = m.from() == Direction.SERVER ? Initiator.SERVER : Initiator.CLIENT;
            events.add(CaptureEvent.close(m.nanos(), conn, m.code(), m.reason(), by));
            return; // the other side's echo and anything after: the socket is closed
          }
          if (m.opcode() == 1) {
            events.add(frame(m, conn, m.payload(), false, null));
            continue;
          }
          InboundDecoder decoder = m.from() == Direction.SERVER ? fromServer : fromClient;
          switch (decoder.decode(m.payload(), m.payload().length)) {
            case PAYLOAD ->
                events.add(
                    frame(
                        m,
                        conn,
                        Arrays.copyOf(decoder.takePayload(), decoder.payloadLength()),
                        true,
                        null));
            case INCOMPLETE -> {} // a zlib-stream message split over messages: the rest follows
            default -> events.add(frame(m, conn, null, true, CaptureEvent.Unread.UNDECODABLE));
          }
        }
      }
    }

    private CaptureEvent frame(
        Message m, String conn, byte[] payload, boolean binary, CaptureEvent.Unread unread) {
      CaptureEvent e =
          new CaptureEvent(
              m.nanos(),
              conn,
              CaptureEvent.Type.FRAME,
              null,
              m.from(),
              payload,
              binary,
              unread == null ? -1 : m.payload().length,
              unread,
              0,
              null,
              null);
      return redactor.redact(e);
    }

    private void reject(long line, String error) {
      rejections.add(new Rejection(line, error));
    }
  }

  private InboundDecoder decoder(Compression compression, boolean fromServer) {
    return new InboundDecoder(compression, fromServer, false, true, maxMessageBytes);
  }

  /**
   * The socket's path and the gateway's query ({@code v}, {@code encoding}, {@code compress}), as a
   * capture's {@code open} line holds it; the scheme, host and every other parameter (a token may
   * hide there) are dropped.
   */
  static String gatewayUrl(String url) {
    if (url == null) {
      return null;
    }
    int scheme = url.indexOf("://");
    int pathStart = scheme < 0 ? 0 : url.indexOf('/', scheme + 3);
    int end = url.indexOf('#');
    String rest = pathStart < 0 ? "" : url.substring(pathStart, end < 0 ? url.length() : end);
    int q = rest.indexOf('?');
    String path = q < 0 ? rest : rest.substring(0, q);
    StringBuilder out = new StringBuilder(path.isEmpty() ? "/" : path);
    char sep = '?';
    for (String name : List.of("v", "encoding", "compress")) {
      String value = UrlQuery.first(rest, name);
      if (value != null && value.matches("[A-Za-z0-9._-]*")) {
        out.append(sep).append(name).append('=').append(value);
        sep = '&';
      }
    }
    return out.toString();
  }

  private static long nanos(java.time.Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  private static int skipSpace(byte[] b, int i, int len) {
    while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')) {
      i++;
    }
    return i;
  }

  /** A message that breaks the rules; the message names the field, after the message's path. */
  private static final class Rejected extends Exception {
    Rejected(String message) {
      super(message, null, false, false);
    }
  }
}
