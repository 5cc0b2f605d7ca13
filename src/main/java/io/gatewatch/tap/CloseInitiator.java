package io.gatewatch.tap;

/**
 * Who ended a socket: the {@code initiator} label of {@code gateway_close_total}.
 *
 * <pre>{@code
 * socket.closed(4009, "Heartbeat timeout", CloseInitiator.SERVER); // the server's close frame
 * socket.closed(1000, "bye", CloseInitiator.CLIENT);               // ours
 * socket.closed(1006, "", CloseInitiator.NONE);                    // no close frame: a drop
 * }</pre>
 */
public enum CloseInitiator {
  /** The server sent the first close frame. */
  SERVER,
  /** The client sent the first close frame. */
  CLIENT,
  /** No close frame: the connection dropped. Recorded as code 1006 whatever code is passed. */
  NONE
}
