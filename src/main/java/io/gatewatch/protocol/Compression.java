package io.gatewatch.protocol;

/**
 * The transport compression a socket's URL asks for with {@code compress}: none, {@code
 * zlib-stream} (one zlib stream per direction for the life of the socket, every message ending with
 * a sync flush, {@code 00 00 ff ff}) or {@code zstd-stream} (one zstd stream per direction, or
 * Fluxer's older builds' one zstd frame per server message). Compressed messages are binary.
 */
public enum Compression {
  NONE,
  ZLIB_STREAM,
  ZSTD_STREAM;

  /** The query's spelling: {@code zlib-stream}, {@code zstd-stream}; {@code none} for NONE. */
  public String spelling() {
    return Spellings.of(this);
  }

  /** The compression a URL's query names; NONE when it names none or an unknown one. */
  public static Compression fromUrl(String url) {
    Compression c = parse(UrlQuery.first(url, "compress"));
    return c == null ? NONE : c;
  }

  /** Parses {@code none}, {@code zlib-stream} or {@code zstd-stream}; null otherwise. */
  public static Compression parse(String text) {
    return Spellings.find(values(), Compression::spelling, text);
  }
}
