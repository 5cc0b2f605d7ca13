package io.gatewatch.server;

import static io.gatewatch.server.Html.esc;
import static io.gatewatch.server.StatusPage.v;

import java.util.List;
import java.util.Locale;

/**
 * The status page's first section: every gateway and source on one row, the four numbers side by
 * side, worst first ({@link Summary#WORST_FIRST}), so what needs attention is on the first screen.
 * A source that has seen nothing yet is one line saying what it waits for. The columns are a list:
 * another number per gateway is one more {@link Column}.
 */
final class Overview {
  private Overview() {}

  /** What one cell shows of a gateway; {@code p} is its JSON pointer ({@code /gateways/2}). */
  interface Cell {
    String html(Summary.Gateway g, String p);
  }

  /**
   * @param heading the column's heading (and its label on a phone, where rows become cards)
   * @param cls the cells' class: {@code n} for a number (right-aligned), or {@code null}
   */
  record Column(String heading, String cls, Cell cell) {}

  static final String WORST_CLIENT = "Worst client";

  /** The worst client's tooltip: how it is chosen, and where to look further. */
  static final String WORST_CLIENT_MEANS =
      "The client library with the most policy violations per established session (READY or"
          + " RESUMED) since the agent started, then the highest share of failed resumes;"
          + " unknown (no Identify seen) is left out. Every library's numbers: /api/summary"
          + " (clients) and the dashboards' rows by client library.";

  static final List<Column> COLUMNS =
      List.of(
          new Column("Resume success", "n", Overview::resume),
          new Column("Reconnection p95", "n", Overview::reconnect),
          new Column("Heartbeat RTT p99", "n", Overview::heartbeat),
          new Column("Closes", "n", Overview::closes),
          new Column(
              "Sessions",
              "n",
              (g, p) -> v(p + "/sessionsActive", g.sessionsActive(), g.sessionsActive() + "")),
          new Column(
              "Violations",
              "n",
              (g, p) ->
                  v(p + "/violations/total", g.violations().total(), g.violations().total() + "")),
          new Column(WORST_CLIENT, "worst", Overview::worstClient));

  static void render(StringBuilder b, Summary s) {
    b.append("<section class=\"overview\" aria-labelledby=\"overview\">")
        .append("<h2 id=\"overview\">Overview</h2>");
    if (s.gateways().isEmpty()) {
      b.append("<p>No gateway watched yet: numbers appear here once a proxy, probe, ingest or")
          .append(" replay is running.</p></section>\n");
      return;
    }
    b.append("<p class=\"hint\">Worst first: lowest resume success rate, then slowest")
        .append(" reconnection and heartbeat, then most closes; worst client: most violations per")
        .append(" session, then failed resumes. Since the agent started.</p>")
        .append("<div class=\"scroll\"><table class=\"overview\"><thead><tr>")
        .append("<th scope=\"col\">Gateway</th>");
    for (Column c : COLUMNS) {
      b.append("<th scope=\"col\"").append(cls(c)).append('>');
      b.append(esc(c.heading())).append("</th>");
    }
    b.append("</tr></thead><tbody>");
    for (int i : s.overview()) {
      row(b, s.gateways().get(i), i);
    }
    b.append("</tbody></table></div></section>\n");
  }

  private static void row(StringBuilder b, Summary.Gateway g, int i) {
    String p = "/gateways/" + i;
    String name = esc(g.gateway()) + " <span class=\"tag\">" + esc(g.source()) + "</span>";
    if (g.waiting()) {
      b.append("<tr class=\"waiting\" data-gateway=\"")
          .append(i)
          .append("\"><th scope=\"row\">")
          .append(name)
          .append("</th><td colspan=\"")
          .append(COLUMNS.size())
          .append("\">")
          .append(esc(g.source()))
          .append(": ")
          .append(esc(waitingFor(g.source())))
          .append("</td></tr>");
      return;
    }
    b.append("<tr data-gateway=\"")
        .append(i)
        .append("\"><th scope=\"row\"><a href=\"#g")
        .append(i)
        .append("\">")
        .append(name)
        .append("</a></th>");
    for (Column c : COLUMNS) {
      b.append("<td data-label=\"")
          .append(esc(c.heading()))
          .append('"')
          .append(cls(c))
          .append('>')
          .append(c.cell().html(g, p))
          .append("</td>");
    }
    b.append("</tr>");
  }

  private static String cls(Column c) {
    return c.cls() == null ? "" : " class=\"" + c.cls() + "\"";
  }

  /** The one line of a source that has seen nothing yet: what it is waiting for. */
  static String waitingFor(String source) {
    return switch (source) {
      case "ingest" -> "waiting for captures, POST " + IngestEndpoint.PATH;
      case "proxy" -> "waiting for the first client to connect through the proxy";
      case "probe" -> "waiting for the probe's first socket";
      case "client" -> "waiting for the tap's first socket";
      case "replay" -> "nothing replayed";
      default -> "waiting for the first socket";
    };
  }

  private static String resume(Summary.Gateway g, String p) {
    Summary.Resume r = g.resume();
    return v(p + "/resume/successRate", r.successRate(), Html.percent(r.successRate()))
        + " <span class=\"of\">"
        + v(p + "/resume/successes", r.successes(), Long.toString(r.successes()))
        + " of "
        + v(p + "/resume/attempts", r.attempts(), Long.toString(r.attempts()))
        + "</span>";
  }

  private static String reconnect(Summary.Gateway g, String p) {
    Summary.Reconnect rc = g.reconnect();
    return v(p + "/reconnect/p95Seconds", rc.p95Seconds(), Html.seconds(rc.p95Seconds()));
  }

  private static String heartbeat(Summary.Gateway g, String p) {
    Summary.Heartbeat h = g.heartbeat();
    return v(p + "/heartbeat/p99Seconds", h.p99Seconds(), Html.seconds(h.p99Seconds()));
  }

  /**
   * The worst client's label, its measure (violations per session, with the rule it broke most; or,
   * without violations, its share of failed resumes), and a tooltip saying how it is chosen.
   */
  private static String worstClient(Summary.Gateway g, String p) {
    Integer w = g.worstClient();
    if (w == null) {
      String why = g.clients().isEmpty() ? "no client traffic" : "none";
      return "<span title=\""
          + esc(WORST_CLIENT_MEANS)
          + "\">"
          + v(p + "/worstClient", null, "–")
          + " <span class=\"of\">"
          + why
          + "</span></span>";
    }
    Summary.Client c = g.clients().get(w);
    String cp = p + "/clients/" + w;
    String measure =
        c.violations() > 0
            ? v(
                    cp + "/violationsPerSession",
                    c.violationsPerSession(),
                    String.format(Locale.ROOT, "%.2f", c.violationsPerSession()))
                + " <span class=\"of\">per session, most "
                + v(cp + "/topRule", c.topRule(), c.topRule())
                + "</span>"
            : v(
                    cp + "/resumeFailureRate",
                    c.resumeFailureRate(),
                    Html.percent(c.resumeFailureRate()))
                + " <span class=\"of\">of resumes failed</span>";
    return "<span title=\""
        + esc(WORST_CLIENT_MEANS)
        + "\"><span class=\"client\">"
        + v(cp + "/client", c.client(), c.client())
        + "</span> "
        + measure
        + "</span>";
  }

  private static String closes(Summary.Gateway g, String p) {
    List<Summary.CloseRow> codes = g.closes().codes();
    String total = v(p + "/closes/total", g.closes().total(), g.closes().total() + "");
    if (codes.isEmpty()) {
      return total;
    }
    int most = 0;
    for (int k = 1; k < codes.size(); k++) {
      if (codes.get(k).total() > codes.get(most).total()) {
        most = k;
      }
    }
    Summary.CloseRow c = codes.get(most);
    return total
        + " <span class=\"of\" title=\""
        + esc(c.name())
        + "\">most "
        + v(p + "/closes/codes/" + most + "/code", c.code(), c.code())
        + "</span>";
  }
}
