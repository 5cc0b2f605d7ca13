package io.gatewatch.proxy;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker13;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.URI;

/**
 * The relay's client-side handshake with the upstream: Netty's RFC 6455 handshake, with the request
 * target passed exactly as the client sent it (never re-encoded through {@link URI}), the request
 * headers exactly as {@link ForwardedHeaders} chose them (no invented {@code Origin}), no
 * extensions, and a frame decoder that leaves protocol violations to the relay (which closes both
 * sides) instead of answering them itself.
 */
final class UpstreamHandshaker extends WebSocketClientHandshaker13 {
  private final String requestTarget;
  private final HttpHeaders forwarded;
  private final String subprotocols;
  private final int maxFrameBytes;

  /**
   * @param upstream the upstream's base URL (scheme, host, port)
   * @param requestTarget the client's request target ({@code /?v=1&encoding=json})
   * @param forwarded the headers to send besides the handshake's own, {@code Host} included
   * @param subprotocols the client's offered subprotocols, or null
   */
  UpstreamHandshaker(
      URI upstream,
      String requestTarget,
      HttpHeaders forwarded,
      String subprotocols,
      int maxFrameBytes) {
    super(
        upstream, WebSocketVersion.V13, subprotocols, false, null, maxFrameBytes, true, false, -1);
    this.requestTarget = requestTarget;
    this.forwarded = forwarded;
    this.subprotocols = subprotocols;
    this.maxFrameBytes = maxFrameBytes;
  }

  @Override
  protected FullHttpRequest newHandshakeRequest() {
    FullHttpRequest request = super.newHandshakeRequest(); // computes the key and expected accept
    HttpHeaders h = request.headers();
    String key = h.get(HttpHeaderNames.SEC_WEBSOCKET_KEY);
    h.clear();
    h.add(forwarded);
    h.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
    h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    h.set(HttpHeaderNames.SEC_WEBSOCKET_KEY, key);
    h.set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
    if (subprotocols != null) {
      h.set(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, subprotocols);
    }
    request.setUri(requestTarget);
    return request;
  }

  @Override
  protected WebSocketFrameDecoder newWebsocketDecoder() {
    return new WebSocket13FrameDecoder(
        WebSocketDecoderConfig.newBuilder()
            .expectMaskedFrames(false)
            .allowMaskMismatch(false)
            .allowExtensions(false)
            .maxFramePayloadLength(maxFrameBytes)
            .closeOnProtocolViolation(false)
            .withUTF8Validator(false)
            .build());
  }
}
