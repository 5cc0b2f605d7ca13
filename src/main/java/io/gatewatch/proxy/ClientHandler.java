package io.gatewatch.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client channel's end of the pipeline. Before the upgrade it answers the HTTP request: a
 * WebSocket upgrade (any path) starts a {@link Relay}; anything else gets 400, an unsupported
 * WebSocket version 426, and an upgrade over the connection limit 503. This listener serves nothing
 * else (the agent's own HTTP endpoints live on their own port). After the upgrade it hands every
 * event to the relay.
 */
final class ClientHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(ClientHandler.class);

  private final GatewayProxy proxy;
  private Relay relay;
  private ScheduledFuture<?> requestTimer;

  ClientHandler(GatewayProxy proxy) {
    this.proxy = proxy;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    long idle = proxy.settings().idleTimeout().toNanos();
    if (idle > 0) { // a connection that never sends its request does not stay forever
      requestTimer = ctx.executor().schedule(() -> ctx.close(), idle, TimeUnit.NANOSECONDS);
    }
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (relay != null) {
      relay.clientRead(msg);
      return;
    }
    try {
      if (msg instanceof FullHttpRequest req) {
        request(ctx, req);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void request(ChannelHandlerContext ctx, FullHttpRequest req) {
    cancelRequestTimer();
    if (!req.decoderResult().isSuccess()) {
      respond(ctx, HttpResponseStatus.BAD_REQUEST, "malformed request");
      return;
    }
    if (!isUpgrade(req)) {
      respond(ctx, HttpResponseStatus.BAD_REQUEST, "this port relays WebSocket upgrades only");
      return;
    }
    if (!"13".equals(req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))) {
      WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel())
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    String key = req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_KEY);
    if (key == null || key.isBlank()) {
      respond(ctx, HttpResponseStatus.BAD_REQUEST, "missing Sec-WebSocket-Key");
      return;
    }
    if (!proxy.acquire()) {
      if (proxy.stopping()) { // accepted just before a drain or close closed the listener
        respond(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting down");
        return;
      }
      // the path only: a query string may carry a client's token
      LOG.debug(
          "refused a socket for {}: {} connections",
          new QueryStringDecoder(req.uri()).path(),
          proxy.activeConnections());
      proxy.refusedOne();
      respond(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "too many connections");
      return;
    }
    FullHttpRequest headersOnly =
        new DefaultFullHttpRequest(
            req.protocolVersion(),
            req.method(),
            req.uri(),
            Unpooled.EMPTY_BUFFER,
            req.headers().copy(),
            EmptyHttpHeaders.INSTANCE);
    relay = new Relay(proxy, ctx.channel(), headersOnly);
    Relay r = relay;
    proxy.register(r);
    ctx.channel().closeFuture().addListener(f -> proxy.release(r));
    r.start();
  }

  private static boolean isUpgrade(FullHttpRequest req) {
    return req.method().equals(HttpMethod.GET)
        && req.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
        && req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
  }

  private static void respond(
      ChannelHandlerContext ctx, HttpResponseStatus status, String message) {
    FullHttpResponse res =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            status,
            Unpooled.copiedBuffer("gatewatch proxy: " + message + "\n", StandardCharsets.UTF_8));
    res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    HttpUtil.setContentLength(res, res.content().readableBytes());
    ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (relay != null) {
      relay.clientReadComplete();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (relay != null) {
      relay.clientWritabilityChanged();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelRequestTimer();
    if (relay != null) {
      relay.clientInactive();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (relay != null) {
      relay.clientException(cause);
    } else {
      LOG.debug("client connection failed before its upgrade: {}", cause.toString());
      ctx.close();
    }
  }

  private void cancelRequestTimer() {
    if (requestTimer != null) {
      requestTimer.cancel(false);
      requestTimer = null;
    }
  }
}
