package io.gatewatch.protocol;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** Reads parameters from the query of a URL or of a path and query ({@code /?v=1&encoding=etf}). */
public final class UrlQuery {
  private UrlQuery() {}

  /**
   * The decoded value of the first {@code name} parameter, "" for a bare {@code name}, or null when
   * the URL is null, has no query or no such parameter. A malformed escape is kept as written.
   */
  public static String first(String url, String name) {
    if (url == null) {
      return null;
    }
    int q = url.indexOf('?');
    if (q < 0) {
      return null;
    }
    int hash = url.indexOf('#', q);
    String query = url.substring(q + 1, hash < 0 ? url.length() : hash);
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq));
      if (key.equals(name)) {
        return eq < 0 ? "" : decode(pair.substring(eq + 1));
      }
    }
    return null;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }
}
