package io.gatewatch.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A gateway client on the JDK's {@link WebSocket}: records text messages and how it ended. */
public final class JdkClient implements WebSocket.Listener, AutoCloseable {
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration WAIT = Duration.ofSeconds(10);

  /** How the socket ended: the close frame's code and reason, or 1006 without one. */
  public record Close(int code, String reason) {}

  private final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
  private final List<String> received = new ArrayList<>();
  private final List<String> sent = new ArrayList<>();
  private final CompletableFuture<Close> closed = new CompletableFuture<>();
  private final StringBuilder partial = new StringBuilder();
  private WebSocket ws;

  public static JdkClient connect(String url) {
    JdkClient c = new JdkClient();
    c.ws =
        HTTP.newWebSocketBuilder()
            .connectTimeout(WAIT)
            .buildAsync(URI.create(url), c)
            .orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS)
            .join();
    return c;
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      String t = partial.toString();
      partial.setLength(0);
      synchronized (this) {
        received.add(t);
      }
      queue.add(t);
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closed.complete(new Close(statusCode, reason));
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed.complete(new Close(1006, ""));
  }

  public void send(String text) {
    synchronized (this) {
      sent.add(text);
    }
    ws.sendText(text, true).join();
  }

  public String next() {
    try {
      String t = queue.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      if (t == null) {
        throw new AssertionError("no message within " + WAIT + "; closed: " + closed.getNow(null));
      }
      return t;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The next message, which must have this opcode. */
  public JsonNode expect(int op) {
    String t = next();
    try {
      JsonNode j = JSON.readTree(t);
      if (j.get("op").asInt() != op) {
        throw new AssertionError("expected op " + op + ", got " + t);
      }
      return j;
    } catch (java.io.IOException e) {
      throw new AssertionError("not JSON: " + t, e);
    }
  }

  public Close awaitClose() {
    try {
      return closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("no close within " + WAIT, e);
    }
  }

  public void sendClose(int code, String reason) {
    ws.sendClose(code, reason).join();
  }

  synchronized List<String> received() {
    return new ArrayList<>(received);
  }

  synchronized List<String> sent() {
    return new ArrayList<>(sent);
  }

  @Override
  public void close() {
    if (!closed.isDone()) {
      ws.abort();
    }
  }
}
