package io.gatewatch.server;

import static java.util.Comparator.naturalOrder;
import static java.util.Comparator.nullsLast;
import static java.util.Comparator.reverseOrder;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.gatewatch.protocol.ClientTable;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.RttKind;
import io.gatewatch.track.Via;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code GET /api/summary} returns and the status page shows: the newest reading's numbers
 * since the agent started, and series over the readings held. A pure function of the history, so
 * the page and the JSON built between two readings are the same numbers. Fields are documented in
 * docs/status-page.md.
 */
record Summary(
    String version,
    Long generatedAt,
    long intervalSeconds,
    long historySeconds,
    long percentileWindowSeconds,
    Agent agent,
    List<Gateway> gateways,
    List<Integer> overview) {

  /**
   * The overview's order, worst first: the lowest resume success rate (the number the error budget
   * is spent on), then the slowest reconnection p95, the slowest heartbeat p99, the most closes; a
   * gateway without a value ranks after those with one, and a source that has seen nothing comes
   * last. Ties keep the label order.
   */
  static final Comparator<Gateway> WORST_FIRST =
      Comparator.comparing(Gateway::waiting)
          .thenComparing(g -> g.resume().successRate(), nullsLast(naturalOrder()))
          .thenComparing(g -> g.reconnect().p95Seconds(), nullsLast(reverseOrder()))
          .thenComparing(g -> g.heartbeat().p99Seconds(), nullsLast(reverseOrder()))
          .thenComparing(g -> g.closes().total(), reverseOrder());

  /** Percentiles over time cover the minute before each point, like {@code rate(...[1m])}. */
  static final Duration PERCENTILE_WINDOW = Duration.ofMinutes(1);

  record Agent(
      boolean ready,
      long uptimeSeconds,
      long trackedConnections,
      long decodeErrors,
      long upstreamErrors,
      long observerErrors,
      Map<String, Long> evictions,
      int historyPoints,
      int historyCapacity) {}

  record Gateway(
      String source,
      String gateway,
      long connectionsActive,
      long sessionsActive,
      long connectionsOpened,
      Closes closes,
      Resume resume,
      Reconnect reconnect,
      Heartbeat heartbeat,
      Violations violations,
      List<Client> clients,
      Integer worstClient,
      Series series) {

    /** Nothing seen yet: every count is zero (a source waiting for its first socket). */
    boolean waiting() {
      return connectionsOpened == 0
          && connectionsActive == 0
          && sessionsActive == 0
          && closes.total() == 0
          && resume.attempts() == 0
          && reconnect.episodes() == 0
          && heartbeat.count() == 0
          && heartbeat.serverRequestCount() == 0
          && heartbeat.missed() == 0
          && violations.total() == 0;
    }
  }

  record Closes(long total, List<CloseRow> codes) {}

  record CloseRow(String code, String name, String resumable, long server, long client, long none) {
    long total() {
      return server + client + none;
    }
  }

  record Resume(long attempts, long successes, Double successRate, Map<String, Long> outcomes) {}

  record Bucket(double le, long count) {}

  record Reconnect(
      long episodes,
      long viaIdentify,
      long viaResume,
      Double p50Seconds,
      Double p95Seconds,
      List<Bucket> buckets) {}

  record Heartbeat(
      long count,
      Double p50Seconds,
      Double p95Seconds,
      Double p99Seconds,
      long missed,
      long serverRequestCount) {}

  record Violations(long total, Map<String, Long> rules) {}

  /**
   * One client library on a gateway since the agent started, from the {@code gateway_client_*}
   * families. {@code violationsPerSession} divides by at least one session, so a library that
   * breaks rules without ever getting a session still ranks, by its count.
   *
   * @param sessions sockets that got a session: READY or RESUMED
   * @param topRule the rule it broke most (ties: label order); {@code null} without violations
   * @param resumeFailureRate failed resumes / attempts; {@code null} without attempts
   */
  record Client(
      String client,
      long sessions,
      long violations,
      double violationsPerSession,
      Map<String, Long> rules,
      String topRule,
      long resumeAttempts,
      long resumeFailures,
      Double resumeFailureRate) {

    /** Something to blame it for: a violation or a failed resume. */
    boolean troubled() {
      return violations > 0 || resumeFailures > 0;
    }
  }

  /**
   * The worst client first: the most violations per session, then the highest share of failed
   * resumes (a library without resume attempts after those with), then the most violations.
   */
  static final Comparator<Client> WORST_CLIENT_FIRST =
      Comparator.comparingDouble(Client::violationsPerSession)
          .reversed()
          .thenComparing(Client::resumeFailureRate, nullsLast(reverseOrder()))
          .thenComparing(Client::violations, reverseOrder());

  /** Values per reading; {@code t} is each reading's time (epoch ms). */
  record Series(
      List<Long> t,
      Map<String, List<Long>> closes,
      List<Double> heartbeatP50Seconds,
      List<Double> heartbeatP95Seconds,
      List<Double> heartbeatP99Seconds,
      List<Long> sessionsActive) {}

  private static final Reading.Gateway NOTHING = new Reading.Gateway();

  /** Builds the summary of what the history holds now. */
  static Summary of(StatusHistory history, String version) {
    List<Reading> readings = history.readings();
    long interval = history.interval().toMillis();
    int historyCapacity = history.capacity();
    if (readings.isEmpty()) {
      return new Summary(
          version,
          null,
          interval / 1000,
          interval * historyCapacity / 1000,
          PERCENTILE_WINDOW.toSeconds(),
          new Agent(false, 0, 0, 0, 0, 0, Map.of(), 0, historyCapacity),
          List.of(),
          List.of());
    }
    Reading last = readings.get(readings.size() - 1);
    Agent agent =
        new Agent(
            last.ready,
            last.uptimeMillis / 1000,
            last.trackedConnections,
            last.decodeErrors,
            last.upstreamErrors,
            last.observerErrors,
            last.evictions,
            readings.size(),
            historyCapacity);
    List<Gateway> gateways = new ArrayList<>();
    int window = (int) Math.max(1, PERCENTILE_WINDOW.toMillis() / interval);
    for (Map.Entry<Reading.Key, Reading.Gateway> e : last.gateways.entrySet()) {
      gateways.add(gateway(e.getKey(), e.getValue(), readings, history.fromStart(), window));
    }
    return new Summary(
        version,
        last.atMillis,
        interval / 1000,
        interval * historyCapacity / 1000,
        PERCENTILE_WINDOW.toSeconds(),
        agent,
        gateways,
        worstFirst(gateways));
  }

  /** Indices into {@code gateways}, ordered by {@link #WORST_FIRST}. */
  static List<Integer> worstFirst(List<Gateway> gateways) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < gateways.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparing(gateways::get, WORST_FIRST)); // stable: ties keep label order
    return List.copyOf(order);
  }

  private static Gateway gateway(
      Reading.Key key, Reading.Gateway g, List<Reading> readings, boolean fromStart, int window) {
    List<CloseRow> rows = new ArrayList<>();
    long closesTotal = 0;
    for (Map.Entry<Reading.Close, long[]> c : g.closes.entrySet()) {
      long[] by = c.getValue();
      CloseRow row =
          new CloseRow(
              c.getKey().code(), c.getKey().name(), c.getKey().resumable(), by[0], by[1], by[2]);
      if (row.total() > 0) {
        rows.add(row);
        closesTotal += row.total();
      }
    }

    long attempts = g.resumes.values().stream().mapToLong(Long::longValue).sum();
    long successes = g.resumes.getOrDefault(ResumeOutcome.SUCCESS.label(), 0L);
    Resume resume =
        new Resume(
            attempts,
            successes,
            attempts == 0 ? null : (double) successes / attempts,
            ordered(g.resumes, ResumeOutcome.SUCCESS.label()));

    Reading.Histogram rec = g.reconnectAll();
    List<Bucket> buckets = new ArrayList<>();
    for (int i = 0; i < rec.bounds().length; i++) {
      long below = i == 0 ? 0 : rec.cumulative()[i - 1];
      buckets.add(new Bucket(rec.bounds()[i], rec.cumulative()[i] - below));
    }
    Reconnect reconnect =
        new Reconnect(
            rec.count(),
            g.reconnects.getOrDefault(Via.IDENTIFY.label(), Reading.Histogram.EMPTY).count(),
            g.reconnects.getOrDefault(Via.RESUME.label(), Reading.Histogram.EMPTY).count(),
            micros(rec.quantile(0.50)),
            micros(rec.quantile(0.95)),
            buckets);

    Reading.Histogram hb = g.heartbeat(RttKind.CLIENT);
    Heartbeat heartbeat =
        new Heartbeat(
            hb.count(),
            micros(hb.quantile(0.50)),
            micros(hb.quantile(0.95)),
            micros(hb.quantile(0.99)),
            g.missedHeartbeats,
            g.heartbeat(RttKind.SERVER_REQUEST).count());

    Violations violations =
        new Violations(
            g.violations.values().stream().mapToLong(Long::longValue).sum(), g.violations);

    List<Client> clients = clients(g);

    return new Gateway(
        key.source(),
        key.gateway(),
        g.connectionsActive,
        g.sessionsActive,
        g.connectionsOpened,
        new Closes(closesTotal, rows),
        resume,
        reconnect,
        heartbeat,
        violations,
        clients,
        worstClient(clients),
        series(key, readings, fromStart, window));
  }

  /** Every client library with a count above zero, in label order. */
  private static List<Client> clients(Reading.Gateway g) {
    List<Client> out = new ArrayList<>();
    g.clients.forEach(
        (label, c) -> {
          long violations = c.violations.values().stream().mapToLong(Long::longValue).sum();
          String topRule = null;
          for (Map.Entry<String, Long> e : c.violations.entrySet()) {
            if (topRule == null || e.getValue() > c.violations.get(topRule)) {
              topRule = e.getKey(); // strictly more: ties keep label order
            }
          }
          long attempts = c.resumes.values().stream().mapToLong(Long::longValue).sum();
          long failures = attempts - c.resumes.getOrDefault(ResumeOutcome.SUCCESS.label(), 0L);
          out.add(
              new Client(
                  label,
                  c.sessions,
                  violations,
                  (double) violations / Math.max(1, c.sessions),
                  c.violations,
                  topRule,
                  attempts,
                  failures,
                  attempts == 0 ? null : (double) failures / attempts));
        });
    return List.copyOf(out);
  }

  /**
   * The index in {@code clients} of the worst one ({@link #WORST_CLIENT_FIRST}; ties keep label
   * order), or {@code null} when no library but {@code unknown} broke a rule or failed a resume.
   */
  static Integer worstClient(List<Client> clients) {
    Integer worst = null;
    for (int i = 0; i < clients.size(); i++) {
      Client c = clients.get(i);
      if (c.troubled()
          && !ClientTable.UNKNOWN.equals(c.client()) // a mix of every library: names nobody
          && (worst == null || WORST_CLIENT_FIRST.compare(c, clients.get(worst)) < 0)) {
        worst = i;
      }
    }
    return worst;
  }

  /**
   * One point per reading: closes in the interval before it, heartbeat percentiles over the window
   * before it (from bucket differences), sessions at it. Before the ring first drops a reading the
   * agent's start (all zero) is the baseline, so the first point counts from the start.
   */
  private static Series series(
      Reading.Key key, List<Reading> readings, boolean fromStart, int window) {
    int first = fromStart ? 0 : 1;
    List<Long> t = new ArrayList<>();
    List<Double> p50 = new ArrayList<>();
    List<Double> p95 = new ArrayList<>();
    List<Double> p99 = new ArrayList<>();
    List<Long> sessions = new ArrayList<>();
    List<Map<String, Long>> closeDeltas = new ArrayList<>();
    Map<String, List<Long>> closes = new TreeMap<>(Summary::compareCodes);
    for (int i = first; i < readings.size(); i++) {
      Reading.Gateway now = at(readings, i, key);
      Reading.Gateway before = i == 0 ? NOTHING : at(readings, i - 1, key);
      Map<String, Long> delta = new TreeMap<>();
      Map<String, Long> prev = before.closesByCode();
      now.closesByCode()
          .forEach(
              (code, n) -> {
                long d = n - prev.getOrDefault(code, 0L);
                if (d > 0) {
                  delta.put(code, d);
                  closes.putIfAbsent(code, new ArrayList<>());
                }
              });
      closeDeltas.add(delta);

      int from = i - window;
      Reading.Gateway base =
          from < 0 ? (fromStart ? NOTHING : at(readings, 0, key)) : at(readings, from, key);
      Reading.Histogram hb = now.heartbeat(RttKind.CLIENT).minus(base.heartbeat(RttKind.CLIENT));
      t.add(readings.get(i).atMillis);
      p50.add(micros(hb.quantile(0.50)));
      p95.add(micros(hb.quantile(0.95)));
      p99.add(micros(hb.quantile(0.99)));
      sessions.add(now.sessionsActive);
    }
    for (Map<String, Long> d : closeDeltas) {
      closes.forEach((code, values) -> values.add(d.getOrDefault(code, 0L)));
    }
    return new Series(t, closes, p50, p95, p99, sessions);
  }

  private static Reading.Gateway at(List<Reading> readings, int i, Reading.Key key) {
    return readings.get(i).gateways.getOrDefault(key, NOTHING);
  }

  /** The given key first, then the rest in label order. */
  private static Map<String, Long> ordered(Map<String, Long> counts, String first) {
    Map<String, Long> out = new LinkedHashMap<>();
    out.put(first, counts.getOrDefault(first, 0L));
    counts.forEach(out::putIfAbsent);
    return out;
  }

  /** Seconds rounded to the microsecond: bucket estimates carry no more precision. */
  static Double micros(Double seconds) {
    return seconds == null ? null : Math.round(seconds * 1e6) / 1e6;
  }

  static int compareCodes(String a, String b) {
    int c = Integer.compare(codeOrder(a), codeOrder(b));
    return c != 0 ? c : a.compareTo(b);
  }

  private static int codeOrder(String code) {
    try {
      return Integer.parseInt(code);
    } catch (NumberFormatException e) {
      return Integer.MAX_VALUE;
    }
  }

  // ---- JSON ----------------------------------------------------------------------------------

  private static final JsonFactory JSON = new JsonFactory();

  String toJson() {
    StringWriter out = new StringWriter();
    try (JsonGenerator j = JSON.createGenerator(out)) {
      j.useDefaultPrettyPrinter();
      j.writeStartObject();
      j.writeStringField("version", version);
      number(j, "generatedAt", generatedAt);
      j.writeNumberField("intervalSeconds", intervalSeconds);
      j.writeNumberField("historySeconds", historySeconds);
      j.writeNumberField("percentileWindowSeconds", percentileWindowSeconds);
      j.writeObjectFieldStart("agent");
      j.writeBooleanField("ready", agent.ready());
      j.writeNumberField("uptimeSeconds", agent.uptimeSeconds());
      j.writeNumberField("trackedConnections", agent.trackedConnections());
      j.writeNumberField("decodeErrors", agent.decodeErrors());
      j.writeNumberField("upstreamErrors", agent.upstreamErrors());
      j.writeNumberField("observerErrors", agent.observerErrors());
      counts(j, "evictions", agent.evictions());
      j.writeNumberField("historyPoints", agent.historyPoints());
      j.writeNumberField("historyCapacity", agent.historyCapacity());
      j.writeEndObject();
      j.writeArrayFieldStart("overview");
      for (int i : overview) {
        j.writeNumber(i);
      }
      j.writeEndArray();
      j.writeArrayFieldStart("gateways");
      for (Gateway g : gateways) {
        gatewayJson(j, g);
      }
      j.writeEndArray();
      j.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static void gatewayJson(JsonGenerator j, Gateway g) throws IOException {
    j.writeStartObject();
    j.writeStringField("source", g.source());
    j.writeStringField("gateway", g.gateway());
    j.writeBooleanField("waiting", g.waiting());
    j.writeNumberField("connectionsActive", g.connectionsActive());
    j.writeNumberField("sessionsActive", g.sessionsActive());
    j.writeNumberField("connectionsOpened", g.connectionsOpened());

    j.writeObjectFieldStart("closes");
    j.writeNumberField("total", g.closes().total());
    j.writeArrayFieldStart("codes");
    for (CloseRow c : g.closes().codes()) {
      j.writeStartObject();
      j.writeStringField("code", c.code());
      j.writeStringField("name", c.name());
      j.writeStringField("resumable", c.resumable());
      j.writeNumberField("server", c.server());
      j.writeNumberField("client", c.client());
      j.writeNumberField("none", c.none());
      j.writeNumberField("total", c.total());
      j.writeEndObject();
    }
    j.writeEndArray();
    j.writeEndObject();

    Resume r = g.resume();
    j.writeObjectFieldStart("resume");
    j.writeNumberField("attempts", r.attempts());
    j.writeNumberField("successes", r.successes());
    number(j, "successRate", r.successRate());
    counts(j, "outcomes", r.outcomes());
    j.writeEndObject();

    Reconnect rc = g.reconnect();
    j.writeObjectFieldStart("reconnect");
    j.writeNumberField("episodes", rc.episodes());
    j.writeNumberField("viaIdentify", rc.viaIdentify());
    j.writeNumberField("viaResume", rc.viaResume());
    number(j, "p50Seconds", rc.p50Seconds());
    number(j, "p95Seconds", rc.p95Seconds());
    j.writeArrayFieldStart("buckets");
    for (Bucket b : rc.buckets()) {
      j.writeStartObject();
      j.writeStringField("le", le(b.le()));
      j.writeNumberField("count", b.count());
      j.writeEndObject();
    }
    j.writeEndArray();
    j.writeEndObject();

    Heartbeat h = g.heartbeat();
    j.writeObjectFieldStart("heartbeat");
    j.writeNumberField("count", h.count());
    number(j, "p50Seconds", h.p50Seconds());
    number(j, "p95Seconds", h.p95Seconds());
    number(j, "p99Seconds", h.p99Seconds());
    j.writeNumberField("missed", h.missed());
    j.writeNumberField("serverRequestCount", h.serverRequestCount());
    j.writeEndObject();

    j.writeObjectFieldStart("violations");
    j.writeNumberField("total", g.violations().total());
    counts(j, "rules", g.violations().rules());
    j.writeEndObject();

    j.writeArrayFieldStart("clients");
    for (Client c : g.clients()) {
      j.writeStartObject();
      j.writeStringField("client", c.client());
      j.writeNumberField("sessions", c.sessions());
      j.writeNumberField("violations", c.violations());
      j.writeNumberField("violationsPerSession", c.violationsPerSession());
      counts(j, "rules", c.rules());
      j.writeStringField("topRule", c.topRule());
      j.writeNumberField("resumeAttempts", c.resumeAttempts());
      j.writeNumberField("resumeFailures", c.resumeFailures());
      number(j, "resumeFailureRate", c.resumeFailureRate());
      j.writeEndObject();
    }
    j.writeEndArray();
    number(j, "worstClient", g.worstClient());

    Series s = g.series();
    j.writeObjectFieldStart("series");
    longs(j, "t", s.t());
    j.writeObjectFieldStart("closes");
    for (Map.Entry<String, List<Long>> e : s.closes().entrySet()) {
      longs(j, e.getKey(), e.getValue());
    }
    j.writeEndObject();
    doubles(j, "heartbeatP50Seconds", s.heartbeatP50Seconds());
    doubles(j, "heartbeatP95Seconds", s.heartbeatP95Seconds());
    doubles(j, "heartbeatP99Seconds", s.heartbeatP99Seconds());
    longs(j, "sessionsActive", s.sessionsActive());
    j.writeEndObject();
    j.writeEndObject();
  }

  /** A bucket bound as Prometheus writes {@code le}: {@code +Inf} for the last one. */
  static String le(double bound) {
    return Double.isInfinite(bound) ? "+Inf" : Double.toString(bound);
  }

  private static void number(JsonGenerator j, String name, Number v) throws IOException {
    if (v == null) {
      j.writeNullField(name);
    } else if (v instanceof Double d) {
      j.writeNumberField(name, d);
    } else {
      j.writeNumberField(name, v.longValue());
    }
  }

  private static void counts(JsonGenerator j, String name, Map<String, Long> counts)
      throws IOException {
    j.writeObjectFieldStart(name);
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      j.writeNumberField(e.getKey(), e.getValue());
    }
    j.writeEndObject();
  }

  private static void longs(JsonGenerator j, String name, List<Long> values) throws IOException {
    j.writeArrayFieldStart(name);
    for (Long v : values) {
      j.writeNumber(v);
    }
    j.writeEndArray();
  }

  private static void doubles(JsonGenerator j, String name, List<Double> values)
      throws IOException {
    j.writeArrayFieldStart(name);
    for (Double v : values) {
      if (v == null) {
        j.writeNull();
      } else {
        j.writeNumber(v);
      }
    }
    j.writeEndArray();
  }
}
