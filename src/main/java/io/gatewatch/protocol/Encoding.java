package io.gatewatch.protocol;

/**
 * How a socket's payloads are encoded, as its URL's {@code encoding} parameter asks: JSON (text, or
 * UTF-8 in binary messages) or the Erlang external term format (binary messages), which some
 * Discord-style clients use. Text messages are JSON whatever the socket's encoding.
 */
public enum Encoding {
  JSON,
  ETF;

  /** The query's spelling: {@code json}, {@code etf}. */
  public String spelling() {
    return Spellings.of(this);
  }

  /** The encoding a URL's query names; JSON when it names none or one gatewatch cannot read. */
  public static Encoding fromUrl(String url) {
    return "etf".equals(UrlQuery.first(url, "encoding")) ? ETF : JSON;
  }

  /** Parses {@code json} or {@code etf}; null otherwise. */
  public static Encoding parse(String text) {
    return Spellings.find(values(), Encoding::spelling, text);
  }
}
