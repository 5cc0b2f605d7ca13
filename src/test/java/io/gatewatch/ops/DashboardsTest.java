package io.gatewatch.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatewatch.server.MetricsDocTest;
import java.util.ArrayList;
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
  void everyDashboardHasTheVariables() throws Exception {
    for (Map.Entry<String, JsonNode> e : Ops.dashboards().entrySet()) {
      List<String> names = new ArrayList<>();
      for (JsonNode v : e.getValue().path("templating").path("list")) {
        names.add(v.path("name").asText());
        if (v.path("type").asText().equals("query")) {
          assertThat(v.path("allValue").asText()).as(e.getKey() + " $" + names).isEqualTo(".*");
          assertThat(v.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
        }
      }
      assertThat(names)
          .as(e.getKey())
          .containsExactly("datasource", "job", "instance", "gateway", "source");
    }
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
    Set<String> recorded = new TreeSet<>();
    for (Map<String, Object> rule : Ops.rules()) {
      if (rule.containsKey("record")) {
        recorded.add((String) rule.get("record"));
      }
    }
    known.addAll(recorded);
    List<String> all = new ArrayList<>(expressions());
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
      for (JsonNode p : Ops.panels(d)) {
        for (JsonNode t : p.path("targets")) {
          out.add(t.path("expr").asText());
        }
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
