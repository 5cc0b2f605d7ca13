package io.gatewatch.thirdparty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.proxy.ProxySettings;
import io.gatewatch.proxy.WatchedProxy;
import io.gatewatch.report.Tally;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import io.gatewatch.track.EventClock;
import io.gatewatch.track.TrackerSettings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * discord.js's gateway client, {@code @discordjs/ws} from npm and unchanged, through the real proxy
 * against the simulator with the discord profile: the same scripted session (Identify, a heartbeat,
 * a close with 4000 and a Resume, a heartbeat, a close with 1000) with its zlib-stream transport
 * compression gives exactly the metrics of its JSON run.
 */
class DiscordJsZlibStreamTest {
  static final GatewayProfile DISCORD = ProfileLoader.load("discord");
  static final TokenFingerprinter FP = new TokenFingerprinter(new byte[] {2, 6});

  @Test
  void zlibStreamGivesExactlyTheMetricsOfTheJsonRun() throws Exception {
    NodeClient.require("@discordjs/ws");
    Map<String, Double> json = session("json");
    Map<String, Double> zlib = session("zlib-stream");

    assertThat(zlib).isEqualTo(json);
    String g = "gateway=djs";
    String p = "source=proxy";
    String dj = "client=discord.js";
    assertThat(json)
        .containsEntry(key("gateway_connections_opened_total", g, p), 2.0)
        .containsEntry(key("gateway_ready_total", g, p, "via=identify"), 1.0)
        .containsEntry(key("gateway_ready_total", g, p, "via=resume"), 1.0)
        .containsEntry(key("gateway_resume_total", g, p, "outcome=success"), 1.0)
        .containsEntry(key("gateway_reconnect_duration_seconds_count", g, p, "via=resume"), 1.0)
        .containsEntry(key("gateway_heartbeat_rtt_seconds_count", g, p, "kind=client"), 2.0)
        .containsEntry(
            key(
                "gateway_close_total",
                g,
                p,
                "code=4000",
                "initiator=client",
                "name=unknown_error",
                "resumable=true"),
            1.0)
        .containsEntry(
            key(
                "gateway_close_total",
                g,
                p,
                "code=1000",
                "initiator=client",
                "name=normal_closure",
                "resumable=conditional"),
            1.0)
        .containsEntry(key("gateway_frames_total", g, p, "from=client", "op=identify"), 1.0)
        .containsEntry(key("gateway_frames_total", g, p, "from=client", "op=resume"), 1.0)
        .containsEntry(key("gateway_frames_total", g, p, "from=client", "op=heartbeat"), 2.0)
        .containsEntry(key("gateway_frames_total", g, p, "from=server", "op=hello"), 2.0)
        .containsEntry(key("gateway_frames_total", g, p, "from=server", "op=heartbeat_ack"), 2.0)
        .containsEntry(key("gateway_frames_total", g, p, "from=server", "op=dispatch"), 2.0)
        // the library's Identify names it: the Resume's socket inherits discord.js
        .containsEntry(key("gateway_client_ready_total", g, p, dj, "via=identify"), 1.0)
        .containsEntry(key("gateway_client_ready_total", g, p, dj, "via=resume"), 1.0)
        .containsEntry(key("gateway_client_resume_total", g, p, dj, "outcome=success"), 1.0)
        .containsEntry(key("gateway_client_reconnect_duration_seconds_count", g, p, dj), 1.0)
        .containsEntry(key("gatewatch_decode_errors_total", p), 0.0)
        .containsEntry(key("gatewatch_frames_unobserved_total", p), 0.0);
    assertThat(json.entrySet()) // a client on the library's own schedule breaks no rule
        .filteredOn(e -> e.getKey().startsWith("gateway_policy_violations_total"))
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.getValue()).as(e.getKey()).isZero());
    assertThat(json.entrySet()) // nothing is anyone else's
        .filteredOn(
            e ->
                e.getKey().startsWith("gateway_client_")
                    && !e.getKey().contains("client=\"discord.js\""))
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.getValue()).as(e.getKey()).isZero());
  }

  /** A series' name as the exposition writes it: labels sorted, values quoted. */
  static String key(String name, String... labels) {
    return name
        + java.util.Arrays.stream(labels)
            .sorted()
            .map(l -> l.replaceFirst("=(.*)", "=\"$1\""))
            .collect(java.util.stream.Collectors.joining(",", "{", "}"));
  }

  /** One run of the script through a fresh simulator and proxy; the metrics it left. */
  static Map<String, Double> session(String compression) throws Exception {
    Watches watches = new Watches(FP);
    Tally tally = new Tally();
    try (GatewaySimulator sim =
            new GatewaySimulator(
                    SimulatorSettings.builder()
                        .listen("127.0.0.1:0")
                        .profile(DISCORD)
                        .heartbeatInterval(Duration.ofSeconds(1))
                        .heartbeatTimeout(Duration.ofMillis(1500))
                        .dispatchRate(0)
                        .build())
                .start();
        WatchedProxy proxy =
            WatchedProxy.start(
                watches,
                DISCORD,
                TrackerSettings.DEFAULTS,
                "djs",
                ProxySettings.builder("ws://127.0.0.1:" + sim.port())
                    .listen(new InetSocketAddress("127.0.0.1", 0))
                    .build(),
                null,
                true,
                EventClock.system(),
                tally)) {
      try (NodeClient script =
          NodeClient.start(
              "discordjs-session.mjs", proxy.url(""), compression, "valid-discordjs")) {
        assertThat(script.awaitExit(Duration.ofSeconds(90))).as(script.describe()).isZero();
        assertThat(script.events("done"))
            .singleElement()
            .satisfies(
                e ->
                    assertThat(e.path("steps").asText())
                        .isEqualTo("ready heartbeat resumed heartbeat"));
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> tally.closes().stream().mapToLong(Tally.CloseCount::total).sum() == 2);
      return series(watches);
    }
  }

  /**
   * The gateway_* series and gatewatch's decode counters, timing-free: histogram counts stay,
   * buckets and sums of the time histograms do not (they differ from run to run).
   */
  static Map<String, Double> series(Watches watches) {
    Map<String, Double> out = new TreeMap<>();
    for (String line : watches.registry().scrape().split("\n")) {
      if (line.startsWith("#")
          || !(line.startsWith("gateway_")
              || line.startsWith("gatewatch_decode_errors")
              || line.startsWith("gatewatch_frames_unobserved"))) {
        continue;
      }
      String name = line.substring(0, line.lastIndexOf(' '));
      boolean timing =
          name.startsWith("gateway_heartbeat_rtt_seconds")
              || name.startsWith("gateway_reconnect_duration_seconds")
              || name.startsWith("gateway_client_reconnect_duration_seconds");
      if (timing && !name.contains("_count{") || name.contains("_max{")) {
        continue;
      }
      out.put(name, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
    }
    return out;
  }
}
