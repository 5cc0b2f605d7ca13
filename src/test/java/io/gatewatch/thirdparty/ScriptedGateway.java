package io.gatewatch.thirdparty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A gateway and a client that play one prepared conversation per socket, byte for byte: frames
 * encoded elsewhere (by Erlang's own {@code term_to_binary}) go over real sockets, through whatever
 * stands between (the proxy), in the script's order. Each side sends its next frames as soon as it
 * has received every frame the script puts before them.
 */
final class ScriptedGateway implements AutoCloseable {
  /** One step of a socket's conversation. */
  record Step(boolean fromServer, byte[] payload, boolean binary, int closeCode) {
    static Step server(byte[] payload, boolean binary) {
      return new Step(true, payload, binary, 0);
    }

    static Step client(byte[] payload, boolean binary) {
      return new Step(false, payload, binary, 0);
    }

    static Step close(boolean byServer, int code) {
      return new Step(byServer, null, false, code);
    }

    boolean isClose() {
      return closeCode != 0;
    }
  }

  private final List<List<Step>> sockets;
  private final EventLoopGroup group = new NioEventLoopGroup(1);
  private final Channel server;
  private final AtomicInteger accepted = new AtomicInteger();

  /** Listens on a loopback port; the i-th socket accepted plays {@code sockets.get(i)}. */
  ScriptedGateway(List<List<Step>> sockets) throws InterruptedException {
    this.sockets = sockets;
    this.server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(1 << 16))
                        .addLast(new ServerSide());
                  }
                })
            .bind(new InetSocketAddress("127.0.0.1", 0))
            .sync()
            .channel();
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /**
   * Plays the client's side of socket {@code index} against {@code url} and waits until the
   * conversation is over (its last step done, and the closing handshake).
   */
  static void playClient(HttpClient http, URI url, List<Step> script) throws Exception {
    ClientSide side = new ClientSide(script);
    WebSocket ws = http.newWebSocketBuilder().buildAsync(url, side).get(10, TimeUnit.SECONDS);
    side.start(ws);
    side.done.get(20, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Sends the steps from {@code next} while they are the sender's; returns where it stopped. */
  private static int sendRun(List<Step> script, int next, boolean serverSide, Sender sender) {
    while (next < script.size() && script.get(next).fromServer() == serverSide) {
      Step s = script.get(next++);
      if (s.isClose()) {
        sender.close(s.closeCode());
      } else {
        sender.send(s);
      }
    }
    return next;
  }

  interface Sender {
    void send(Step step);

    void close(int code);
  }

  private final class ServerSide extends ChannelInboundHandlerAdapter {
    private WebSocketServerHandshaker handshaker;
    private List<Step> script;
    private int next;
    private boolean closeSent;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof FullHttpRequest req) {
          handshaker =
              new WebSocketServerHandshakerFactory("ws://127.0.0.1" + req.uri(), null, false)
                  .newHandshaker(req);
          script = sockets.get(accepted.getAndIncrement());
          handshaker.handshake(ctx.channel(), req).addListener(f -> advance(ctx.channel()));
        } else if (msg instanceof CloseWebSocketFrame close) {
          if (closeSent) {
            ctx.close(); // the client answered our close
          } else {
            closeSent = true;
            handshaker.close(ctx.channel(), close.retain());
          }
        } else if (msg instanceof WebSocketFrame) {
          next++; // the client's step
          advance(ctx.channel());
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void advance(Channel ch) {
      next =
          sendRun(
              script,
              next,
              true,
              new Sender() {
                @Override
                public void send(Step s) {
                  ch.writeAndFlush(
                      s.binary()
                          ? new BinaryWebSocketFrame(Unpooled.wrappedBuffer(s.payload()))
                          : new TextWebSocketFrame(Unpooled.wrappedBuffer(s.payload())));
                }

                @Override
                public void close(int code) {
                  closeSent = true;
                  ch.writeAndFlush(new CloseWebSocketFrame(code, ""));
                }
              });
    }
  }

  private static final class ClientSide implements WebSocket.Listener {
    final CompletableFuture<Void> done = new CompletableFuture<>();
    private final List<Step> script;
    private CompletableFuture<?> sending = CompletableFuture.completedFuture(null);
    private WebSocket ws;
    private int next;

    ClientSide(List<Step> script) {
      this.script = script;
    }

    synchronized void start(WebSocket ws) {
      this.ws = ws;
      advance();
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(Long.MAX_VALUE);
    }

    @Override
    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
      received(last);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
      received(last);
      return null;
    }

    private synchronized void received(boolean last) {
      if (last) {
        next++; // the server's step
        if (ws != null) {
          advance();
        }
      }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket w, int statusCode, String reason) {
      synchronized (this) {
        if (!w.isOutputClosed()) {
          sending = sending.thenCompose(x -> w.sendClose(statusCode, ""));
        }
        sending.whenComplete((x, e) -> done.complete(null));
      }
      return null;
    }

    @Override
    public void onError(WebSocket w, Throwable error) {
      done.completeExceptionally(error);
    }

    private void advance() {
      next =
          sendRun(
              script,
              next,
              false,
              new Sender() {
                @Override
                public void send(Step s) {
                  WebSocket w = ws;
                  sending =
                      sending.thenCompose(
                          x ->
                              s.binary()
                                  ? w.sendBinary(ByteBuffer.wrap(s.payload()), true)
                                  : w.sendText(
                                      new String(s.payload(), StandardCharsets.UTF_8), true));
                }

                @Override
                public void close(int code) {
                  WebSocket w = ws;
                  sending = sending.thenCompose(x -> w.sendClose(code, ""));
                }
              });
    }
  }

  static HttpClient http() {
    return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }
}
