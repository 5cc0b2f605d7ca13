package io.gatewatch.thirdparty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.proxy.ProxySettings;
import io.gatewatch.proxy.WatchedProxy;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import io.gatewatch.track.EventClock;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code @discordjs/ws}, the gateway library of discord.js (written and tested elsewhere), runs as
 * a bot through the real proxy against the simulator with the {@code discord} profile and short
 * timings: Identify, its own heartbeats (an interval timer, the first after a random jitter), a
 * drain (op 7 + 4000), a dropped connection, an expired session (op 9, then Identify) and a revoked
 * token (4004). Every number is asserted exactly, and a library that follows Discord's rules breaks
 * none of gatewatch's policy rules.
 */
class DiscordJsThroughProxyTest {
  // Long enough that a loaded build machine never delays an ACK past the library's next beat (it
  // would take the socket for a zombie and reconnect: a socket the script did not ask for).
  private static final Duration INTERVAL = Duration.ofMillis(3_000);
  private static final Duration STEP = Duration.ofSeconds(20);

  @BeforeAll
  static void needsNode() {
    NodeClient.require("@discordjs/ws");
  }

  @Test
  void everyNumberMatchesWhatTheLibraryDidAndNoRuleIsBroken() throws Exception {
    Watches watches = new Watches(TokenFingerprinter.withRandomSalt());
    try (GatewaySimulator sim =
            new GatewaySimulator(
                    SimulatorSettings.builder()
                        .listen("127.0.0.1:0")
                        .profile(ProfileLoader.load("discord"))
                        .heartbeatInterval(INTERVAL)
                        .heartbeatTimeout(Duration.ofMillis(3_273)) // 45 s for 41.25 s, scaled
                        .dispatchRate(0)
                        .build())
                .start();
        WatchedProxy proxy =
            WatchedProxy.start(
                watches,
                ProfileLoader.load("discord"),
                TrackerSettings.DEFAULTS,
                "djs",
                ProxySettings.builder("ws://127.0.0.1:" + sim.port())
                    .listen(new InetSocketAddress("127.0.0.1", 0))
                    .build(),
                null,
                true,
                EventClock.system(),
                Signals.NONE)) {
      String gateway = proxy.url(""); // the library appends ?v=10&encoding=json

      try (NodeClient bot = NodeClient.start("discordjs-client.mjs", gateway, "valid-bot")) {
        bot.awaitCount("ready", 1, STEP);
        awaitAcks(bot, 3);

        // Each fault right after an ACK, so that no heartbeat is in flight when it strikes.
        sim.drainAll(); // op 7, then 4000: the library Resumes
        bot.awaitCount("resumed", 1, STEP);
        awaitAcks(bot, bot.count("ack") + 2);

        sim.dropAll(); // no close frame: 1006, and the library Resumes
        bot.awaitCount("resumed", 2, STEP);
        awaitAcks(bot, bot.count("ack") + 2);

        sim.expireSessions(); // the next Resume gets op 9: the library closes (1000), Identifies
        sim.dropAll();
        bot.awaitCount("ready", 2, STEP);
        awaitAcks(bot, bot.count("ack") + 2);

        bot.send("stop"); // destroy: close 1000
        assertThat(bot.awaitExit(STEP)).as(bot.describe()).isZero();
        int acks = bot.count("ack");

        try (NodeClient revoked = NodeClient.start("discordjs-client.mjs", gateway, "revoked")) {
          revoked.awaitCount("error", 1, STEP); // 4004: "Authentication failed", no retry
          assertThat(revoked.events("error").get(0).get("message").asText())
              .isEqualTo("Authentication failed");
          await().until(() -> proxy.tracker().activeConnections() == 0);
          revoked.send("stop");
          assertThat(revoked.awaitExit(STEP)).as(revoked.describe()).isZero();
        }

        Scrape m = Scrape.of(watches.registry().scrape());
        String[] proxied = {"gateway", "djs", "source", "proxy"};
        assertThat(m.sum("gateway_connections_opened_total", proxied))
            .as(bot.describe())
            .isEqualTo(6);
        // After op 7 both peers close at once: the gateway with 4000, the library with its own
        // 4200 ("Resuming", not a Discord code). Whichever close frame reaches the proxy first is
        // the close: on a loaded machine it is sometimes the library's.
        String drainServer = close("4000", "server", "unknown_error", "true", 1);
        String drainClient = close("other", "client", "other", "other", 1);
        String drained =
            m.nonZero("gateway_close_total").contains(drainClient) ? drainClient : drainServer;
        assertThat(m.nonZero("gateway_close_total"))
            .containsExactlyInAnyOrder(
                drained,
                close(1006, "none", "abnormal_closure", "true", 2),
                close(1000, "client", "normal_closure", "conditional", 2),
                close(4004, "server", "authentication_failed", "false", 1));
        assertThat(m.sum("gateway_resume_total", "outcome", "success")).isEqualTo(2);
        assertThat(m.sum("gateway_resume_total", "outcome", "invalid_session")).isEqualTo(1);
        assertThat(m.sum("gateway_resume_total", proxied)).isEqualTo(3);
        assertThat(m.sum("gateway_ready_total", "via", "identify")).isEqualTo(2);
        assertThat(m.sum("gateway_ready_total", "via", "resume")).isEqualTo(2);
        assertThat(m.sum("gateway_reconnect_duration_seconds_count", "via", "resume")).isEqualTo(2);
        assertThat(m.sum("gateway_reconnect_duration_seconds_count", "via", "identify"))
            .isEqualTo(1);
        // the library reconnects at once: three episodes within a few hundred ms in all
        assertThat(m.sum("gateway_reconnect_duration_seconds_sum", proxied)).isBetween(0.0, 3.0);
        assertThat(m.sum("gateway_reconnect_requests_total", proxied)).isEqualTo(1);
        assertThat(m.sum("gateway_invalid_session_total", proxied)).isEqualTo(1);
        assertThat(m.sum("gateway_frames_total", "from", "client", "op", "identify")).isEqualTo(3);
        assertThat(m.sum("gateway_frames_total", "from", "client", "op", "resume")).isEqualTo(3);

        // every heartbeat the library sent was acknowledged and measured, none missed
        assertThat(m.sum("gateway_heartbeat_rtt_seconds_count", "kind", "client")).isEqualTo(acks);
        assertThat(m.sum("gateway_frames_total", "from", "server", "op", "heartbeat_ack"))
            .isEqualTo(acks);
        assertThat(m.sum("gateway_heartbeat_missed_total", proxied)).isZero();

        // The library names itself in Identify ("@discordjs/ws 2.0.4"): every session, resume and
        // episode is discord.js's, the resumed sockets' included (they inherit the Identify's).
        assertThat(m.nonZero("gateway_client_ready_total"))
            .containsExactlyInAnyOrder(
                client("ready", "via", "identify", 2), client("ready", "via", "resume", 2));
        assertThat(m.nonZero("gateway_client_resume_total"))
            .containsExactlyInAnyOrder(
                client("resume", "outcome", "success", 2),
                client("resume", "outcome", "invalid_session", 1));
        assertThat(m.nonZero("gateway_client_reconnect_duration_seconds_count"))
            .containsExactly(
                "gateway_client_reconnect_duration_seconds_count{client=\"discord.js\","
                    + "gateway=\"djs\",source=\"proxy\"} 3");
        assertThat(m.nonZero("gateway_client_violations_total")).isEmpty();

        // the library follows Discord's rules: not one violation
        assertThat(m.nonZero("gateway_policy_violations_total")).isEmpty();
        assertThat(m.sum("gatewatch_decode_errors_total")).isZero();
        assertThat(m.sum("gateway_sessions_active", proxied)).isZero();
      }
    }
  }

  private static void awaitAcks(NodeClient bot, int count) {
    bot.awaitCount("ack", count, STEP);
  }

  /** A discord.js sample of {@code gateway_client_<family>_total} with one more label. */
  private static String client(String family, String label, String value, int times) {
    return "gateway_client_"
        + family
        + "_total{client=\"discord.js\",gateway=\"djs\","
        + (label.compareTo("source") < 0
            ? label + "=\"" + value + "\",source=\"proxy\""
            : "source=\"proxy\"," + label + "=\"" + value + "\"")
        + "} "
        + (double) times;
  }

  private static String close(
      int code, String initiator, String name, String resumable, int times) {
    return close(Integer.toString(code), initiator, name, resumable, times);
  }

  private static String close(
      String code, String initiator, String name, String resumable, int times) {
    return "gateway_close_total{code=\""
        + code
        + "\",gateway=\"djs\",initiator=\""
        + initiator
        + "\",name=\""
        + name
        + "\",resumable=\""
        + resumable
        + "\",source=\"proxy\"} "
        + (double) times;
  }
}
