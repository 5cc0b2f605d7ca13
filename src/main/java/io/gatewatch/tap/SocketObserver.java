package io.gatewatch.tap;

import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Encoding;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.track.Connection;
import java.nio.ByteBuffer;

/**
 * What one socket of the host application did: it opened, a message came from the server or went
 * from the client, it closed. Get one per socket from {@link GatewayTap#socket()} and report its
 * events in order (from one thread at a time, as a WebSocket's callbacks come); different sockets
 * may report from any threads at once.
 *
 * <p>No method throws, whatever it is given: a failure inside is counted in {@code
 * gatewatch_observer_errors_total{source="client"}} and the call returns. Messages are whole
 * WebSocket messages (join fragments first) and decompressed: text, or bytes in the socket's
 * encoding (UTF-8 JSON, or an Erlang term when the socket was made with {@link
 * GatewayTap#socket(String)} for an {@code encoding=etf} URL); a message reported before {@link
 * #opened()} opens the socket implicitly, and events after {@link #closed} are ignored.
 *
 * <pre>{@code
 * SocketObserver socket = tap.socket();
 * socket.opened();
 * socket.frameFromServer("{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}");
 * socket.frameFromClient("{\"op\":1,\"d\":null}");
 * socket.closed(4009, "Heartbeat timeout", CloseInitiator.SERVER);
 * }</pre>
 */
public final class SocketObserver {
  private final GatewayTap tap;
  private final String id;
  private final Encoding encoding;
  private volatile Connection conn;

  SocketObserver(GatewayTap tap, String id, Encoding encoding) {
    this.tap = tap;
    this.id = id;
    this.encoding = encoding;
  }

  /** The encoding of this socket's binary messages. */
  public Encoding encoding() {
    return encoding;
  }

  /** The socket opened (its handshake completed). A second call changes nothing. */
  public void opened() {
    try {
      connection(tap.now());
    } catch (Throwable t) {
      tap.failed(t);
    }
  }

  /** A whole text message from the server. */
  public void frameFromServer(CharSequence text) {
    text(Direction.SERVER, text);
  }

  /**
   * A whole message from the server as bytes in the socket's encoding; the buffer's position is not
   * changed.
   */
  public void frameFromServer(ByteBuffer bytes) {
    bytes(Direction.SERVER, bytes);
  }

  /** A whole text message the client sent. */
  public void frameFromClient(CharSequence text) {
    text(Direction.CLIENT, text);
  }

  /**
   * A whole message the client sent, as bytes in the socket's encoding; the buffer's position is
   * not changed.
   */
  public void frameFromClient(ByteBuffer bytes) {
    bytes(Direction.CLIENT, bytes);
  }

  /**
   * The socket ended.
   *
   * @param code the close code of the first close frame (ignored for {@link CloseInitiator#NONE},
   *     which is recorded as 1006)
   * @param reason the close reason; not recorded (labels never hold free text), may be null
   * @param initiator who sent the first close frame; null is taken as {@link CloseInitiator#NONE}
   */
  public void closed(int code, String reason, CloseInitiator initiator) {
    try {
      long now = tap.now();
      Initiator by =
          initiator == null
              ? Initiator.NONE
              : switch (initiator) {
                case SERVER -> Initiator.SERVER;
                case CLIENT -> Initiator.CLIENT;
                case NONE -> Initiator.NONE;
              };
      connection(now).close(now, code, by);
    } catch (Throwable t) {
      tap.failed(t);
    }
  }

  private void text(Direction from, CharSequence text) {
    if (text == null) {
      return;
    }
    try {
      long now = tap.now();
      connection(now).frame(now, from, text);
    } catch (Throwable t) {
      tap.failed(t);
    }
  }

  private void bytes(Direction from, ByteBuffer bytes) {
    if (bytes == null) {
      return;
    }
    try {
      long now = tap.now();
      Connection c = connection(now);
      ByteBuffer b = bytes.duplicate(); // the caller's position and limit stay as they were
      if (b.hasArray()) {
        c.frame(now, from, encoding, b.array(), b.arrayOffset() + b.position(), b.remaining(), -1);
      } else {
        byte[] copy = new byte[b.remaining()];
        b.get(copy);
        c.frame(now, from, encoding, copy, 0, copy.length, -1);
      }
    } catch (Throwable t) {
      tap.failed(t);
    }
  }

  /** A compressed message of {@code size} bytes that did not decompress: a decode error. */
  void undecodable(Direction from, int size) {
    try {
      long now = tap.now();
      connection(now).frameNotRead(now, from, size, true);
    } catch (Throwable t) {
      tap.failed(t);
    }
  }

  /** The gateway's profile says it has payload compression. */
  boolean payloadCompression() {
    return tap.tracker().profile().transport().payloadCompression();
  }

  /** A failure in an adapter's own code around this observer: counted like the observer's. */
  void failed(Throwable t) {
    tap.failed(t);
  }

  private Connection connection(long now) {
    Connection c = conn;
    if (c == null) {
      synchronized (this) {
        c = conn;
        if (c == null) {
          c = tap.tracker().open(id, now, encoding);
          conn = c;
        }
      }
    }
    return c;
  }

  /** For tests and logs: the tap's name for this socket. */
  @Override
  public String toString() {
    return "SocketObserver[" + id + "]";
  }
}
