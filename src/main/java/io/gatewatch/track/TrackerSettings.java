package io.gatewatch.track;

import java.time.Duration;

/**
 * Tracker limits and windows. Defaults follow docs/design.md and docs/protocol.md.
 *
 * @param linkWindow how long after a session's socket ends a later session still counts as its
 *     reconnect (default 10 min)
 * @param idleTtl a socket with no event for this long is dropped (default 5 min: a live socket
 *     heartbeats every 41.25 s)
 * @param maxConnections sockets tracked at most; beyond it the least recently active are dropped
 * @param maxClients clients (session lineages) remembered at most for linking
 * @param resumeTimeout a Resume unanswered for this long ends with outcome {@code timeout}
 * @param sweepInterval how often, in event time, expired state is looked for
 */
public record TrackerSettings(
    Duration linkWindow,
    Duration idleTtl,
    int maxConnections,
    int maxClients,
    Duration resumeTimeout,
    Duration sweepInterval) {

  public static final TrackerSettings DEFAULTS =
      new TrackerSettings(
          Duration.ofMinutes(10),
          Duration.ofMinutes(5),
          200_000,
          200_000,
          Duration.ofSeconds(30),
          Duration.ofSeconds(1));

  public TrackerSettings {
    requirePositive(linkWindow, "linkWindow");
    requirePositive(idleTtl, "idleTtl");
    requirePositive(resumeTimeout, "resumeTimeout");
    requirePositive(sweepInterval, "sweepInterval");
    if (maxConnections < 1 || maxClients < 1) {
      throw new IllegalArgumentException("maxConnections and maxClients must be at least 1");
    }
  }

  private static void requirePositive(Duration d, String name) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be a positive duration");
    }
  }

  public TrackerSettings withMaxConnections(int max) {
    return new TrackerSettings(linkWindow, idleTtl, max, maxClients, resumeTimeout, sweepInterval);
  }

  public TrackerSettings withMaxClients(int max) {
    return new TrackerSettings(
        linkWindow, idleTtl, maxConnections, max, resumeTimeout, sweepInterval);
  }

  public TrackerSettings withLinkWindow(Duration window) {
    return new TrackerSettings(
        window, idleTtl, maxConnections, maxClients, resumeTimeout, sweepInterval);
  }

  public TrackerSettings withIdleTtl(Duration ttl) {
    return new TrackerSettings(
        linkWindow, ttl, maxConnections, maxClients, resumeTimeout, sweepInterval);
  }
}
