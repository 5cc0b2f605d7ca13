package io.gatewatch.thirdparty;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatewatch.metrics.Source;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.server.AgentServer;
import io.gatewatch.server.IngestEndpoint;
import io.gatewatch.server.MetricsExposition;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The JavaScript forwarder that docs/tap.md quotes, {@code examples/forward.mjs}, wrapped around a
 * client of the {@code ws} package (the most used WebSocket library in Node) that talks to the
 * simulator, posting to an ingest endpoint that requires a bearer token. Every close comes out with
 * its true initiator, though {@code ws} answers a server's close frame by calling the socket's own
 * {@code close()}; a revoked token beside a valid one in the same process is another client.
 */
class ForwarderExampleTest {
  private static final Duration STEP = Duration.ofSeconds(15);
  private static final String INGEST_TOKEN = "ingest-secret";

  private final Watches watches = new Watches(TokenFingerprinter.withRandomSalt());
  private AgentServer server;
  private GatewaySimulator sim;
  private String gateway;

  @BeforeAll
  static void needsNode() {
    NodeClient.require("ws");
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  @Test
  void everyCloseArrivesWithItsTrueInitiator() throws Exception {
    sim =
        new GatewaySimulator(
                SimulatorSettings.builder().listen("127.0.0.1:0").dispatchRate(0).build())
            .start();
    server =
        new AgentServer(
            new InetSocketAddress("127.0.0.1", 0),
            new MetricsExposition(watches.registry()),
            () -> true);
    server.handle(
        IngestEndpoint.PATH,
        new IngestEndpoint(
            watches.add(
                ProfileLoader.defaultProfile(),
                TrackerSettings.DEFAULTS,
                Source.INGEST,
                "fwd",
                Signals.NONE),
            watches.fingerprinter(),
            watches.registry(),
            new IngestEndpoint.Settings(
                INGEST_TOKEN,
                IngestEndpoint.Settings.OPEN.maxBodyBytes(),
                IngestEndpoint.Settings.OPEN.maxLineBytes())));
    server.start();
    gateway = sim.url();
    String ingest = "http://127.0.0.1:" + server.port() + IngestEndpoint.PATH;

    try (NodeClient client = NodeClient.start("forward-client.mjs", ingest, INGEST_TOKEN)) {
      // A: a session, one heartbeat, then a drain: op 7 and the server's 4000
      String sessionId = identify(client, 1, "valid-fwd");
      client.send("send {\"op\":1,\"d\":1}");
      awaitFrame(client, 11, 1);
      sim.drainAll();
      awaitClosed(client, 1, 4000);

      // B: Resume, then the client's own 1000
      open(client, 2);
      client.send(
          "send {\"op\":6,\"d\":{\"token\":\"valid-fwd\",\"session_id\":\""
              + sessionId
              + "\",\"seq\":1}}");
      awaitDispatch(client, "RESUMED", 1);
      client.send("close 1000");
      awaitClosed(client, 2, 1000);

      // C: Resume with a sequence the server never sent: its 4007
      open(client, 3);
      client.send(
          "send {\"op\":6,\"d\":{\"token\":\"valid-fwd\",\"session_id\":\""
              + sessionId
              + "\",\"seq\":999}}");
      awaitClosed(client, 3, 4007);

      // D: a revoked token: the server's 4004
      open(client, 4);
      client.send("send " + identifyFrame("revoked-fwd"));
      awaitClosed(client, 4, 4004);

      // E: Identify again with the valid token, then the connection drops
      identify(client, 5, "valid-fwd");
      sim.dropAll();
      awaitClosed(client, 5, 1006);

      client.send("flush");
      client.awaitCount("flushed", 1, STEP);
      assertThat(client.events("flushed").get(0).get("status").asInt()).isEqualTo(200);
    }

    Scrape m = Scrape.of(watches.registry().scrape());
    assertThat(m.sum("gatewatch_ingest_lines_total", "result", "rejected")).isZero();
    assertThat(m.nonZero("gateway_close_total"))
        .containsExactlyInAnyOrder(
            close(4000, "server", "unknown_error", "true"),
            close(1000, "client", "normal_closure", "true"),
            close(4007, "server", "invalid_sequence", "false"),
            close(4004, "server", "authentication_failed", "false"),
            close(1006, "none", "abnormal_closure", "true"));
    assertThat(m.nonZero("gateway_resume_total"))
        .containsExactlyInAnyOrder(
            "gateway_resume_total{gateway=\"fwd\",outcome=\"invalid_sequence\",source=\"ingest\"}"
                + " 1.0",
            "gateway_resume_total{gateway=\"fwd\",outcome=\"success\",source=\"ingest\"} 1.0");
    assertThat(m.sum("gateway_ready_total", "via", "identify")).isEqualTo(2);
    assertThat(m.sum("gateway_ready_total", "via", "resume")).isEqualTo(1);
    assertThat(m.sum("gateway_reconnect_duration_seconds_count", "via", "resume")).isEqualTo(1);
    assertThat(m.sum("gateway_reconnect_duration_seconds_count", "via", "identify")).isEqualTo(1);
    assertThat(m.sum("gateway_reconnect_requests_total")).isEqualTo(1);
    assertThat(m.sum("gateway_heartbeat_rtt_seconds_count", "kind", "client")).isEqualTo(1);
    assertThat(m.nonZero("gateway_policy_violations_total")).isEmpty();
    assertThat(watches.registry().scrape()).doesNotContain("valid-fwd", "revoked-fwd");
  }

  private String identify(NodeClient client, int socket, String token) throws Exception {
    open(client, socket);
    client.send("send " + identifyFrame(token));
    return awaitDispatch(client, "READY", count(client, "READY") + 1).get("session_id").asText();
  }

  private void open(NodeClient client, int socket) throws Exception {
    client.send("open " + gateway);
    client.awaitCount("opened", socket, STEP);
    awaitFrame(client, 10, socket);
  }

  private static String identifyFrame(String token) {
    return "{\"op\":2,\"d\":{\"token\":\""
        + token
        + "\",\"properties\":{\"os\":\"linux\",\"browser\":\"forward.mjs\",\"device\":\"test\"}}}";
  }

  private static void awaitFrame(NodeClient client, int op, int count) {
    org.awaitility.Awaitility.await().atMost(STEP).until(() -> frames(client, op).size() >= count);
  }

  private static JsonNode awaitDispatch(NodeClient client, String t, int count) {
    org.awaitility.Awaitility.await().atMost(STEP).until(() -> count(client, t) >= count);
    List<JsonNode> dispatches =
        frames(client, 0).stream().filter(f -> t.equals(f.path("t").asText())).toList();
    return dispatches.get(count - 1).get("d");
  }

  private static int count(NodeClient client, String t) {
    return (int) frames(client, 0).stream().filter(f -> t.equals(f.path("t").asText())).count();
  }

  private static List<JsonNode> frames(NodeClient client, int op) {
    return client.events("frame").stream().filter(f -> f.path("op").asInt(-1) == op).toList();
  }

  private static void awaitClosed(NodeClient client, int count, int code) {
    client.awaitCount("closed", count, STEP);
    assertThat(client.events("closed").get(count - 1).get("code").asInt())
        .as(client.describe())
        .isEqualTo(code);
  }

  private static String close(int code, String initiator, String name, String resumable) {
    return "gateway_close_total{code=\""
        + code
        + "\",gateway=\"fwd\",initiator=\""
        + initiator
        + "\",name=\""
        + name
        + "\",resumable=\""
        + resumable
        + "\",source=\"ingest\"} 1.0";
  }
}
