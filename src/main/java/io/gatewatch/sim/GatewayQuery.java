package io.gatewatch.sim;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;

/**
 * The connection URL's query: {@code ?v=1&encoding=json[&compress=zstd-stream[&stream=1]]}. Unknown
 * parameters are ignored; so is an unknown {@code compress} value (the socket is then
 * uncompressed).
 *
 * @param version {@code v}, or null when absent (then 4012 before Hello, as for any value but the
 *     profile's version: 1 on Fluxer, 10 on Discord)
 * @param encoding {@code encoding}, or null (only {@code json} exists; anything else gets 4002)
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
    ZSTD_STREAM
  }

  /** Parses a request URI ({@code /?v=1&encoding=json}). */
  public static GatewayQuery parse(String uri) {
    Map<String, List<String>> params = new QueryStringDecoder(uri).parameters();
    String compress = first(params, "compress");
    String stream = first(params, "stream");
    Compression c = Compression.NONE;
    if ("zstd-stream".equals(compress)) {
      c =
          "1".equals(stream) || "true".equals(stream)
              ? Compression.ZSTD_STREAM
              : Compression.ZSTD_PER_MESSAGE;
    }
    return new GatewayQuery(first(params, "v"), first(params, "encoding"), c);
  }

  private static String first(Map<String, List<String>> params, String key) {
    List<String> values = params.get(key);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** {@code v} is the gateway's version ({@code 1} on Fluxer, {@code 10} on Discord). */
  public boolean versionOk(String apiVersion) {
    return apiVersion.equals(version);
  }

  /** No encoding, or {@code json}. */
  public boolean encodingOk() {
    return encoding == null || "json".equals(encoding);
  }
}
