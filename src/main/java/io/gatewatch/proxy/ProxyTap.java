package io.gatewatch.proxy;

import io.gatewatch.capture.CaptureEvent;
import io.gatewatch.capture.CaptureWriter;
import io.gatewatch.compress.InboundDecoder;
import io.gatewatch.metrics.Metric;
import io.gatewatch.metrics.Source;
import io.gatewatch.protocol.Compression;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Encoding;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.track.Connection;
import io.gatewatch.track.ConnectionTracker;
import io.gatewatch.track.EventClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's tap: turns relayed frames into whole messages for the tracker (and the capture).
 * Fragments are joined; binary messages are decompressed (a copy) as the socket's URL asks, with
 * one context per direction ({@link InboundDecoder}: zlib-stream, zstd-stream in both variants,
 * payload compression where the profile has it) and read in the URL's encoding (JSON or ETF); every
 * message reaches the tracker and the capture with the same timestamp. Called on the relay's event
 * loop only.
 */
public final class ProxyTap implements RelayObserver {
  private static final Logger log = LoggerFactory.getLogger(ProxyTap.class);

  /** Per event-loop thread: the bytes of a single-frame message, copied out of its buffer. */
  private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[8192]);

  private final ConnectionTracker tracker;
  private final EventClock clock;
  private final CaptureWriter capture;
  private final boolean compressedObservation;
  private final int maxMessageBytes;
  private final Counter[] upstreamErrors = new Counter[UpstreamError.values().length];
  private final Counter observerErrors;
  private final Counter refused;
  private final AtomicLong sockets = new AtomicLong();

  /**
   * @param capture where every observed message also goes, or null
   * @param compressedObservation false: binary (compressed) messages are counted and sized but not
   *     decompressed, which saves the decompression context's memory per socket
   */
  public ProxyTap(
      ConnectionTracker tracker,
      EventClock clock,
      MeterRegistry registry,
      CaptureWriter capture,
      boolean compressedObservation,
      int maxMessageBytes) {
    this.tracker = tracker;
    this.clock = clock;
    this.capture = capture;
    this.compressedObservation = compressedObservation;
    this.maxMessageBytes = maxMessageBytes;
    for (UpstreamError e : UpstreamError.values()) {
      upstreamErrors[e.ordinal()] =
          Metric.UPSTREAM_ERRORS
              .counter()
              .tag(Metric.Label.REASON.key(), e.label())
              .register(registry);
    }
    refused =
        Metric.CONNECTIONS_REFUSED
            .counter()
            .tag(Metric.Label.REASON.key(), "capacity")
            .register(registry);
    observerErrors =
        Metric.OBSERVER_ERRORS
            .counter()
            .tag(Metric.Label.SOURCE.key(), Source.PROXY.label())
            .register(registry);
  }

  @Override
  public SocketListener opened(String pathAndQuery) {
    String id = "p" + sockets.incrementAndGet();
    long now = clock.nowNanos();
    Connection conn = tracker.open(id, now, Encoding.fromUrl(pathAndQuery));
    if (capture != null) {
      capture.open(id, now, pathAndQuery);
    }
    return new Socket(id, conn, Compression.fromUrl(pathAndQuery));
  }

  @Override
  public void refused() {
    refused.increment();
  }

  @Override
  public void upstreamError(UpstreamError reason) {
    upstreamErrors[reason.ordinal()].increment(); // the relay, which knows the cause, logs it
  }

  @Override
  public void observerFailed(Throwable error) {
    observerErrors.increment();
    if (observerErrors.count() == 1) {
      log.warn(
          "observation failed; the relay goes on without it (further failures at debug)", error);
    } else {
      log.debug("observation failed", error);
    }
  }

  /** One relayed socket: a message being joined per direction, a decoder per direction. */
  private final class Socket implements SocketListener {
    private final String id;
    private final Connection conn;
    private final Connection.FrameSink captured;
    private final Pending fromClient;
    private final Pending fromServer;

    Socket(String id, Connection conn, Compression compression) {
      this.id = id;
      this.conn = conn;
      this.captured = capture == null ? null : capture.sink(id);
      boolean payloadCompression = tracker.profile().transport().payloadCompression();
      this.fromClient = new Pending(compression, false, payloadCompression);
      this.fromServer = new Pending(compression, true, payloadCompression);
    }

    @Override
    public void frame(Direction from, ByteBuf payload, boolean text, boolean finalFragment) {
      Pending p = from == Direction.CLIENT ? fromClient : fromServer;
      int n = payload.readableBytes();
      if (finalFragment && p.length == 0) {
        // The common case: a whole message in one frame; no per-socket buffer needed.
        byte[] buf = scratch(n);
        payload.getBytes(payload.readerIndex(), buf, 0, n);
        message(from, text, buf, n, p);
        return;
      }
      p.append(payload, maxMessageBytes);
      if (finalFragment) {
        byte[] buf = p.bytes;
        int len = p.length;
        boolean overflow = p.overflow;
        p.reset();
        if (overflow) {
          notRead(clock.nowNanos(), from, len, true);
          return;
        }
        message(from, text, buf, len, p);
      }
    }

    private void message(Direction from, boolean text, byte[] buf, int len, Pending p) {
      long now = clock.nowNanos();
      if (text) {
        observe(now, from, Encoding.JSON, buf, len);
        return;
      }
      InboundDecoder d = p.decoder();
      switch (d.decode(buf, len)) {
        case PAYLOAD -> observe(now, from, conn.encoding(), d.takePayload(), d.payloadLength());
        case UNOBSERVED -> notRead(now, from, len, false);
        case UNDECODABLE -> notRead(now, from, len, true);
        case INCOMPLETE -> {} // the rest of the message follows
      }
    }

    private void observe(long now, Direction from, Encoding encoding, byte[] buf, int len) {
      // The capture gets the frame from inside the tracker's call, as the tracker read it; a
      // socket the tracker no longer follows (evicted) is left out of the capture too.
      conn.frame(now, from, encoding, buf, 0, len, -1, captured);
    }

    private void notRead(long now, Direction from, int len, boolean undecodable) {
      if (conn.frameNotRead(now, from, len, undecodable) && capture != null) {
        capture.frameNotRead(
            id,
            now,
            from,
            len,
            undecodable ? CaptureEvent.Unread.UNDECODABLE : CaptureEvent.Unread.UNOBSERVED);
      }
    }

    @Override
    public void closed(int code, String reason, Initiator by) {
      long now = clock.nowNanos();
      if (conn.close(now, code, by) && capture != null) {
        capture.close(id, now, by == Initiator.NONE ? 1006 : code, reason, by);
      }
      fromClient.release();
      fromServer.release();
    }
  }

  private static byte[] scratch(int n) {
    byte[] b = SCRATCH.get();
    if (b.length < n) {
      b = new byte[Math.max(n, b.length * 2)];
      if (b.length <= 1 << 20) {
        SCRATCH.set(b); // keep what is ordinary; let the rare huge one go
      }
    }
    return b;
  }

  /** A message arriving in fragments, and the direction's decoder (both made lazily). */
  private final class Pending {
    byte[] bytes;
    int length;
    boolean overflow;
    private final Compression compression;
    private final boolean fromServer;
    private final boolean payloadCompression;
    private InboundDecoder decoder;

    Pending(Compression compression, boolean fromServer, boolean payloadCompression) {
      this.compression = compression;
      this.fromServer = fromServer;
      this.payloadCompression = payloadCompression;
    }

    void append(ByteBuf payload, int max) {
      int n = payload.readableBytes();
      if (overflow || length + n > max) {
        overflow = true;
        length += n;
        return;
      }
      if (bytes == null || bytes.length < length + n) {
        bytes = Arrays.copyOf(bytes == null ? new byte[0] : bytes, Math.max(length + n, 4096));
      }
      payload.getBytes(payload.readerIndex(), bytes, length, n);
      length += n;
    }

    void reset() {
      bytes = null;
      length = 0;
      overflow = false;
    }

    InboundDecoder decoder() {
      if (decoder == null) {
        decoder =
            new InboundDecoder(
                compression,
                fromServer,
                payloadCompression,
                compressedObservation,
                maxMessageBytes);
      }
      return decoder;
    }

    void release() {
      if (decoder != null) {
        decoder.close();
        decoder = null;
      }
    }
  }
}
