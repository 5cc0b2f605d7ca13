package io.gatewatch.server;

import io.gatewatch.metrics.GatewayMetrics;
import io.gatewatch.metrics.Source;
import io.gatewatch.protocol.ClientTable;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.track.PolicyRule;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.Via;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;

/**
 * Numbers by client library set by hand, through the agent's own binders into a registry, so the
 * status page reads them from the {@code gateway_client_*} families exactly as it does in a run.
 *
 * <pre>
 * proxy "eu"   sessions  violations                        resumes (failed)
 *   discord.js    4      heartbeat_late 2        (0.5/s)   2 (1: invalid_sequence)  0.5
 *   discord.py    2      identify_twice 1        (0.5/s)   1 (1: invalid_session)   1.0  worst
 *   jda          10      payload_too_large 2,
 *                        heartbeat_late 1        (0.3/s)   0
 *   unknown       1      heartbeat_late 5        (5.0/s)   0   never the worst
 * proxy "us"
 *   discord.js    3      0                                 4 (1: timeout)           0.25 worst
 *   discord.py    1      0                                 0
 *   jda           2      0                                 2 (0)                    0.0
 * </pre>
 *
 * In "eu" discord.js and discord.py tie at 0.5 violations per session; the failed resumes decide.
 * In "us" nobody broke a rule; the share of failed resumes decides, a library without attempts
 * last.
 */
final class ClientScript {
  private ClientScript() {}

  static void record(MeterRegistry registry) throws IOException {
    GatewayProfile profile = ProfileLoader.load("fluxer-seed");
    ClientTable clients = profile.clients();
    GatewayMetrics eu = new GatewayMetrics(profile, Source.PROXY, "eu");
    eu.bindTo(registry);
    GatewayMetrics us = new GatewayMetrics(profile, Source.PROXY, "us");
    us.bindTo(registry);

    var js = clients.byLabel("discord.js");
    var py = clients.byLabel("discord.py");
    var jda = clients.byLabel("jda");
    var unknown = clients.unknown();

    times(3, () -> eu.ready(Via.IDENTIFY, js));
    eu.ready(Via.RESUME, js);
    times(2, () -> eu.violation(PolicyRule.HEARTBEAT_LATE, js));
    eu.resume(ResumeOutcome.SUCCESS, js);
    eu.resume(ResumeOutcome.INVALID_SEQUENCE, js);

    times(2, () -> eu.ready(Via.IDENTIFY, py));
    eu.violation(PolicyRule.IDENTIFY_TWICE, py);
    eu.resume(ResumeOutcome.INVALID_SESSION, py);

    times(10, () -> eu.ready(Via.IDENTIFY, jda));
    times(2, () -> eu.violation(PolicyRule.PAYLOAD_TOO_LARGE, jda));
    eu.violation(PolicyRule.HEARTBEAT_LATE, jda);

    eu.ready(Via.IDENTIFY, unknown);
    times(5, () -> eu.violation(PolicyRule.HEARTBEAT_LATE, unknown));

    times(3, () -> us.ready(Via.IDENTIFY, js));
    times(3, () -> us.resume(ResumeOutcome.SUCCESS, js));
    us.resume(ResumeOutcome.TIMEOUT, js);
    us.ready(Via.IDENTIFY, py);
    times(2, () -> us.ready(Via.IDENTIFY, jda));
    times(2, () -> us.resume(ResumeOutcome.SUCCESS, jda));
  }

  private static void times(int n, Runnable r) {
    for (int i = 0; i < n; i++) {
      r.run();
    }
  }
}
