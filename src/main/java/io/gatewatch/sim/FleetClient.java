package io.gatewatch.sim;

import io.gatewatch.compress.ZlibCodec;
import io.gatewatch.compress.ZstdCodec;
import io.gatewatch.config.ConfigException;
import io.gatewatch.protocol.CloseCode;
import io.gatewatch.protocol.Compression;
import io.gatewatch.protocol.Encoding;
import io.gatewatch.protocol.Opcode;
import io.gatewatch.protocol.Resumability;
import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.zip.DataFormatException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated client: connects, Identifies or Resumes, heartbeats, and after every close does
 * what its {@link Behaviour} says: the profile's strategy for {@link Behaviour#GOOD}, one broken
 * rule for each of the others. State is guarded by this object's lock; socket callbacks of a socket
 * that has ended are ignored.
 */
final class FleetClient {
  private static final Logger log = LoggerFactory.getLogger(FleetClient.class);

  private static final int OP_UNKNOWN = 99;

  private final Fleet fleet;
  private final int index;
  private final Behaviour behaviour;
  private final Wire wire;
  private final String token;
  private final Random random;

  private Socket socket;
  private int sockets;
  private long intervalMs;
  private ScheduledFuture<?> heartbeats;
  private ScheduledFuture<?> mischief;
  private String sessionId;
  private Long seq;
  private boolean resumeNext;
  private int failures;
  private int staleResumes;
  private boolean stopped;

  FleetClient(Fleet fleet, int index, Behaviour behaviour, long seed) {
    this.fleet = fleet;
    this.index = index;
    this.behaviour = behaviour;
    this.wire = fleet.settings().wire(behaviour);
    this.token = (behaviour == Behaviour.BAD_TOKEN ? "revoked-" : "valid-") + "fleet-" + index;
    this.random = new Random(seed);
  }

  Behaviour behaviour() {
    return behaviour;
  }

  synchronized void start(long delayMs) {
    fleet.schedule(this::connect, delayMs);
  }

  synchronized void stop() {
    stopped = true;
    cancelTimers();
    if (socket != null && socket.ws != null) {
      socket.closeByClient(1000, "fleet stopping");
    }
  }

  private synchronized void connect() {
    if (stopped) {
      return;
    }
    Socket s = new Socket("fleet-" + index + "-" + (++sockets));
    socket = s;
    fleet
        .http()
        .newWebSocketBuilder()
        .connectTimeout(Duration.ofSeconds(5))
        .buildAsync(wire.applyTo(fleet.settings().url()), s)
        .whenComplete(
            (ws, error) -> {
              if (error != null) {
                s.connectFailed(error);
              }
            });
  }

  // ---- what the server says ----

  private synchronized void onMessage(Socket s, Map<String, Object> frame) {
    if (s != socket || stopped) {
      return;
    }
    if (!(frame.get("op") instanceof Long op)) {
      return;
    }
    Object d = frame.get("d");
    switch (op.intValue()) {
      case Opcode.HELLO -> {
        intervalMs =
            d instanceof Map<?, ?> m && m.get("heartbeat_interval") instanceof Long l ? l : 41_250;
        startHeartbeats(s);
        if (resumeNext && sessionId != null) {
          resume(s);
        } else {
          identify(s);
        }
      }
      case Opcode.DISPATCH -> {
        if (frame.get("s") instanceof Long l) {
          seq = l;
        }
        Object t = frame.get("t");
        if ("READY".equals(t)
            && d instanceof Map<?, ?> m
            && m.get("session_id") instanceof String id) {
          sessionId = id;
          established(s);
        } else if ("RESUMED".equals(t)) {
          established(s);
        }
      }
      case Opcode.HEARTBEAT -> answerHeartbeatRequest(s);
      case Opcode.INVALID_SESSION -> {
        // The session is gone; the socket stays open: Identify on it after 2.5-3.5 s.
        sessionId = null;
        seq = null;
        fleet.schedule(() -> identifyIfCurrent(s), 2_500 + random.nextInt(1_000));
      }
      case Opcode.RECONNECT -> {} // the server closes with 4000 next; the close decides
      default -> {}
    }
  }

  private void established(Socket s) {
    s.sawSession = true;
    failures = 0;
    staleResumes = 0;
    resumeNext = false;
    startMischief(s);
  }

  private synchronized void identifyIfCurrent(Socket s) {
    if (s == socket && !stopped) {
      identify(s);
    }
  }

  private void identify(Socket s) {
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("os", "linux");
    // each behaviour its own "library", so that a table with the fleet's names tells them apart
    properties.put("browser", behaviour.clientName());
    properties.put("device", behaviour.clientName());
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("token", token);
    d.put("properties", properties);
    s.send(Opcode.IDENTIFY, d);
  }

  private void resume(Socket s) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("token", token);
    d.put("session_id", sessionId);
    d.put("seq", seq == null ? 0L : seq);
    s.send(Opcode.RESUME, d);
  }

  // ---- heartbeats ----

  private void startHeartbeats(Socket s) {
    double period =
        switch (behaviour) {
          case SLOW -> 1.5;
          case DEAF -> 1.5;
          default -> 0.8;
        };
    long periodMs = (long) (intervalMs * period);
    long first =
        behaviour == Behaviour.GOOD || periodMs > intervalMs
            ? periodMs
            : (long) (periodMs * (0.2 + 0.8 * random.nextDouble()));
    cancel(heartbeats);
    heartbeats = fleet.scheduleAtFixedRate(() -> heartbeat(s), first, periodMs);
  }

  private synchronized void heartbeat(Socket s) {
    if (s == socket && !stopped) {
      s.send(Opcode.HEARTBEAT, seq);
    }
  }

  private void answerHeartbeatRequest(Socket s) {
    switch (behaviour) {
      case DEAF -> {} // never answers
      // a quarter interval late at the gateway's usual check phase (1.33 intervals since the last
      // beat), yet before its next check would close the socket with 4009
      case SLOW -> fleet.schedule(() -> heartbeat(s), (long) (intervalMs * 0.15));
      default -> s.send(Opcode.HEARTBEAT, seq);
    }
  }

  // ---- the behaviours' mischief, once a session is up ----

  private void startMischief(Socket s) {
    cancel(mischief);
    long after = (long) (intervalMs * (0.75 + random.nextDouble()));
    switch (behaviour) {
      case FLOODER ->
          mischief =
              fleet.scheduleAtFixedRate(() -> presence(s), after, Math.max(20, intervalMs / 40));
      case SLOPPY -> mischief = fleet.schedule(() -> sloppy(s), after);
      case STALE_RESUMER -> mischief = fleet.schedule(() -> sabotage(s), after);
      default -> {}
    }
  }

  private synchronized void presence(Socket s) {
    if (s == socket && !stopped) {
      s.send(Opcode.PRESENCE_UPDATE, Map.of("status", "online", "since", 0L));
    }
  }

  private synchronized void sloppy(Socket s) {
    if (s != socket || stopped) {
      return;
    }
    switch (random.nextInt(4)) {
      case 0 -> s.send(OP_UNKNOWN, null);
      case 1 -> s.send(Opcode.PRESENCE_UPDATE, Map.of("status", "x".repeat(5_000)));
      case 2 -> s.sendRaw("{\"op\":3,\"d\":{\"status\":"); // not JSON: 4002
      default -> identify(s);
    }
  }

  /** Loses its socket and "remembers" a sequence the server never sent. */
  private synchronized void sabotage(Socket s) {
    if (s != socket || stopped) {
      return;
    }
    seq = (seq == null ? 0 : seq) + 1_000;
    s.drop();
  }

  // ---- after a close: the strategy ----

  private synchronized void onEnded(Socket s) {
    if (s != socket) {
      return;
    }
    cancelTimers();
    boolean hadSession = s.sawSession;
    if (!hadSession) {
      failures++;
    }
    if (stopped) {
      return;
    }
    int code = s.closeCode;
    CloseCode close = fleet.profile().closeCode(code);
    Resumability resumable = close == null ? Resumability.TRUE : close.resumable();
    long delay;
    switch (behaviour) {
      case BAD_TOKEN -> {
        resumeNext = false;
        delay = 2_000 + random.nextInt(3_000); // unchanged, as if nothing happened
      }
      case STALE_RESUMER -> {
        if (sessionId != null && staleResumes++ < 2) {
          resumeNext = true; // even after 4007: the rule it breaks
          delay = 200 + random.nextInt(300);
        } else {
          sessionId = null;
          resumeNext = false;
          delay = backoff();
        }
      }
      default -> {
        if (code == CloseCode.RATE_LIMITED
            && (behaviour == Behaviour.FLOODER || asksRateLimitWait())) {
          sessionId = null;
          resumeNext = false;
          delay =
              behaviour == Behaviour.FLOODER
                  ? 5_000
                  : fleet.settings().rateLimitWait().toMillis() + random.nextInt(2_000);
        } else if (close != null && close.fatal()) {
          // The profile says so (a bad token, shard or version): reconnecting unchanged
          // reproduces it, so fix the cause first.
          log.info(
              "fleet client {} stops after close {} ({}): the cause must be fixed first",
              index,
              code,
              close == null ? "unknown" : close.name());
          stopped = true;
          return;
        } else if (resumable == Resumability.FALSE || sessionId == null) {
          sessionId = null;
          seq = null;
          resumeNext = false;
          delay = backoff();
        } else {
          resumeNext = true;
          delay = 250 + random.nextInt(750);
        }
      }
    }
    fleet.schedule(this::connect, delay);
  }

  /** The profile asks for a wait after 4008 (Fluxer's seed: 60 s; Discord: none, Resume). */
  private boolean asksRateLimitWait() {
    return !fleet.profile().policy().rateLimitBackoff().isZero();
  }

  /** 1 s doubling to the maximum, with jitter. */
  private long backoff() {
    long max = fleet.settings().maxBackoff().toMillis();
    long base = Math.min(max, 1_000L << Math.min(failures, 10));
    return base / 2 + random.nextInt((int) Math.max(1, base / 2));
  }

  private void cancelTimers() {
    cancel(heartbeats);
    cancel(mischief);
    heartbeats = null;
    mischief = null;
  }

  private static void cancel(ScheduledFuture<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asObject(Object tree) {
    return tree instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
  }

  /** One socket of this client: the JDK listener plus what the socket saw. */
  private final class Socket implements WebSocket.Listener {
    final String id;
    volatile WebSocket ws;
    private final StringBuilder partial = new StringBuilder();
    private final ByteArrayOutputStream partialBinary = new ByteArrayOutputStream();
    private final ZlibCodec.StreamInflater zlib =
        wire.compression() == Compression.ZLIB_STREAM ? new ZlibCodec.StreamInflater() : null;
    private final ZstdCodec.StreamDecompressor zstd =
        wire.compression() == Compression.ZSTD_STREAM ? new ZstdCodec.StreamDecompressor() : null;
    private CompletableFuture<?> sending = CompletableFuture.completedFuture(null);
    private boolean ended;
    private boolean closeSent;
    volatile boolean sawSession;
    int closeCode;

    Socket(String id) {
      this.id = id;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      ws = webSocket;
      fleet.observer().opened(id);
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        fleet.observer().frame(id, true, text);
        received(text.getBytes(StandardCharsets.UTF_8), Encoding.JSON, false);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      byte[] chunk = new byte[data.remaining()];
      data.get(chunk);
      partialBinary.writeBytes(chunk);
      if (last) {
        byte[] message = partialBinary.toByteArray();
        partialBinary.reset();
        byte[] payload = decompress(message);
        if (payload != null) {
          received(payload, wire.encoding(), true);
        }
      }
      webSocket.request(1);
      return null;
    }

    /**
     * A binary message as the server sent it, decompressed; null when incomplete or broken, or once
     * the socket ended (which frees the decompressor, under the same lock).
     */
    private synchronized byte[] decompress(byte[] message) {
      if (ended) {
        return null;
      }
      try {
        if (zlib != null) {
          int n = zlib.inflate(message, 0, message.length, 16 << 20);
          return n < 0 ? null : Arrays.copyOf(zlib.output(), n);
        }
        return zstd != null ? zstd.decompress(message) : message;
      } catch (DataFormatException | RuntimeException e) {
        log.debug("fleet socket {}: undecodable message: {}", id, e.toString());
        return null;
      }
    }

    /** A whole payload; the observer hears a binary one as JSON text, what it says. */
    private void received(byte[] payload, Encoding encoding, boolean binary) {
      Map<String, Object> frame;
      try {
        frame = asObject(encoding == Encoding.ETF ? Etf.decode(payload) : Json.parse(payload));
      } catch (Json.MalformedException e) {
        return;
      }
      if (frame != null) {
        if (binary) {
          String text =
              encoding == Encoding.ETF
                  ? Json.write(frame)
                  : new String(payload, StandardCharsets.UTF_8);
          fleet.observer().frame(id, true, text);
        }
        onMessage(this, frame);
      }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      // The JDK reports a connection lost without a close frame as 1006: nobody closed it.
      String by = statusCode == 1006 ? "none" : closeSent ? "client" : "server";
      ended(statusCode, reason, by);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      ended(1006, "", "none");
    }

    /** Sends one frame; sends are chained, since the JDK allows one outstanding send. */
    void send(int op, Object d) {
      Map<String, Object> frame = new LinkedHashMap<>();
      frame.put("op", (long) op);
      frame.put("d", d == null ? Json.NULL : d);
      if (wire.encoding() == Encoding.ETF) {
        sendBinary(Json.write(frame), Etf.encode(frame));
      } else {
        sendRaw(Json.write(frame));
      }
    }

    /** Sends text as it is; on an ETF socket its bytes go as a binary message (not a term). */
    synchronized void sendRaw(String text) {
      if (wire.encoding() == Encoding.ETF) {
        sendBinary(text, text.getBytes(StandardCharsets.UTF_8));
        return;
      }
      WebSocket w = ws;
      if (w == null || ended) {
        return;
      }
      fleet.observer().frame(id, false, text);
      sending = sending.handle((x, e) -> null).thenCompose(x -> w.sendText(text, true));
    }

    /** A binary message; the observer sees {@code asText}, what it says in JSON. */
    synchronized void sendBinary(String asText, byte[] bytes) {
      WebSocket w = ws;
      if (w == null || ended) {
        return;
      }
      fleet.observer().frame(id, false, asText);
      sending =
          sending
              .handle((x, e) -> null)
              .thenCompose(x -> w.sendBinary(ByteBuffer.wrap(bytes), true));
    }

    synchronized void closeByClient(int code, String reason) {
      WebSocket w = ws;
      if (w != null && !ended && !closeSent) {
        closeSent = true;
        sending.handle((x, e) -> null).thenCompose(x -> w.sendClose(code, reason));
      }
    }

    /** An abrupt drop: no close frame. */
    void drop() {
      WebSocket w = ws;
      if (w != null) {
        w.abort();
      }
      ended(1006, "", "none");
    }

    void ended(int code, String reason, String by) {
      if (end(code)) {
        fleet.observer().closed(id, code, reason == null ? "" : reason, by);
        onEnded(this);
      }
    }

    /**
     * The socket never opened: no close to count, but the client goes on as after a dropped
     * connection (1006), backing off before it tries again.
     */
    void connectFailed(Throwable error) {
      if (end(1006)) {
        fleet.observer().connectFailed(id, reason(error));
        onEnded(this);
      }
    }

    /**
     * Why a connect failed, in words: the first message down the chain of causes (a timeout, an
     * upgrade refused, an unknown host), else what the failure is.
     */
    private static String reason(Throwable error) {
      Throwable failure =
          error instanceof CompletionException && error.getCause() != null
              ? error.getCause()
              : error;
      for (Throwable t = failure; t != null; t = t.getCause()) {
        if (t.getMessage() != null && !t.getMessage().isBlank()) {
          return ConfigException.describe(t);
        }
      }
      // the HTTP client's refused connect says nothing at any depth
      return failure instanceof ConnectException
          ? "connection refused"
          : ConfigException.describe(failure);
    }

    /** Marks the socket ended with {@code code}; false when it already was. */
    private synchronized boolean end(int code) {
      if (ended) {
        return false;
      }
      ended = true;
      closeCode = code;
      if (zlib != null) {
        zlib.close();
      }
      if (zstd != null) {
        zstd.close();
      }
      return true;
    }
  }

  @Override
  public String toString() {
    return "fleet client " + index + " (" + behaviour.spelling() + ", " + wire.spelling() + ")";
  }
}
