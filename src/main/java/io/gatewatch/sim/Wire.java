package io.gatewatch.sim;

import io.gatewatch.protocol.Compression;
import io.gatewatch.protocol.Encoding;
import io.gatewatch.protocol.TransportOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * How a fleet client speaks on the wire: its encoding and its transport compression, spelled {@code
 * etf+zlib-stream} (either part alone, in any order; {@code json} and {@code none} are the
 * defaults). A client puts them in its URL's query ({@code encoding=}, {@code compress=}); it never
 * compresses what it sends, as Discord's clients do not.
 */
public record Wire(Encoding encoding, Compression compression) {
  /** Plain JSON text. */
  public static final Wire JSON = new Wire(Encoding.JSON, Compression.NONE);

  /**
   * Parses {@code etf}, {@code zlib-stream}, {@code etf+zstd-stream}, ...
   *
   * @throws IllegalArgumentException naming the part that is neither
   */
  public static Wire parse(String text) {
    Encoding encoding = Encoding.JSON;
    Compression compression = Compression.NONE;
    for (String part : text.split("\\+", -1)) {
      String p = part.trim();
      Encoding e = Encoding.parse(p);
      Compression c = Compression.parse(p);
      if (e != null) {
        encoding = e;
      } else if (c != null) {
        compression = c;
      } else {
        throw new IllegalArgumentException(
            "unknown wire \""
                + p
                + "\"; expected json or etf, none, zlib-stream or zstd-stream, joined with +");
      }
    }
    return new Wire(encoding, compression);
  }

  /** What a URL's query asks for. */
  public static Wire of(URI url) {
    String s = url.toString();
    return new Wire(Encoding.fromUrl(s), Compression.fromUrl(s));
  }

  /** {@code etf+zlib-stream}, {@code json}. */
  public String spelling() {
    return compression == Compression.NONE
        ? encoding.spelling()
        : encoding.spelling() + "+" + compression.spelling();
  }

  /** {@code url} with its {@code encoding} and {@code compress} parameters set to this wire. */
  public URI applyTo(URI url) {
    String query = url.getRawQuery();
    List<String> params = new ArrayList<>();
    if (query != null) {
      for (String p : query.split("&")) {
        if (!p.isEmpty()
            && !p.startsWith("encoding=")
            && !p.equals("encoding")
            && !p.startsWith("compress=")
            && !p.equals("compress")) {
          params.add(p);
        }
      }
    }
    params.add("encoding=" + encoding.spelling());
    if (compression != Compression.NONE) {
      params.add("compress=" + compression.spelling());
    }
    String s = url.toString();
    int q = s.indexOf('?');
    String base = q < 0 ? s : s.substring(0, q);
    return URI.create(base + "?" + String.join("&", params));
  }

  /**
   * Why a gateway with {@code offered} cannot take this wire, or null when it can.
   *
   * @param profile the profile's name, for the message
   */
  public String unsupportedBy(TransportOptions offered, String profile) {
    if (!offered.encodings().contains(encoding)) {
      return notOffered(
          "encoding " + encoding.spelling(),
          profile,
          offered.encodings().stream().map(Encoding::spelling));
    }
    if (compression != Compression.NONE && !offered.compressions().contains(compression)) {
      return notOffered(
          "compression " + compression.spelling(),
          profile,
          offered.compressions().stream().map(Compression::spelling));
    }
    return null;
  }

  private static String notOffered(String what, String profile, Stream<String> offered) {
    return what
        + " is not offered by the "
        + profile
        + " profile's gateway (it offers "
        + offered.sorted().toList()
        + "); try --profile discord";
  }
}
