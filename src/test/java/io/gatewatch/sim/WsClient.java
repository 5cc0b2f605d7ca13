package io.gatewatch.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatewatch.compress.ZlibCodec;
import io.gatewatch.compress.ZstdCodec;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A scripted gateway client on the JDK's {@link WebSocket}: records every frame it receives (text,
 * or binary decoded through one zstd decompressor, which serves both compression variants) with its
 * arrival time, and how the socket ended (code and reason; 1006 when it ended without a close
 * frame).
 */
final class WsClient implements WebSocket.Listener, AutoCloseable {
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final Duration WAIT = Duration.ofSeconds(10);

  /** How the socket ended. */
  record Close(int code, String reason) {}

  /**
   * One received message: its JSON text, whether it came binary, when (nanoTime), and the bytes as
   * they came (the compressed ones for a binary message).
   */
  record Frame(String text, boolean binary, long atNanos, byte[] raw) {
    JsonNode json() {
      try {
        return MAPPER.readTree(text);
      } catch (Exception e) {
        throw new AssertionError("not JSON: " + text, e);
      }
    }

    int op() {
      return json().get("op").asInt();
    }
  }

  private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
  private final List<Frame> all = new ArrayList<>();
  private final CompletableFuture<Close> closed = new CompletableFuture<>();
  private final CompletableFuture<ByteBuffer> pong = new CompletableFuture<>();
  private final ZstdCodec.StreamDecompressor inbound = new ZstdCodec.StreamDecompressor();
  private final ZstdCodec.StreamCompressor outbound;
  private final boolean zlib;
  private final boolean zstd;
  private final boolean etf;
  private final ZlibCodec.StreamInflater zlibIn = new ZlibCodec.StreamInflater();
  private final ZlibCodec.StreamCompressor zlibOut = new ZlibCodec.StreamCompressor();
  private boolean payloadCompression;
  private final StringBuilder text = new StringBuilder();
  private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
  private final long startNanos = System.nanoTime();
  private WebSocket ws;

  private WsClient(String url, boolean compressOutbound) {
    this.zlib = url.contains("compress=zlib-stream");
    this.etf = url.contains("encoding=etf");
    this.zstd = url.contains("compress=zstd-stream");
    this.outbound = compressOutbound && !zlib ? new ZstdCodec.StreamCompressor() : null;
    this.compressOutbound = compressOutbound;
  }

  private final boolean compressOutbound;

  /**
   * Expects every binary message without transport compression to be a zlib stream of its own
   * (after an Identify with {@code compress: true}).
   */
  void payloadCompression() {
    payloadCompression = true;
  }

  static WsClient connect(String url) {
    return connect(url, false);
  }

  /** Connects; with {@code compressOutbound} every message goes as a binary zstd-stream message. */
  static WsClient connect(String url, boolean compressOutbound) {
    WsClient c = new WsClient(url, compressOutbound);
    c.ws =
        HTTP.newWebSocketBuilder()
            .connectTimeout(WAIT)
            .buildAsync(URI.create(url), c)
            .orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS)
            .join();
    return c;
  }

  /** nanoTime just before the connection attempt. */
  long startNanos() {
    return startNanos;
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    text.append(data);
    if (last) {
      String t = text.toString();
      add(new Frame(t, false, System.nanoTime(), t.getBytes(StandardCharsets.UTF_8)));
      text.setLength(0);
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    byte[] chunk = new byte[data.remaining()];
    data.get(chunk);
    binary.write(chunk, 0, chunk.length);
    if (last) {
      byte[] raw = binary.toByteArray();
      binary.reset();
      byte[] plain = decode(raw);
      if (plain != null) {
        String text = new String(plain, StandardCharsets.UTF_8);
        if (etf) {
          try {
            text = Json.write(Etf.decode(plain));
          } catch (Json.MalformedException e) {
            throw new AssertionError("not a term", e);
          }
        }
        add(new Frame(text, true, System.nanoTime(), raw));
      }
    }
    webSocket.request(1);
    return null;
  }

  /** A binary message decompressed as the URL asked; null while a zlib message is incomplete. */
  private byte[] decode(byte[] raw) {
    try {
      if (zlib) {
        int n = zlibIn.inflate(raw, 0, raw.length, 1 << 24);
        return n < 0 ? null : java.util.Arrays.copyOf(zlibIn.output(), n);
      }
      if (payloadCompression) {
        try (ZlibCodec.MessageInflater in = new ZlibCodec.MessageInflater()) {
          return in.inflate(raw, 0, raw.length, 1 << 24);
        }
      }
    } catch (java.util.zip.DataFormatException e) {
      throw new AssertionError("not zlib", e);
    }
    return zstd ? inbound.decompress(raw) : raw;
  }

  private synchronized void add(Frame f) {
    all.add(f);
    frames.add(f);
  }

  @Override
  public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
    pong.complete(message);
    webSocket.request(1);
    return null;
  }

  /** Sends a ping and waits for the pong with the same payload. */
  boolean ping() {
    ws.sendPing(ByteBuffer.wrap(new byte[] {'h', 'i'})).join();
    try {
      ByteBuffer b = pong.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      return b.remaining() == 2 && b.get(0) == 'h' && b.get(1) == 'i';
    } catch (Exception e) {
      throw new AssertionError("no pong", e);
    }
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closed.complete(new Close(statusCode, reason));
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed.complete(new Close(1006, String.valueOf(error)));
  }

  /** Sends one payload (text, or a binary zstd-stream message). */
  void send(String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    if (etf) {
      try {
        bytes = Etf.encode(Json.parse(bytes));
      } catch (Json.MalformedException e) {
        // not JSON: sent as its bytes, which are no term either
      }
    }
    if (outbound != null) {
      ws.sendBinary(ByteBuffer.wrap(outbound.compress(bytes)), true).join();
    } else if (zlib && compressOutbound) {
      ws.sendBinary(ByteBuffer.wrap(zlibOut.compress(bytes)), true).join();
    } else if (etf) {
      ws.sendBinary(ByteBuffer.wrap(bytes), true).join();
    } else {
      ws.sendText(json, true).join();
    }
  }

  /** Sends raw bytes as one binary message. */
  void sendBinary(byte[] bytes) {
    ws.sendBinary(ByteBuffer.wrap(bytes), true).join();
  }

  /** Sends, ignoring a failure because the server closed meanwhile. */
  void trySend(String json) {
    try {
      send(json);
    } catch (RuntimeException e) {
      // the socket closed under us; the close is what the test checks
    }
  }

  /** The next received frame. */
  Frame next() {
    try {
      Frame f = frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      if (f == null) {
        fail("no frame within " + WAIT + "; closed: " + closed.getNow(null));
      }
      return f;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The next frame, which must have this opcode. */
  JsonNode expect(int op) {
    Frame f = next();
    assertThat(f.op()).as("op of %s", f.text()).isEqualTo(op);
    return f.json();
  }

  /** The next frame, which must be this dispatch. */
  JsonNode expectDispatch(String type) {
    JsonNode j = expect(0);
    assertThat(j.get("t").asText()).as("dispatch %s", j).isEqualTo(type);
    return j;
  }

  /** Skips frames until one with this opcode; returns it. */
  Frame skipTo(int op) {
    while (true) {
      Frame f = next();
      if (f.op() == op) {
        return f;
      }
    }
  }

  /** Hello, then Identify with {@code token}; returns READY. */
  JsonNode identify(String token) {
    expect(10);
    send(identifyPayload(token));
    return expectDispatch("READY");
  }

  static String identifyPayload(String token) {
    return "{\"op\":2,\"d\":{\"token\":\""
        + token
        + "\",\"properties\":{\"os\":\"linux\",\"browser\":\"test\",\"device\":\"test\"}}}";
  }

  static String resumePayload(String token, String sessionId, long seq) {
    return "{\"op\":6,\"d\":{\"token\":\""
        + token
        + "\",\"session_id\":\""
        + sessionId
        + "\",\"seq\":"
        + seq
        + "}}";
  }

  /** Waits for the end of the socket. */
  Close awaitClose() {
    try {
      return closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("the socket did not close within " + WAIT, e);
    }
  }

  /** True once the socket ended. */
  boolean isClosed() {
    return closed.isDone();
  }

  /** Frames received so far, in order. */
  synchronized List<Frame> received() {
    return new ArrayList<>(all);
  }

  /** Frames received but not yet taken with {@link #next()}. */
  List<Frame> pending() {
    List<Frame> out = new ArrayList<>();
    frames.drainTo(out);
    return out;
  }

  /** Closes with 1000 (if still open) and waits for the end. */
  void closeNormally() {
    if (!closed.isDone()) {
      try {
        ws.sendClose(1000, "bye").join();
      } catch (RuntimeException e) {
        // already closing
      }
    }
    awaitClose();
  }

  @Override
  public void close() {
    if (!closed.isDone()) {
      ws.abort();
    }
    inbound.close();
    if (outbound != null) {
      outbound.close();
    }
  }
}
