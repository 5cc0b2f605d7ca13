package io.gatewatch.probe;

import io.gatewatch.protocol.ClientLibrary;
import io.gatewatch.protocol.CloseCode;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.track.EvictionReason;
import io.gatewatch.track.PolicyRule;
import io.gatewatch.track.ReconnectEpisode;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.RttKind;
import io.gatewatch.track.Signals;
import io.gatewatch.track.Via;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the core derived from the probe's sockets, kept exactly for the probe's report: the same
 * signals the metrics record (the probe counts nothing of its own here). Round trips are kept up to
 * a bound; counts are exact.
 */
public final class ProbeTally implements Signals {
  private static final int MAX_RTT_SAMPLES = 100_000;

  /** One reconnect episode as the report shows it. */
  public record Reconnect(Via via, long nanos) {}

  private final List<Long> rtt = new ArrayList<>();
  private final Map<ResumeOutcome, Integer> resumes = new EnumMap<>(ResumeOutcome.class);
  private final Map<PolicyRule, Integer> violations = new EnumMap<>(PolicyRule.class);
  private final List<Reconnect> reconnects = new ArrayList<>();
  private final Map<String, Integer> closes = new TreeMap<>();
  private long heartbeatsAcked;
  private long missed;
  private long invalidSessions;
  private long reconnectRequests;

  @Override
  public void connectionOpened() {}

  @Override
  public synchronized void connectionClosed(int code, CloseCode close, Initiator initiator) {
    String key = code + (close == null ? "" : " " + close.name()) + " by " + initiator.label();
    closes.merge(key, 1, Integer::sum);
  }

  @Override
  public void frame(Direction from, int op, int sizeBytes) {}

  @Override
  public void decodeError() {}

  @Override
  public synchronized void heartbeatRtt(RttKind kind, long nanos) {
    if (kind == RttKind.CLIENT) {
      heartbeatsAcked++;
      if (rtt.size() < MAX_RTT_SAMPLES) {
        rtt.add(nanos);
      }
    }
  }

  @Override
  public synchronized void heartbeatMissed() {
    missed++;
  }

  @Override
  public synchronized void resume(ResumeOutcome outcome, ClientLibrary client) {
    resumes.merge(outcome, 1, Integer::sum);
  }

  @Override
  public void ready(Via via, ClientLibrary client) {}

  @Override
  public synchronized void reconnected(ReconnectEpisode episode) {
    reconnects.add(new Reconnect(episode.via(), episode.durationNanos()));
  }

  @Override
  public synchronized void invalidSession() {
    invalidSessions++;
  }

  @Override
  public synchronized void reconnectRequested() {
    reconnectRequests++;
  }

  @Override
  public synchronized void violation(PolicyRule rule, ClientLibrary client) {
    violations.merge(rule, 1, Integer::sum);
  }

  @Override
  public void evicted(EvictionReason reason) {}

  /** Heartbeat round trips (client op 1 to op 11) in nanoseconds, in arrival order. */
  public synchronized List<Long> rtt() {
    return List.copyOf(rtt);
  }

  public synchronized long heartbeatsAcked() {
    return heartbeatsAcked;
  }

  public synchronized long heartbeatsMissed() {
    return missed;
  }

  public synchronized Map<ResumeOutcome, Integer> resumes() {
    return new EnumMap<>(resumes);
  }

  public synchronized List<Reconnect> reconnects() {
    return List.copyOf(reconnects);
  }

  /** {@code "4000 Unknown Error by client"} to how often. */
  public synchronized Map<String, Integer> closes() {
    return new TreeMap<>(closes);
  }

  public synchronized Map<PolicyRule, Integer> violations() {
    return new EnumMap<>(violations);
  }

  public synchronized long invalidSessions() {
    return invalidSessions;
  }

  public synchronized long reconnectRequests() {
    return reconnectRequests;
  }

  /**
   * The value below which {@code fraction} of the sorted samples lie (nearest rank); -1 if none.
   */
  public static long percentile(List<Long> samples, double fraction) {
    if (samples.isEmpty()) {
      return -1;
    }
    List<Long> sorted = new ArrayList<>(samples);
    sorted.sort(null);
    int rank = (int) Math.ceil(fraction * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }
}
