package io.gatewatch.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * alerts/: promtool accepts the rules and their unit tests pass; every alert follows the
 * conventions (severity, static summary, templated description, runbook with escalation and
 * dashboard links) and is unit-tested; every recording rule is read by something.
 */
class RulesTest {
  /**
   * A Grafana dashboard's address by uid, as runbooks give it ({@code
   * `/d/gatewatch-overview?...`}): runbooks are read where the Grafana host is not known.
   */
  private static final Pattern DASHBOARD_LINK = Pattern.compile("`/d/([a-z-]+)[?`]");

  @Test
  void promtoolChecksTheRules() throws Exception {
    Ops.Result r = Ops.run(List.of(Ops.tool("promtool"), "check", "rules", Ops.RULES.toString()));
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS");
  }

  @Test
  void promtoolUnitTestsPass() throws Exception {
    List<String> command = new ArrayList<>(List.of(Ops.tool("promtool"), "test", "rules"));
    command.addAll(testFiles());
    Ops.Result r = Ops.run(command);
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS").doesNotContain("FAILED");
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyAlertFollowsTheConventions() throws Exception {
    String tests = String.join("\n", readAll(testFiles()));
    Set<String> alerts = new TreeSet<>();
    for (Map<String, Object> rule : Ops.rules()) {
      if (rule.containsKey("record")) {
        assertThat((String) rule.get("record"))
            .as("level:metric:operation")
            .matches("[a-z_]+:[a-z0-9_]+:[a-z0-9_]+");
        continue;
      }
      String name = (String) rule.get("alert");
      alerts.add(name);
      Map<String, String> labels = (Map<String, String>) rule.get("labels");
      Map<String, String> annotations = (Map<String, String>) rule.get("annotations");
      assertThat(name).matches("Gateway[A-Z][A-Za-z]+");
      assertThat(rule).as(name + " for").containsKey("for");
      assertThat(labels.get("severity")).as(name + " severity").isIn("info", "warning", "critical");
      assertThat(annotations.get("summary"))
          .as(name + " summary")
          .isNotBlank()
          .doesNotContain("{{");
      assertThat(annotations.get("description")).as(name + " description").contains("{{");
      assertThat(annotations.get("runbook_url")).isEqualTo(Ops.RUNBOOK_BASE + name + ".md");
      assertThat(tests).as(name + " is unit-tested").contains("alertname: " + name);
    }
    assertThat(alerts)
        .contains(
            "GatewayResumeErrorBudgetBurn",
            "GatewaySessionsDropping",
            "GatewayAbnormalClosesSpike",
            "GatewayClientsCannotReconnect",
            "GatewayProxyUpstreamErrors",
            "GatewayProxyRefusingConnections",
            "GatewayHeartbeatTimeoutsRising",
            "GatewayAuthenticationFailuresSpike",
            "GatewayRateLimiting",
            "GatewayAcknowledgementBackpressure",
            "GatewayClientMisconfigured",
            "GatewayClientLibraryOutlier",
            "GatewayHeartbeatLatencyHigh",
            "GatewayReconnectSlow",
            "GatewayReconnectStorm",
            "GatewayProbeDown",
            "GatewayProbeReadySlow",
            "GatewayProbeResumesFailing",
            "GatewayAgentDown",
            "GatewayAgentAbsent",
            "GatewayAgentEvicting",
            "GatewayAgentDecodeErrors");

    // One runbook per alert, in the Meaning / Impact / Diagnosis / Mitigation / Escalation form,
    // linking dashboards that exist, and no other.
    Set<String> uids = new TreeSet<>();
    Ops.dashboards().values().forEach(d -> uids.add(d.path("uid").asText()));
    Set<String> runbooks = new TreeSet<>();
    try (Stream<Path> files = Files.list(Ops.RUNBOOKS)) {
      files.forEach(p -> runbooks.add(p.getFileName().toString().replace(".md", "")));
    }
    assertThat(runbooks).isEqualTo(alerts);
    for (String name : alerts) {
      String text = Files.readString(Ops.RUNBOOKS.resolve(name + ".md"));
      assertThat(text)
          .as(name + " runbook")
          .startsWith("# " + name)
          .contains(
              "## Meaning",
              "## Impact",
              "## Diagnosis",
              "## Mitigation",
              "## Escalation",
              "```promql");
      Matcher links = DASHBOARD_LINK.matcher(text);
      List<String> linked = new ArrayList<>();
      while (links.find()) {
        linked.add(links.group(1));
      }
      assertThat(linked).as(name + " links a dashboard").isNotEmpty();
      assertThat(uids).as(name + " links dashboards that exist").containsAll(linked);
    }
  }

  @Test
  void everyRecordingRuleIsReadByARuleOrADashboard() throws Exception {
    List<String> readers = new ArrayList<>(DashboardsTest.expressions());
    List<String> records = new ArrayList<>();
    for (Map<String, Object> rule : Ops.rules()) {
      readers.add((String) rule.get("expr"));
      if (rule.containsKey("record")) {
        records.add((String) rule.get("record"));
      }
    }
    for (String record : new TreeSet<>(records)) {
      assertThat(readers.stream().filter(e -> Ops.metricNames(e).contains(record)))
          .as(record + " is read by an alert, another rule or a dashboard")
          .isNotEmpty();
    }
  }

  @Test
  void theObjectiveIsReadThroughMaxNeverScalar() throws Exception {
    // scalar() of a duplicated objective series is NaN, which silences every burn-rate alert
    String text = Files.readString(Ops.RULES);
    assertThat(text).doesNotContain("scalar(");
    long burn =
        Ops.rules().stream()
            .filter(r -> "GatewayResumeErrorBudgetBurn".equals(r.get("alert")))
            .peek(
                r ->
                    assertThat((String) r.get("expr"))
                        .contains("max(slo:gateway_resume_success:objective)")
                        .contains("source=~\"proxy|ingest|client\""))
            .count();
    assertThat(burn).isEqualTo(4);
  }

  private static List<String> testFiles() throws Exception {
    try (Stream<Path> files = Files.list(Ops.RULE_TESTS)) {
      return files.map(Path::toString).filter(f -> f.endsWith(".yaml")).sorted().toList();
    }
  }

  private static List<String> readAll(List<String> files) throws Exception {
    List<String> out = new ArrayList<>();
    for (String f : files) {
      out.add(Files.readString(Path.of(f)));
    }
    return out;
  }
}
