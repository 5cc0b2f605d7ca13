package io.gatewatch.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * alerts/: promtool accepts the rules and their unit tests pass; every alert follows the
 * conventions (severity, static summary, templated description, runbook) and is unit-tested.
 */
class RulesTest {

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
      assertThat(labels.get("severity")).as(name + " severity").isIn("warning", "critical");
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
            "GatewayHeartbeatTimeoutsRising",
            "GatewayAuthenticationFailuresSpike",
            "GatewayRateLimiting",
            "GatewayAcknowledgementBackpressure",
            "GatewayClientMisconfigured",
            "GatewayHeartbeatLatencyHigh",
            "GatewayReconnectSlow",
            "GatewayReconnectStorm",
            "GatewayProbeDown",
            "GatewayAgentDown",
            "GatewayAgentAbsent",
            "GatewayAgentEvicting",
            "GatewayAgentDecodeErrors");

    // One runbook per alert, in the Meaning / Impact / Diagnosis / Mitigation form, and no other.
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
          .contains("## Meaning", "## Impact", "## Diagnosis", "## Mitigation", "```promql");
    }
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
