package io.gatewatch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The suite's one table: reads the JMH results ({@code -rf json}) and {@link ProxyLoad}'s results
 * file, and prints every ratio against its baseline (measured in the same run), the target and
 * PASS/FAIL. JMH scores are the median of the measurement iterations (steadier than the mean on a
 * shared machine); the proxy's ratios are medians of per-round ratios, with their spread.
 *
 * <pre>
 * BenchReport target/bench/jmh.json target/bench/proxy.properties [machine note]
 * </pre>
 */
public final class BenchReport {
  private final Map<String, Double> ns = new HashMap<>();
  private final Map<String, Double> alloc = new HashMap<>();
  private final Properties proxy = new Properties();
  private final List<String[]> rows = new ArrayList<>();
  private int failures;

  public static void main(String[] args) throws IOException {
    BenchReport r = new BenchReport();
    r.readJmh(Path.of(args[0]));
    if (args.length > 1 && Files.exists(Path.of(args[1]))) {
      r.proxy.load(new StringReader(Files.readString(Path.of(args[1]))));
    }
    r.build();
    String table = r.render();
    System.out.println(table);
    if (args.length > 2) {
      Files.writeString(Path.of(args[2]), table);
    }
  }

  private void readJmh(Path file) throws IOException {
    for (JsonNode b : new ObjectMapper().readTree(file.toFile())) {
      String name = b.get("benchmark").asText();
      name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
      JsonNode frame = b.path("params").path("frame");
      String key = frame.isMissingNode() ? name : name + ":" + frame.asText();
      List<Double> it = new ArrayList<>();
      for (JsonNode fork : b.path("primaryMetric").path("rawData")) {
        for (JsonNode v : fork) {
          it.add(v.asDouble());
        }
      }
      double[] v = it.stream().mapToDouble(Double::doubleValue).toArray();
      ns.put(key, v.length == 0 ? b.path("primaryMetric").path("score").asDouble() : median(v));
      JsonNode norm = b.path("secondaryMetrics").path("gc.alloc.rate.norm");
      if (!norm.isMissingNode()) {
        alloc.put(key, norm.path("score").asDouble());
      }
    }
  }

  private void build() {
    String[][] frames = {
      {"heartbeat_dLast", "heartbeat {\"op\":1,\"d\":251}"},
      {"ack", "ACK {\"op\":11}"},
      {"dispatch4k_dFirst", "4 KB dispatch, d first"},
      {"dispatch4k_dLast", "4 KB dispatch, d last"},
    };
    for (String[] f : frames) {
      Double s = ns.get("ScannerBenchmark.scanner:" + f[0]);
      Double tree = ns.get("ScannerBenchmark.jacksonReadTree:" + f[0]);
      Double stream = ns.get("ScannerBenchmark.jacksonStreaming:" + f[0]);
      if (s == null) {
        continue;
      }
      speedup("scan vs Jackson readTree: " + f[1], s, tree, 10);
      speedup("scan vs Jackson streaming + skipChildren: " + f[1], s, stream, 3);
    }
    String[][] terms = {
      {"heartbeat_dLast", "heartbeat as a term"},
      {"ack", "ACK as a term"},
      {"dispatch4k_dFirst", "4 KB dispatch as a term"},
    };
    for (String[] f : terms) {
      Double reader = ns.get("EtfBenchmark.reader:" + f[0]);
      Double full = ns.get("EtfBenchmark.fullDecode:" + f[0]);
      if (reader != null) {
        speedup("ETF reader vs a full decode: " + f[1], reader, full, 3);
      }
    }
    Double first = ns.get("ScannerBenchmark.scanner:dispatch4k_dFirst");
    Double last = ns.get("ScannerBenchmark.scanner:dispatch4k_dLast");
    if (first != null && last != null) {
      cost("scan 4 KB dispatch: d first vs d last", first, last, "ns", 1.3);
    }
    Double oc = ns.get("ObservePathBenchmark.observeControl");
    Double sc = ns.get("ObservePathBenchmark.scanControl");
    if (oc != null && sc != null) {
      cost("observe path vs scan: heartbeat + ACK (per frame)", oc, sc, "ns", 2.0);
    }
    Double fc = ns.get("ObservePathBenchmark.floorControl");
    if (fc != null && sc != null) {
      cost(
          "floor: clock read + socket lock + scan vs scan (per control frame)",
          fc,
          sc,
          "ns",
          Double.NaN);
    }
    Double ck = ns.get("ObservePathBenchmark.clockControl");
    if (ck != null && sc != null) {
      cost(
          "floor without the lock: clock read + scan vs scan (sum of two rows)",
          ck + sc,
          sc,
          "ns",
          Double.NaN);
      cost("clock read per frame (EventClock.system) vs scan", ck, sc, "ns", Double.NaN);
    }
    Double uc = ns.get("ObservePathBenchmark.unmeteredControl");
    if (uc != null && sc != null) {
      cost("observe path without metrics (signals to nowhere) vs scan", uc, sc, "ns", Double.NaN);
    }
    Double od = ns.get("ObservePathBenchmark.observeDispatch4k");
    Double sd = ns.get("ObservePathBenchmark.scanDispatch4k");
    if (od != null && sd != null) {
      cost("observe path vs scan: 4 KB dispatch", od, sd, "ns", Double.NaN);
    }
    Double ac = alloc.get("ObservePathBenchmark.observeControl");
    if (ac != null) {
      boolean pass = ac < 1;
      row(
          "allocation per control frame, observe path (heartbeat + ACK)",
          fmt(ac, "B/frame"),
          "0 B",
          "-",
          "< 1 B/frame (≈ 0: JMH -prof gc)",
          pass);
    }
    Double ad = alloc.get("ObservePathBenchmark.observeDispatch4k");
    if (ad != null) {
      row(
          "allocation per 4 KB dispatch, observe path",
          fmt(ad, "B/frame"),
          "0 B",
          "-",
          "(info)",
          null);
    }
    Double scrape = ns.get("ScrapeBenchmark.scrapeText");
    if (scrape != null) {
      row(
          "/metrics scrape, Prometheus text, CPU per scrape (JMH, in-process)",
          String.format(Locale.ROOT, "%.3f ms", scrape / 1e6),
          "-",
          "-",
          "(info)",
          null);
    }
    for (String[] c :
        new String[][] {
          {"socketEnd", "a session socket's end"},
          {"resumeLookup", "an Identify or Resume (lookup)"},
          {"endAndClaim", "an end and READY/RESUMED claiming it (two calls)"},
        }) {
      Double t = ns.get("CorrelationBenchmark." + c[0]);
      if (t != null) {
        row(
            "Redis correlation, answer to " + c[1] + ", loopback (JMH; the relay never waits)",
            String.format(Locale.ROOT, "%.1f us", t / 1e3),
            "-",
            "-",
            "(info)",
            null);
      }
    }
    if (proxy.containsKey("sat.fps.bare")) {
      ratio(
          "proxy saturated throughput, frames/s ("
              + proxy.getProperty("sat.connections")
              + " conns, "
              + proxy.getProperty("load.dispatch_bytes", "1024..4096")
              + " B dispatches)",
          "sat.fps.observed",
          "sat.fps.bare",
          "sat.ratio.fps",
          "%,.0f",
          ">= 0.85x",
          x -> x >= 0.85);
    }
    if (proxy.containsKey("load.p99.bare")) {
      String conns =
          proxy.getProperty("load.connections") + " conns per variant, the variants side by side";
      ratio(
          "proxy offered load delivered, frames/s (" + conns + ")",
          "load.fps.observed",
          "load.fps.bare",
          "load.ratio.fps",
          "%,.0f",
          "(info)",
          null);
      ratio(
          "proxy heartbeat RTT p50, ms (" + conns + ")",
          "load.p50.observed",
          "load.p50.bare",
          "load.ratio.p50",
          "%.3f",
          "(info)",
          null);
      ratio(
          "proxy heartbeat RTT p99, ms (" + conns + ")",
          "load.p99.observed",
          "load.p99.bare",
          "load.ratio.p99",
          "%.3f",
          "<= 1.1x",
          x -> x <= 1.1);
      row(
          "proxy heartbeat RTT p99, observed minus bare (median of rounds)",
          String.format(Locale.ROOT, "%+.3f ms", d("load.p99.diff_ms")),
          "0",
          String.format(
              Locale.ROOT, "(rounds %s)", proxy.getProperty("load.p99.diff_ms.rounds", "?")),
          "(info)",
          null);
      if (proxy.containsKey("load.p99.correlated")) {
        ratio(
            "proxy offered load delivered with Redis correlation on vs off, frames/s ("
                + conns
                + ")",
            "load.fps.correlated",
            "load.fps.observed",
            "load.ratio.fps_correlation",
            "%,.0f",
            ">= 0.95x",
            x -> x >= 0.95);
        ratio(
            "proxy heartbeat RTT p99 with Redis correlation on vs off, ms (" + conns + ")",
            "load.p99.correlated",
            "load.p99.observed",
            "load.ratio.p99_correlation",
            "%.3f",
            "<= 1.05x",
            x -> x <= 1.05);
      }
      ratio(
          "agent RTT p99 with /metrics scraped every 1 s ("
              + proxy.getProperty("scrape.series")
              + " series) vs not scraped, ms",
          "load.p99.scraped",
          "load.p99.observed",
          "load.ratio.p99_scrape",
          "%.3f",
          "<= 1.05x",
          x -> x <= 1.05);
    }
    if (proxy.containsKey("idle.bare")) {
      double b = d("idle.bare");
      double o = d("idle.observed");
      row(
          "proxy heap per idle connection, bytes ("
              + String.format(
                  Locale.ROOT, "%,d", Integer.parseInt(proxy.getProperty("idle.connections")))
              + " conns)",
          String.format(Locale.ROOT, "%,.0f", o),
          String.format(Locale.ROOT, "%,.0f", b),
          String.format(Locale.ROOT, "%+,.0f B", o - b),
          "<= +4,096 B",
          o - b <= 4096);
    }
    if (proxy.containsKey("load.cpu.bare")) {
      ratio(
          "proxy CPU s per million relayed frames at the offered load (observing's cost)",
          "load.cpu.observed",
          "load.cpu.bare",
          "load.ratio.cpu",
          "%.2f",
          "(info)",
          null);
    }
    nginxRows();
  }

  /**
   * gatewatch and the bare relay against nginx, the relay operators already run: the bare relay's
   * rows (information) tell the cost of the JVM and Netty from the cost of observing.
   */
  private void nginxRows() {
    if (proxy.containsKey("sat.fps.nginx")) {
      String sat = " (" + proxy.getProperty("sat.connections") + " conns, each proxy alone)";
      ratio(
          "saturated throughput, frames/s: gatewatch proxy vs nginx" + sat,
          "sat.fps.observed",
          "sat.fps.nginx",
          "sat.ratio.fps.observed_nginx",
          "%,.0f",
          ">= 0.8x",
          x -> x >= 0.8);
      ratio(
          "saturated throughput, frames/s: bare relay vs nginx" + sat,
          "sat.fps.bare",
          "sat.fps.nginx",
          "sat.ratio.fps.bare_nginx",
          "%,.0f",
          "(info)",
          null);
    }
    if (proxy.containsKey("load.p99.nginx")) {
      String conns = " (" + proxy.getProperty("load.connections") + " conns each, side by side)";
      for (String[] v : new String[][] {{"observed", "gatewatch proxy"}, {"bare", "bare relay"}}) {
        boolean gw = v[0].equals("observed");
        ratio(
            "heartbeat RTT p50, ms: " + v[1] + " vs nginx" + conns,
            "load.p50." + v[0],
            "load.p50.nginx",
            "load.ratio.p50." + v[0] + "_nginx",
            "%.3f",
            "(info)",
            null);
        ratio(
            "heartbeat RTT p99, ms: " + v[1] + " vs nginx" + conns,
            "load.p99." + v[0],
            "load.p99.nginx",
            "load.ratio.p99." + v[0] + "_nginx",
            "%.3f",
            gw ? "<= 1.2x" : "(info)",
            gw ? x -> x <= 1.2 : null);
        ratio(
            "CPU s per million relayed frames at the offered load: " + v[1] + " vs nginx" + conns,
            "load.cpu." + v[0],
            "load.cpu.nginx",
            "load.ratio.cpu." + v[0] + "_nginx",
            "%.2f",
            gw ? "<= 2x" : "(info)",
            gw ? x -> x <= 2 : null);
      }
    }
    if (proxy.containsKey("idle.rss.nginx")) {
      String conns =
          String.format(
              Locale.ROOT, "%,d conns", Integer.parseInt(proxy.getProperty("idle.connections")));
      for (String[] v : new String[][] {{"observed", "gatewatch proxy"}, {"bare", "bare relay"}}) {
        boolean gw = v[0].equals("observed");
        double r = d("idle.rss.ratio." + v[0] + "_nginx");
        row(
            "RSS per idle connection, bytes: " + v[1] + " vs nginx (" + conns + ")",
            String.format(Locale.ROOT, "%,.0f", d("idle.rss." + v[0])),
            String.format(Locale.ROOT, "%,.0f", d("idle.rss.nginx")),
            String.format(
                Locale.ROOT,
                "%.2fx (RSS %.0f -> %.0f MiB, nginx %.0f -> %.0f MiB)",
                r,
                d("idle.rss_before_mib." + v[0]),
                d("idle.rss_after_mib." + v[0]),
                d("idle.rss_before_mib.nginx"),
                d("idle.rss_after_mib.nginx")),
            gw ? "<= 2x" : "(info)",
            gw ? (Boolean) (r <= 2) : null);
      }
    }
  }

  private interface Check {
    boolean ok(double x);
  }

  private double d(String key) {
    return Double.parseDouble(proxy.getProperty(key, "NaN"));
  }

  private void ratio(
      String what,
      String mine,
      String base,
      String ratioKey,
      String f,
      String target,
      Check check) {
    double r = d(ratioKey);
    String ratio =
        String.format(
            Locale.ROOT, "%.2fx (rounds %s)", r, proxy.getProperty(ratioKey + ".rounds", "?"));
    row(
        what,
        String.format(Locale.ROOT, f, d(mine)),
        String.format(Locale.ROOT, f, d(base)),
        ratio,
        target,
        check == null ? null : check.ok(r));
  }

  /** How many times faster gatewatch is than the baseline. */
  private void speedup(String what, double mine, Double base, double atLeast) {
    if (base == null) {
      return;
    }
    double r = base / mine;
    row(
        what,
        fmt(mine, "ns"),
        fmt(base, "ns"),
        String.format(Locale.ROOT, "%.1fx faster", r),
        String.format(Locale.ROOT, ">= %.0fx", atLeast),
        r >= atLeast);
  }

  /** Cost relative to the baseline (1.0 = the same). */
  private void cost(String what, double mine, double base, String unit, double atMost) {
    double r = mine / base;
    row(
        what,
        fmt(mine, unit),
        fmt(base, unit),
        String.format(Locale.ROOT, "%.2fx", r),
        Double.isNaN(atMost) ? "(info)" : String.format(Locale.ROOT, "<= %.1fx", atMost),
        Double.isNaN(atMost) ? null : r <= atMost);
  }

  private static String fmt(double v, String unit) {
    return String.format(Locale.ROOT, v >= 100 ? "%,.0f %s" : "%.1f %s", v, unit);
  }

  private void row(String what, String mine, String base, String ratio, String target, Boolean ok) {
    if (Boolean.FALSE.equals(ok)) {
      failures++;
    }
    rows.add(
        new String[] {what, mine, base, ratio, target, ok == null ? "" : ok ? "PASS" : "FAIL"});
  }

  private String render() {
    StringBuilder sb = new StringBuilder();
    sb.append("| measurement | gatewatch | baseline | ratio | target | |\n");
    sb.append("|---|---:|---:|---|---|---|\n");
    for (String[] r : rows) {
      sb.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    long checked = rows.stream().filter(r -> !r[5].isEmpty()).count();
    sb.append(String.format(Locale.ROOT, "%n%d of %d targets met%n", checked - failures, checked));
    return sb.toString();
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
