package io.gatewatch.server;

import static io.gatewatch.server.Html.esc;
import static io.gatewatch.server.StatusPage.v;

import java.util.List;

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
   * @param numeric right-aligned
   */
  record Column(String heading, boolean numeric, Cell cell) {}

  static final List<Column> COLUMNS =
      List.of(
          new Column("Resume success", true, Overview::resume),
          new Column("Reconnection p95", true, Overview::reconnect),
          new Column("Heartbeat RTT p99", true, Overview::heartbeat),
          new Column("Closes", true, Overview::closes),
          new Column(
              "Sessions",
              true,
              (g, p) -> v(p + "/sessionsActive", g.sessionsActive(), g.sessionsActive() + "")),
          new Column(
              "Violations",
              true,
              (g, p) ->
                  v(p + "/violations/total", g.violations().total(), g.violations().total() + "")));

  static void render(StringBuilder b, Summary s) {
    b.append("<section class=\"overview\" aria-labelledby=\"overview\">")
        .append("<h2 id=\"overview\">Overview</h2>");
    if (s.gateways().isEmpty()) {
      b.append("<p>No gateway watched yet: numbers appear here once a proxy, probe, ingest or")
          .append(" replay is running.</p></section>\n");
      return;
    }
    b.append("<p class=\"hint\">Worst first: the lowest resume success rate, then the slowest")
        .append(" reconnection and heartbeat, then the most closes. Since the agent started.</p>")
        .append("<div class=\"scroll\"><table class=\"overview\"><thead><tr>")
        .append("<th scope=\"col\">Gateway</th>");
    for (Column c : COLUMNS) {
      b.append("<th scope=\"col\"").append(c.numeric() ? " class=\"n\"" : "").append('>');
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
          .append(c.numeric() ? " class=\"n\"" : "")
          .append('>')
          .append(c.cell().html(g, p))
          .append("</td>");
    }
    b.append("</tr>");
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
