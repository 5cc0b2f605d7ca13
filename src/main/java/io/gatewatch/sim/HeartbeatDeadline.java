package io.gatewatch.sim;

/**
 * The gateway's side of the heartbeat, as docs/protocol.md describes Fluxer's: the server checks
 * every interval/3; at 90% of the interval since the last accepted heartbeat it requests one (op 1
 * {@code d:null}) and then awaits it; more than the timeout since the last accepted heartbeat while
 * awaiting closes the socket with 4009. With the defaults (41,250 ms, 45,000 ms) a silent client is
 * asked at the check at 41.25 s and closed at the check at 55 s. A gateway that does not ask
 * (Discord) closes at the first check past the timeout.
 *
 * <p>Pure logic on a caller-supplied nanosecond clock; not thread-safe (one per socket, used on its
 * event loop).
 */
public final class HeartbeatDeadline {
  /** What a check decided. */
  public enum Verdict {
    /** Nothing to do. */
    NONE,
    /** Send op 1 {@code d:null}: the client must heartbeat at once. */
    REQUEST,
    /** Close with 4009: past the timeout while awaiting a heartbeat. */
    TIMEOUT
  }

  private final long intervalNanos;
  private final long timeoutNanos;
  private final long requestAfterNanos;
  private final boolean asks;
  private long lastAcceptedNanos;
  private boolean awaiting;

  /**
   * @param intervalNanos the advertised heartbeat interval
   * @param timeoutNanos how long after the last accepted heartbeat an awaited one may come
   * @param nowNanos the socket's start, counted as the first accepted heartbeat
   */
  public HeartbeatDeadline(long intervalNanos, long timeoutNanos, long nowNanos) {
    this(intervalNanos, timeoutNanos, nowNanos, true);
  }

  /**
   * @param asks whether the gateway requests a heartbeat at 90% of the interval before it closes
   *     (the profile's {@code server_requests_heartbeats})
   */
  public HeartbeatDeadline(long intervalNanos, long timeoutNanos, long nowNanos, boolean asks) {
    if (intervalNanos <= 0 || timeoutNanos <= 0) {
      throw new IllegalArgumentException("interval and timeout must be positive");
    }
    this.intervalNanos = intervalNanos;
    this.timeoutNanos = timeoutNanos;
    this.requestAfterNanos = intervalNanos / 10 * 9 + (intervalNanos % 10) * 9 / 10;
    this.lastAcceptedNanos = nowNanos;
    this.asks = asks;
  }

  /** How often the server checks: interval/3 (13,750 ms by default), at least 1 ns. */
  public long checkPeriodNanos() {
    return Math.max(1, intervalNanos / 3);
  }

  /** Since the last accepted heartbeat, when the server requests one: 90% of the interval. */
  public long requestAfterNanos() {
    return requestAfterNanos;
  }

  /** A heartbeat (op 1 with a valid {@code d}) was accepted now. */
  public void accept(long nowNanos) {
    lastAcceptedNanos = nowNanos;
    awaiting = false;
  }

  /** True after a request and until the next accepted heartbeat. */
  public boolean awaiting() {
    return awaiting;
  }

  /** The periodic check. A REQUEST moves to awaiting; it is returned once per wait. */
  public Verdict check(long nowNanos) {
    long elapsed = nowNanos - lastAcceptedNanos;
    if (awaiting || !asks) {
      return elapsed > timeoutNanos ? Verdict.TIMEOUT : Verdict.NONE;
    }
    if (elapsed >= requestAfterNanos) {
      awaiting = true;
      return Verdict.REQUEST;
    }
    return Verdict.NONE;
  }
}
