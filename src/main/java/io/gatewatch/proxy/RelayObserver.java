package io.gatewatch.proxy;

import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;
import io.netty.buffer.ByteBuf;

/**
 * What the relay tells the observing side. The relay calls it on the connection's event loop, in
 * the order things happened, and never lets it change, hold or drop a frame: an exception thrown
 * here is caught, reported through {@link #observerFailed}, and the relay goes on (fail-open).
 */
public interface RelayObserver {

  /**
   * A client's socket is relayed: both WebSocket handshakes are done.
   *
   * @param pathAndQuery the request target, passed upstream unchanged ({@code /?v=1&...})
   * @return the listener for this socket's frames and close
   */
  SocketListener opened(String pathAndQuery);

  /** The relay could not reach or use the upstream; the client got 1014 or 1011. */
  void upstreamError(UpstreamError reason);

  /** An observer call threw; the relay went on without it. */
  void observerFailed(Throwable error);

  /** An upgrade was refused with 503: {@code maxConnections} sockets were relayed already. */
  default void refused() {}

  /** Receives one relayed socket's traffic. */
  interface SocketListener {
    /**
     * One data frame, as relayed: a text or binary frame or a continuation of one.
     *
     * @param payload the frame's payload; readable only during the call (do not retain or release
     *     it, do not move its reader index)
     * @param text true for a text message (its first frame and its continuations)
     * @param finalFragment true for the last frame of a message
     */
    void frame(Direction from, ByteBuf payload, boolean text, boolean finalFragment);

    /**
     * The socket ended; called once.
     *
     * @param code the close code of the first close frame, or 1006 when the connection dropped
     * @param by who sent the first close frame; {@link Initiator#NONE} when nobody did
     */
    void closed(int code, String reason, Initiator by);
  }

  /** Why the upstream failed; the {@code reason} label of gatewatch_upstream_errors_total. */
  enum UpstreamError {
    /** Connection refused or host unknown. */
    UNREACHABLE("unreachable"),
    /** Connect or handshake took longer than the connect timeout. */
    TIMEOUT("timeout"),
    /** The upstream reset or closed the TCP connection during the handshake. */
    RESET("reset"),
    /** The TLS handshake with the upstream failed. */
    TLS("tls"),
    /** The upstream answered the WebSocket handshake with something other than 101. */
    HANDSHAKE("handshake");

    private final String label;

    UpstreamError(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }
}
