package io.gatewatch.protocol;

/**
 * One close code of a profile.
 *
 * <p>The constants are the codes whose meaning the tracker's rules and the clients' strategies
 * build on; every bundled profile gives them that meaning. Everything else about a code (whether it
 * is resumable, whether retrying unchanged can succeed) is the profile's to say.
 *
 * @param code the numeric close code
 * @param name the display name ({@code Session Timeout})
 * @param label the metric label value in snake_case ({@code session_timeout})
 * @param resumable whether the session survives it
 * @param fatal reconnecting unchanged reproduces it (a bad token, a wrong shard or version): the
 *     cause must be fixed first, so a client gives up rather than retry
 * @param cause why the gateway sends it
 * @param recovery what a client should do, in the profile's words
 */
public record CloseCode(
    int code,
    String name,
    String label,
    Resumability resumable,
    boolean fatal,
    String cause,
    String recovery) {
  /** The connection ended without a close frame. */
  public static final int ABNORMAL = 1006;

  public static final int UNKNOWN_ERROR = 4000;
  public static final int AUTHENTICATION_FAILED = 4004;
  public static final int INVALID_SEQUENCE = 4007;
  public static final int RATE_LIMITED = 4008;
  public static final int SESSION_TIMEOUT = 4009;
}
