package io.gatewatch.sim;

/**
 * Why the simulated gateway closes a socket. {@link CloseTable} turns a cause into the close code
 * and reason of the active profile: the exact reason docs/protocol.md gives where it gives one
 * ({@code Too many connections}, {@code Rate limited}, {@code Heartbeat timeout}, {@code Session
 * drain requested; reconnect to continue}), otherwise the code's name in the profile.
 */
public enum CloseCause {
  /** op 7 Reconnect, then this. */
  DRAIN(4000, "Session drain requested; reconnect to continue"),
  /** A Resume took the session over from this socket. */
  SESSION_TAKEN_OVER(4000, null),
  UNKNOWN_OPCODE(4001, null),
  DECODE_ERROR(4002, null),
  NOT_AUTHENTICATED(4003, null),
  AUTHENTICATION_FAILED(4004, null),
  ALREADY_AUTHENTICATED(4005, null),
  INVALID_SEQUENCE(4007, null),
  /** Over the per-socket payload rate. */
  RATE_LIMITED(4008, "Rate limited"),
  /** The socket over the per-IP limit, before Hello. */
  TOO_MANY_CONNECTIONS(4008, "Too many connections"),
  /** More live sessions for one token than allowed (Fluxer: 100). */
  TOO_MANY_SESSIONS(4008, null),
  HEARTBEAT_TIMEOUT(4009, "Heartbeat timeout"),
  INVALID_SHARD(4010, null),
  SHARDING_REQUIRED(4011, null),
  INVALID_API_VERSION(4012, null),
  /**
   * The client is too slow for the bounded event buffer: 4013 where the profile has the seed's
   * Acknowledgement Backpressure, else 4000 (fluxer-current has no 4013).
   */
  BACKPRESSURE(4013, null),
  /** The simulator shuts down. */
  GOING_AWAY(1001, null);

  private final int code;
  private final String fixedReason;

  CloseCause(int code, String fixedReason) {
    this.code = code;
    this.fixedReason = fixedReason;
  }

  /** The code as the seed profile has it (see {@link CloseTable} for the active profile's). */
  public int seedCode() {
    return code;
  }

  /** The exact reason docs/protocol.md gives, or null (then the profile's name is used). */
  public String fixedReason() {
    return fixedReason;
  }
}
