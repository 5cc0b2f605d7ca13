package io.gatewatch.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The tests' WebSocket client on Netty, so that a script controls every frame: fragments, pings
 * with any payload, close codes. It records every frame it receives as it came, does not answer
 * pings, and answers a close frame with the same close frame (then waits for the server to end the
 * TCP connection).
 */
final class FrameClient implements AutoCloseable {
  static final int WAIT_SECONDS = 10;

  private final List<WireFrame> received = Collections.synchronizedList(new ArrayList<>());
  private final BlockingQueue<WireFrame> queue = new LinkedBlockingQueue<>();
  private final CompletableFuture<FullHttpResponse> handshake = new CompletableFuture<>();
  private final CompletableFuture<Long> ended = new CompletableFuture<>(); // nanoTime
  private volatile boolean closeSent;
  private Channel channel;
  private HttpHeaders responseHeaders;

  private FrameClient() {}

  static FrameClient connect(URI uri) {
    return connect(uri, new DefaultHttpHeaders(), null, null);
  }

  static FrameClient connect(URI uri, HttpHeaders headers, String subprotocol, SslContext tls) {
    FrameClient c = new FrameClient();
    WebSocketClientHandshaker hs =
        WebSocketClientHandshakerFactory.newHandshaker(
            uri, WebSocketVersion.V13, subprotocol, false, headers, 64 * 1024 * 1024);
    String host = uri.getHost();
    int port = uri.getPort();
    c.channel =
        new Bootstrap()
            .group(TestNet.GROUP)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    if (tls != null) {
                      ch.pipeline().addLast(tls.newHandler(ch.alloc(), host, port));
                    }
                    ch.pipeline()
                        .addLast(new HttpClientCodec())
                        .addLast(new HttpObjectAggregator(65_536))
                        .addLast(c.new Handler(hs));
                  }
                })
            .connect(host, port)
            .syncUninterruptibly()
            .channel();
    c.channel.closeFuture().addListener(f -> c.ended.complete(System.nanoTime()));
    try {
      c.handshake.get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      c.channel.close();
      throw new AssertionError("handshake with " + uri + " failed", e);
    }
    return c;
  }

  /** The 101 response's headers. */
  HttpHeaders responseHeaders() {
    return responseHeaders;
  }

  Channel channel() {
    return channel;
  }

  /** Sends one frame as it is. */
  void send(WebSocketFrame f) {
    if (f instanceof CloseWebSocketFrame) {
      closeSent = true;
    }
    channel.writeAndFlush(f).syncUninterruptibly();
  }

  void sendClose(int code, String reason) {
    send(new CloseWebSocketFrame(code, reason));
  }

  /** The next frame received (waits up to 10 s). */
  WireFrame next() {
    try {
      WireFrame f = queue.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      if (f == null) {
        throw new AssertionError("no frame within " + WAIT_SECONDS + " s; got " + received());
      }
      return f;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Every frame received so far, in order. */
  List<WireFrame> received() {
    synchronized (received) {
      return new ArrayList<>(received);
    }
  }

  /** Waits for the TCP connection to end; returns when (nanoTime). */
  long awaitEnd() {
    try {
      return ended.get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the connection did not end within " + WAIT_SECONDS + " s", e);
    }
  }

  boolean isEnded() {
    return ended.isDone();
  }

  /** Ends the TCP connection without a close frame. */
  void drop() {
    channel.close().syncUninterruptibly();
  }

  @Override
  public void close() {
    channel.close();
  }

  private final class Handler extends ChannelInboundHandlerAdapter {
    private final WebSocketClientHandshaker hs;

    Handler(WebSocketClientHandshaker hs) {
      this.hs = hs;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      hs.handshake(ctx.channel());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof FullHttpResponse res) {
        try {
          responseHeaders = res.headers().copy();
          hs.finishHandshake(ctx.channel(), res);
          handshake.complete(null);
        } catch (RuntimeException e) {
          handshake.completeExceptionally(
              new AssertionError("handshake refused: " + res.status(), e));
        } finally {
          res.release();
        }
      } else if (msg instanceof WebSocketFrame f) {
        WireFrame w = WireFrame.of(f);
        received.add(w);
        queue.add(w);
        if (f instanceof CloseWebSocketFrame && !closeSent) {
          closeSent = true;
          ctx.writeAndFlush(f); // the same close frame back
        } else {
          f.release();
        }
      } else {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      handshake.completeExceptionally(new AssertionError("closed before the handshake"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      handshake.completeExceptionally(cause);
      ctx.close();
    }
  }
}
