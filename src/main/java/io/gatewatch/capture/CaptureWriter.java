package io.gatewatch.capture;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.gatewatch.config.ConfigException;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Encoding;
import io.gatewatch.protocol.Initiator;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a capture (docs/capture-format.md) with every token redacted. Callers on relay threads
 * only enqueue a record (a copy of the payload); one writer thread formats and writes, so a slow
 * disk never stalls the relay. When the bounded queue is full the record is dropped and counted.
 */
public final class CaptureWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CaptureWriter.class);
  private static final JsonFactory JSON = new JsonFactory();

  private record Line(
      long nanos,
      String conn,
      CaptureEvent.Type type,
      String url,
      Direction from,
      Encoding encoding,
      byte[] payload,
      int code,
      String reason,
      Initiator by) {}

  private static final Line END = new Line(0, "", null, null, null, null, null, 0, null, null);

  private final Path file;
  private final TokenRedactor redactor;
  private final BlockingQueue<Line> queue;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final Thread thread;
  private final OutputStream out;
  private volatile boolean closed;

  /**
   * Opens (appends to) the file now, so a bad path fails at start-up.
   *
   * @param queueLines records held for the writer at most
   */
  public CaptureWriter(Path file, TokenRedactor redactor, int queueLines) throws IOException {
    this.file = file;
    this.redactor = redactor;
    this.queue = new ArrayBlockingQueue<>(queueLines);
    try {
      this.out =
          new BufferedOutputStream(
              Files.newOutputStream(
                  file,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.APPEND,
                  StandardOpenOption.WRITE),
              64 * 1024);
    } catch (IOException e) {
      throw new IOException(
          "cannot write the capture " + file + ": " + ConfigException.describe(e), e);
    }
    this.thread = new Thread(this::drain, "gatewatch-capture");
    thread.setDaemon(true);
    thread.start();
  }

  public void open(String conn, long nanos, String url) {
    offer(new Line(nanos, conn, CaptureEvent.Type.OPEN, url, null, null, null, 0, null, null));
  }

  /** One JSON message's payload ({@code len} bytes of {@code buf} from {@code off}, copied now). */
  public void frame(String conn, long nanos, Direction from, byte[] buf, int off, int len) {
    frame(conn, nanos, from, Encoding.JSON, buf, off, len);
  }

  /**
   * One message's payload in {@code encoding}: JSON is written as text, an Erlang term as base64
   * ({@code frame_b64}).
   */
  public void frame(
      String conn, long nanos, Direction from, Encoding encoding, byte[] buf, int off, int len) {
    byte[] copy = new byte[len];
    System.arraycopy(buf, off, copy, 0, len);
    offer(
        new Line(nanos, conn, CaptureEvent.Type.FRAME, null, from, encoding, copy, 0, null, null));
  }

  public void close(String conn, long nanos, int code, String reason, Initiator by) {
    offer(new Line(nanos, conn, CaptureEvent.Type.CLOSE, null, null, null, null, code, reason, by));
  }

  /** Records dropped because the writer fell behind. */
  public long dropped() {
    return dropped.get();
  }

  /** Lines written so far. */
  public long written() {
    return written.get();
  }

  private void offer(Line line) {
    if (closed || !queue.offer(line)) {
      if (dropped.incrementAndGet() == 1) {
        log.warn(
            "capture {} is falling behind: lines are being dropped (the total is logged at close)",
            file);
      }
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
    if (dropped.get() > 0) {
      log.warn("capture {}: {} lines written, {} dropped", file, written.get(), dropped.get());
    } else {
      log.info("capture {}: {} lines written", file, written.get());
    }
  }

  private void drain() {
    try (out) {
      while (true) {
        Line line = queue.poll(1, TimeUnit.SECONDS);
        if (line == END) {
          break;
        }
        if (line == null) {
          out.flush(); // quiet: make what we have visible
          continue;
        }
        write(line);
        written.incrementAndGet();
        if (queue.isEmpty()) {
          out.flush();
        }
      }
    } catch (IOException e) {
      log.error("capture {} stopped: {}", file, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void write(Line l) throws IOException {
    try (JsonGenerator g = JSON.createGenerator(new NoClose(out))) {
      g.writeStartObject();
      g.writeFieldName("ts");
      g.writeNumber(BigDecimal.valueOf(l.nanos(), 6).toPlainString());
      g.writeStringField("conn", l.conn());
      switch (l.type()) {
        case OPEN -> {
          g.writeStringField("type", "open");
          if (l.url() != null) {
            g.writeStringField("url", l.url());
          }
        }
        case FRAME -> {
          g.writeStringField("type", "frame");
          g.writeStringField("from", l.from().label());
          boolean term = l.encoding() == Encoding.ETF;
          byte[] payload =
              term
                  ? redactor.redactTerm(l.payload(), 0, l.payload().length)
                  : redactor.redact(l.payload(), 0, l.payload().length);
          if (payload.length != l.payload().length) {
            g.writeNumberField("size", l.payload().length); // replay must see the live size
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
        case CLOSE -> {
          g.writeStringField("type", "close");
          if (l.by() != Initiator.NONE) {
            g.writeNumberField("code", l.code());
          }
          g.writeStringField("reason", l.reason() == null ? "" : l.reason());
          g.writeStringField("by", l.by().label());
        }
      }
      g.writeEndObject();
    }
    out.write('\n');
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

  /** Lets a generator write to the shared stream without closing it. */
  private static final class NoClose extends FilterOutputStream {
    NoClose(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
