package io.gatewatch.sim;

import io.gatewatch.protocol.Encoding;
import io.gatewatch.protocol.TransportOptions;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;

/**
 * The connection URL's query: {@code
 * ?v=1&encoding=json|etf[&compress=zstd-stream[&stream=1]|zlib-stream]}. Unknown parameters are
 * ignored; so is a {@code compress} value the profile does not offer (the socket is then
 * uncompressed).
 *
 * @param version {@code v}, or null when absent (then 4012 before Hello, as for any value but the
 *     profile's version: 1 on Fluxer, 10 on Discord)
 * @param encoding {@code encoding}, or null (JSON; an encoding the profile does not offer gets
 *     4002)
 * @param compression what {@code compress} and {@code stream} ask for
 */
public record GatewayQuery(String version, String encoding, Compression compression) {
  /** The server-to-client (and, streaming, client-to-server) compression of a socket. */
  public enum Compression {
    /** Text frames both ways. */
    NONE,
    /** Older builds: every server message its own zstd frame; the client sends plain text. */
    ZSTD_PER_MESSAGE,
    /** {@code stream=1|true}: one continuous zstd stream per direction. */
    ZSTD_STREAM,
    /** Discord's: one zlib stream per direction, each message sync-flushed. */
    ZLIB_STREAM
  }

  /**
   * Parses a request URI ({@code /?v=1&encoding=json}) for a gateway that offers {@code offered}.
   */
  public static GatewayQuery parse(String uri, TransportOptions offered) {
    Map<String, List<String>> params = new QueryStringDecoder(uri).parameters();
    String compress = first(params, "compress");
    String stream = first(params, "stream");
    Compression c = Compression.NONE;
    if ("zstd-stream".equals(compress)
        && offered.compressions().contains(io.gatewatch.protocol.Compression.ZSTD_STREAM)) {
      c =
          "1".equals(stream) || "true".equals(stream)
              ? Compression.ZSTD_STREAM
              : Compression.ZSTD_PER_MESSAGE;
    } else if ("zlib-stream".equals(compress)
        && offered.compressions().contains(io.gatewatch.protocol.Compression.ZLIB_STREAM)) {
      c = Compression.ZLIB_STREAM;
    }
    return new GatewayQuery(first(params, "v"), first(params, "encoding"), c);
  }

  /** Parses a request URI for Fluxer's transport options. */
  public static GatewayQuery parse(String uri) {
    return parse(uri, TransportOptions.FLUXER);
  }

  private static String first(Map<String, List<String>> params, String key) {
    List<String> values = params.get(key);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** {@code v} is the gateway's version ({@code 1} on Fluxer, {@code 10} on Discord). */
  public boolean versionOk(String apiVersion) {
    return apiVersion.equals(version);
  }

  /** No encoding, or one the gateway offers. */
  public boolean encodingOk(TransportOptions offered) {
    Encoding e = encoding == null ? Encoding.JSON : Encoding.parse(encoding);
    return e != null && offered.encodings().contains(e);
  }

  /** The encoding of the socket's payloads (once {@link #encodingOk} said it is offered). */
  public Encoding payloadEncoding() {
    return Encoding.ETF.spelling().equals(encoding) ? Encoding.ETF : Encoding.JSON;
  }
}
