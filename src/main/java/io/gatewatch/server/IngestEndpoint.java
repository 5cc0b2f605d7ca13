package io.gatewatch.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.gatewatch.capture.CaptureEvent;
import io.gatewatch.capture.CaptureFormatException;
import io.gatewatch.capture.CaptureParser;
import io.gatewatch.capture.CaptureTap;
import io.gatewatch.capture.HarReader;
import io.gatewatch.capture.TokenRedactor;
import io.gatewatch.metrics.Metric;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.track.ConnectionTracker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/capture}: capture lines (NDJSON, docs/capture-format.md) from clients in any
 * language, parsed by the same parser as {@code replay} and fed to one tracker ({@code
 * source="ingest"}). Each line is judged alone: good lines are processed even when others in the
 * batch are bad, and the answer lists the bad ones. Tokens in ingested frames are replaced by their
 * fingerprints as soon as a line is parsed, before the tracker sees it.
 *
 * <p>A body that is a browser's HAR export ({@link #isHar}) is read by {@link HarReader} instead:
 * each of its events counts as an accepted line, each rejected message as a rejected one, listed
 * with the HAR line it starts on; its messages have the line limit.
 *
 * <p>Answers (all JSON): 200 {@code {"accepted":N,"rejected":[{"line":L,"error":"..."}]}}; 400 the
 * same plus {@code error} when no line of the body is a JSON object (nothing to process: a form, a
 * JSON array, binary) or a HAR cannot be read (no WebSocket entry); 401 without the configured
 * bearer token; 405 for another method; 413 when the body or one line is over its limit (nothing
 * processed); 415 for a multipart or compressed body. At most {@value #MAX_LISTED} rejections are
 * listed; {@code rejected_omitted} counts the rest.
 */
public final class IngestEndpoint implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(IngestEndpoint.class);
  private static final JsonFactory JSON = new JsonFactory();

  /** The path this endpoint serves. */
  public static final String PATH = "/v1/capture";

  static final int MAX_LISTED = 100;

  /**
   * @param bearerToken the token clients must send ({@code Authorization: Bearer ...}), or null for
   *     none
   * @param maxBodyBytes the largest body accepted
   * @param maxLineBytes the longest line accepted
   */
  public record Settings(String bearerToken, int maxBodyBytes, int maxLineBytes) {
    public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;
    public static final int DEFAULT_MAX_LINE_BYTES = 64 << 10;

    /** No auth, default limits. */
    public static final Settings OPEN =
        new Settings(null, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_LINE_BYTES);

    public Settings {
      if (bearerToken != null && bearerToken.isBlank()) {
        throw new IllegalArgumentException("bearer token must not be blank");
      }
      if (maxBodyBytes < 1 || maxLineBytes < 1) {
        throw new IllegalArgumentException("limits must be at least 1 byte");
      }
    }

    /** Never prints the token. */
    @Override
    public String toString() {
      return "Settings[auth="
          + (bearerToken == null ? "none" : "bearer")
          + ", maxBodyBytes="
          + maxBodyBytes
          + ", maxLineBytes="
          + maxLineBytes
          + "]";
    }
  }

  private final CaptureTap tap;
  private final CaptureParser parser = new CaptureParser();
  private final TokenRedactor redactor;
  private final HarReader har;
  private final Settings settings;
  private final byte[] tokenDigest;
  private final Counter accepted;
  private final Counter rejected;
  private final Counter authFailures;

  public IngestEndpoint(
      ConnectionTracker tracker,
      TokenFingerprinter fingerprinter,
      MeterRegistry registry,
      Settings settings) {
    this.tap = new CaptureTap(tracker);
    this.redactor = new TokenRedactor(fingerprinter);
    // what a HAR's messages may take once decompressed: a bounded multiple of the body
    this.har = new HarReader(redactor, settings.maxLineBytes(), 8L * settings.maxBodyBytes());
    this.settings = settings;
    this.tokenDigest = settings.bearerToken() == null ? null : sha256(settings.bearerToken());
    this.accepted = lines(registry, "accepted");
    this.rejected = lines(registry, "rejected");
    this.authFailures =
        tokenDigest == null
            ? null
            : AgentServer.authFailures(registry, AgentServer.Endpoint.CAPTURE);
  }

  private static Counter lines(MeterRegistry registry, String result) {
    return Metric.INGEST_LINES.counter().tag(Metric.Label.RESULT.key(), result).register(registry);
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    if (!PATH.equals(ex.getRequestURI().getPath())) {
      error(ex, 404, "not found");
      return;
    }
    if (!"POST".equals(ex.getRequestMethod())) {
      ex.getResponseHeaders().set("Allow", "POST");
      error(ex, 405, "method not allowed: POST capture lines (NDJSON) here");
      return;
    }
    if (tokenDigest != null && !authorised(ex)) {
      return;
    }
    String type = ex.getRequestHeaders().getFirst("Content-Type");
    if (type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/")) {
      error(ex, 415, "expected the capture lines as the body, not a multipart form");
      return;
    }
    String encoding = ex.getRequestHeaders().getFirst("Content-Encoding");
    if (encoding != null && !encoding.equalsIgnoreCase("identity")) {
      error(ex, 415, "Content-Encoding " + encoding + " is not supported; send the body as is");
      return;
    }
    byte[] body = readBody(ex);
    if (body == null) {
      error(ex, 413, "body over " + settings.maxBodyBytes() + " bytes; send smaller batches");
      return;
    }
    if (isHar(type, body)) {
      processHar(ex, body); // one JSON document: its messages have the line limit, not its lines
      return;
    }
    long longLine = firstLineOver(body, settings.maxLineBytes());
    if (longLine > 0) {
      error(
          ex,
          413,
          "line " + longLine + " is over " + settings.maxLineBytes() + " bytes; nothing processed");
      return;
    }
    process(ex, body);
  }

  /** 401 unless the request carries the configured bearer token; compared in constant time. */
  private boolean authorised(HttpExchange ex) throws IOException {
    String header = ex.getRequestHeaders().getFirst("Authorization");
    if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      authFailures.increment();
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"gatewatch\"");
      error(ex, 401, "bearer token required");
      return false;
    }
    byte[] presented = sha256(header.substring(7).trim());
    if (!MessageDigest.isEqual(presented, tokenDigest)) {
      authFailures.increment();
      log.debug("ingest: rejected a request with a wrong bearer token");
      ex.getResponseHeaders()
          .set("WWW-Authenticate", "Bearer realm=\"gatewatch\", error=\"invalid_token\"");
      error(ex, 401, "invalid bearer token");
      return false;
    }
    return true;
  }

  /** The whole body, or null when it is over the limit (read no further than the limit). */
  private byte[] readBody(HttpExchange ex) throws IOException {
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      try {
        if (Long.parseLong(length.trim()) > settings.maxBodyBytes()) {
          return null;
        }
      } catch (NumberFormatException e) {
        // the server has already refused a malformed length; read and count instead
      }
    }
    // not closed here: what is left of a body over the limit is discarded after the 413
    byte[] body = ex.getRequestBody().readNBytes(settings.maxBodyBytes() + 1);
    return body.length > settings.maxBodyBytes() ? null : body;
  }

  /** The number of the first line longer than {@code max} bytes (its {@code \r} not counted). */
  static long firstLineOver(byte[] body, int max) {
    long number = 1;
    int start = 0;
    for (int i = 0; i <= body.length; i++) {
      if (i == body.length || body[i] == '\n') {
        int len = i - start;
        if (len > 0 && body[i - 1] == '\r') {
          len--;
        }
        if (len > max) {
          return number;
        }
        number++;
        start = i + 1;
      }
    }
    return -1;
  }

  private record Rejection(long line, String error) {}

  private void process(HttpExchange ex, byte[] body) throws IOException {
    List<Rejection> rejections = new ArrayList<>();
    long accepts = 0;
    long rejects = 0;
    boolean anyObject = false;
    long number = 1;
    int start = 0;
    for (int i = 0; i <= body.length; i++) {
      if (i < body.length && body[i] != '\n') {
        continue;
      }
      int end = i > start && body[i - 1] == '\r' ? i - 1 : i;
      if (i == body.length && start == body.length) {
        break; // the body ended with a newline
      }
      byte[] line = Arrays.copyOfRange(body, start, end);
      start = i + 1;
      long n = number++;
      if (isBlank(line)) {
        continue;
      }
      try {
        CaptureEvent event = redactor.redact(parser.parse(line));
        anyObject = true;
        tap.accept(event);
        accepts++;
      } catch (CaptureFormatException e) {
        anyObject |= !notAnObject(e);
        rejects++;
        if (rejections.size() < MAX_LISTED) {
          rejections.add(new Rejection(n, e.getMessage()));
        }
      }
    }
    boolean bad = !anyObject && rejects > 0;
    answer(
        ex,
        bad ? "no line of the body is a JSON object; expected NDJSON" : null,
        accepts,
        rejects,
        rejections);
  }

  /**
   * A HAR (docs/capture-format.md, "HAR files"): a body that starts {@code {"log"}, or any JSON
   * object with a top-level {@code log} sent as {@code application/json}. NDJSON stays the default:
   * capture lines posted as {@code application/json} are read as lines.
   */
  private boolean isHar(String type, byte[] body) {
    if (HarReader.startsLikeHar(body, body.length)) {
      return true;
    }
    return type != null
        && type.toLowerCase(Locale.ROOT).startsWith("application/json")
        && har.hasLog(body);
  }

  /**
   * A browser's HAR: its WebSocket entries become events, each counted as an accepted line; a
   * rejected message is listed with the HAR line it starts on.
   */
  private void processHar(HttpExchange ex, byte[] body) throws IOException {
    HarReader.Result result;
    try {
      result = har.read(new ByteArrayInputStream(body), "har-" + UUID.randomUUID() + ":");
    } catch (CaptureFormatException e) {
      answer(ex, e.getMessage(), 0, 0, List.of());
      return;
    }
    List<Rejection> rejections = new ArrayList<>();
    for (HarReader.Rejection r : result.rejections()) {
      if (rejections.size() < MAX_LISTED) {
        rejections.add(new Rejection(r.line(), r.error()));
      }
    }
    long accepts = 0;
    long rejects = result.rejections().size();
    for (CaptureEvent e : result.events()) {
      try {
        tap.accept(e); // in time order, each socket its own: refused only if that ever broke
        accepts++;
      } catch (CaptureFormatException refused) {
        rejects++; // counted, not lost; a HAR message has no line of its own to list
      }
    }
    answer(ex, null, accepts, rejects, rejections);
  }

  /** Counts the lines and answers: 200, or 400 with {@code error} when nothing could be read. */
  private void answer(
      HttpExchange ex, String error, long accepts, long rejects, List<Rejection> rejections)
      throws IOException {
    accepted.increment(accepts);
    rejected.increment(rejects);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      if (error != null) {
        g.writeStringField("error", error);
      }
      g.writeNumberField("accepted", accepts);
      g.writeArrayFieldStart("rejected");
      for (Rejection r : rejections) {
        g.writeStartObject();
        g.writeNumberField("line", r.line());
        g.writeStringField("error", r.error());
        g.writeEndObject();
      }
      g.writeEndArray();
      if (rejects > rejections.size()) {
        g.writeNumberField("rejected_omitted", rejects - rejections.size());
      }
      g.writeEndObject();
    }
    out.write('\n');
    json(ex, error != null ? 400 : 200, out.toByteArray());
  }

  /** The parser's errors for a line that is not a JSON object at all. */
  private static boolean notAnObject(CaptureFormatException e) {
    String m = e.getMessage();
    return m.startsWith("not valid JSON") || m.equals("not a JSON object");
  }

  private static boolean isBlank(byte[] line) {
    for (byte b : line) {
      if (b != ' ' && b != '\t') {
        return false;
      }
    }
    return true;
  }

  private static void error(HttpExchange ex, int status, String message) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("error", message);
      g.writeEndObject();
    }
    out.write('\n');
    json(ex, status, out.toByteArray());
  }

  private static void json(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json");
    AgentServer.send(ex, status, body);
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }
}
