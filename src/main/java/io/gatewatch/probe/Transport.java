package io.gatewatch.probe;

import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.WebSocketHandshakeException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLException;

/** How a probe session reaches the gateway: one WebSocket per {@link #connect}. */
public interface Transport {

  /**
   * Why a socket could not be opened, in a few words for a log line or the {@code --once} answer:
   * {@code connection refused}, {@code unknown host}, {@code not a WebSocket endpoint (HTTP 404)}.
   */
  static String describe(Throwable error) {
    Throwable e = error;
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof UnresolvedAddressException || c instanceof UnknownHostException) {
        return "unknown host";
      }
    }
    if (e instanceof HttpConnectTimeoutException) {
      return "connect timed out";
    }
    if (e instanceof ConnectException) {
      return "connection refused";
    }
    if (e instanceof WebSocketHandshakeException h) {
      return "not a WebSocket endpoint (HTTP " + h.getResponse().statusCode() + ")";
    }
    if (e instanceof SSLException) {
      return "TLS failed: " + e.getMessage();
    }
    String message = e.getMessage();
    return message == null || message.isBlank()
        ? e.getClass().getSimpleName()
        : message.toLowerCase(Locale.ROOT);
  }

  /** Opens a socket; every outcome, failure included, arrives at {@code listener}. */
  void connect(URI url, Listener listener);

  /** An open socket. */
  interface Socket {
    /** Sends one text message; sends go out in call order. */
    void send(String text);

    /** Starts the closing handshake. */
    void close(int code, String reason);

    /** Drops the connection without a close frame. */
    void abort();
  }

  /** What happens on a socket; calls for one socket come one at a time. */
  interface Listener {
    void opened(Socket socket);

    void text(String message);

    /** The closing handshake completed (or the server's close frame arrived). */
    void closed(int code, String reason);

    /** The socket could not be opened, or broke without a close frame. */
    void failed(Throwable error);
  }
}
