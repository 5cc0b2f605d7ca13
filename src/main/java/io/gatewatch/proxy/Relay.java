package io.gatewatch.proxy;

import io.gatewatch.metrics.DrainMetrics;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.proxy.RelayObserver.UpstreamError;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One relayed socket: the client's channel, the upstream channel opened for it, and everything
 * between them. Both channels live on the same event loop, so every method here runs on that one
 * thread, in the order things happened, without locks.
 *
 * <p>Lifecycle: CONNECTING (upstream connect and handshake; the client is not read) → OPEN (frames
 * relayed both ways, byte for byte) → DONE (nothing more is relayed; close frames still complete
 * the closing handshakes, the TCP connections are closed once their last write went out, and after
 * {@link #CLOSE_GRACE_MILLIS} at the latest). The observer hears {@code opened} on the way into
 * OPEN and {@code closed} exactly once on the way out of it.
 */
final class Relay {
  private static final Logger LOG = LoggerFactory.getLogger(Relay.class);

  /** After the relay ends, how long a peer may take to answer a close frame or take our data. */
  static final long CLOSE_GRACE_MILLIS = 2000;

  /** Largest upstream handshake response (headers and body of a refusal) read. */
  private static final int MAX_HANDSHAKE_RESPONSE_BYTES = 64 * 1024;

  private enum State {
    CONNECTING,
    OPEN,
    DONE
  }

  /** What the relay holds for one socket now; for diagnostics and tests. */
  record Stats(
      String target,
      String state,
      long clientPendingBytes,
      long upstreamPendingBytes,
      boolean clientWritable,
      boolean upstreamWritable,
      boolean clientReading,
      boolean upstreamReading) {}

  private final GatewayProxy proxy;
  private final ProxySettings settings;
  private final FailOpenObserver observer;
  private final Channel client;

  /** The client's upgrade request, until both handshakes are done (then null: memory). */
  private FullHttpRequest request;

  private final String target;
  private Channel upstream;
  private UpstreamHandshaker handshaker;
  private State state = State.CONNECTING;
  private ScheduledFuture<?> timer;
  private RelayObserver.SocketListener listener = FailOpenObserver.IGNORE;
  private boolean reported;
  private long lastFrameNanos;

  /** Each end's state; frames read from one side are written to the other. */
  private final Side clientSide = new Side(Direction.CLIENT);

  private final Side upstreamSide = new Side(Direction.SERVER);

  /** One end of the relay: where its closing handshake and its current message stand. */
  private final class Side {
    /** The direction of the frames read from this side. */
    final Direction direction;

    /** A close frame arrived from this side. */
    boolean closeRead;

    /** A close frame was written to this side: nothing may follow it. */
    boolean closeWritten;

    /** Its TCP connection is closing. */
    boolean closing;

    /** Written to and not flushed yet. */
    boolean flushPending;

    /** The message it is sending is text (continuation frames carry no type of their own). */
    boolean textMessage;

    /** It is inside a fragmented message. */
    boolean midMessage;

    ChannelFuture lastWrite;

    Side(Direction direction) {
      this.direction = direction;
    }

    Channel channel() {
      return this == clientSide ? client : upstream;
    }

    Side other() {
      return this == clientSide ? upstreamSide : clientSide;
    }
  }

  private int firstCode;
  private String firstReason;
  private Initiator firstBy;

  /**
   * @param request the client's upgrade request, headers only (no content to release)
   */
  Relay(GatewayProxy proxy, Channel client, FullHttpRequest request) {
    this.proxy = proxy;
    this.settings = proxy.settings();
    this.observer = proxy.observer();
    this.client = client;
    this.request = request;
    this.target = request.uri();
  }

  EventLoop eventLoop() {
    return client.eventLoop();
  }

  Channel clientChannel() {
    return client;
  }

  /** Stops reading the client and connects to the upstream on the client's event loop. */
  void start() {
    client.config().setAutoRead(false);
    timer =
        client
            .eventLoop()
            .schedule(
                () ->
                    upstreamFailed(
                        UpstreamError.TIMEOUT,
                        new TimeoutException(
                            "no upstream handshake within "
                                + settings.connectTimeout().toMillis()
                                + " ms")),
                settings.connectTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
    HttpHeaders forwarded =
        ForwardedHeaders.upstreamRequest(
            request.headers(), settings.upstreamHostHeader(), clientIp(client.remoteAddress()));
    handshaker =
        new UpstreamHandshaker(
            settings.upstream(),
            target,
            forwarded,
            ForwardedHeaders.subprotocols(request.headers()),
            settings.maxFrameBytes());
    SslContext tls = proxy.upstreamSsl();
    String host = settings.upstreamHost();
    int port = settings.upstreamPort();
    Bootstrap b =
        new Bootstrap()
            .group(client.eventLoop()) // both sides of a socket on one thread
            .channel(proxy.transport().socketChannel())
            .resolver(proxy.resolver())
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, GatewayProxy.WATER_MARK)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    if (tls != null) {
                      // SNI and hostname verification against the upstream's host
                      ch.pipeline().addLast("tls", tls.newHandler(ch.alloc(), host, port));
                    }
                    ch.pipeline()
                        .addLast("http", new HttpClientCodec())
                        .addLast(
                            "http-aggregator",
                            new HttpObjectAggregator(MAX_HANDSHAKE_RESPONSE_BYTES))
                        .addLast("relay", new UpstreamHandler());
                  }
                });
    ChannelFuture connect = b.connect(InetSocketAddress.createUnresolved(host, port));
    upstream = connect.channel();
    connect.addListener(
        f -> {
          if (!f.isSuccess()) {
            upstreamFailed(classify(f.cause()), f.cause());
          }
        });
  }

  private static String clientIp(SocketAddress a) {
    return a instanceof InetSocketAddress i && i.getAddress() != null
        ? i.getAddress().getHostAddress()
        : null;
  }

  // ---- upstream handshake ----

  private void upstreamActive() {
    if (state != State.CONNECTING) {
      upstream.close();
      return;
    }
    // with TLS, the SslHandler holds the request until its own handshake is done
    handshaker
        .handshake(upstream)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                upstreamFailed(classify(f.cause()), f.cause());
              }
            });
  }

  private void upstreamResponse(FullHttpResponse response) {
    if (state != State.CONNECTING) {
      return;
    }
    try {
      handshaker.finishHandshake(upstream, response);
    } catch (RuntimeException e) { // WebSocketHandshakeException: not 101, bad accept, protocol
      upstreamFailed(UpstreamError.HANDSHAKE, e);
      return;
    }
    cancelTimer();
    WebSocketServerHandshaker hs = clientHandshaker(handshaker.actualSubprotocol());
    try {
      clientSide.lastWrite =
          hs.handshake(
              client,
              request,
              ForwardedHeaders.clientResponse(response.headers()),
              client.newPromise());
    } catch (RuntimeException e) {
      LOG.debug("{}: the client's handshake failed", target, e);
      state = State.DONE;
      client.close();
      upstream.close();
      return;
    }
    // an open socket lives for hours: let go of the request's and the handshake's headers (about
    // 1.5 KB of a relayed socket's 7 KB of heap)
    request = null;
    handshaker = null;
    state = State.OPEN;
    listener = observer.opened(target);
    lastFrameNanos = System.nanoTime();
    if (!settings.idleTimeout().isZero()) {
      timer = schedule(this::idleCheck, settings.idleTimeout().toNanos());
    }
    client.config().setAutoRead(upstream.isWritable());
    upstream.config().setAutoRead(client.isWritable());
  }

  private WebSocketServerHandshaker clientHandshaker(String subprotocol) {
    String url = "ws://" + request.headers().get("host", "localhost") + target;
    return new WebSocketServerHandshakerFactory(url, subprotocol, proxy.clientDecoderConfig())
        .newHandshaker(request);
  }

  /**
   * The upstream could not be used: the client still gets its 101 and then, at once, a close frame
   * (1014, or 1011 for a refused handshake); the observer hears {@code upstreamError}.
   */
  private void upstreamFailed(UpstreamError reason, Throwable cause) {
    if (state != State.CONNECTING) {
      return;
    }
    state = State.DONE;
    cancelTimer();
    if (upstream != null) {
      upstreamSide.closing = true;
      upstream.close();
    }
    proxy.upstreamFailed(reason, cause);
    if (!client.isActive()) {
      return;
    }
    boolean handshake = reason == UpstreamError.HANDSHAKE;
    // accept the client's first subprotocol, if it offered any: some clients (browsers) fail a
    // handshake that selects none, and would then see 1006 instead of our close
    String offered = ForwardedHeaders.subprotocols(request.headers());
    String first = offered == null ? null : offered.split(",")[0].trim();
    try {
      clientSide.lastWrite = clientHandshaker(first).handshake(client, request);
    } catch (RuntimeException e) {
      LOG.debug("{}: the client's handshake failed", target, e);
      client.close();
      return;
    }
    write(
        clientSide,
        new CloseWebSocketFrame(
            handshake ? 1011 : 1014, handshake ? "Upstream handshake failed" : "Bad Gateway"));
    clientSide.closeWritten = true;
    client.flush();
    client.config().setAutoRead(true); // to read the client's answering close frame
    scheduleGrace();
  }

  /** The {@code reason} of a failure before the upstream handshake completed. */
  static UpstreamError classify(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof SSLException) {
        return UpstreamError.TLS;
      }
    }
    if (cause instanceof ConnectTimeoutException) {
      return UpstreamError.TIMEOUT;
    }
    if (Transport.isResetWhileConnecting(cause)) {
      return UpstreamError.RESET; // as NIO reports it: a reset, not an unreachable upstream
    }
    if (cause instanceof ConnectException
        || cause instanceof UnknownHostException
        || cause instanceof NoRouteToHostException
        || cause instanceof UnresolvedAddressException) {
      return UpstreamError.UNREACHABLE;
    }
    if (cause instanceof IOException) {
      return UpstreamError.RESET;
    }
    return UpstreamError.HANDSHAKE; // an undecodable or oversized answer
  }

  // ---- relaying ----

  private void onFrame(Side from, WebSocketFrame frame) {
    if (frame instanceof CloseWebSocketFrame close) {
      onClose(from, close);
      return;
    }
    Side to = from.other();
    if (state != State.OPEN || to.closeWritten) {
      frame.release(); // nothing may follow a close frame
      return;
    }
    lastFrameNanos = System.nanoTime();
    if (!(frame instanceof PingWebSocketFrame) && !(frame instanceof PongWebSocketFrame)) {
      boolean text;
      if (frame instanceof ContinuationWebSocketFrame) {
        text = from.textMessage;
      } else {
        text = frame instanceof TextWebSocketFrame;
        from.textMessage = text;
      }
      from.midMessage = !frame.isFinalFragment();
      try {
        observer.frame(listener, from.direction, frame.content(), text, frame.isFinalFragment());
      } catch (Throwable fatal) { // only what FailOpenObserver rethrows: out of memory
        frame.release();
        throw fatal;
      }
    }
    write(to, frame); // the same frame object: payload, FIN and type go on unchanged
  }

  private void onClose(Side from, CloseWebSocketFrame close) {
    Side to = from.other();
    lastFrameNanos = System.nanoTime();
    if (from.closeRead) {
      close.release(); // a second close frame from one side: nothing to do with it
      return;
    }
    from.closeRead = true;
    if (state == State.OPEN && firstBy == null) {
      int code = close.statusCode();
      firstCode = code < 0 ? WebSocketCloseStatus.EMPTY.code() : code; // no body: 1005
      String reason = close.reasonText();
      firstReason = reason == null ? "" : reason;
      firstBy = from == clientSide ? Initiator.CLIENT : Initiator.SERVER;
    }
    if (state == State.OPEN && !to.closeWritten) {
      write(to, close); // code and reason bytes unchanged
      to.closeWritten = true;
    } else {
      close.release();
    }
    if (state == State.OPEN) {
      if (clientSide.closeRead && upstreamSide.closeRead) { // a close frame went both ways
        end(WebSocketCloseStatus.ABNORMAL_CLOSURE.code(), "", Initiator.NONE);
        closeAfterFlush(clientSide);
        closeAfterFlush(upstreamSide);
        scheduleGrace();
      }
    } else if (state == State.DONE && from.closeWritten) {
      closeAfterFlush(from); // the closing handshake we started is complete on that side
    }
  }

  private void readComplete(Side side) {
    Side other = side.other();
    if (other.flushPending) {
      other.flushPending = false;
      other.channel().flush();
    }
  }

  /**
   * Backpressure: a side that cannot take more stops the reading of the other side, so the relay
   * never holds more than about one read and the high-water mark per direction.
   */
  private void writabilityChanged(Side side) {
    if (state != State.OPEN) {
      return;
    }
    Channel other = side.other().channel();
    if (other != null) {
      other.config().setAutoRead(side.channel().isWritable());
    }
  }

  private void inactive(Side side) {
    side.closing = true;
    switch (state) {
      case CONNECTING -> {
        if (side == clientSide) { // the client left before the upstream answered
          state = State.DONE;
          cancelTimer();
          if (upstream != null) {
            upstreamSide.closing = true;
            upstream.close();
          }
        } else {
          upstreamFailed(
              UpstreamError.RESET,
              new EOFException("the upstream closed the connection during the handshake"));
        }
      }
      case OPEN -> {
        // dropped without completing a closing handshake: drop the other side too, after what it
        // was already sent, so that its peer sees the connection end without a close frame
        end(WebSocketCloseStatus.ABNORMAL_CLOSURE.code(), "", Initiator.NONE);
        closeAfterFlush(side.other());
        scheduleGrace();
      }
      case DONE -> {
        if (!client.isActive() && (upstream == null || !upstream.isActive())) {
          cancelTimer(); // both gone: no grace needed
        }
      }
    }
  }

  private void exception(Side side, Throwable cause) {
    if (state == State.CONNECTING) {
      if (side == upstreamSide) {
        upstreamFailed(classify(cause), cause);
      } else {
        LOG.debug("{}: client failed during the upstream handshake", target, cause);
        client.close();
      }
      return;
    }
    if (cause instanceof CorruptedWebSocketFrameException e && state == State.OPEN) {
      // too large (1009) or malformed (1002, 1007): close both sides with that code
      WebSocketCloseStatus status = e.closeStatus();
      LOG.debug("{}: {} sent a bad frame: {}", target, side.direction.label(), e.getMessage());
      proxyClose(status.code(), status.reasonText());
      closeAfterFlush(side); // its decoder discards everything from now on
      return;
    }
    if (state == State.DONE || cause instanceof IOException || cause instanceof DecoderException) {
      LOG.debug("{}: {} connection failed: {}", target, side.direction.label(), cause.toString());
    } else {
      LOG.warn("{}: unexpected failure on the {} side", target, side.direction.label(), cause);
    }
    Channel ch = side.channel();
    if (ch != null) {
      ch.close();
    }
  }

  // ---- the relay's own closes ----

  private void idleCheck() {
    if (state != State.OPEN) {
      return;
    }
    long idle = settings.idleTimeout().toNanos();
    long elapsed = System.nanoTime() - lastFrameNanos;
    if (elapsed >= idle) {
      LOG.debug("{}: idle for {} ms, closing", target, elapsed / 1_000_000);
      proxyClose(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE.code(), "Idle timeout");
    } else {
      timer = schedule(this::idleCheck, idle - elapsed);
    }
  }

  /** The proxy is stopping: close with 1001 both ways. */
  void shutdown() {
    switch (state) {
      case CONNECTING -> {
        state = State.DONE;
        cancelTimer();
        if (upstream != null) {
          upstream.close();
        }
        client.close();
      }
      case OPEN -> proxyClose(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE.code(), "Going Away");
      case DONE -> {}
    }
  }

  /**
   * A drain asks this socket to reconnect: the profile's reconnect frame to the client where it can
   * go into the socket's stream ({@link ReconnectNotice}; never inside a fragmented message), seen
   * by the observer as the server's, then the profile's resumable close both ways, so the upstream
   * keeps the session for the client's Resume elsewhere.
   *
   * @return how it was asked, or null when it was not open (still connecting, or already closing)
   */
  DrainMetrics.Notice drain(ReconnectNotice how) {
    if (state != State.OPEN || clientSide.closeRead || upstreamSide.closeRead) {
      return null;
    }
    WebSocketFrame notice = upstreamSide.midMessage ? null : how.frame(target);
    if (notice != null) {
      try {
        observer.frame(
            listener,
            Direction.SERVER,
            notice.content(),
            notice instanceof TextWebSocketFrame,
            true);
      } catch (Throwable fatal) { // only what FailOpenObserver rethrows: out of memory
        notice.release();
        throw fatal;
      }
      write(clientSide, notice);
    }
    proxyClose(how.closeCode(), how.reason());
    return notice != null ? DrainMetrics.Notice.RECONNECT_OP : DrainMetrics.Notice.CLOSE_ONLY;
  }

  /**
   * The relay itself ends an open socket: the same close frame to both sides (unless a side already
   * got one), then each side's TCP connection closes when its peer answered, or after the grace.
   * The observer hears it as a close by the server (the proxy is the server the client sees).
   */
  private void proxyClose(int code, String reason) {
    if (state != State.OPEN) {
      return;
    }
    end(code, reason, Initiator.SERVER);
    for (Side side : new Side[] {clientSide, upstreamSide}) {
      Channel ch = side.channel();
      if (!side.closeWritten) {
        write(side, new CloseWebSocketFrame(code, reason));
        side.closeWritten = true;
      }
      side.flushPending = false;
      ch.flush();
      if (side.closeRead) {
        closeAfterFlush(side);
      }
      ch.config().setAutoRead(true); // read the answers (frames are dropped now)
    }
    scheduleGrace();
  }

  /** OPEN to DONE: stops relaying and reports the close, once. */
  private void end(int code, String reason, Initiator by) {
    state = State.DONE;
    cancelTimer();
    if (!reported) {
      reported = true;
      if (firstBy != null) {
        observer.closed(listener, firstCode, firstReason, firstBy);
      } else {
        observer.closed(listener, code, reason, by);
      }
    }
  }

  // ---- plumbing ----

  private void write(Side side, Object msg) {
    side.lastWrite = side.channel().write(msg);
    side.flushPending = true;
  }

  /** Closes a side's TCP connection once everything written to it went out. */
  private void closeAfterFlush(Side side) {
    Channel ch = side.channel();
    if (ch == null || side.closing) {
      return;
    }
    side.closing = true;
    side.flushPending = false;
    ch.flush();
    ChannelFuture last = side.lastWrite;
    if (last == null || last.isDone()) {
      ch.close();
    } else {
      last.addListener(ChannelFutureListener.CLOSE);
    }
  }

  private void scheduleGrace() {
    cancelTimer();
    timer =
        schedule(
            () -> {
              client.close();
              if (upstream != null) {
                upstream.close();
              }
            },
            TimeUnit.MILLISECONDS.toNanos(CLOSE_GRACE_MILLIS));
  }

  private ScheduledFuture<?> schedule(Runnable task, long nanos) {
    return client.eventLoop().schedule(task, nanos, TimeUnit.NANOSECONDS);
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  /** Must run on the event loop. */
  Stats stats() {
    Channel u = upstream;
    return new Stats(
        target,
        state.name(),
        pending(client),
        pending(u),
        client.isWritable(),
        u != null && u.isWritable(),
        client.config().isAutoRead(),
        u != null && u.config().isAutoRead());
  }

  private static long pending(Channel ch) {
    if (ch == null || ch.unsafe().outboundBuffer() == null) {
      return 0;
    }
    return ch.unsafe().outboundBuffer().totalPendingWriteBytes();
  }

  // ---- the client side's events, from ClientHandler once the relay exists ----

  void clientRead(Object msg) {
    if (msg instanceof WebSocketFrame frame) {
      onFrame(clientSide, frame);
    } else {
      ReferenceCountUtil.release(msg); // a pipelined HTTP request, say: ignored
    }
  }

  void clientReadComplete() {
    readComplete(clientSide);
  }

  void clientWritabilityChanged() {
    writabilityChanged(clientSide);
  }

  void clientInactive() {
    inactive(clientSide);
  }

  void clientException(Throwable cause) {
    exception(clientSide, cause);
  }

  /** The upstream channel's end of the pipeline. */
  private final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      upstreamActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof WebSocketFrame frame) {
        onFrame(upstreamSide, frame);
      } else if (msg instanceof FullHttpResponse response) {
        try {
          upstreamResponse(response);
        } finally {
          response.release();
        }
      } else {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      readComplete(upstreamSide);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) {
        upstreamFailed(UpstreamError.TLS, e.cause());
      }
      ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      writabilityChanged(upstreamSide);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      inactive(upstreamSide);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      exception(upstreamSide, cause);
    }
  }
}
