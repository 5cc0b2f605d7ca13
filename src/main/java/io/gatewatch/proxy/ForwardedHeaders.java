package io.gatewatch.proxy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which handshake headers cross the relay. Upstream-bound: everything the client sent except
 * hop-by-hop headers (RFC 9110 section 7.6.1, plus any header the client's {@code Connection}
 * names) and the WebSocket handshake's own ({@code Sec-WebSocket-Key}, {@code -Version}, {@code
 * -Extensions}, which the relay's own handshake supplies or omits); {@code Host} becomes the
 * upstream's and the client's address is appended to {@code X-Forwarded-For}. {@code
 * Sec-WebSocket-Protocol} is offered upstream as the client offered it. Client-bound: the
 * upstream's 101 headers minus the same set.
 *
 * <p>{@code Sec-WebSocket-Extensions} is dropped on purpose in both directions: with no extension
 * (permessage-deflate in particular) negotiated on either side, every frame keeps its payload and
 * RSV bits and can be relayed unchanged, byte for byte.
 */
final class ForwardedHeaders {
  static final String X_FORWARDED_FOR = "x-forwarded-for";

  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-authenticate",
          "proxy-authorization",
          "proxy-connection",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade");

  /** Set by each side's handshake itself, or never forwarded. */
  private static final Set<String> HANDSHAKE =
      Set.of(
          "host",
          "content-length",
          "sec-websocket-key",
          "sec-websocket-accept",
          "sec-websocket-version",
          "sec-websocket-extensions",
          "sec-websocket-protocol");

  private ForwardedHeaders() {}

  /**
   * The headers of the upstream handshake request: {@code Host} first, then the client's, filtered,
   * with {@code X-Forwarded-For} extended. Upgrade, Connection, the key, the version and the
   * subprotocols are added by the handshake itself.
   */
  static HttpHeaders upstreamRequest(HttpHeaders client, String hostHeader, String clientIp) {
    HttpHeaders out = new DefaultHttpHeaders();
    out.set("Host", hostHeader);
    Set<String> skip = skipped(client);
    StringBuilder xff = new StringBuilder();
    for (Map.Entry<String, String> e : client) {
      String name = e.getKey().toLowerCase(Locale.ROOT);
      if (name.equals(X_FORWARDED_FOR)) {
        String v = e.getValue().trim();
        if (!v.isEmpty()) {
          xff.append(xff.length() == 0 ? "" : ", ").append(v);
        }
      } else if (!skip.contains(name)) {
        out.add(e.getKey(), e.getValue());
      }
    }
    if (clientIp != null) {
      xff.append(xff.length() == 0 ? "" : ", ").append(clientIp);
    }
    if (xff.length() > 0) {
      out.set("X-Forwarded-For", xff.toString());
    }
    return out;
  }

  /**
   * The client's offered subprotocols as one comma-separated list, as the upstream is to get them;
   * null when it offered none.
   */
  static String subprotocols(HttpHeaders client) {
    List<String> all = client.getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
    StringBuilder b = new StringBuilder();
    for (String v : all) {
      String t = v.trim();
      if (!t.isEmpty()) {
        b.append(b.length() == 0 ? "" : ", ").append(t);
      }
    }
    return b.length() == 0 ? null : b.toString();
  }

  /**
   * The upstream's 101 response headers the client gets, beyond the ones its own handshake sets
   * (Upgrade, Connection, Sec-WebSocket-Accept, and Sec-WebSocket-Protocol: the upstream's choice).
   */
  static HttpHeaders clientResponse(HttpHeaders upstream) {
    HttpHeaders out = new DefaultHttpHeaders();
    Set<String> skip = skipped(upstream);
    for (Map.Entry<String, String> e : upstream) {
      if (!skip.contains(e.getKey().toLowerCase(Locale.ROOT))) {
        out.add(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  /** Hop-by-hop, handshake, and whatever {@code Connection} lists. */
  private static Set<String> skipped(HttpHeaders h) {
    Set<String> skip = new HashSet<>(HOP_BY_HOP);
    skip.addAll(HANDSHAKE);
    for (String v : h.getAll(HttpHeaderNames.CONNECTION)) {
      for (String token : v.split(",")) {
        String t = token.trim().toLowerCase(Locale.ROOT);
        if (!t.isEmpty()) {
          skip.add(t);
        }
      }
    }
    return skip;
  }
}
