package io.gatewatch.tap;

import io.gatewatch.compress.InboundDecoder;
import io.gatewatch.protocol.Compression;
import io.gatewatch.protocol.Direction;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Instruments a JDK {@link WebSocket} ({@code java.net.http}): a {@link WebSocket.Listener}
 * decorator reports what the server sends and how the socket ends, and a send wrapper reports what
 * the client sends. Messages are reported whole (fragments joined) and before your listener sees
 * them; sends are reported when you make them.
 *
 * <pre>{@code
 * GatewayTap tap = GatewayTap.builder(registry).gateway("fluxer").build();
 * WebSocket ws =
 *     JdkWebSocketTap.buildAsync(tap, HttpClient.newHttpClient().newWebSocketBuilder(), uri, myListener)
 *         .join();
 * ws.sendText(identify, true); // send through this WebSocket (or the one your listener is given)
 * }</pre>
 *
 * <p>The socket's URL decides how binary messages are read, in both directions: decompressed as its
 * {@code compress} asks ({@code zlib-stream}, {@code zstd-stream}; payload compression where the
 * tap's profile has it) and read as Erlang terms for {@code encoding=etf}, as JSON otherwise.
 *
 * <p>How a socket's end is reported: your {@code sendClose} first makes it a client close with your
 * code; a close frame from the server first makes it a server close with the server's code; {@code
 * onError} or {@code abort()} without a close frame either way is a drop (1006, {@code none}).
 */
public final class JdkWebSocketTap {
  private JdkWebSocketTap() {}

  /**
   * Opens a WebSocket whose traffic is reported to a new observer of {@code tap}. The future's
   * WebSocket, and the one {@code listener} is given in its callbacks, report what is sent through
   * them.
   */
  public static CompletableFuture<WebSocket> buildAsync(
      GatewayTap tap, WebSocket.Builder builder, URI uri, WebSocket.Listener listener) {
    SocketObserver socket = tap.socket(uri.toString());
    TapListener tapped = new TapListener(socket, listener, Compression.fromUrl(uri.toString()));
    return builder.buildAsync(uri, tapped).thenApply(tapped::sender);
  }

  /**
   * A listener reporting to {@code socket} what the server sends and how the socket ends, then
   * passing every callback on to {@code delegate} with a WebSocket that reports sends. Binary
   * messages are reported as they come: use {@link #listener(SocketObserver, WebSocket.Listener,
   * String)} for a compressed socket.
   */
  public static WebSocket.Listener listener(SocketObserver socket, WebSocket.Listener delegate) {
    return new TapListener(
        Objects.requireNonNull(socket, "socket"),
        Objects.requireNonNull(delegate, "delegate"),
        Compression.NONE);
  }

  /**
   * Like {@link #listener(SocketObserver, WebSocket.Listener)} for a socket opened with {@code
   * url}: binary messages are decompressed as its {@code compress} parameter asks (make {@code
   * socket} with {@link GatewayTap#socket(String)} and the same URL, for its encoding).
   */
  public static WebSocket.Listener listener(
      SocketObserver socket, WebSocket.Listener delegate, String url) {
    return new TapListener(
        Objects.requireNonNull(socket, "socket"),
        Objects.requireNonNull(delegate, "delegate"),
        Compression.fromUrl(url));
  }

  /** {@code webSocket} with every message sent through it reported to {@code socket}. */
  public static WebSocket sender(SocketObserver socket, WebSocket webSocket) {
    return new TapSender(
        Objects.requireNonNull(socket, "socket"),
        Objects.requireNonNull(webSocket, "webSocket"),
        Compression.NONE);
  }

  /** Reports one whole binary message through a direction's decoder. */
  static void binary(
      SocketObserver socket, InboundDecoder decoder, ByteBuffer whole, boolean fromServer) {
    if (decoder == null) {
      if (fromServer) {
        socket.frameFromServer(whole);
      } else {
        socket.frameFromClient(whole);
      }
      return;
    }
    ByteBuffer b = whole.duplicate();
    byte[] bytes = new byte[b.remaining()];
    b.get(bytes);
    Direction from = fromServer ? Direction.SERVER : Direction.CLIENT;
    switch (decoder.decode(bytes, bytes.length)) {
      case PAYLOAD -> {
        ByteBuffer payload = ByteBuffer.wrap(decoder.takePayload(), 0, decoder.payloadLength());
        if (fromServer) {
          socket.frameFromServer(payload);
        } else {
          socket.frameFromClient(payload);
        }
      }
      case UNDECODABLE, UNOBSERVED -> socket.undecodable(from, bytes.length);
      case INCOMPLETE -> {}
    }
  }

  static InboundDecoder decoder(SocketObserver socket, Compression compression, boolean server) {
    boolean payloadCompression = server && socket.payloadCompression();
    if (compression == Compression.NONE && !payloadCompression) {
      return null;
    }
    return new InboundDecoder(compression, server, payloadCompression, true, 16 << 20);
  }

  /** Joins the fragments of one direction's messages. Not thread-safe: one direction, in order. */
  static final class Joiner {
    private final StringBuilder text = new StringBuilder();
    private ByteBuffer binary;

    /** The whole message when {@code last}, else null. */
    CharSequence text(CharSequence part, boolean last) {
      if (last && text.length() == 0) {
        return part;
      }
      text.append(part);
      if (!last) {
        return null;
      }
      String whole = text.toString();
      text.setLength(0);
      return whole;
    }

    ByteBuffer binary(ByteBuffer part, boolean last) {
      if (last && binary == null) {
        return part;
      }
      ByteBuffer src = part.duplicate();
      if (binary == null) {
        binary = ByteBuffer.allocate(Math.max(256, src.remaining() * 2));
      } else if (binary.remaining() < src.remaining()) {
        ByteBuffer bigger =
            ByteBuffer.allocate(
                Math.max(binary.capacity() * 2, binary.position() + src.remaining()));
        binary.flip();
        bigger.put(binary);
        binary = bigger;
      }
      binary.put(src);
      if (!last) {
        return null;
      }
      ByteBuffer whole = binary.flip();
      binary = null;
      return whole;
    }
  }

  /** The listener decorator. */
  static final class TapListener implements WebSocket.Listener {
    private final SocketObserver socket;
    private final WebSocket.Listener delegate;
    private final Compression compression;
    private final Joiner fromServer = new Joiner();
    private InboundDecoder decoder;
    private volatile TapSender sender;

    TapListener(SocketObserver socket, WebSocket.Listener delegate, Compression compression) {
      this.socket = socket;
      this.delegate = delegate;
      this.compression = compression;
    }

    /** The one send wrapper of this socket. */
    WebSocket sender(WebSocket ws) {
      TapSender s = sender;
      if (s == null || s.delegate != ws) {
        synchronized (this) {
          s = sender;
          if (s == null || s.delegate != ws) {
            s = new TapSender(socket, ws, compression);
            sender = s;
          }
        }
      }
      return s;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      socket.opened();
      delegate.onOpen(sender(webSocket));
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      try {
        CharSequence whole = fromServer.text(data, last);
        if (whole != null) {
          socket.frameFromServer(whole);
        }
      } catch (Throwable t) {
        socket.failed(t);
      }
      return delegate.onText(sender(webSocket), data, last);
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      try {
        ByteBuffer whole = fromServer.binary(data, last);
        if (whole != null) {
          synchronized (this) {
            if (decoder == null) {
              decoder = decoder(socket, compression, true);
            }
            binary(socket, decoder, whole, true);
          }
        }
      } catch (Throwable t) {
        socket.failed(t);
      }
      return delegate.onBinary(sender(webSocket), data, last);
    }

    @Override
    public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
      return delegate.onPing(sender(webSocket), message);
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
      return delegate.onPong(sender(webSocket), message);
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      // After our own sendClose this is the server's echo: the socket is already closed.
      socket.closed(statusCode, reason, CloseInitiator.SERVER);
      release();
      return delegate.onClose(sender(webSocket), statusCode, reason);
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      socket.closed(1006, "", CloseInitiator.NONE);
      release();
      delegate.onError(sender(webSocket), error);
    }

    /** Frees the decompression state (an ended socket reads nothing more). */
    private synchronized void release() {
      if (decoder != null) {
        decoder.close();
      }
      decoder = null;
    }
  }

  /** The send wrapper. */
  static final class TapSender implements WebSocket {
    private final SocketObserver socket;
    final WebSocket delegate;
    private final Compression compression;
    private final Joiner fromClient = new Joiner();
    private InboundDecoder decoder;

    TapSender(SocketObserver socket, WebSocket delegate, Compression compression) {
      this.socket = socket;
      this.delegate = delegate;
      this.compression = compression;
    }

    @Override
    public CompletableFuture<WebSocket> sendText(CharSequence data, boolean last) {
      try {
        CharSequence whole;
        synchronized (fromClient) {
          whole = fromClient.text(data, last);
        }
        if (whole != null) {
          socket.frameFromClient(whole);
        }
      } catch (Throwable t) {
        socket.failed(t);
      }
      return delegate.sendText(data, last).thenApply(ws -> this);
    }

    @Override
    public CompletableFuture<WebSocket> sendBinary(ByteBuffer data, boolean last) {
      try {
        synchronized (fromClient) {
          ByteBuffer whole = fromClient.binary(data, last);
          if (whole != null) {
            if (decoder == null) {
              decoder = decoder(socket, compression, false);
            }
            binary(socket, decoder, whole, false);
          }
        }
      } catch (Throwable t) {
        socket.failed(t);
      }
      return delegate.sendBinary(data, last).thenApply(ws -> this);
    }

    @Override
    public CompletableFuture<WebSocket> sendPing(ByteBuffer message) {
      return delegate.sendPing(message).thenApply(ws -> this);
    }

    @Override
    public CompletableFuture<WebSocket> sendPong(ByteBuffer message) {
      return delegate.sendPong(message).thenApply(ws -> this);
    }

    @Override
    public CompletableFuture<WebSocket> sendClose(int statusCode, String reason) {
      if (!delegate.isOutputClosed()) {
        socket.closed(statusCode, reason, CloseInitiator.CLIENT);
      }
      release();
      return delegate.sendClose(statusCode, reason).thenApply(ws -> this);
    }

    @Override
    public void request(long n) {
      delegate.request(n);
    }

    @Override
    public String getSubprotocol() {
      return delegate.getSubprotocol();
    }

    @Override
    public boolean isOutputClosed() {
      return delegate.isOutputClosed();
    }

    @Override
    public boolean isInputClosed() {
      return delegate.isInputClosed();
    }

    @Override
    public void abort() {
      socket.closed(1006, "", CloseInitiator.NONE);
      release();
      delegate.abort();
    }

    /** Frees the decompression state of what this socket sends. */
    private void release() {
      synchronized (fromClient) {
        if (decoder != null) {
          decoder.close();
        }
        decoder = null;
      }
    }
  }
}
