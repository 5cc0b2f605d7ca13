package io.gatewatch.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatewatch.server.MetricsDocTest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** dashboards/: Grafana conventions, and only metrics from the catalogue or the recording rules. */
class DashboardsTest {
  private static final Pattern RATE = Pattern.compile("\\b(rate|irate|increase)\\(");

  @Test
  void theFourDashboardsHaveStableUniqueUids() throws Exception {
    Map<String, JsonNode> boards = Ops.dashboards();
    Set<String> uids = new TreeSet<>();
    boards.values().forEach(d -> uids.add(d.path("uid").asText()));
    assertThat(uids)
        .containsExactlyInAnyOrder(
            "gatewatch-overview", "gatewatch-close-codes", "gatewatch-capacity", "gatewatch-agent");
    for (JsonNode d : boards.values()) {
      assertThat(d.path("title").asText()).startsWith("gatewatch / ");
      assertThat(d.path("description").asText()).isNotBlank();
    }
  }

  @Test
  void everyDashboardHasTheVariablesItUses() throws Exception {
    for (Map.Entry<String, JsonNode> e : Ops.dashboards().entrySet()) {
      List<String> names = new ArrayList<>();
      for (JsonNode v : e.getValue().path("templating").path("list")) {
        names.add(v.path("name").asText());
        if (v.path("type").asText().equals("query")) {
          assertThat(v.path("allValue").asText()).as(e.getKey() + " $" + names).isEqualTo(".*");
          assertThat(v.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
        }
      }
      // the agent's own metrics have no gateway label
      assertThat(names)
          .as(e.getKey())
          .containsExactlyElementsOf(
              e.getKey().equals("agent.json")
                  ? List.of("datasource", "job", "instance", "source")
                  : List.of("datasource", "job", "instance", "gateway", "source"));
      String queries = String.join("\n", expressions(e.getValue()));
      for (String name : names.subList(1, names.size())) {
        assertThat(queries).as(e.getKey() + " uses $" + name).containsPattern("\\$" + name + "\\b");
      }
    }
  }

  @Test
  void theJobVariableListsTheAgentsGatewayAgentDownWatches() throws Exception {
    for (JsonNode d : Ops.dashboards().values()) {
      JsonNode job = d.path("templating").path("list").get(1);
      assertThat(job.path("query").path("query").asText())
          .isEqualTo("label_values(gatewatch_build_info, job)");
    }
    List<String> agentDown =
        Ops.rules().stream()
            .filter(r -> "GatewayAgentDown".equals(r.get("alert")))
            .map(r -> (String) r.get("expr"))
            .toList();
    assertThat(agentDown).hasSize(2);
    for (String expr : agentDown) {
      assertThat(expr)
          .contains("present_over_time(gatewatch_build_info[1d])")
          .doesNotContain("job=~");
    }
  }

  @Test
  void theOverviewStartsWithTheStartHereRowAndMarksDeploys() throws Exception {
    JsonNode overview = Ops.dashboards().get("gateway-overview.json");
    List<JsonNode> panels = Ops.panels(overview);
    assertThat(panels.get(0).path("type").asText()).isEqualTo("row");
    assertThat(panels.get(0).path("title").asText()).isEqualTo("Start here");
    List<String> startHere = new ArrayList<>();
    for (JsonNode p : panels.subList(1, panels.size())) {
      if (p.path("type").asText().equals("row")) {
        break;
      }
      assertThat(p.path("gridPos").path("y").asInt()).as(p.path("title").asText()).isEqualTo(1);
      startHere.add(String.join(" ", expressions(p)));
    }
    assertThat(startHere).hasSize(6);
    assertThat(startHere.get(0)).contains("gateway_probe_up");
    assertThat(startHere.get(1))
        .contains("gateway:gateway_resume_success:ratio_rate30d")
        .contains("slo:gateway_resume_success:objective");
    assertThat(startHere.get(2)).contains("gateway:gateway_resume_error_budget:remaining30d");
    assertThat(startHere.get(3)).contains("code=~\"1006|1011|1014\"");
    assertThat(startHere.get(4)).contains("max_over_time(gateway:gateway_sessions_active:sum");
    assertThat(startHere.get(5)).contains("ALERTS{alertname=~\"Gateway.*\", alertstate=\"firing\"");
    assertThat(annotationExpressions(overview))
        .singleElement()
        .asString()
        .contains("gatewatch_build_info")
        .contains("offset 5m");
  }

  @Test
  void theOverviewShowsTheNumbersByClientLibrary() throws Exception {
    List<JsonNode> panels = Ops.panels(Ops.dashboards().get("gateway-overview.json"));
    int row = 0;
    while (!panels.get(row).path("title").asText().equals("By client library")) {
      row++;
    }
    assertThat(panels.get(row).path("type").asText()).isEqualTo("row");
    Map<String, String> byTitle = new LinkedHashMap<>();
    for (JsonNode p : panels.subList(row + 1, panels.size())) {
      if (p.path("type").asText().equals("row")) {
        break;
      }
      assertThat(p.path("gridPos").path("y").asInt())
          .isGreaterThan(panels.get(row).path("gridPos").path("y").asInt());
      byTitle.put(p.path("title").asText(), String.join("\n", expressions(p)));
    }
    // one line per library (and per rule), from the client families, on every selected source
    assertThat(byTitle)
        .containsOnlyKeys(
            "Policy violations per second, by client library and rule",
            "Sessions established per second, by client library",
            "Resume success rate, by client library",
            "Reconnect time p95, by client library");
    assertThat(byTitle.get("Policy violations per second, by client library and rule"))
        .startsWith("sum by (client, rule) (rate(gateway_client_violations_total{");
    assertThat(byTitle.get("Sessions established per second, by client library"))
        .startsWith("sum by (client) (rate(gateway_client_ready_total{");
    assertThat(byTitle.get("Resume success rate, by client library"))
        .startsWith("sum by (client) (rate(gateway_client_resume_total{")
        .contains("outcome=\"success\"")
        .contains("/ (sum by (client) (rate(gateway_client_resume_total{");
    assertThat(byTitle.get("Reconnect time p95, by client library"))
        .startsWith(
            "histogram_quantile(0.95, sum by (client, le) "
                + "(rate(gateway_client_reconnect_duration_seconds_bucket{");
    for (String expr : byTitle.values()) {
      assertThat(expr).contains("source=~\"$source\"").doesNotContain("client=");
    }
    JsonNode overview = Ops.dashboards().get("gateway-overview.json");
    assertThat(lastStep(panel(overview, "Reconnect time p95, by client library")))
        .isEqualTo(threshold("GatewayReconnectSlow"));
  }

  @Test
  void heatmapsCarryTheirUnitOnTheYAxis() throws Exception {
    int heatmaps = 0;
    for (JsonNode d : Ops.dashboards().values()) {
      for (JsonNode p : Ops.panels(d)) {
        if (p.path("type").asText().equals("heatmap")) {
          heatmaps++;
          // Grafana's heatmap reads its axis unit from options.yAxis, not from fieldConfig
          assertThat(p.path("options").path("yAxis").path("unit").asText())
              .as(p.path("title").asText())
              .isEqualTo(p.path("fieldConfig").path("defaults").path("unit").asText())
              .isIn("s", "bytes");
        }
      }
    }
    assertThat(heatmaps).isEqualTo(3);
  }

  @Test
  void panelsShowTheAlertLevelsAndTheDropsThatMatter() throws Exception {
    JsonNode overview = Ops.dashboards().get("gateway-overview.json");
    // the dashed line of a quantile panel is the threshold of the alert on it
    assertThat(lastStep(panel(overview, "Heartbeat round trip p50 / p95 / p99")))
        .isEqualTo(threshold("GatewayHeartbeatLatencyHigh"));
    assertThat(lastStep(panel(overview, "Reconnect time p50 / p95")))
        .isEqualTo(threshold("GatewayReconnectSlow"));
    assertThat(lastStep(panel(overview, "Probe READY time")))
        .isEqualTo(threshold("GatewayProbeReadySlow"));
    // a drop from 99% to 97% must show: no 0-1 axis, the axis near the objective, the minimum
    JsonNode resume = panel(overview, "Resume success rate against its objective");
    assertThat(resume.path("fieldConfig").path("defaults").has("min")).isFalse();
    assertThat(
            resume
                .path("fieldConfig")
                .path("defaults")
                .path("custom")
                .path("axisSoftMin")
                .asDouble())
        .isEqualTo(0.95);
    assertThat(resume.path("options").path("legend").path("calcs").toString()).contains("\"min\"");
    // stacked shares add up to 100%: one series per class over every selected source
    JsonNode resumable = panel(overview, "Resumable vs non-resumable closes");
    assertThat(expressions(resumable))
        .singleElement()
        .asString()
        .startsWith("sum by (resumable) (")
        .contains("/ ignoring (resumable) group_left () sum(");
    // the close-code table sorts by a column it has (Value is renamed)
    JsonNode table =
        panel(
            Ops.dashboards().get("close-codes.json"),
            "Close codes in the time range, with recovery");
    String renamed =
        table
            .path("transformations")
            .get(0)
            .path("options")
            .path("renameByName")
            .path("Value")
            .asText();
    assertThat(table.path("options").path("sortBy").get(0).path("displayName").asText())
        .isEqualTo(renamed)
        .isEqualTo("closes");
    // reconnects per session per hour, not per second
    JsonNode perSession =
        panel(Ops.dashboards().get("capacity.json"), "Reconnects per session per hour");
    assertThat(expressions(perSession)).allMatch(e -> e.startsWith("3600 * "));
  }

  private static JsonNode panel(JsonNode dashboard, String title) {
    return Ops.panels(dashboard).stream()
        .filter(p -> p.path("title").asText().equals(title))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no panel " + title));
  }

  private static double lastStep(JsonNode panel) {
    JsonNode steps = panel.path("fieldConfig").path("defaults").path("thresholds").path("steps");
    assertThat(
            panel
                .path("fieldConfig")
                .path("defaults")
                .path("custom")
                .path("thresholdsStyle")
                .path("mode")
                .asText())
        .isEqualTo("dashed");
    return steps.get(steps.size() - 1).path("value").asDouble();
  }

  /** The number an alert compares its first series with ({@code ... > 30}). */
  private static double threshold(String alert) throws Exception {
    String expr =
        Ops.rules().stream()
            .filter(r -> alert.equals(r.get("alert")))
            .map(r -> (String) r.get("expr"))
            .findFirst()
            .orElseThrow();
    Matcher m = Pattern.compile(" > ([0-9.]+)\\s").matcher(expr);
    assertThat(m.find()).as(expr).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void everyPanelHasATitleADescriptionAUnitAndQueries() throws Exception {
    for (Map.Entry<String, JsonNode> e : Ops.dashboards().entrySet()) {
      Set<Integer> ids = new TreeSet<>();
      for (JsonNode p : Ops.panels(e.getValue())) {
        if (p.path("type").asText().equals("row")) {
          continue;
        }
        String at = e.getKey() + " panel \"" + p.path("title").asText() + "\"";
        assertThat(ids.add(p.path("id").asInt())).as(at + " unique id").isTrue();
        assertThat(p.path("title").asText()).as(at).isNotBlank();
        assertThat(p.path("description").asText()).as(at + " description").isNotBlank();
        assertThat(p.path("fieldConfig").path("defaults").path("unit").asText())
            .as(at + " unit")
            .isNotBlank();
        assertThat(p.path("datasource").path("uid").asText()).as(at).isEqualTo("${datasource}");
        assertThat(p.path("targets")).as(at + " targets").isNotEmpty();
        for (JsonNode t : p.path("targets")) {
          assertThat(t.path("expr").asText()).as(at + " expr").isNotBlank();
        }
      }
    }
  }

  @Test
  void everyRateUsesTheRateInterval() throws Exception {
    for (String expr : expressions()) {
      Matcher m = RATE.matcher(expr);
      while (m.find()) {
        String range = rangeOf(expr, m.end());
        if (m.group(1).equals("increase")) {
          // Instant tables count over the dashboard's whole range.
          assertThat(range).as(expr).isIn("$__rate_interval", "$__range");
        } else {
          assertThat(range).as(expr).isEqualTo("$__rate_interval");
        }
      }
    }
  }

  @Test
  void everyMetricIsInTheCatalogueOrARecordingRule() throws Exception {
    Set<String> known = new TreeSet<>(MetricsDocTest.documented().keySet());
    known.addAll(MetricsDocTest.documentedJvm());
    known.add("up");
    known.add("ALERTS"); // Prometheus's own series of the alerts it evaluates
    Set<String> recorded = new TreeSet<>();
    for (Map<String, Object> rule : Ops.rules()) {
      if (rule.containsKey("record")) {
        recorded.add((String) rule.get("record"));
      }
    }
    known.addAll(recorded);
    List<String> all = new ArrayList<>(expressions());
    for (JsonNode d : Ops.dashboards().values()) {
      all.addAll(annotationExpressions(d));
    }
    for (JsonNode d : Ops.dashboards().values()) {
      for (JsonNode v : d.path("templating").path("list")) {
        if (v.path("type").asText().equals("query")) {
          String q = v.path("query").path("query").asText();
          all.add(q.replaceAll("^label_values\\((.*), *[a-z_]+\\)$", "$1"));
        }
      }
    }
    Set<String> used = new TreeSet<>();
    for (String expr : all) {
      for (String name : Ops.metricNames(expr)) {
        String family = known.contains(name) ? name : name.replaceAll("_(bucket|count|sum)$", "");
        assertThat(known).as("\"" + name + "\" in " + expr).contains(family);
        used.add(family);
      }
    }
    // The dashboards show the four numbers, and read the recording rules.
    assertThat(used)
        .contains(
            "gateway_close_total",
            "gateway_heartbeat_rtt_seconds",
            "gateway_reconnect_duration_seconds",
            "gateway:gateway_resume_success:ratio_rate5m",
            "slo:gateway_resume_success:objective");
  }

  /** Every panel query of every dashboard. */
  static List<String> expressions() throws Exception {
    List<String> out = new ArrayList<>();
    for (JsonNode d : Ops.dashboards().values()) {
      out.addAll(expressions(d));
    }
    return out;
  }

  /** The queries of a dashboard's panels, or of one panel. */
  static List<String> expressions(JsonNode dashboardOrPanel) {
    List<String> out = new ArrayList<>();
    List<JsonNode> panels =
        dashboardOrPanel.has("targets") ? List.of(dashboardOrPanel) : Ops.panels(dashboardOrPanel);
    for (JsonNode p : panels) {
      for (JsonNode t : p.path("targets")) {
        out.add(t.path("expr").asText());
      }
    }
    return out;
  }

  /** The Prometheus queries of a dashboard's annotations (Grafana's built-in one has none). */
  static List<String> annotationExpressions(JsonNode dashboard) {
    List<String> out = new ArrayList<>();
    for (JsonNode a : dashboard.path("annotations").path("list")) {
      if (a.has("expr")) {
        assertThat(a.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
        out.add(a.path("expr").asText());
      }
    }
    return out;
  }

  /** The range selector inside the call whose arguments start at {@code from}. */
  private static String rangeOf(String expr, int from) {
    int depth = 1;
    for (int i = from; i < expr.length() && depth > 0; i++) {
      char c = expr.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == '[' && depth == 1) {
        return expr.substring(i + 1, expr.indexOf(']', i));
      }
    }
    return "(none)";
  }
}
