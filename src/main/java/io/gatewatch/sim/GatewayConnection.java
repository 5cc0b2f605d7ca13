package io.gatewatch.sim;

import io.gatewatch.protocol.Encoding;
import io.gatewatch.protocol.Opcode;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One socket of the simulated gateway, as plain protocol logic: what to answer to each client
 * payload and when to close with which code. It never touches the network; a {@link Transport}
 * carries its decisions out, and the caller drives its timers ({@link #onHeartbeatCheck()} every
 * {@link #heartbeatCheckPeriodNanos()}, {@link #onDispatchTick()} every {@link
 * #dispatchPeriodNanos()}, {@link #onIntervalTick()} every heartbeat interval).
 *
 * <p>Order of checks for a client message: the per-socket rate limit (every message counts), the
 * size limit, JSON, an object with an integer {@code op}; then the opcode.
 *
 * <p>Not thread-safe: call it from the socket's own thread (its Netty event loop). The one
 * cross-socket call, a Resume taking a session over, goes through {@link Transport#execute}.
 */
public final class GatewayConnection {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayConnection.class);

  /** Carries out the connection's decisions. */
  public interface Transport {
    /** Sends one server payload (compressed as the socket negotiated). */
    void send(String payload);

    /** Sends one server payload after a delay, unless the socket ended by then. */
    void sendLater(String payload, long delayNanos);

    /** Sends a close frame and ends the socket (after the client's reply, or a short grace). */
    void close(int code, String reason);

    /** Ends the TCP connection without a close frame (the simulator resets it). */
    void abort();

    /** True while the socket's outbound queue is over its bound or it is not writable. */
    boolean congested();

    /** Runs a task on this socket's thread. */
    void execute(Runnable task);

    /**
     * Identify asked for payload compression ({@code compress: true}) on a gateway that has it:
     * from now on every server message is a zlib stream of its own, in a binary message.
     */
    default void compressPayloads() {}
  }

  private final GatewayCore core;
  private final SimulatorSettings settings;
  private final Transport transport;
  private final long number;
  private final Encoding encoding;
  private final HeartbeatDeadline heartbeat;
  private final RateLimiter rateLimiter;
  private final AckDelay.Sampler ackDelay;
  private final SplittableRandom random;
  private final long dispatchPeriodNanos;
  private final long backpressureGraceNanos;
  private Session session;
  private String tokenFingerprint = "-";
  private boolean ended;
  private int serverCloseCode;
  private long congestedSince = -1;
  private double dispatchCredit;

  GatewayConnection(GatewayCore core, Transport transport, long number, Encoding encoding) {
    this.core = core;
    this.settings = core.settings();
    this.transport = transport;
    this.number = number;
    this.encoding = encoding;
    long now = core.nanos();
    this.heartbeat =
        new HeartbeatDeadline(
            settings.heartbeatInterval().toNanos(),
            settings.heartbeatTimeout().toNanos(),
            now,
            settings.profile().policy().serverRequestsHeartbeats());
    this.rateLimiter =
        new RateLimiter(settings.rateLimit().count(), settings.rateLimit().window().toNanos());
    long seed = settings.seed() * 0x9E3779B97F4A7C15L + number;
    this.ackDelay = settings.ackDelay().sampler(seed);
    this.random = new SplittableRandom(seed ^ 0x5DEECE66DL);
    double rate = settings.dispatchRate();
    this.dispatchPeriodNanos =
        rate <= 0 ? 0 : Math.max(1_000_000L, (long) Math.ceil(1_000_000_000L / rate));
    this.backpressureGraceNanos = settings.backpressureGrace().toNanos();
  }

  /** The socket's number (1, 2, ... in accept order). */
  public long number() {
    return number;
  }

  /** The session attached to this socket, or null. */
  public Session session() {
    return session;
  }

  /** True once the socket was closed, dropped or ended. */
  public boolean ended() {
    return ended;
  }

  /** How often to call {@link #onHeartbeatCheck()}: interval/3. */
  public long heartbeatCheckPeriodNanos() {
    return heartbeat.checkPeriodNanos();
  }

  /** How often to call {@link #onDispatchTick()}; 0 when no dispatches are generated. */
  public long dispatchPeriodNanos() {
    return dispatchPeriodNanos;
  }

  /** How often to call {@link #onIntervalTick()}: the heartbeat interval. */
  public long intervalNanos() {
    return settings.heartbeatInterval().toNanos();
  }

  /** The socket is open: Hello. */
  public void open() {
    transport.send(Payloads.hello(settings.heartbeatInterval().toMillis()));
  }

  /** One client message, decompressed, in the socket's encoding (JSON or an Erlang term). */
  public void onMessage(byte[] data) {
    if (ended) {
      return;
    }
    if (!rateLimiter.tryAcquire(core.nanos())) {
      close(CloseCause.RATE_LIMITED);
      return;
    }
    if (data.length > settings.maxPayloadBytes()) {
      close(CloseCause.DECODE_ERROR);
      return;
    }
    Object parsed;
    try {
      parsed = encoding == Encoding.ETF ? Etf.decode(data) : Json.parse(data);
    } catch (Json.MalformedException e) {
      LOG.debug("conn {}: undecodable payload: {}", number, e.getMessage());
      close(CloseCause.DECODE_ERROR);
      return;
    }
    if (!(parsed instanceof Map<?, ?>)) {
      close(CloseCause.DECODE_ERROR);
      return;
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> msg = (Map<String, Object>) parsed;
    Object op = msg.get("op");
    if (!(op instanceof Long)) {
      close(CloseCause.DECODE_ERROR);
      return;
    }
    long code = (Long) op;
    if (code == Opcode.HEARTBEAT) {
      heartbeat(msg);
    } else if (code == Opcode.IDENTIFY) {
      identify(msg.get("d"));
    } else if (code == Opcode.RESUME) {
      resume(msg.get("d"));
    } else if (isClientOpcode(code)) {
      if (session == null) {
        close(CloseCause.NOT_AUTHENTICATED);
      }
      // with a session: accepted; the simulator has nothing to say about presences or members
    } else {
      close(session == null ? CloseCause.NOT_AUTHENTICATED : CloseCause.UNKNOWN_OPCODE);
    }
  }

  /** A client message that could not even be read (bad compression, protocol violation). */
  public void onUndecodable() {
    close(CloseCause.DECODE_ERROR);
  }

  private boolean isClientOpcode(long code) {
    if (code < 0 || code > 255 || settings.rejectedOpcodes().contains((int) code)) {
      return false;
    }
    Opcode op = settings.profile().opcode((int) code);
    return op != null && !"server".equals(op.sentBy());
  }

  private void heartbeat(Map<String, Object> msg) {
    Object d = msg.containsKey("d") ? msg.get("d") : Json.NULL;
    if (d != Json.NULL && !Json.isInteger(d)) {
      close(CloseCause.INVALID_SEQUENCE);
      return;
    }
    heartbeat.accept(core.nanos());
    if (session != null && d instanceof Long seq) {
      session.ack(seq);
    }
    long delay = ackDelay.nextNanos();
    if (delay <= 0) {
      transport.send(Payloads.heartbeatAck());
    } else {
      transport.sendLater(Payloads.heartbeatAck(), delay);
    }
  }

  private void identify(Object d) {
    if (session != null) {
      close(CloseCause.ALREADY_AUTHENTICATED);
      return;
    }
    if (!(d instanceof Map<?, ?> data) || !(data.get("token") instanceof String token)) {
      close(CloseCause.DECODE_ERROR);
      return;
    }
    String key = GatewayCore.tokenKey(token);
    tokenFingerprint = GatewayCore.fingerprint(key);
    if (!settings.isValidToken(token)) {
      LOG.debug("conn {}: invalid token {}", number, tokenFingerprint);
      close(CloseCause.AUTHENTICATION_FAILED);
      return;
    }
    int[] shard = null;
    Object shardValue = data.get("shard");
    if (shardValue != null && shardValue != Json.NULL) {
      shard = shard(shardValue);
      if (shard == null) {
        close(CloseCause.INVALID_SHARD);
        return;
      }
    }
    int guilds = settings.guildsFor(token);
    int owned = shard == null ? guilds : guilds / shard[1] + (shard[0] < guilds % shard[1] ? 1 : 0);
    if (owned > settings.maxGuildsPerShard()) {
      close(CloseCause.SHARDING_REQUIRED);
      return;
    }
    Session s = core.sessions().createIfUnder(key, settings.maxSessionsPerToken(), owned, this);
    if (s == null) {
      close(CloseCause.TOO_MANY_SESSIONS);
      return;
    }
    session = s;
    if (Boolean.TRUE.equals(data.get("compress"))
        && settings.profile().transport().payloadCompression()) {
      transport.compressPayloads();
    }
    LOG.debug("conn {}: READY session {} token {}", number, s.shortId(), tokenFingerprint);
    transport.send(Payloads.ready(s.id(), tokenFingerprint, owned, shard));
  }

  /** {@code [shard_id, num_shards]} with {@code 0 <= id < num}, or null. */
  private static int[] shard(Object value) {
    if (!(value instanceof List<?> list) || list.size() != 2) {
      return null;
    }
    if (!(list.get(0) instanceof Long id) || !(list.get(1) instanceof Long count)) {
      return null;
    }
    if (count < 1 || count > Integer.MAX_VALUE || id < 0 || id >= count) {
      return null;
    }
    return new int[] {(int) (long) id, (int) (long) count};
  }

  private void resume(Object d) {
    if (session != null) {
      close(CloseCause.ALREADY_AUTHENTICATED);
      return;
    }
    if (!(d instanceof Map<?, ?> data)
        || !(data.get("token") instanceof String token)
        || !(data.get("session_id") instanceof String sessionId)
        || !Json.isInteger(data.get("seq"))) {
      close(CloseCause.DECODE_ERROR);
      return;
    }
    long seq = clamp(data.get("seq"));
    String key = GatewayCore.tokenKey(token);
    tokenFingerprint = GatewayCore.fingerprint(key);
    Optional<Session> found = core.sessions().find(sessionId);
    if (found.isEmpty()) {
      LOG.debug("conn {}: resume of an unknown or expired session: op 9", number);
      transport.send(Payloads.invalidSession());
      return;
    }
    Session s = found.get();
    if (!s.tokenKey().equals(key)) {
      close(CloseCause.AUTHENTICATION_FAILED);
      return;
    }
    Session.Resumed r = s.resume(this, seq, Payloads::resumed);
    switch (r.check()) {
      case AHEAD:
      case BEHIND_ACK:
        close(CloseCause.INVALID_SEQUENCE);
        return;
      case BELOW_FLOOR:
        LOG.debug("conn {}: resume below the replay floor {}: op 9", number, s.floor());
        transport.send(Payloads.invalidSession());
        return;
      default:
        break;
    }
    session = s;
    if (r.previousOwner() instanceof GatewayConnection previous && previous != this) {
      previous.transport.execute(previous::sessionTakenOver);
    }
    LOG.debug(
        "conn {}: RESUMED session {} from seq {}, {} replayed",
        number,
        s.shortId(),
        seq,
        r.replay().size());
    for (String payload : r.replay()) {
      transport.send(payload);
    }
    transport.send(r.resumed());
  }

  private static long clamp(Object integer) {
    if (integer instanceof Long l) {
      return l;
    }
    return ((BigInteger) integer).signum() > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
  }

  /** The server's heartbeat check (every interval/3): request, or 4009; and backpressure. */
  public void onHeartbeatCheck() {
    if (ended || checkCongestion()) {
      return;
    }
    switch (heartbeat.check(core.nanos())) {
      case REQUEST:
        transport.send(Payloads.heartbeatRequest());
        break;
      case TIMEOUT:
        close(CloseCause.HEARTBEAT_TIMEOUT);
        break;
      default:
        break;
    }
  }

  /** The dispatch timer: the events due since the last tick (dispatchRate per second). */
  public void onDispatchTick() {
    if (ended || checkCongestion() || session == null || dispatchPeriodNanos == 0) {
      return;
    }
    dispatchCredit += settings.dispatchRate() * dispatchPeriodNanos / 1e9;
    int due = (int) Math.floor(dispatchCredit);
    dispatchCredit -= due;
    dispatch(due);
  }

  /** Sends {@code count} dispatches now (when a session is attached); returns how many went. */
  public int dispatch(int count) {
    int sent = 0;
    for (int i = 0; i < count && !ended && session != null; i++) {
      long millis = core.epochMillis();
      int bytes = dispatchBytes();
      String payload = session.dispatch(this, seq -> Payloads.messageCreate(seq, millis, bytes));
      if (payload == null) {
        session = null; // taken over by another socket
        break;
      }
      transport.send(payload);
      sent++;
    }
    return sent;
  }

  private int dispatchBytes() {
    DispatchSize size = settings.dispatchSize();
    return size.min() == size.max() ? size.min() : random.nextInt(size.min(), size.max() + 1);
  }

  /** Once per heartbeat interval: the random-drop fault. */
  public void onIntervalTick() {
    if (!ended
        && settings.dropProbability() > 0
        && random.nextDouble() < settings.dropProbability()) {
      LOG.debug("conn {}: random drop", number);
      drop();
    }
  }

  /**
   * Closes with the backpressure code when the socket has been congested for the grace period.
   *
   * @return true when it closed
   */
  private boolean checkCongestion() {
    if (!transport.congested()) {
      congestedSince = -1;
      return false;
    }
    long now = core.nanos();
    if (congestedSince < 0) {
      congestedSince = now;
    }
    if (now - congestedSince >= backpressureGraceNanos) {
      LOG.debug("conn {}: congested since {} ms", number, (now - congestedSince) / 1_000_000);
      close(CloseCause.BACKPRESSURE);
      return true;
    }
    return false;
  }

  /** op 7 Reconnect, then close 4000 (Session drain requested). */
  public void drain() {
    if (ended) {
      return;
    }
    transport.send(Payloads.reconnect());
    close(CloseCause.DRAIN);
  }

  /** Drops the TCP connection without a close frame (a reset; the client sees 1006). */
  public void drop() {
    if (ended) {
      return;
    }
    ended = true;
    transport.abort();
  }

  /**
   * The backpressure fault: when a session is attached, sends {@code backpressureBurstEvents}
   * dispatches at once and closes as if they overflowed the event buffer (4013; 4000 where the
   * profile has no 4013).
   *
   * @return true when the socket had a session and was closed
   */
  public boolean backpressureBurst() {
    if (ended || session == null) {
      return false;
    }
    dispatch(settings.backpressureBurstEvents());
    close(CloseCause.BACKPRESSURE);
    return true;
  }

  /** The simulator shuts down: 1001. */
  public void goingAway() {
    close(CloseCause.GOING_AWAY);
  }

  /** Another socket resumed this socket's session. */
  void sessionTakenOver() {
    session = null;
    close(CloseCause.SESSION_TAKEN_OVER);
  }

  /** The socket is gone (whoever ended it): the session is retained or forgotten. */
  public void socketEnded() {
    ended = true;
    Session s = session;
    session = null;
    if (s != null) {
      boolean retain = serverCloseCode == 0 || core.closes().retainsSession(serverCloseCode);
      core.sessions().socketEnded(s, this, retain);
      LOG.debug("conn {}: session {} {}", number, s.shortId(), retain ? "retained" : "forgotten");
    }
  }

  private void close(CloseCause cause) {
    if (ended) {
      return;
    }
    ended = true;
    CloseTable.Close c = core.closes().close(cause);
    serverCloseCode = c.code();
    LOG.debug("conn {}: closing {} {}", number, c.code(), c.reason());
    transport.close(c.code(), c.reason());
  }
}
