package io.gatewatch.server;

import static io.gatewatch.server.Html.esc;

import com.sun.net.httpserver.HttpExchange;
import io.gatewatch.metrics.AgentMetrics;
import io.gatewatch.track.ResumeOutcome;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /}: the four numbers at a glance, rendered on the server as HTML with inline SVG
 * charts from the same {@link Summary} that {@code GET /api/summary} returns. Its stylesheet and a
 * small script (which swaps in a fresh rendering every few seconds) are served from the jar under
 * {@code /status/}; nothing is fetched from anywhere else, and the Content-Security-Policy says so.
 */
final class StatusPage implements AutoCloseable {
  /** Bundled assets only: no inline script or style, no other origin. */
  static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
          + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private static final Map<String, String> ASSETS =
      Map.of(
          "status.css", "text/css; charset=utf-8",
          "status.js", "text/javascript; charset=utf-8",
          "favicon.svg", "image/svg+xml");

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  /** Codes drawn in their own colour; the rest are stacked as "other codes". */
  private static final int CODE_COLOURS = 8;

  private final StatusHistory history;
  private final boolean sampling;
  private final String version = AgentMetrics.version();

  /**
   * @param sampling whether {@link #start()} starts the history's sampler (tests tick it)
   */
  StatusPage(StatusHistory history, boolean sampling) {
    this.history = history;
    this.sampling = sampling;
  }

  void start() {
    if (sampling) {
      history.startSampling();
    }
  }

  @Override
  public void close() {
    history.close();
  }

  Summary summary() {
    return Summary.of(history, version);
  }

  // ---- handlers ------------------------------------------------------------------------------

  void page(HttpExchange ex) throws IOException {
    if (at(ex, "/") && readOnly(ex)) {
      ok(ex, "text/html; charset=utf-8", render(summary()).getBytes(StandardCharsets.UTF_8));
    }
  }

  void summaryJson(HttpExchange ex) throws IOException {
    if (at(ex, "/api/summary") && readOnly(ex)) {
      ok(ex, "application/json", summary().toJson().getBytes(StandardCharsets.UTF_8));
    }
  }

  void asset(HttpExchange ex) throws IOException {
    String name = ex.getRequestURI().getPath().substring("/status/".length());
    String type = ASSETS.get(name); // a fixed list: no path ever reaches the class path as given
    if (type == null) {
      AgentServer.plain(ex, 404, "Not found\n");
      return;
    }
    if (!readOnly(ex)) {
      return;
    }
    byte[] body;
    try (InputStream in = StatusPage.class.getResourceAsStream("status/" + name)) {
      if (in == null) {
        AgentServer.plain(ex, 404, "Not found\n");
        return;
      }
      body = in.readAllBytes();
    }
    ok(ex, type, body);
  }

  /** Whether the request is for exactly {@code path}; answers 404 when it is not. */
  private static boolean at(HttpExchange ex, String path) throws IOException {
    if (path.equals(ex.getRequestURI().getPath())) {
      return true;
    }
    AgentServer.plain(ex, 404, "Not found\n");
    return false;
  }

  private static boolean readOnly(HttpExchange ex) throws IOException {
    String m = ex.getRequestMethod();
    if ("GET".equals(m) || "HEAD".equals(m)) {
      return true;
    }
    ex.getResponseHeaders().set("Allow", "GET, HEAD");
    AgentServer.plain(ex, 405, "Method not allowed\n");
    return false;
  }

  /** Answers 200 with {@code body} and the page's security headers. */
  private static void ok(HttpExchange ex, String contentType, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.getResponseHeaders().set("Content-Security-Policy", CSP);
    ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
    ex.getResponseHeaders().set("X-Frame-Options", "DENY");
    AgentServer.send(ex, 200, body);
  }

  // ---- rendering -----------------------------------------------------------------------------

  /** The whole page; every value shown is escaped, every number carries its JSON pointer. */
  static String render(Summary s) {
    StringBuilder b = new StringBuilder(64 * 1024);
    b.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<meta name=\"color-scheme\" content=\"light dark\">")
        .append("<title>gatewatch status</title>")
        .append("<link rel=\"icon\" href=\"/status/favicon.svg\" type=\"image/svg+xml\">")
        .append("<link rel=\"stylesheet\" href=\"/status/status.css\">")
        .append("<script src=\"/status/status.js\" defer></script>")
        .append("<noscript><meta http-equiv=\"refresh\" content=\"")
        .append(Math.max(1, s.intervalSeconds()))
        .append("\"></noscript></head><body>\n");
    b.append("<header><h1>gatewatch</h1><p class=\"sub\">status of the watched gateways · ")
        .append("<a href=\"/metrics\">/metrics</a> · <a href=\"/api/summary\">/api/summary</a>")
        .append("</p><p id=\"stale\" class=\"stale\" role=\"status\" hidden>")
        .append("The agent does not answer; these are the last numbers it gave.</p></header>\n");
    b.append("<main id=\"status\" data-generated-at=\"")
        .append(s.generatedAt() == null ? "" : s.generatedAt())
        .append("\" data-refresh-ms=\"")
        .append(Math.max(1, s.intervalSeconds()) * 1000)
        .append("\">\n<p class=\"updated\">");
    if (s.generatedAt() == null) {
      b.append("Waiting for the first reading…");
    } else {
      b.append("Updated <time datetime=\"")
          .append(Instant.ofEpochMilli(s.generatedAt()))
          .append("\">")
          .append(TIME.format(Instant.ofEpochMilli(s.generatedAt())))
          .append("</time>; numbers since the agent started, charts over the last ")
          .append(s.historySeconds() / 60)
          .append(" min.");
    }
    b.append("</p>\n");
    Overview.render(b, s);
    for (int i = 0; i < s.gateways().size(); i++) {
      if (!s.gateways().get(i).waiting()) { // the overview's one line says what it waits for
        gateway(b, s, i);
      }
    }
    agent(b, s);
    b.append("<p class=\"note\">Percentiles are estimated from the histogram buckets, as")
        .append(" Prometheus' <code>histogram_quantile</code> does (linear within a bucket), so")
        .append(" they match a Grafana panel over the same metrics; the charts' percentiles cover")
        .append(" the ")
        .append(s.percentileWindowSeconds())
        .append(" s before each point. Close counts per ")
        .append(s.intervalSeconds())
        .append(" s interval.</p>\n</main></body></html>\n");
    return b.toString();
  }

  private static void gateway(StringBuilder b, Summary s, int i) {
    Summary.Gateway g = s.gateways().get(i);
    String p = "/gateways/" + i;
    String id = "g" + i;
    b.append("<section class=\"gateway\" aria-labelledby=\"")
        .append(id)
        .append("\"><h2 id=\"")
        .append(id)
        .append("\">")
        .append(esc(g.gateway()))
        .append(" <span class=\"tag\">source ")
        .append(esc(g.source()))
        .append("</span></h2>\n<div class=\"cards\">\n");

    closesCard(b, s, g, p, id);
    resumeCard(b, g, p, id);
    reconnectCard(b, g, p, id);
    heartbeatCard(b, s, g, p, id);
    sessionsCard(b, s, g, p, id);
    violationsCard(b, g, p);
    b.append("</div></section>\n");
  }

  private static void closesCard(
      StringBuilder b, Summary s, Summary.Gateway g, String p, String id) {
    Summary.Series series = g.series();
    long[] t = times(series);
    // Colours go to the codes with the most closes in the window; the rest share one.
    List<Map.Entry<String, List<Long>>> ranked = new ArrayList<>(series.closes().entrySet());
    ranked.sort(
        Comparator.comparingLong((Map.Entry<String, List<Long>> e) -> -sum(e.getValue()))
            .thenComparing(Map.Entry::getKey, Summary::compareCodes));
    List<Svg.Bars> bars = new ArrayList<>();
    long[] rest = new long[t.length];
    boolean anyRest = false;
    StringBuilder legend = new StringBuilder("<ul class=\"legend\">");
    for (int k = 0; k < ranked.size(); k++) {
      Map.Entry<String, List<Long>> e = ranked.get(k);
      if (k < CODE_COLOURS) {
        String cls = "c" + k;
        bars.add(new Svg.Bars(e.getKey(), cls, longs(e.getValue())));
        legend
            .append("<li><span class=\"sw ")
            .append(cls)
            .append("\"></span>")
            .append(esc(e.getKey()))
            .append(' ')
            .append(esc(closeName(g, e.getKey())))
            .append(resumableMark(g, e.getKey()))
            .append("</li>");
      } else {
        anyRest = true;
        for (int j = 0; j < t.length; j++) {
          rest[j] += e.getValue().get(j);
        }
      }
    }
    if (anyRest) {
      bars.add(new Svg.Bars("other codes", "c8", rest));
      legend.append("<li><span class=\"sw c8\"></span>other codes</li>");
    }
    legend.append("</ul>");
    long to = to(s, t);
    // One card across the row: the chart beside the table, which then has room for every column.
    b.append("<article class=\"card wide\"><h3>Close codes <span class=\"count\">")
        .append(v(p + "/closes/total", g.closes().total(), Long.toString(g.closes().total())))
        .append("</span></h3><div class=\"split\"><div>")
        .append("<p class=\"hint\">Closes per ")
        .append(s.intervalSeconds())
        .append(" s, stacked by code; ↻ marks resumable codes.</p>")
        .append(
            Svg.stackedOverTime(
                id + "-closes",
                "Closes per interval by close code, last minutes",
                t,
                bars,
                from(s, t, to),
                to,
                s.intervalSeconds() * 1000))
        .append(legend)
        .append("</div><div class=\"scroll\"><table><caption>Close codes by name since the")
        .append(" agent started, by who closed (none: the connection dropped)</caption>")
        .append("<thead><tr><th scope=\"col\">Code</th><th scope=\"col\">Name</th>")
        .append("<th scope=\"col\">Resumable</th><th scope=\"col\" class=\"n by\">Server</th>")
        .append("<th scope=\"col\" class=\"n by\">Client</th>")
        .append("<th scope=\"col\" class=\"n by\">None</th>")
        .append("<th scope=\"col\" class=\"n\">Total</th></tr></thead><tbody>");
    List<Summary.CloseRow> rows = g.closes().codes();
    if (rows.isEmpty()) {
      b.append("<tr><td colspan=\"7\">No closes yet.</td></tr>");
    }
    for (int k = 0; k < rows.size(); k++) {
      Summary.CloseRow c = rows.get(k);
      String rp = p + "/closes/codes/" + k;
      b.append("<tr><td>")
          .append(esc(c.code()))
          .append("</td><td class=\"name\">")
          .append(esc(c.name()))
          .append("</td><td>")
          .append("true".equals(c.resumable()) ? "↻ yes" : esc(resumableText(c.resumable())))
          .append("</td><td class=\"n by\">")
          .append(v(rp + "/server", c.server(), Long.toString(c.server())))
          .append("</td><td class=\"n by\">")
          .append(v(rp + "/client", c.client(), Long.toString(c.client())))
          .append("</td><td class=\"n by\">")
          .append(v(rp + "/none", c.none(), Long.toString(c.none())))
          .append("</td><td class=\"n\">")
          .append(v(rp + "/total", c.total(), Long.toString(c.total())))
          .append("</td></tr>");
    }
    b.append("</tbody></table></div></div></article>\n");
  }

  private static void resumeCard(StringBuilder b, Summary.Gateway g, String p, String id) {
    Summary.Resume r = g.resume();
    List<Svg.Category> outcomes = new ArrayList<>();
    StringBuilder failures = new StringBuilder("<ul class=\"counts\">");
    for (Map.Entry<String, Long> e : r.outcomes().entrySet()) {
      outcomes.add(new Svg.Category(e.getKey(), e.getValue()));
      if (!ResumeOutcome.SUCCESS.label().equals(e.getKey())) {
        failures
            .append("<li>")
            .append(esc(e.getKey()))
            .append(" ")
            .append(v(p + "/resume/outcomes/" + ptr(e.getKey()), e.getValue(), e.getValue() + ""))
            .append("</li>");
      }
    }
    failures.append("</ul>");
    b.append("<article class=\"card\"><h3>Resume success rate</h3><p class=\"big\">")
        .append(v(p + "/resume/successRate", r.successRate(), Html.percent(r.successRate())))
        .append("</p><p class=\"hint\">Resume attempts by outcome since the agent started.</p>")
        .append(Svg.rows(id + "-resume", "Resume attempts by outcome", outcomes, "ok"))
        .append("<p class=\"hint\">Failures by outcome:</p>")
        .append(failures)
        .append("</article>\n");
  }

  private static void reconnectCard(StringBuilder b, Summary.Gateway g, String p, String id) {
    Summary.Reconnect rc = g.reconnect();
    List<Svg.Category> buckets = new ArrayList<>();
    for (Summary.Bucket k : rc.buckets()) {
      buckets.add(new Svg.Category(Html.bound(k.le()), k.count()));
    }
    b.append("<article class=\"card\"><h3>Reconnection time</h3><p class=\"big\">p50 ")
        .append(v(p + "/reconnect/p50Seconds", rc.p50Seconds(), Html.seconds(rc.p50Seconds())))
        .append(" · p95 ")
        .append(v(p + "/reconnect/p95Seconds", rc.p95Seconds(), Html.seconds(rc.p95Seconds())))
        .append("</p><p class=\"hint\">Episodes by duration bucket (upper bound): ")
        .append(v(p + "/reconnect/viaIdentify", rc.viaIdentify(), Long.toString(rc.viaIdentify())))
        .append(" via identify, ")
        .append(v(p + "/reconnect/viaResume", rc.viaResume(), Long.toString(rc.viaResume())))
        .append(" via resume.</p>")
        .append(Svg.columns(id + "-reconnect", "Reconnect episodes by duration", buckets))
        .append("</article>\n");
  }

  private static void heartbeatCard(
      StringBuilder b, Summary s, Summary.Gateway g, String p, String id) {
    Summary.Heartbeat h = g.heartbeat();
    Summary.Series series = g.series();
    long[] t = times(series);
    long to = to(s, t);
    b.append("<article class=\"card\"><h3>Heartbeat RTT</h3><p class=\"big\">")
        .append("<span class=\"k p50\">p50</span> ")
        .append(v(p + "/heartbeat/p50Seconds", h.p50Seconds(), Html.seconds(h.p50Seconds())))
        .append(" <span class=\"k p95\">p95</span> ")
        .append(v(p + "/heartbeat/p95Seconds", h.p95Seconds(), Html.seconds(h.p95Seconds())))
        .append(" <span class=\"k p99\">p99</span> ")
        .append(v(p + "/heartbeat/p99Seconds", h.p99Seconds(), Html.seconds(h.p99Seconds())))
        .append("</p><p class=\"hint\">Client op 1 to op 11, over the last minute at each point.")
        .append("</p>")
        .append(
            Svg.linesOverTime(
                id + "-heartbeat",
                "Heartbeat round trip p50, p95 and p99 over time",
                t,
                List.of(
                    new Svg.Line("p50", "p50", doubles(series.heartbeatP50Seconds())),
                    new Svg.Line("p95", "p95", doubles(series.heartbeatP95Seconds())),
                    new Svg.Line("p99", "p99", doubles(series.heartbeatP99Seconds()))),
                from(s, t, to),
                to,
                Html::axisSeconds))
        .append("<p class=\"hint\">")
        .append(v(p + "/heartbeat/count", h.count(), Long.toString(h.count())))
        .append(" round trips, ")
        .append(v(p + "/heartbeat/missed", h.missed(), Long.toString(h.missed())))
        .append(" missed; ")
        .append(
            v(
                p + "/heartbeat/serverRequestCount",
                h.serverRequestCount(),
                h.serverRequestCount() + ""))
        .append(" server requests answered.</p></article>\n");
  }

  private static void sessionsCard(
      StringBuilder b, Summary s, Summary.Gateway g, String p, String id) {
    Summary.Series series = g.series();
    long[] t = times(series);
    long to = to(s, t);
    Double[] sessions = new Double[t.length];
    for (int k = 0; k < t.length; k++) {
      sessions[k] = (double) series.sessionsActive().get(k);
    }
    b.append("<article class=\"card\"><h3>Active sessions <span class=\"count\">")
        .append(v(p + "/sessionsActive", g.sessionsActive(), Long.toString(g.sessionsActive())))
        .append("</span></h3><p class=\"hint\">Sockets holding a session, at each reading; ")
        .append(v(p + "/connectionsActive", g.connectionsActive(), g.connectionsActive() + ""))
        .append(" sockets open, ")
        .append(v(p + "/connectionsOpened", g.connectionsOpened(), g.connectionsOpened() + ""))
        .append(" opened since the agent started.</p>")
        .append(
            Svg.linesOverTime(
                id + "-sessions",
                "Active sessions over time",
                t,
                List.of(new Svg.Line("sessions", "p50", sessions)),
                from(s, t, to),
                to,
                Svg::count))
        .append("</article>\n");
  }

  private static void violationsCard(StringBuilder b, Summary.Gateway g, String p) {
    b.append("<article class=\"card\"><h3>Policy violations <span class=\"count\">")
        .append(v(p + "/violations/total", g.violations().total(), g.violations().total() + ""))
        .append("</span></h3><table>")
        .append("<caption>Client behaviour against the recovery rules, since the agent started")
        .append("</caption><thead><tr><th scope=\"col\">Rule")
        .append("</th><th scope=\"col\" class=\"n\">Count</th></tr></thead><tbody>");
    for (Map.Entry<String, Long> e : g.violations().rules().entrySet()) {
      b.append("<tr><td>")
          .append(esc(e.getKey()))
          .append("</td><td class=\"n\">")
          .append(v(p + "/violations/rules/" + ptr(e.getKey()), e.getValue(), e.getValue() + ""))
          .append("</td></tr>");
    }
    b.append("</tbody></table></article>\n");
  }

  private static void agent(StringBuilder b, Summary s) {
    Summary.Agent a = s.agent();
    b.append("<section class=\"agent\" aria-labelledby=\"agent\"><h2 id=\"agent\">Agent</h2>")
        .append("<dl>");
    dd(
        b,
        "State",
        a.ready() ? "<span class=\"ok\">ready</span>" : "<span class=\"bad\">not ready</span>");
    dd(b, "Version", esc(s.version()));
    dd(b, "Uptime", v("/agent/uptimeSeconds", a.uptimeSeconds(), Html.uptime(a.uptimeSeconds())));
    dd(
        b,
        "Tracked connections",
        v("/agent/trackedConnections", a.trackedConnections(), a.trackedConnections() + ""));
    StringBuilder ev = new StringBuilder();
    for (Map.Entry<String, Long> e : a.evictions().entrySet()) {
      ev.append(ev.length() == 0 ? "" : ", ")
          .append(esc(e.getKey()))
          .append(' ')
          .append(v("/agent/evictions/" + ptr(e.getKey()), e.getValue(), e.getValue() + ""));
    }
    dd(b, "Evictions", ev.length() == 0 ? "none" : ev.toString());
    dd(b, "Decode errors", v("/agent/decodeErrors", a.decodeErrors(), a.decodeErrors() + ""));
    dd(
        b,
        "Upstream errors",
        v("/agent/upstreamErrors", a.upstreamErrors(), a.upstreamErrors() + ""));
    dd(
        b,
        "Observer errors",
        v("/agent/observerErrors", a.observerErrors(), a.observerErrors() + ""));
    dd(
        b,
        "History",
        v("/agent/historyPoints", a.historyPoints(), a.historyPoints() + "")
            + " of "
            + a.historyCapacity()
            + " readings, every "
            + s.intervalSeconds()
            + " s");
    b.append("</dl></section>\n");
  }

  // ---- helpers -------------------------------------------------------------------------------

  private static void dd(StringBuilder b, String term, String html) {
    b.append("<div><dt>").append(esc(term)).append("</dt><dd>").append(html).append("</dd></div>");
  }

  /** A number shown, with the JSON pointer and raw value it comes from in /api/summary. */
  static String v(String pointer, Object raw, String text) {
    return "<span class=\"v\" data-json=\""
        + esc(pointer)
        + "\" data-value=\""
        + (raw == null ? "" : esc(raw.toString()))
        + "\">"
        + esc(text)
        + "</span>";
  }

  /** A key as a JSON pointer segment (RFC 6901). */
  private static String ptr(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }

  private static String closeName(Summary.Gateway g, String code) {
    for (Summary.CloseRow c : g.closes().codes()) {
      if (c.code().equals(code)) {
        return c.name();
      }
    }
    return "";
  }

  private static String resumableMark(Summary.Gateway g, String code) {
    for (Summary.CloseRow c : g.closes().codes()) {
      if (c.code().equals(code)) {
        return switch (c.resumable()) {
          case "true" -> " <span aria-label=\"resumable\" title=\"resumable\">↻</span>";
          case "conditional" ->
              " <span aria-label=\"conditionally resumable\" title=\"conditional\">(↻)</span>";
          default -> "";
        };
      }
    }
    return "";
  }

  private static String resumableText(String resumable) {
    return switch (resumable) {
      case "false" -> "no";
      case "conditional" -> "(↻) conditional";
      default -> resumable;
    };
  }

  private static long[] times(Summary.Series s) {
    return longs(s.t());
  }

  /** The charts end at the newest reading. */
  private static long to(Summary s, long[] t) {
    return t.length > 0 ? t[t.length - 1] : s.generatedAt() == null ? 0 : s.generatedAt();
  }

  /** The charts span what the history holds, at least a minute. */
  private static long from(Summary s, long[] t, long to) {
    long span = s.intervalSeconds() * 1000;
    if (t.length > 0) {
      span += to - t[0];
    }
    return to - Math.max(60_000, span);
  }

  private static long[] longs(List<Long> values) {
    long[] out = new long[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }

  private static Double[] doubles(List<Double> values) {
    return values.toArray(new Double[0]);
  }

  private static long sum(List<Long> values) {
    long s = 0;
    for (long v : values) {
      s += v;
    }
    return s;
  }
}
