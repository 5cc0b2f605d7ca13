package io.gatewatch.report;

import io.gatewatch.protocol.ClientLibrary;
import io.gatewatch.protocol.ClientTable;
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
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts every signal and keeps the raw durations, so a report can give exact percentiles rather
 * than bucket estimates. For bounded runs (replay, probe --once); a long-running agent reads its
 * histograms instead.
 */
public final class Tally implements Signals {

  /** Closes seen for one code. */
  public record CloseCount(int code, CloseCode close, long server, long client, long none) {
    public long total() {
      return server + client + none;
    }
  }

  private final Map<Integer, long[]> closes = new TreeMap<>();
  private final Map<Integer, CloseCode> closeCodes = new TreeMap<>();
  private final EnumMap<ResumeOutcome, Long> resumes = new EnumMap<>(ResumeOutcome.class);
  private final EnumMap<Via, Long> readies = new EnumMap<>(Via.class);
  private final EnumMap<PolicyRule, Long> violations = new EnumMap<>(PolicyRule.class);
  private final EnumMap<PolicyRule, Map<String, Long>> violationsByClient =
      new EnumMap<>(PolicyRule.class);
  private final EnumMap<RttKind, Samples> rtts = new EnumMap<>(RttKind.class);
  private final Samples reconnects = new Samples();
  private final EnumMap<Via, Long> reconnectsVia = new EnumMap<>(Via.class);
  private long opened;
  private long frames;
  private long decodeErrors;
  private long missed;
  private long invalidSessions;
  private long reconnectRequests;
  private long abandoned;
  private long evictions;

  public Tally() {
    for (RttKind k : RttKind.values()) {
      rtts.put(k, new Samples());
    }
  }

  @Override
  public synchronized void connectionOpened() {
    opened++;
  }

  @Override
  public synchronized void connectionClosed(int code, CloseCode close, Initiator initiator) {
    closes.computeIfAbsent(code, c -> new long[Initiator.values().length])[initiator.ordinal()]++;
    if (close != null) {
      closeCodes.put(code, close);
    }
  }

  @Override
  public synchronized void frame(Direction from, int op, int sizeBytes) {
    frames++;
  }

  @Override
  public synchronized void decodeError() {
    decodeErrors++;
  }

  @Override
  public synchronized void heartbeatRtt(RttKind kind, long nanos) {
    rtts.get(kind).add(nanos);
  }

  @Override
  public synchronized void heartbeatMissed() {
    missed++;
  }

  @Override
  public synchronized void resume(ResumeOutcome outcome, ClientLibrary client) {
    resumes.merge(outcome, 1L, Long::sum);
  }

  @Override
  public synchronized void ready(Via via, ClientLibrary client) {
    readies.merge(via, 1L, Long::sum);
  }

  @Override
  public synchronized void reconnected(ReconnectEpisode episode) {
    reconnects.add(episode.durationNanos());
    reconnectsVia.merge(episode.via(), 1L, Long::sum);
  }

  @Override
  public synchronized void reconnectAbandoned(ReconnectEpisode episode) {
    abandoned++;
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
    violations.merge(rule, 1L, Long::sum);
    violationsByClient
        .computeIfAbsent(rule, r -> new TreeMap<>())
        .merge(client == null ? ClientTable.UNKNOWN : client.label(), 1L, Long::sum);
  }

  @Override
  public synchronized void evicted(EvictionReason reason) {
    evictions++;
  }

  // ---- reading ----------------------------------------------------------------------------

  public synchronized List<CloseCount> closes() {
    List<CloseCount> out = new ArrayList<>();
    for (Map.Entry<Integer, long[]> e : closes.entrySet()) {
      long[] by = e.getValue();
      out.add(
          new CloseCount(
              e.getKey(),
              closeCodes.get(e.getKey()),
              by[Initiator.SERVER.ordinal()],
              by[Initiator.CLIENT.ordinal()],
              by[Initiator.NONE.ordinal()]));
    }
    return out;
  }

  public synchronized long resumes(ResumeOutcome outcome) {
    return resumes.getOrDefault(outcome, 0L);
  }

  public synchronized long resumesTotal() {
    return resumes.values().stream().mapToLong(Long::longValue).sum();
  }

  public synchronized long readies(Via via) {
    return readies.getOrDefault(via, 0L);
  }

  /** Reconnect episodes completed by this route. */
  public synchronized long readiesAfterReconnect(Via via) {
    return reconnectsVia.getOrDefault(via, 0L);
  }

  public synchronized long violations(PolicyRule rule) {
    return violations.getOrDefault(rule, 0L);
  }

  /** A rule's violations by client library, the most first (then by label). */
  public synchronized List<Map.Entry<String, Long>> violationsByClient(PolicyRule rule) {
    List<Map.Entry<String, Long>> byClient =
        new ArrayList<>(violationsByClient.getOrDefault(rule, Map.of()).entrySet());
    byClient.sort(Map.Entry.<String, Long>comparingByValue().reversed());
    return byClient.stream().map(e -> Map.entry(e.getKey(), e.getValue())).toList();
  }

  /** Round trips of one kind, sorted ascending, in nanoseconds. */
  public synchronized long[] rtts(RttKind kind) {
    return rtts.get(kind).sorted();
  }

  /** Completed reconnect episodes, sorted ascending, in nanoseconds. */
  public synchronized long[] reconnects() {
    return reconnects.sorted();
  }

  public synchronized long opened() {
    return opened;
  }

  public synchronized long frames() {
    return frames;
  }

  public synchronized long decodeErrors() {
    return decodeErrors;
  }

  public synchronized long missed() {
    return missed;
  }

  public synchronized long invalidSessions() {
    return invalidSessions;
  }

  public synchronized long reconnectRequests() {
    return reconnectRequests;
  }

  public synchronized long abandoned() {
    return abandoned;
  }

  public synchronized long evictions() {
    return evictions;
  }

  /**
   * The nearest-rank percentile of sorted values: the smallest value with at least {@code p}% of
   * the values at or below it. -1 when there are none.
   */
  public static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return -1;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
  }

  /** A growable array of longs. */
  private static final class Samples {
    private long[] values = new long[16];
    private int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    long[] sorted() {
      long[] out = Arrays.copyOf(values, size);
      Arrays.sort(out);
      return out;
    }
  }
}
