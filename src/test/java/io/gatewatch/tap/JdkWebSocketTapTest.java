package io.gatewatch.tap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A JDK WebSocket client instrumented with {@link JdkWebSocketTap} against the real gateway
 * simulator: a session, a dropped connection, a resume on a new socket, a client close. Event time
 * is a {@link MockClock} moved only while no message is in flight, so durations are exact too. The
 * bot identifies as discord.py: the tap labels its numbers with that client, the resumed socket's
 * too.
 */
class JdkWebSocketTapTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  final MockClock clock = new MockClock();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  GatewaySimulator sim;
  GatewayTap tap;

  @BeforeEach
  void start() throws Exception {
    sim =
        new GatewaySimulator(
                SimulatorSettings.builder().listen("127.0.0.1:0").dispatchRate(0).build())
            .start();
    tap = GatewayTap.builder(registry).gateway("sim").clock(clock).build();
  }

  @AfterEach
  void stop() {
    tap.close();
    sim.close();
  }

  /** The application's own listener: what it received, and how its socket ended. */
  static final class Bot implements WebSocket.Listener {
    final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
    final CompletableFuture<String> ended = new CompletableFuture<>();
    WebSocket given;

    @Override
    public void onOpen(WebSocket ws) {
      given = ws;
      ws.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      try {
        received.add(JSON.readTree(data.toString()));
      } catch (Exception e) {
        ended.completeExceptionally(e);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
      ended.complete("close " + code);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      ended.complete("error");
    }

    JsonNode expect(int op) throws InterruptedException {
      JsonNode n = received.poll(10, TimeUnit.SECONDS);
      assertThat(n).as("a frame with op " + op).isNotNull();
      assertThat(n.get("op").asInt()).isEqualTo(op);
      return n;
    }
  }

  private WebSocket connect(Bot bot) {
    return JdkWebSocketTap.buildAsync(tap, HTTP.newWebSocketBuilder(), URI.create(sim.url()), bot)
        .orTimeout(10, TimeUnit.SECONDS)
        .join();
  }

  @Test
  void aSessionADropAndAResumeGiveExactMetrics() throws Exception {
    Bot first = new Bot();
    WebSocket ws = connect(first);
    assertThat(first.given).isSameAs(ws); // the listener is handed the reporting WebSocket
    first.expect(10);
    clock.add(Duration.ofMillis(10));
    ws.sendText(Frames.identify("valid-alice", "discord.py"), true).join();
    String session = first.expect(0).get("d").get("session_id").asText();
    clock.add(Duration.ofMillis(1_000));
    // a heartbeat sent in two fragments is one message to the tap
    ws.sendText("{\"op\":1,", false).join();
    ws.sendText("\"d\":1}", true).join();
    first.expect(11);
    clock.add(Duration.ofMillis(2_000));

    assertThat(sim.dropAll()).isEqualTo(1);
    assertThat(first.ended.get(10, TimeUnit.SECONDS)).isEqualTo("error");
    clock.add(Duration.ofMillis(1_500));

    Bot second = new Bot();
    WebSocket again = connect(second);
    second.expect(10);
    clock.add(Duration.ofMillis(5));
    again.sendText(Frames.resume("valid-alice", session, 1), true).join();
    assertThat(second.expect(0).get("t").asText()).isEqualTo("RESUMED");
    clock.add(Duration.ofMillis(3_000));
    again.sendClose(1000, "bye").join();
    assertThat(second.ended.get(10, TimeUnit.SECONDS)).isEqualTo("close 1000");

    assertThat(counters())
        .containsExactlyInAnyOrderEntriesOf(
            Map.ofEntries(
                Map.entry("gateway.connections.opened", 2.0),
                Map.entry(
                    "gateway.close{code=1000,initiator=client,name=normal_closure,resumable=true}",
                    1.0),
                Map.entry(
                    "gateway.close{code=1006,initiator=none,name=abnormal_closure,resumable=true}",
                    1.0),
                Map.entry("gateway.frames{from=server,op=hello}", 2.0),
                Map.entry("gateway.frames{from=server,op=dispatch}", 2.0),
                Map.entry("gateway.frames{from=server,op=heartbeat_ack}", 1.0),
                Map.entry("gateway.frames{from=client,op=identify}", 1.0),
                Map.entry("gateway.frames{from=client,op=heartbeat}", 1.0),
                Map.entry("gateway.frames{from=client,op=resume}", 1.0),
                Map.entry("gateway.ready{via=identify}", 1.0),
                Map.entry("gateway.ready{via=resume}", 1.0),
                // two session sockets ended: the drop (resumed) and the last one (left for good)
                Map.entry("gateway.reconnect.started", 2.0),
                Map.entry("gateway.resume{outcome=success}", 1.0),
                Map.entry("gateway.client.ready{client=discord.py,via=identify}", 1.0),
                Map.entry("gateway.client.ready{client=discord.py,via=resume}", 1.0),
                Map.entry("gateway.client.resume{client=discord.py,outcome=success}", 1.0)));
    Timer reconnect = registry.get("gateway.reconnect.duration").tags("via", "resume").timer();
    assertThat(reconnect.count()).isEqualTo(1);
    assertThat(reconnect.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(1_505);
    Timer byClient =
        registry.get("gateway.client.reconnect.duration").tags("client", "discord.py").timer();
    assertThat(byClient.count()).isEqualTo(1);
    assertThat(byClient.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(1_505);
    Timer rtt = registry.get("gateway.heartbeat.rtt").tags("kind", "client").timer();
    assertThat(rtt.count()).isEqualTo(1);
    assertThat(rtt.totalTime(TimeUnit.MILLISECONDS)).isZero(); // the clock stood still meanwhile
    assertThat(registry.get("gateway.connections.active").gauge().value()).isZero();
    assertThat(registry.get("gateway.sessions.active").gauge().value()).isZero();
  }

  /** Every non-zero counter of the tap, as {@code name{tag=value,...}} minus source and gateway. */
  private Map<String, Double> counters() {
    Map<String, Double> out = new TreeMap<>();
    for (Meter m : registry.getMeters()) {
      if (m.getId().getType() != Meter.Type.COUNTER) {
        continue;
      }
      double v = registry.get(m.getId().getName()).tags(m.getId().getTags()).counter().count();
      if (v == 0) {
        continue;
      }
      StringBuilder key = new StringBuilder(m.getId().getName());
      String tags =
          m.getId().getTags().stream()
              .filter(t -> !t.getKey().equals("source") && !t.getKey().equals("gateway"))
              .map(t -> t.getKey() + "=" + t.getValue())
              .sorted()
              .reduce((a, b) -> a + "," + b)
              .orElse("");
      if (!tags.isEmpty()) {
        key.append('{').append(tags).append('}');
      }
      assertThat(m.getId().getTag("source")).isIn("client", null);
      out.put(key.toString(), v);
    }
    return out;
  }
}
