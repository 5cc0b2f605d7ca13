package io.gatewatch.capture;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.gatewatch.config.ConfigException;
import io.gatewatch.config.ConfigNode;
import io.gatewatch.config.Scalars;
import io.gatewatch.config.Sizes;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Encoding;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.protocol.ScannedFrame;
import io.gatewatch.track.Connection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a capture (docs/capture-format.md): by default metadata only (what the tracker read from
 * each frame, never its content, whatever the frame's encoding), with {@link Settings#payloads}
 * every payload in full (Erlang terms in base64), tokens redacted either way. The file is rotated
 * at {@link Settings#maxFileBytes}, rotated files are compressed and only {@link Settings#keep} of
 * them kept, so the capture's disk use is bounded.
 *
 * <p>Relay threads only enqueue a record (metadata: a few fields; payloads: a copy of the bytes);
 * one writer thread formats, writes, rotates and compresses, so a slow or full disk never stalls
 * the relay. A record that does not fit the bounded queue is dropped and counted; a write that
 * fails (disk full, file gone) stops the capture for good: it logs once, and every later record is
 * dropped and counted, at the cost of one volatile read on the relay's side.
 */
public final class CaptureWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CaptureWriter.class);
  private static final JsonFactory JSON = new JsonFactory();

  /** Records waiting for the writer, at most. */
  static final int QUEUE_RECORDS = 65_536;

  /** Payload bytes waiting for the writer, at most (full-payload captures). */
  static final long QUEUE_BYTES = 64L << 20;

  /** Written lines are gathered up to this before a write to the file. */
  private static final int FLUSH_BYTES = 64 * 1024;

  /**
   * What to capture and how much disk it may take.
   *
   * @param file the active file, appended to; rotated files go beside it
   * @param payloads true: every payload in full (user content; tokens still redacted); false:
   *     metadata only
   * @param maxFileBytes the active file is rotated before it would grow past this
   * @param keep rotated (compressed) files kept; older ones are deleted
   */
  public record Settings(Path file, boolean payloads, long maxFileBytes, int keep) {
    public static final long DEFAULT_MAX_FILE_BYTES = 100L << 20;
    public static final int DEFAULT_KEEP = 10;
    public static final long MIN_FILE_BYTES = 1L << 10;

    public Settings {
      if (file == null) {
        throw new IllegalArgumentException("capture: a file is required");
      }
      Scalars.named("captureMaxSize", () -> validMaxFileBytes(maxFileBytes));
      if (keep < 0) {
        throw new IllegalArgumentException("captureKeep: must not be negative");
      }
    }

    /**
     * Reads a proxy's capture from its node of the configuration file ({@code proxies[0]}): {@code
     * capture} (the file), {@code capture_payloads}, {@code capture_max_size} and {@code
     * capture_keep}; null without {@code capture}. The caller rejects unknown keys.
     *
     * @throws ConfigException naming the path and line of the first problem
     */
    public static Settings fromConfig(ConfigNode proxy) {
      if (proxy.find("capture").isEmpty()) {
        for (String k : List.of("capture_payloads", "capture_max_size", "capture_keep")) {
          if (proxy.find(k).isPresent()) {
            throw proxy.get(k).error("needs capture (the file to write)", proxy.pathOf("capture"));
          }
        }
        return null;
      }
      int keep = proxy.find("capture_keep").map(ConfigNode::nonNegativeInt).orElse(DEFAULT_KEEP);
      long maxFileBytes =
          proxy
              .find("capture_max_size")
              .map(n -> n.check(n.size(), Settings::validMaxFileBytes))
              .orElse(DEFAULT_MAX_FILE_BYTES);
      ConfigNode fileNode = proxy.get("capture");
      Path file = Path.of(fileNode.text());
      Path dir = file.toAbsolutePath().getParent();
      if (!Files.isDirectory(dir)) {
        throw fileNode.error("no such directory: " + dir);
      }
      if (Files.isDirectory(file)) {
        throw fileNode.error("is a directory; name a file in it");
      }
      if (!Files.isWritable(dir)) {
        throw fileNode.error("cannot write in " + dir);
      }
      boolean payloads = proxy.find("capture_payloads").map(ConfigNode::bool).orElse(false);
      return new Settings(file, payloads, maxFileBytes, keep);
    }

    private static long validMaxFileBytes(long bytes) {
      if (bytes < MIN_FILE_BYTES) {
        throw new IllegalArgumentException("must be at least " + Sizes.format(MIN_FILE_BYTES));
      }
      return bytes;
    }

    /** Metadata only, rotated at 100 MiB, 10 rotated files kept. */
    public static Settings of(Path file) {
      return new Settings(file, false, DEFAULT_MAX_FILE_BYTES, DEFAULT_KEEP);
    }

    public Settings withPayloads(boolean payloads) {
      return new Settings(file, payloads, maxFileBytes, keep);
    }

    public Settings withRotation(long maxFileBytes, int keep) {
      return new Settings(file, payloads, maxFileBytes, keep);
    }

    /**
     * The most the capture's files take on disk: the active file and {@code keep} rotated ones (at
     * most as large, far smaller once compressed), plus one more while a rotated file is being
     * compressed.
     */
    public long maxDiskBytes() {
      return (keep + 2L) * maxFileBytes;
    }
  }

  /** Why a record was not written: the {@code reason} of {@code gatewatch_capture_dropped}. */
  public enum Dropped {
    /** The writer fell behind and the queue was full. */
    QUEUE_FULL("queue_full"),
    /** The capture had stopped: a write failed (disk full, file unwritable), or it was closed. */
    STOPPED("stopped");

    private final String label;

    Dropped(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /** One queued event: an open (with its url), a frame or a close. */
  private record Line(
      long nanos,
      String conn,
      CaptureEvent.Type type,
      String url,
      FrameLine frame,
      CloseLine close) {

    Line(long nanos, String conn, String url) {
      this(nanos, conn, CaptureEvent.Type.OPEN, url, null, null);
    }

    Line(long nanos, String conn, FrameLine frame) {
      this(nanos, conn, CaptureEvent.Type.FRAME, null, frame, null);
    }

    Line(long nanos, String conn, CloseLine close) {
      this(nanos, conn, CaptureEvent.Type.CLOSE, null, null, close);
    }

    /** What the line holds against the queue's byte budget. */
    long weight() {
      return frame == null || frame.payload == null ? 0 : frame.payload.length;
    }
  }

  /**
   * A frame: its bytes ({@code payload}), or its metadata, or why it was not read ({@code unread}).
   */
  private record FrameLine(
      Direction from,
      Encoding encoding,
      byte[] payload,
      FrameMetadata metadata,
      int size,
      CaptureEvent.Unread unread) {}

  private record CloseLine(int code, String reason, Initiator by) {}

  private static final Line END = new Line(0, "", null, null, null, null);

  private final Settings settings;
  private final TokenRedactor redactor;
  private final BlockingQueue<Line> queue;
  private final AtomicLong queuedBytes = new AtomicLong();
  private final LongAdder droppedQueueFull = new LongAdder();
  private final LongAdder droppedStopped = new LongAdder();
  private final AtomicBoolean warnedBehind = new AtomicBoolean();
  private final AtomicLong records = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong rotations = new AtomicLong();
  private final CaptureFiles files;
  private final Thread thread;
  private final Bytes line = new Bytes(512);
  private final Pending pending = new Pending();
  private volatile boolean stopped;
  private volatile boolean closed;

  /**
   * Opens (appends to) the file now, so a bad path fails at start-up.
   *
   * @throws IOException when the file cannot be opened for writing
   */
  public CaptureWriter(Settings settings, TokenRedactor redactor) throws IOException {
    this(settings, redactor, QUEUE_RECORDS);
  }

  /** The capture's file cannot be opened for writing: start-up names the capture setting. */
  public static final class CannotWrite extends IOException {
    private static final long serialVersionUID = 1L;

    CannotWrite(String message, IOException cause) {
      super(message, cause);
    }
  }

  CaptureWriter(Settings settings, TokenRedactor redactor, int queueRecords) throws IOException {
    this.settings = settings;
    this.redactor = redactor;
    this.queue = new ArrayBlockingQueue<>(queueRecords);
    try {
      this.files = new CaptureFiles(settings.file(), settings.keep());
    } catch (IOException e) {
      throw new CannotWrite(
          "cannot write the capture " + settings.file() + ": " + ConfigException.describe(e), e);
    }
    this.thread = new Thread(this::drain, "gatewatch-capture");
    thread.setDaemon(true);
    thread.start();
  }

  public void open(String conn, long nanos, String url) {
    if (taking()) {
      offer(new Line(nanos, conn, url));
    }
  }

  /**
   * One message: {@code len} bytes of {@code buf} from {@code off} in {@code encoding}, which the
   * tracker read as {@code read} and counted at {@code size} bytes. Metadata captures take their
   * record from {@code read}, the same whatever the encoding; payload captures copy the bytes (JSON
   * is written as text, an Erlang term as base64, {@code frame_b64}). Neither keeps a reference.
   */
  public void frame(
      String conn,
      long nanos,
      Direction from,
      Encoding encoding,
      byte[] buf,
      int off,
      int len,
      ScannedFrame read,
      int size) {
    if (!taking()) {
      return;
    }
    byte[] copy = null;
    FrameMetadata metadata = null;
    if (settings.payloads()) {
      copy = new byte[len];
      System.arraycopy(buf, off, copy, 0, len);
    } else {
      metadata = FrameMetadata.of(read);
    }
    offer(new Line(nanos, conn, new FrameLine(from, encoding, copy, metadata, size, null)));
  }

  /** What {@link Connection#frame} hands the frames of socket {@code conn} to for this capture. */
  public Connection.FrameSink sink(String conn) {
    return (nanos, from, encoding, buf, off, len, read, size) ->
        frame(conn, nanos, from, encoding, buf, off, len, read, size);
  }

  /** A message relayed without being read: only its direction and size are known. */
  public void frameNotRead(
      String conn, long nanos, Direction from, int size, CaptureEvent.Unread why) {
    if (taking()) {
      offer(new Line(nanos, conn, new FrameLine(from, null, null, null, size, why)));
    }
  }

  public void close(String conn, long nanos, int code, String reason, Initiator by) {
    if (taking()) {
      offer(new Line(nanos, conn, new CloseLine(code, reason, by)));
    }
  }

  /** Lines written to the file (handed to the operating system) so far. */
  public long records() {
    return records.get();
  }

  /** Bytes written to the active files so far, before compression. */
  public long bytes() {
    return bytes.get();
  }

  /** Rotations so far. */
  public long rotations() {
    return rotations.get();
  }

  /** Records not written, for {@code why}. */
  public long dropped(Dropped why) {
    return (why == Dropped.QUEUE_FULL ? droppedQueueFull : droppedStopped).sum();
  }

  /** True once a write failed or the capture was closed: nothing more is written. */
  public boolean stopped() {
    return stopped || closed;
  }

  /** Counts the record as dropped when the capture no longer takes any; no allocation then. */
  private boolean taking() {
    if (stopped || closed) {
      droppedStopped.increment();
      return false;
    }
    return true;
  }

  private void offer(Line l) {
    long weight = l.weight();
    if (weight > 0 && queuedBytes.addAndGet(weight) > QUEUE_BYTES) {
      queuedBytes.addAndGet(-weight);
      fellBehind();
      return;
    }
    if (!queue.offer(l)) {
      queuedBytes.addAndGet(-weight);
      fellBehind();
    }
  }

  private void fellBehind() {
    droppedQueueFull.increment();
    if (warnedBehind.compareAndSet(false, true)) {
      log.warn(
          "capture {} is falling behind: records are being dropped (counted in"
              + " gatewatch_capture_dropped_total{{reason=\"queue_full\"}})",
          settings.file());
    }
  }

  /** Writes what is queued, then stops. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      queue.put(END);
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long dropped = droppedQueueFull.sum() + droppedStopped.sum();
    if (dropped > 0) {
      log.warn(
          "capture {}: {} records written ({} bytes, {} rotations), {} dropped",
          settings.file(),
          records.get(),
          bytes.get(),
          rotations.get(),
          dropped);
    } else {
      log.info(
          "capture {}: {} records written ({} bytes, {} rotations)",
          settings.file(),
          records.get(),
          bytes.get(),
          rotations.get());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The writer thread

  private void drain() {
    try {
      while (true) {
        Line l = queue.poll(1, TimeUnit.SECONDS);
        if (l == END) {
          break;
        }
        if (l == null) {
          flushOrStop(); // quiet: make what we have visible
          continue;
        }
        queuedBytes.addAndGet(-l.weight());
        if (stopped) {
          droppedStopped.increment();
          continue;
        }
        take(l);
      }
      flushOrStop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      try {
        files.close();
      } catch (IOException e) {
        log.debug("closing capture {}", settings.file(), e);
      }
    }
  }

  private void take(Line l) {
    boolean added = false;
    try {
      line.reset();
      format(l);
      long held = files.size() + pending.size();
      if (files.rotatable() && held > 0 && held + line.size() > settings.maxFileBytes()) {
        flush();
        files.rotate(l.nanos() / 1_000_000L);
        rotations.incrementAndGet();
      }
      pending.add(line);
      added = true;
      if (pending.size() >= FLUSH_BYTES || queue.isEmpty()) {
        flush();
      }
    } catch (IOException | RuntimeException e) {
      stop(e, added ? 0 : 1);
    }
  }

  private void flushOrStop() {
    try {
      flush();
    } catch (IOException e) {
      stop(e, 0);
    }
  }

  private void flush() throws IOException {
    if (stopped || pending.size() == 0) {
      return;
    }
    files.write(pending.buf(), pending.size());
    bytes.addAndGet(pending.size());
    records.addAndGet(pending.records);
    pending.clear();
  }

  /**
   * A write failed: the capture ends here, the relay never notices. The records not yet written
   * ({@code pending} and {@code more}) count as dropped.
   */
  private void stop(Exception e, int more) {
    stopped = true;
    droppedStopped.add(pending.records + more);
    pending.clear();
    log.error(
        "capture {} stopped: {}; the relay goes on, later records are dropped and counted in"
            + " gatewatch_capture_dropped_total{{reason=\"stopped\"}}",
        settings.file(),
        e.toString());
    try {
      files.close();
    } catch (IOException ignored) {
      // already failing
    }
  }

  private void format(Line l) throws IOException {
    try (JsonGenerator g = JSON.createGenerator(line)) {
      g.writeStartObject();
      g.writeFieldName("ts");
      g.writeNumber(BigDecimal.valueOf(l.nanos(), 6).stripTrailingZeros().toPlainString());
      g.writeStringField("conn", l.conn());
      switch (l.type()) {
        case OPEN -> {
          g.writeStringField("type", "open");
          if (l.url() != null) {
            g.writeStringField("url", l.url());
          }
        }
        case FRAME -> {
          FrameLine f = l.frame();
          g.writeStringField("type", "frame");
          g.writeStringField("from", f.from().label());
          if (f.unread() != null) {
            g.writeNumberField("size", f.size());
            g.writeStringField("unread", f.unread().label());
          } else if (f.metadata() != null) {
            g.writeNumberField("size", f.size()); // the record never holds the payload itself
            g.writeFieldName("frame");
            f.metadata().write(g);
          } else {
            boolean term = f.encoding() == Encoding.ETF;
            byte[] payload =
                term
                    ? redactor.redactTerm(f.payload(), 0, f.payload().length)
                    : redactor.redact(f.payload(), 0, f.payload().length);
            if (payload.length != f.size()) {
              g.writeNumberField("size", f.size()); // replay must see the live size
            }
            if (term) {
              g.writeStringField("frame_b64", Base64.getEncoder().encodeToString(payload));
            } else if (isJsonObject(payload)) {
              g.writeFieldName("frame");
              g.writeRawValue(new String(payload, StandardCharsets.UTF_8));
            } else {
              g.writeFieldName("frame");
              g.writeString(new String(payload, StandardCharsets.UTF_8));
            }
          }
        }
        case CLOSE -> {
          CloseLine c = l.close();
          g.writeStringField("type", "close");
          if (c.by() != Initiator.NONE) {
            g.writeNumberField("code", c.code());
          }
          g.writeStringField("reason", c.reason() == null ? "" : c.reason());
          g.writeStringField("by", c.by().label());
        }
      }
      g.writeEndObject();
    }
    line.write('\n');
  }

  /** Only a complete, valid JSON object is written as an object; anything else as its text. */
  private static boolean isJsonObject(byte[] payload) {
    try (JsonParser p = JSON.createParser(payload)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      p.skipChildren();
      return p.nextToken() == null;
    } catch (IOException e) {
      return false;
    }
  }

  /** A byte buffer whose contents can be read without a copy. */
  private static class Bytes extends ByteArrayOutputStream {
    Bytes(int size) {
      super(size);
    }

    byte[] buf() {
      return buf;
    }
  }

  /** Formatted lines waiting for one write to the file. */
  private static final class Pending extends Bytes {
    int records;

    Pending() {
      super(FLUSH_BYTES + 4096);
    }

    void add(Bytes line) {
      write(line.buf(), 0, line.size());
      records++;
    }

    void clear() {
      reset();
      records = 0;
    }
  }
}
