package io.gatewatch.track;

/** Client behaviour against the seed's recovery rules; the {@code rule} label. */
public enum PolicyRule {
  /** Resume of a session whose last socket ended with a non-resumable close code. */
  RESUME_AFTER_NON_RESUMABLE("resume_after_non_resumable"),
  /** A new socket of the client opened under the rate-limit backoff (60 s) after 4008. */
  RECONNECT_TOO_SOON_AFTER_RATE_LIMIT("reconnect_too_soon_after_rate_limit"),
  /** Identify or Resume with the same token after 4004. */
  RETRY_UNCHANGED_AFTER_FATAL("retry_unchanged_after_fatal"),
  /** A client heartbeat more than the advertised interval after the previous one (or Hello). */
  HEARTBEAT_LATE("heartbeat_late"),
  /** A server heartbeat request followed by another request or the close, not by op 1. */
  SERVER_HEARTBEAT_UNANSWERED("server_heartbeat_unanswered"),
  /** Identify on a socket that already holds a session or awaits READY. */
  IDENTIFY_TWICE("identify_twice"),
  /** A client payload over the profile's limit (4,096 bytes). */
  PAYLOAD_TOO_LARGE("payload_too_large");

  private final String label;

  PolicyRule(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
