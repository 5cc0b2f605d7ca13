package io.gatewatch.sim;

import io.gatewatch.compress.ZlibCodec;
import io.gatewatch.compress.ZstdCodec;
import io.gatewatch.protocol.Encoding;
import io.gatewatch.protocol.TransportOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin Netty side of one socket: the WebSocket upgrade (the per-IP limit and the {@code v}
 * check right after it, before Hello), compression, frames in and out, timers, and the close
 * handshake. Every protocol decision is {@link GatewayConnection}'s.
 */
final class SimulatorChannel extends ChannelInboundHandlerAdapter
    implements GatewayConnection.Transport {
  private static final Logger LOG = LoggerFactory.getLogger(SimulatorChannel.class);

  /** Frames larger than this are a protocol violation (answered 4002); 4,096 is checked later. */
  static final int MAX_FRAME_BYTES = 1 << 20;

  /** How long to wait for the client's close frame after sending ours. */
  static final long CLOSE_GRACE_MILLIS = 1000;

  private static final WebSocketDecoderConfig DECODER =
      WebSocketDecoderConfig.newBuilder()
          .maxFramePayloadLength(MAX_FRAME_BYTES)
          .allowExtensions(false)
          .closeOnProtocolViolation(false)
          .build();

  private final GatewaySimulator simulator;
  private final long number;
  private final List<ScheduledFuture<?>> timers = new ArrayList<>();
  private Channel ch;
  private WebSocketServerHandshaker handshaker;
  private GatewayConnection conn;
  private GatewayQuery.Compression compression = GatewayQuery.Compression.NONE;
  private Encoding encoding = Encoding.JSON;
  private boolean payloadCompression;
  private ZstdCodec.StreamCompressor outStream;
  private ZstdCodec.StreamDecompressor inStream;
  private ZlibCodec.StreamCompressor outZlib;
  private ZlibCodec.StreamInflater inZlib;
  private boolean clientBinarySeen;
  private InetAddress countedIp;
  private boolean closeSent;
  private int pendingWrites;

  SimulatorChannel(GatewaySimulator simulator, long number) {
    this.simulator = simulator;
    this.number = number;
  }

  /** The protocol state, once the socket got its Hello; else null. */
  GatewayConnection connection() {
    return conn;
  }

  Channel channel() {
    return ch;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ch = ctx.channel();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof FullHttpRequest req) {
        upgrade(req);
      } else if (msg instanceof WebSocketFrame frame) {
        frame(frame);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void upgrade(FullHttpRequest req) {
    if (handshaker != null) {
      return;
    }
    if (!req.decoderResult().isSuccess() || !isWebSocketUpgrade(req)) {
      String body = "gatewatch simulator: connect a WebSocket client to " + simulator.url() + "\n";
      FullHttpResponse res =
          new DefaultFullHttpResponse(
              req.protocolVersion(),
              req.decoderResult().isSuccess()
                  ? HttpResponseStatus.UPGRADE_REQUIRED
                  : HttpResponseStatus.BAD_REQUEST,
              Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
      res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
      res.headers().set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
      HttpUtil.setContentLength(res, res.content().readableBytes());
      ch.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    String url = "ws://" + req.headers().get(HttpHeaderNames.HOST, "localhost") + req.uri();
    handshaker = new WebSocketServerHandshakerFactory(url, null, DECODER).newHandshaker(req);
    if (handshaker == null) {
      WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ch);
      return;
    }
    GatewayQuery query =
        GatewayQuery.parse(req.uri(), simulator.core().settings().profile().transport());
    handshaker
        .handshake(ch, req)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                opened(query);
              } else {
                ch.close();
              }
            });
  }

  private static boolean isWebSocketUpgrade(FullHttpRequest req) {
    return req.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
        && req.headers().contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
  }

  /** The upgrade is done: the checks before Hello, then Hello and the timers. */
  private void opened(GatewayQuery query) {
    CloseTable closes = simulator.core().closes();
    InetAddress ip = ((InetSocketAddress) ch.remoteAddress()).getAddress();
    if (!simulator.acquireIpSlot(ip)) {
      LOG.debug("conn {} from {}: over the per-IP socket limit", number, ip.getHostAddress());
      close(closes.close(CloseCause.TOO_MANY_CONNECTIONS));
      return;
    }
    countedIp = ip;
    TransportOptions offered = simulator.core().settings().profile().transport();
    if (!query.versionOk(simulator.settings().profile().apiVersion())) {
      LOG.debug("conn {}: v={} refused", number, query.version());
      close(closes.close(CloseCause.INVALID_API_VERSION));
      return;
    }
    if (!query.encodingOk(offered)) {
      LOG.debug("conn {}: encoding={} refused", number, query.encoding());
      close(closes.close(CloseCause.DECODE_ERROR));
      return;
    }
    compression = query.compression();
    encoding = query.payloadEncoding();
    if (compression == GatewayQuery.Compression.ZSTD_STREAM) {
      outStream = new ZstdCodec.StreamCompressor();
      inStream = new ZstdCodec.StreamDecompressor();
    } else if (compression == GatewayQuery.Compression.ZLIB_STREAM) {
      outZlib = new ZlibCodec.StreamCompressor();
    }
    LOG.debug(
        "conn {} from {}: open, {}, compression {}",
        number,
        ip.getHostAddress(),
        encoding.spelling(),
        compression);
    conn = simulator.core().newConnection(this, number, encoding);
    simulator.register(this);
    conn.open();
    schedule(conn::onHeartbeatCheck, conn.heartbeatCheckPeriodNanos());
    if (conn.dispatchPeriodNanos() > 0) {
      schedule(conn::onDispatchTick, conn.dispatchPeriodNanos());
    }
    if (simulator.core().settings().dropProbability() > 0) {
      schedule(conn::onIntervalTick, conn.intervalNanos());
    }
  }

  private void close(CloseTable.Close c) {
    close(c.code(), c.reason());
  }

  private void schedule(Runnable task, long periodNanos) {
    timers.add(
        ch.eventLoop().scheduleAtFixedRate(task, periodNanos, periodNanos, TimeUnit.NANOSECONDS));
  }

  private void frame(WebSocketFrame frame) {
    if (frame instanceof CloseWebSocketFrame close) {
      if (closeSent) {
        ch.close();
      } else {
        closeSent = true;
        LOG.debug("conn {}: client closed {} {}", number, close.statusCode(), close.reasonText());
        handshaker.close(ch, close.retain());
      }
      return;
    }
    if (closeSent || conn == null) {
      return;
    }
    if (frame instanceof PingWebSocketFrame) {
      ch.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
    } else if (frame instanceof TextWebSocketFrame) {
      conn.onMessage(ByteBufUtil.getBytes(frame.content()));
    } else if (frame instanceof BinaryWebSocketFrame) {
      binary(frame.content());
    }
  }

  private void binary(ByteBuf content) {
    byte[] bytes = ByteBufUtil.getBytes(content);
    boolean first = !clientBinarySeen;
    clientBinarySeen = true;
    if (compression == GatewayQuery.Compression.ZLIB_STREAM
        && (inZlib != null || (first && ZlibCodec.isZlibHeader(bytes, bytes.length)))) {
      inflate(bytes); // a client that compresses its own direction too
      return;
    }
    if (inStream == null) {
      conn.onMessage(bytes);
      return;
    }
    int max = simulator.core().settings().maxPayloadBytes();
    if (bytes.length > max) {
      conn.onUndecodable();
      return;
    }
    byte[] plain;
    try {
      plain = inStream.decompress(bytes, max);
    } catch (RuntimeException e) {
      LOG.debug("conn {}: undecodable zstd stream: {}", number, e.getMessage());
      conn.onUndecodable();
      return;
    }
    if (plain == null) {
      conn.onUndecodable();
    } else {
      conn.onMessage(plain);
    }
  }

  private void inflate(byte[] bytes) {
    if (inZlib == null) {
      inZlib = new ZlibCodec.StreamInflater();
    }
    int max = simulator.core().settings().maxPayloadBytes();
    int n;
    try {
      n = inZlib.inflate(bytes, 0, bytes.length, max);
    } catch (DataFormatException e) {
      LOG.debug("conn {}: undecodable zlib stream: {}", number, e.getMessage());
      conn.onUndecodable();
      return;
    }
    if (n == ZlibCodec.StreamInflater.TOO_LARGE) {
      conn.onUndecodable();
    } else if (n >= 0) {
      conn.onMessage(Arrays.copyOf(inZlib.output(), n));
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    boolean undecodable =
        cause instanceof CorruptedWebSocketFrameException
            || cause instanceof CorruptedFrameException
            || cause instanceof TooLongFrameException
            || cause.getCause() instanceof TooLongFrameException;
    if (undecodable && conn != null && !closeSent) {
      LOG.debug("conn {}: protocol violation: {}", number, cause.getMessage());
      conn.onUndecodable();
    } else if (cause instanceof IOException) {
      LOG.debug("conn {}: {}", number, cause.getMessage());
      ch.close();
    } else {
      LOG.debug("conn {}: closing after an error", number, cause);
      ch.close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    for (ScheduledFuture<?> t : timers) {
      t.cancel(false);
    }
    timers.clear();
    if (countedIp != null) {
      simulator.releaseIpSlot(countedIp);
      countedIp = null;
    }
    if (conn != null) {
      conn.socketEnded();
      simulator.unregister(this);
    }
    if (outStream != null) {
      outStream.close();
      outStream = null;
    }
    if (inStream != null) {
      inStream.close();
      inStream = null;
    }
    if (outZlib != null) {
      outZlib.close();
      outZlib = null;
    }
    if (inZlib != null) {
      inZlib.close();
      inZlib = null;
    }
    ctx.fireChannelInactive();
  }

  // --- Transport ---

  @Override
  public void send(String payload) {
    if (closeSent || !ch.isActive()) {
      return;
    }
    byte[] bytes = encode(payload);
    WebSocketFrame frame;
    switch (compression) {
      case ZSTD_PER_MESSAGE:
        frame = new BinaryWebSocketFrame(Unpooled.wrappedBuffer(ZstdCodec.compressFrame(bytes)));
        break;
      case ZSTD_STREAM:
        frame = new BinaryWebSocketFrame(Unpooled.wrappedBuffer(outStream.compress(bytes)));
        break;
      case ZLIB_STREAM:
        frame = new BinaryWebSocketFrame(Unpooled.wrappedBuffer(outZlib.compress(bytes)));
        break;
      default:
        if (payloadCompression) {
          frame =
              new BinaryWebSocketFrame(Unpooled.wrappedBuffer(ZlibCodec.compressMessage(bytes)));
        } else if (encoding == Encoding.ETF) {
          frame = new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes));
        } else {
          frame = new TextWebSocketFrame(Unpooled.wrappedBuffer(bytes));
        }
        break;
    }
    pendingWrites++;
    ch.writeAndFlush(frame).addListener(f -> pendingWrites--);
  }

  /** A server payload (JSON text) in the socket's encoding. */
  private byte[] encode(String payload) {
    if (encoding != Encoding.ETF) {
      return payload.getBytes(StandardCharsets.UTF_8);
    }
    try {
      return Etf.encode(Json.parse(payload.getBytes(StandardCharsets.UTF_8)));
    } catch (Json.MalformedException e) {
      throw new IllegalStateException("the simulator wrote invalid JSON: " + payload, e);
    }
  }

  @Override
  public void compressPayloads() {
    payloadCompression = compression == GatewayQuery.Compression.NONE;
  }

  @Override
  public void sendLater(String payload, long delayNanos) {
    ch.eventLoop().schedule(() -> send(payload), delayNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void close(int code, String reason) {
    if (closeSent || !ch.isActive()) {
      return;
    }
    closeSent = true;
    ch.writeAndFlush(new CloseWebSocketFrame(code, reason));
    ch.eventLoop().schedule(() -> ch.close(), CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * Resets the connection (SO_LINGER 0: an RST, no close frame). A bare FIN would do for the
   * protocol, but some clients (the JDK's WebSocket among them) occasionally miss an EOF that
   * arrives right behind a message, and a reset is what a crashed gateway or a middlebox produces.
   */
  @Override
  public void abort() {
    closeSent = true;
    ch.config().setOption(ChannelOption.SO_LINGER, 0);
    ch.close();
  }

  @Override
  public boolean congested() {
    return !ch.isWritable() || pendingWrites > simulator.core().settings().eventBufferBound();
  }

  @Override
  public void execute(Runnable task) {
    ch.eventLoop().execute(task);
  }
}
