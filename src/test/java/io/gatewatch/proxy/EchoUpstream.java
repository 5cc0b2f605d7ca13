package io.gatewatch.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The tests' upstream: a small Netty WebSocket server that records every frame it receives as it
 * came (type, FIN, payload bytes) and echoes it back unchanged (pings answered with pongs, a close
 * frame answered with the same close frame, then the TCP connection closed). Single-frame text
 * messages starting with {@code !} are commands: {@code !close CODE REASON} (the server starts the
 * closing handshake), {@code !drop} (TCP close without a close frame), {@code !flood} (binary 1 KiB
 * frames for as long as the connection takes them), {@code !big N} (one binary frame of N bytes).
 * Other {@link Mode}s misbehave at the handshake.
 */
final class EchoUpstream implements AutoCloseable {
  /** How new connections are treated. */
  enum Mode {
    ECHO,
    /** Accepts and never answers. */
    SILENT,
    /** Accepts and resets the connection at once. */
    RESET,
    /** Answers the upgrade request with 403. */
    FORBIDDEN
  }

  /** One accepted connection. */
  static final class Conn {
    final Channel channel;
    volatile String uri;
    volatile HttpHeaders requestHeaders;
    final List<WireFrame> received = Collections.synchronizedList(new ArrayList<>());
    final CompletableFuture<Long> ended = new CompletableFuture<>(); // nanoTime of the TCP end
    final AtomicLong floodedBytes = new AtomicLong();
    volatile boolean flooding;

    Conn(Channel channel) {
      this.channel = channel;
    }

    List<WireFrame> received() {
      synchronized (received) {
        return new ArrayList<>(received);
      }
    }

    boolean isEnded() {
      return ended.isDone();
    }
  }

  private static final WebSocketDecoderConfig DECODER =
      WebSocketDecoderConfig.newBuilder()
          .maxFramePayloadLength(64 * 1024 * 1024)
          .allowExtensions(false)
          .withUTF8Validator(false)
          .build();
  private static final byte[] KIB = new byte[1024];

  private final SslContext tls;
  private final String subprotocols;
  private final BlockingQueue<Conn> accepted = new LinkedBlockingQueue<>();
  private final List<Conn> all = Collections.synchronizedList(new ArrayList<>());
  private volatile Mode mode = Mode.ECHO;
  private int receiveBuffer;
  private Channel server;

  EchoUpstream() {
    this(null, null);
  }

  /**
   * @param tls serve TLS with this context, or null
   * @param subprotocols the subprotocols it supports (comma-separated), or null
   */
  EchoUpstream(SslContext tls, String subprotocols) {
    this.tls = tls;
    this.subprotocols = subprotocols;
  }

  EchoUpstream start() {
    return start(0);
  }

  /** Accepted connections get a small receive buffer (fills sooner when they stop reading). */
  EchoUpstream smallReceiveBuffer() {
    receiveBuffer = 8 * 1024;
    return this;
  }

  EchoUpstream start(int port) {
    ServerBootstrap b = new ServerBootstrap();
    if (receiveBuffer > 0) {
      b.option(ChannelOption.SO_RCVBUF, receiveBuffer); // inherited by accepted sockets
    }
    server =
        b.group(TestNet.GROUP)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    Conn c = new Conn(ch);
                    all.add(c);
                    accepted.add(c);
                    ch.closeFuture().addListener(f -> c.ended.complete(System.nanoTime()));
                    Mode m = mode;
                    if (tls != null) {
                      ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                    }
                    switch (m) {
                      case ECHO, FORBIDDEN ->
                          ch.pipeline()
                              .addLast(new HttpServerCodec())
                              .addLast(new HttpObjectAggregator(65_536))
                              .addLast(new Echo(c, m == Mode.FORBIDDEN));
                      case SILENT -> ch.pipeline().addLast(new Silent());
                      case RESET -> ch.pipeline().addLast(new Reset());
                    }
                  }
                })
            .bind(new InetSocketAddress("127.0.0.1", port))
            .syncUninterruptibly()
            .channel();
    return this;
  }

  void mode(Mode m) {
    mode = m;
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  URI uri() {
    return URI.create((tls != null ? "wss" : "ws") + "://127.0.0.1:" + port());
  }

  /** The next accepted connection (waits up to 10 s). */
  Conn nextConnection() {
    try {
      Conn c = accepted.poll(10, TimeUnit.SECONDS);
      if (c == null) {
        throw new AssertionError("no upstream connection within 10 s");
      }
      return c;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  int connectionCount() {
    return all.size();
  }

  @Override
  public void close() {
    if (server != null) {
      server.close().syncUninterruptibly();
    }
    synchronized (all) {
      for (Conn c : all) {
        c.channel.close();
      }
    }
  }

  private final class Echo extends ChannelInboundHandlerAdapter {
    private final Conn conn;
    private final boolean forbid;
    private boolean closeSent;

    Echo(Conn conn, boolean forbid) {
      this.conn = conn;
      this.forbid = forbid;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof FullHttpRequest req) {
        try {
          upgrade(ctx, req);
        } finally {
          req.release();
        }
      } else if (msg instanceof WebSocketFrame f) {
        frame(ctx, f);
      } else {
        ReferenceCountUtil.release(msg);
      }
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req) {
      conn.uri = req.uri();
      conn.requestHeaders = req.headers().copy();
      if (forbid) {
        DefaultFullHttpResponse res =
            new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.FORBIDDEN,
                Unpooled.copiedBuffer("no", StandardCharsets.UTF_8));
        HttpUtil.setContentLength(res, 2);
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        return;
      }
      WebSocketServerHandshaker hs =
          new WebSocketServerHandshakerFactory("ws://upstream" + req.uri(), subprotocols, DECODER)
              .newHandshaker(req);
      HttpHeaders extra = new DefaultHttpHeaders().add("X-Upstream", "echo");
      hs.handshake(ctx.channel(), req, extra, ctx.newPromise());
    }

    private void frame(ChannelHandlerContext ctx, WebSocketFrame f) {
      conn.received.add(WireFrame.of(f));
      if (f instanceof CloseWebSocketFrame) {
        if (!closeSent) {
          closeSent = true;
          ctx.writeAndFlush(f).addListener(ChannelFutureListener.CLOSE);
        } else {
          f.release();
          ctx.close();
        }
      } else if (f instanceof PingWebSocketFrame) {
        ctx.writeAndFlush(new PongWebSocketFrame(f.content()));
      } else if (f instanceof PongWebSocketFrame) {
        f.release();
      } else if (f instanceof TextWebSocketFrame t
          && t.isFinalFragment()
          && t.text().startsWith("!")) {
        String[] cmd = t.text().split(" ", 3);
        f.release();
        switch (cmd[0]) {
          case "!close" -> {
            closeSent = true;
            ctx.writeAndFlush(new CloseWebSocketFrame(Integer.parseInt(cmd[1]), cmd[2]));
          }
          case "!drop" -> ctx.close();
          case "!flood" -> {
            conn.flooding = true;
            flood(ctx);
          }
          case "!big" ->
              ctx.writeAndFlush(
                  new BinaryWebSocketFrame(
                      Unpooled.wrappedBuffer(new byte[Integer.parseInt(cmd[1])])));
          default -> throw new IllegalArgumentException("unknown command " + cmd[0]);
        }
      } else {
        ctx.writeAndFlush(f); // unchanged: same type, FIN bit and payload
      }
    }

    private void flood(ChannelHandlerContext ctx) {
      Channel ch = ctx.channel();
      while (conn.flooding && ch.isActive() && ch.isWritable()) {
        ch.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(KIB)));
        conn.floodedBytes.addAndGet(KIB.length);
      }
      ch.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (conn.flooding) {
        flood(ctx);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** Accepts and never answers. */
  private static final class Silent extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }
  }

  /** Resets the connection as soon as it is accepted. */
  private static final class Reset extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
      ctx.close();
    }
  }
}
