package io.gatewatch.probe;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@link Transport} on the JDK's {@link WebSocket}: no threads of its own to manage. */
public final class JdkTransport implements Transport {
  private final HttpClient http;
  private final Duration connectTimeout;

  public JdkTransport(Duration connectTimeout) {
    this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).build();
    this.connectTimeout = connectTimeout;
  }

  @Override
  public void connect(URI url, Listener listener) {
    Adapter adapter = new Adapter(listener);
    http.newWebSocketBuilder()
        .connectTimeout(connectTimeout)
        .buildAsync(url, adapter)
        .whenComplete(
            (ws, error) -> {
              if (error != null) {
                adapter.fail(error);
              }
            });
  }

  private static final class Adapter implements WebSocket.Listener, Socket {
    private final Listener listener;
    private final StringBuilder partial = new StringBuilder();
    private WebSocket ws;
    private CompletableFuture<?> sending = CompletableFuture.completedFuture(null);
    private boolean done;

    Adapter(Listener listener) {
      this.listener = listener;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      synchronized (this) {
        ws = webSocket;
      }
      listener.opened(this);
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        listener.text(text);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      webSocket.request(1); // the probe asks for plain JSON; nothing binary is expected
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      if (finish()) {
        listener.closed(statusCode, reason);
      }
      // Completes the closing handshake when the server began it (a no-op when we did).
      webSocket.sendClose(WebSocket.NORMAL_CLOSURE, "").exceptionally(e -> null);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      fail(error);
    }

    void fail(Throwable error) {
      if (finish()) {
        listener.failed(error);
      }
    }

    private synchronized boolean finish() {
      if (done) {
        return false;
      }
      done = true;
      return true;
    }

    // The JDK allows one outstanding send: chain them.
    @Override
    public synchronized void send(String text) {
      WebSocket w = ws;
      if (w != null && !done) {
        sending = sending.handle((x, e) -> null).thenCompose(x -> w.sendText(text, true));
      }
    }

    @Override
    public synchronized void close(int code, String reason) {
      WebSocket w = ws;
      if (w != null && !done) {
        sending = sending.handle((x, e) -> null).thenCompose(x -> w.sendClose(code, reason));
      }
    }

    @Override
    public void abort() {
      WebSocket w;
      synchronized (this) {
        w = ws;
      }
      if (w != null) {
        w.abort();
      }
      fail(new java.io.IOException("aborted"));
    }
  }
}
