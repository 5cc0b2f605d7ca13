package io.gatewatch.cli;

import static io.gatewatch.cli.CorrelationEndToEndTest.gatewaySamples;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatewatch.config.ConfigNode;
import io.gatewatch.correlation.RedisServer;
import io.gatewatch.proxy.JdkClient;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis dies under two replicas: they keep relaying and measuring with their own state, count every
 * failed call, and share again by themselves once Redis is back (empty, as a restart without
 * persistence leaves it).
 */
class CorrelationOutageTest {
  private RedisServer redis;
  private GatewaySimulator sim;
  private final List<AgentRunner> agents = new ArrayList<>();
  private RoundRobinBalancer balancer;

  @BeforeEach
  void start() throws Exception {
    redis = RedisServer.start();
    sim =
        new GatewaySimulator(
                SimulatorSettings.builder().listen("127.0.0.1:0").dispatchRate(0).build())
            .start();
    List<InetSocketAddress> backends = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      String yaml =
          """
          http: {listen: "127.0.0.1:0"}
          proxies:
            - gateway: gw
              listen: "127.0.0.1:0"
              upstream: "ws://127.0.0.1:%d"
          correlation:
            url: "%s"
            timeout: 2s
          """
              .formatted(sim.port(), redis.url());
      AgentRunner a = AgentRunner.start(AgentConfig.read(ConfigNode.parse("test", yaml), Map.of()));
      agents.add(a);
      backends.add(new InetSocketAddress("127.0.0.1", a.proxies().get(0).proxy().port()));
    }
    balancer = new RoundRobinBalancer(backends);
  }

  @AfterEach
  void stop() throws Exception {
    if (balancer != null) {
      balancer.close();
    }
    agents.forEach(AgentRunner::close);
    if (sim != null) {
      sim.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  private JdkClient connect() {
    return JdkClient.connect("ws://127.0.0.1:" + balancer.port() + "/?v=1&encoding=json");
  }

  private Map<String, Double> summed() {
    Map<String, Double> sum = new TreeMap<>();
    for (AgentRunner a : agents) {
      gatewaySamples(a.watches().registry().scrape())
          .forEach((k, v) -> sum.merge(k, v, Double::sum));
    }
    return sum;
  }

  private double errors(String reason) {
    return agents.stream()
        .mapToDouble(
            a ->
                a.watches()
                    .registry()
                    .counter("gatewatch.correlation.errors", "reason", reason)
                    .count())
        .sum();
  }

  private void closed(int open) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                agents.stream()
                            .mapToInt(a -> a.proxies().get(0).tracker().activeConnections())
                            .sum()
                        == open
                    && agents.stream().allMatch(a -> a.correlation().callsInFlight() == 0));
  }

  private static String resume(String session, long seq) {
    return "{\"op\":6,\"d\":{\"token\":\"valid-alice\",\"session_id\":\"%s\",\"seq\":%d}}"
        .formatted(session, seq);
  }

  @Test
  void withoutRedisTheReplicasRelayAndCountAndTheyRecoverByThemselves() throws Exception {
    String session;
    long seq;
    try (JdkClient c = connect()) { // replica 0
      c.expect(10);
      c.send(
          "{\"op\":2,\"d\":{\"token\":\"valid-alice\",\"properties\":"
              + "{\"os\":\"linux\",\"browser\":\"x\",\"device\":\"x\"}}}");
      JsonNode ready = c.expect(0);
      session = ready.get("d").get("session_id").asText();
      seq = ready.get("s").asLong();
      closed(1); // READY's claim answered: nothing in flight when Redis dies

      redis.kill();
      c.sendClose(1001, "going away");
      c.awaitClose();
    }
    closed(0);
    try (JdkClient c = connect()) { // replica 1: relayed as ever, measured without the other
      c.expect(10);
      c.send(resume(session, seq));
      assertThat(c.expect(0).get("t").asText()).isEqualTo("RESUMED");
      closed(1);
      assertThat(errors("unavailable")).isEqualTo(3); // the end, the lookup, the claim
      assertThat(summed())
          .containsEntry("gateway_ready_total{gateway=\"gw\",via=\"resume\"}", 1.0)
          .containsEntry("gateway_resume_total{gateway=\"gw\",outcome=\"success\"}", 1.0)
          .containsEntry(
              "gateway_reconnect_duration_seconds_count{gateway=\"gw\",via=\"resume\"}", 0.0);

      redis.startAgain(); // empty: nothing was saved
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> agents.stream().allMatch(a -> a.correlation().connected()));
      c.sendClose(1001, "going away");
      c.awaitClose();
    }
    closed(0);
    try (JdkClient c = connect()) { // replica 0, which knows only the first socket's end
      c.expect(10);
      c.send(resume(session, seq));
      assertThat(c.expect(0).get("t").asText()).isEqualTo("RESUMED");
      c.sendClose(1000, "bye");
      c.awaitClose();
    }
    closed(0);
    // the episode from replica 1's socket end, linked again through Redis
    assertThat(summed())
        .containsEntry(
            "gateway_reconnect_duration_seconds_count{gateway=\"gw\",via=\"resume\"}", 1.0);
    assertThat(List.of(errors("timeout"), errors("error"), errors("clock_skew")))
        .containsExactly(0.0, 0.0, 0.0);
  }
}
