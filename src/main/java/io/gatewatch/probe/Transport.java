package io.gatewatch.probe;

import java.net.URI;

/** How a probe session reaches the gateway: one WebSocket per {@link #connect}. */
public interface Transport {

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
