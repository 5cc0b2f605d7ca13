package io.gatewatch.config;

import java.net.InetSocketAddress;

/** {@code HOST:PORT} listen addresses ({@code [::1]:9470} for IPv6). */
public final class HostPort {
  private HostPort() {}

  /** An address as it is written in settings: {@code 127.0.0.1:9470}, {@code [::1]:9470}. */
  public static String show(InetSocketAddress address) {
    String host = address.getHostString();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  /**
   * Parses a listen address without resolving it.
   *
   * @param where names the setting in the error message
   */
  public static InetSocketAddress parse(String where, String text) {
    return Scalars.named(where, () -> parse(text));
  }

  /**
   * Parses a listen address without resolving it.
   *
   * @throws IllegalArgumentException saying what is wrong (without naming the setting)
   */
  public static InetSocketAddress parse(String text) {
    String t = text == null ? "" : text.trim();
    int colon = t.lastIndexOf(':');
    if (colon <= 0 || colon == t.length() - 1) {
      throw new IllegalArgumentException("expected HOST:PORT, got \"" + text + "\"");
    }
    String host = t.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(t.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "port must be a number from 0 to 65535, got \"" + text + "\"");
    }
    return new InetSocketAddress(host, port);
  }
}
