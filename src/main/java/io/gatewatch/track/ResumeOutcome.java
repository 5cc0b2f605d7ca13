package io.gatewatch.track;

/** How a Resume (op 6) ended; the {@code outcome} label. */
public enum ResumeOutcome {
  /** RESUMED dispatch. */
  SUCCESS("success"),
  /** op 9 Invalid Session: the session is gone, the client must Identify. */
  INVALID_SESSION("invalid_session"),
  /** close 4007: the resume sequence was out of bounds. */
  INVALID_SEQUENCE("invalid_sequence"),
  /** close 4004: the token does not own the session. */
  AUTH_FAILED("auth_failed"),
  /** any other close before an answer. */
  CLOSED("closed"),
  /** no answer within the resume timeout. */
  TIMEOUT("timeout");

  private final String label;

  ResumeOutcome(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
