package io.gatewatch.server;

import io.gatewatch.metrics.Metric;
import io.gatewatch.metrics.Metric.Label;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.track.RttKind;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.Map;
import java.util.TreeMap;

/**
 * One scrape of the registry, reduced to what the status page shows: per source and gateway the
 * catalogue's counters, gauges and histogram buckets (cumulative, as Prometheus holds them), plus
 * the agent's own state. Read from the same {@link MetricSnapshots} that {@code /metrics} writes,
 * so the page and Prometheus never disagree about a count.
 */
final class Reading {
  /** Where a gateway's numbers come from: the {@code source} and {@code gateway} labels. */
  record Key(String source, String gateway) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = gateway.compareTo(o.gateway);
      return c != 0 ? c : source.compareTo(o.source);
    }
  }

  /** A close code's labels (the {@code initiator} is kept apart, in {@link Gateway#closes}). */
  record Close(String code, String name, String resumable) {}

  /** Cumulative bucket counts; {@code bounds} end with {@code +Inf}. */
  record Histogram(double[] bounds, long[] cumulative) {
    static final Histogram EMPTY = new Histogram(new double[0], new long[0]);

    long count() {
      return cumulative.length == 0 ? 0 : cumulative[cumulative.length - 1];
    }

    /** The bucket-wise sum; histograms of one metric share their bounds. */
    Histogram plus(Histogram o) {
      if (cumulative.length == 0) {
        return o;
      }
      if (o.cumulative.length == 0) {
        return this;
      }
      long[] sum = cumulative.clone();
      for (int i = 0; i < sum.length && i < o.cumulative.length; i++) {
        sum[i] += o.cumulative[i];
      }
      return new Histogram(bounds, sum);
    }

    /** This minus an earlier reading of the same histogram: what was observed in between. */
    Histogram minus(Histogram earlier) {
      if (earlier.cumulative.length != cumulative.length) {
        return this;
      }
      long[] d = new long[cumulative.length];
      for (int i = 0; i < d.length; i++) {
        d[i] = Math.max(0, cumulative[i] - earlier.cumulative[i]);
      }
      return new Histogram(bounds, d);
    }

    Double quantile(double q) {
      return Quantiles.estimate(bounds, cumulative, q);
    }
  }

  /** One client library's counts on one gateway. */
  static final class Client {
    /** Sockets that got a session: READY or RESUMED ({@code gateway_client_ready_total}). */
    long sessions;

    final Map<String, Long> violations = new TreeMap<>();
    final Map<String, Long> resumes = new TreeMap<>();
  }

  /** One watched gateway from one source. */
  static final class Gateway {
    long connectionsOpened;
    long connectionsActive;
    long sessionsActive;
    long missedHeartbeats;

    /** By close code, counts by initiator: server, client, none. */
    final Map<Close, long[]> closes = new TreeMap<>(Reading::compareCloses);

    final Map<String, Long> resumes = new TreeMap<>();
    final Map<String, Long> violations = new TreeMap<>();
    final Map<String, Histogram> reconnects = new TreeMap<>();
    final Map<String, Histogram> heartbeats = new TreeMap<>();

    /**
     * By {@code client} label, from the {@code gateway_client_*} families. Only libraries with a
     * count above zero: every value of the table is registered up front, and a quiet one costs
     * nothing here.
     */
    final Map<String, Client> clients = new TreeMap<>();

    /** Closes per code over all names and initiators (a code has one name in a profile). */
    Map<String, Long> closesByCode() {
      Map<String, Long> out = new TreeMap<>();
      closes.forEach((c, by) -> out.merge(c.code(), by[0] + by[1] + by[2], Long::sum));
      return out;
    }

    Histogram heartbeat(RttKind kind) {
      return heartbeats.getOrDefault(kind.label(), Histogram.EMPTY);
    }

    Histogram reconnectAll() {
      Histogram all = Histogram.EMPTY;
      for (Histogram h : reconnects.values()) {
        all = all.plus(h);
      }
      return all;
    }
  }

  final long atMillis;
  final boolean ready;
  final long uptimeMillis;
  long trackedConnections;
  long decodeErrors;
  long upstreamErrors;
  long observerErrors;
  final Map<String, Long> evictions = new TreeMap<>();
  final Map<Key, Gateway> gateways = new TreeMap<>();

  private Reading(long atMillis, boolean ready, long uptimeMillis) {
    this.atMillis = atMillis;
    this.ready = ready;
    this.uptimeMillis = uptimeMillis;
  }

  /** Reduces one scrape; metrics outside the catalogue are ignored. */
  static Reading of(MetricSnapshots scrape, long atMillis, boolean ready, long uptimeMillis) {
    Reading r = new Reading(atMillis, ready, uptimeMillis);
    for (MetricSnapshot s : scrape) {
      // client_java drops a counter's _total; the catalogue takes the name either way
      Metric metric = Metric.ofPrometheusName(s.getMetadata().getName());
      if (metric == null) {
        continue;
      }
      for (DataPointSnapshot p : s.getDataPoints()) {
        r.add(metric, s, p);
      }
    }
    return r;
  }

  private void add(Metric metric, MetricSnapshot s, DataPointSnapshot p) {
    Labels l = p.getLabels();
    switch (metric) {
      case TRACKED_CONNECTIONS -> trackedConnections += gauge(s, p);
      case DECODE_ERRORS -> decodeErrors += counter(s, p);
      case UPSTREAM_ERRORS -> upstreamErrors += counter(s, p);
      case OBSERVER_ERRORS -> observerErrors += counter(s, p);
      case EVICTIONS -> evictions.merge(label(l, Label.EVICTION_REASON), counter(s, p), Long::sum);
      default -> {
        String source = l.get(Label.SOURCE.key());
        String gateway = l.get(Label.GATEWAY.key());
        if (source != null && gateway != null) {
          addGateway(metric, s, p, gateway(new Key(source, gateway)));
        }
      }
    }
  }

  private void addGateway(Metric metric, MetricSnapshot s, DataPointSnapshot p, Gateway g) {
    Labels l = p.getLabels();
    switch (metric) {
      case CONNECTIONS_OPENED -> g.connectionsOpened += counter(s, p);
      case CONNECTIONS_ACTIVE -> g.connectionsActive += gauge(s, p);
      case SESSIONS_ACTIVE -> g.sessionsActive += gauge(s, p);
      case HEARTBEAT_MISSED -> g.missedHeartbeats += counter(s, p);
      case CLOSE -> {
        long[] by =
            g.closes.computeIfAbsent(
                new Close(label(l, Label.CODE), label(l, Label.NAME), label(l, Label.RESUMABLE)),
                c -> new long[3]);
        by[initiatorIndex(label(l, Label.INITIATOR))] += counter(s, p);
      }
      case RESUME -> g.resumes.merge(label(l, Label.OUTCOME), counter(s, p), Long::sum);
      case POLICY_VIOLATIONS -> g.violations.merge(label(l, Label.RULE), counter(s, p), Long::sum);
      case RECONNECT_DURATION ->
          g.reconnects.merge(label(l, Label.VIA), histogram(p), Histogram::plus);
      case HEARTBEAT_RTT -> g.heartbeats.merge(label(l, Label.KIND), histogram(p), Histogram::plus);
      case CLIENT_VIOLATIONS, CLIENT_RESUME, CLIENT_READY -> addClient(metric, l, counter(s, p), g);
      default -> {}
    }
  }

  private static void addClient(Metric metric, Labels l, long count, Gateway g) {
    if (count == 0) {
      return;
    }
    Client c = g.clients.computeIfAbsent(label(l, Label.CLIENT), k -> new Client());
    switch (metric) {
      case CLIENT_VIOLATIONS -> c.violations.merge(label(l, Label.RULE), count, Long::sum);
      case CLIENT_RESUME -> c.resumes.merge(label(l, Label.OUTCOME), count, Long::sum);
      default -> c.sessions += count;
    }
  }

  /** Where {@link Gateway#closes} counts an initiator: server, client, none (and any other). */
  private static int initiatorIndex(String initiator) {
    if (Initiator.SERVER.label().equals(initiator)) {
      return 0;
    }
    return Initiator.CLIENT.label().equals(initiator) ? 1 : 2;
  }

  private Gateway gateway(Key key) {
    return gateways.computeIfAbsent(key, k -> new Gateway());
  }

  private static String label(Labels l, Label label) {
    String v = l.get(label.key());
    return v == null ? Metric.OTHER : v;
  }

  private static long counter(MetricSnapshot s, DataPointSnapshot p) {
    if (s instanceof CounterSnapshot && p instanceof CounterSnapshot.CounterDataPointSnapshot c) {
      return Math.round(c.getValue());
    }
    return 0;
  }

  private static long gauge(MetricSnapshot s, DataPointSnapshot p) {
    if (s instanceof GaugeSnapshot && p instanceof GaugeSnapshot.GaugeDataPointSnapshot g) {
      return Math.round(g.getValue());
    }
    return 0;
  }

  /** The classic buckets, made cumulative (the snapshot model holds per-bucket counts). */
  private static Histogram histogram(DataPointSnapshot p) {
    if (!(p instanceof HistogramSnapshot.HistogramDataPointSnapshot h)
        || !h.hasClassicHistogramData()) {
      return Histogram.EMPTY;
    }
    ClassicHistogramBuckets b = h.getClassicBuckets();
    double[] bounds = new double[b.size()];
    long[] cumulative = new long[b.size()];
    long sum = 0;
    for (int i = 0; i < b.size(); i++) {
      bounds[i] = b.getUpperBound(i);
      sum += b.getCount(i);
      cumulative[i] = sum;
    }
    return new Histogram(bounds, cumulative);
  }

  private static int compareCloses(Close a, Close b) {
    int c = Integer.compare(codeOrder(a.code()), codeOrder(b.code()));
    if (c == 0) {
      c = a.code().compareTo(b.code());
    }
    return c != 0 ? c : (a.name() + a.resumable()).compareTo(b.name() + b.resumable());
  }

  /** Numeric codes in order, {@code other} last. */
  private static int codeOrder(String code) {
    try {
      return Integer.parseInt(code);
    } catch (NumberFormatException e) {
      return Integer.MAX_VALUE;
    }
  }
}
