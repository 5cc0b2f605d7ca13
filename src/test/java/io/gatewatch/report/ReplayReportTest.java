package io.gatewatch.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.protocol.ClientLibrary;
import io.gatewatch.protocol.ClientTable;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.track.PolicyRule;
import org.junit.jupiter.api.Test;

class ReplayReportTest {
  private final ClientTable clients = ProfileLoader.defaultProfile().clients();

  @Test
  void eachRuleNamesTheClientLibrariesThatBrokeItTheMostFirst() {
    Tally t = new Tally();
    ClientLibrary py = clients.classify("discord.py", null, null);
    ClientLibrary js = clients.classify("@discordjs/ws 2.0.4", null, null);
    for (int i = 0; i < 3; i++) {
      t.violation(PolicyRule.HEARTBEAT_LATE, py);
    }
    t.violation(PolicyRule.HEARTBEAT_LATE, js);
    t.violation(PolicyRule.HEARTBEAT_LATE, clients.unknown());
    t.violation(PolicyRule.IDENTIFY_TWICE, js);

    String report = ReplayReport.format("test", t);

    assertThat(report.substring(report.indexOf("Policy violations")))
        .isEqualTo(
            """
            Policy violations
              heartbeat_late                         5  (discord.py 3, discord.js 1, unknown 1)
              identify_twice                         1  (discord.js 1)
            """);
  }
}
