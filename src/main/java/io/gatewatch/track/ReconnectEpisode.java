package io.gatewatch.track;

import io.gatewatch.protocol.ClientLibrary;
import io.gatewatch.protocol.CloseCode;

/**
 * One reconnect episode: from the end of the socket that last held a client's session to READY or
 * RESUMED on a later socket (or to giving up), across the failed attempts in between.
 *
 * @param startNanos end of the socket that last held the session (epoch nanoseconds)
 * @param endNanos READY or RESUMED, or the moment the episode was given up
 * @param closeCode the close code that ended the session's socket
 * @param close that code in the profile, or null when unknown
 * @param via how the session came back; null when given up
 * @param lastResume outcome of the last Resume in the episode, or null if none was tried
 * @param attempts sockets that tried to take the session back (Identify or Resume), the last
 *     included
 * @param client the client library of the session (its Identify's)
 */
public record ReconnectEpisode(
    long startNanos,
    long endNanos,
    int closeCode,
    CloseCode close,
    Via via,
    ResumeOutcome lastResume,
    int attempts,
    ClientLibrary client) {

  public long durationNanos() {
    return endNanos - startNanos;
  }
}
