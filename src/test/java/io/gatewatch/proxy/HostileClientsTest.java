package io.gatewatch.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.server.MetricsExposition;
import io.gatewatch.track.EventClock;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Hostile clients through a real proxy and its tap: garbage, invalid UTF-8, oversize frames,
 * thousands of distinct opcodes, event names and close codes. The proxy stays up, a well-behaved
 * client on the same proxy is served throughout, and the number of exported series afterwards is an
 * exact, input-independent number: label values come from the profile or {@code other}.
 */
class HostileClientsTest extends ProxyTestSupport {
  static final int MAX_FRAME = 64 * 1024;
  static final int OPCODES = 3_000;
  static final int EVENTS = 3_000;
  static final int CLIENT_NAMES = 500;
  static final int CLOSE_CODES = 2_000;

  /**
   * Every gateway_* and gatewatch_* sample /metrics exports afterwards, by family: what the tap
   * registers up front (every registry opcode both ways, the histograms' buckets, one series per
   * outcome, rule and reason) plus the close codes seen, as (code label, initiator): the profile's
   * codes 4000-4013 that the hostile sockets used (13, client), {@code other} (client: every other
   * code), 1002 (server: invalid close codes and framing garbage), 1009 (server: oversize) and 1006
   * (none: the drop). A million more distinct values would leave every number as it is.
   */
  static final Map<String, Integer> EXPECTED_SERIES =
      new TreeMap<>(
          Map.ofEntries(
              Map.entry("gatewatch_build_info", 1),
              Map.entry("gatewatch_connections_refused_total", 1),
              Map.entry("gatewatch_decode_errors_total", 1),
              Map.entry("gatewatch_evictions_total", 2),
              Map.entry("gatewatch_frames_unobserved_total", 1),
              Map.entry("gatewatch_observer_errors_total", 1),
              Map.entry("gatewatch_tracked_connections", 1),
              Map.entry("gatewatch_upstream_errors_total", 5),
              // every value of the profile's client table, whatever the clients said
              Map.entry("gateway_client_ready_total", 11 * 2),
              Map.entry("gateway_client_reconnect_duration_seconds_bucket", 11 * 14),
              Map.entry("gateway_client_reconnect_duration_seconds_count", 11),
              Map.entry("gateway_client_reconnect_duration_seconds_sum", 11),
              Map.entry("gateway_client_resume_total", 11 * 6),
              Map.entry("gateway_client_violations_total", 11 * 7),
              Map.entry("gateway_close_total", 13 + 4),
              Map.entry("gateway_connections_active", 1),
              Map.entry("gateway_connections_opened_total", 1),
              Map.entry("gateway_frame_size_bytes_bucket", 28),
              Map.entry("gateway_frame_size_bytes_count", 2),
              Map.entry("gateway_frame_size_bytes_sum", 2),
              Map.entry("gateway_frames_total", 32),
              Map.entry("gateway_heartbeat_missed_total", 1),
              Map.entry("gateway_heartbeat_rtt_seconds_bucket", 30),
              Map.entry("gateway_heartbeat_rtt_seconds_count", 2),
              Map.entry("gateway_heartbeat_rtt_seconds_sum", 2),
              Map.entry("gateway_invalid_session_total", 1),
              Map.entry("gateway_policy_violations_total", 7),
              Map.entry("gateway_ready_total", 2),
              Map.entry("gateway_reconnect_duration_seconds_bucket", 28),
              Map.entry("gateway_reconnect_duration_seconds_count", 2),
              Map.entry("gateway_reconnect_duration_seconds_sum", 2),
              Map.entry("gateway_reconnect_requests_total", 1),
              Map.entry("gateway_reconnect_started_total", 1),
              Map.entry("gateway_resume_total", 6),
              Map.entry("gateway_sessions_active", 1)));

  private static ByteBuf raw(byte[] b) {
    return Unpooled.wrappedBuffer(b);
  }

  /** A close frame with any code at all (Netty's own constructor refuses invalid ones). */
  private static CloseWebSocketFrame closeFrame(int code) {
    ByteBuf b = Unpooled.buffer(4);
    b.writeShort(code);
    b.writeBytes("bye".getBytes(StandardCharsets.US_ASCII));
    return new CloseWebSocketFrame(true, 0, b);
  }

  static Map<String, Integer> seriesByFamily(String exposition) {
    Map<String, Integer> out = new TreeMap<>();
    for (String line : exposition.split("\n")) {
      if (line.startsWith("gateway_") || line.startsWith("gatewatch_")) {
        String name = line.substring(0, line.indexOf(line.contains("{") ? '{' : ' '));
        out.merge(name, 1, Integer::sum);
      }
    }
    return out;
  }

  @Test
  void hostileClientsCannotTakeTheProxyDownOrGrowTheSeries() throws Exception {
    EchoUpstream up = upstream();
    Watches watches = new Watches(new TokenFingerprinter(new byte[] {7}));
    WatchedProxy watched =
        track(
            WatchedProxy.start(
                watches,
                ProfileLoader.load("fluxer-seed"),
                TrackerSettings.DEFAULTS,
                "hostile",
                settings(up.uri()).maxFrameBytes(MAX_FRAME).build(),
                null,
                true,
                EventClock.system(),
                Signals.NONE));
    GatewayProxy proxy = watched.proxy();
    FrameClient bystander = client(uri(proxy, "/?v=1&encoding=json&bystander"));
    int[] said = {0};
    Runnable stillServed =
        () -> {
          String text = "{\"op\":1,\"d\":" + said[0]++ + "}";
          bystander.send(new TextWebSocketFrame(text));
          assertThat(bystander.next()).isEqualTo(TransparencyTest.text(true, text));
        };
    stillServed.run();

    Random rnd = new Random(11);
    // one socket: thousands of opcodes and event names, garbage, invalid UTF-8, all echoed back
    FrameClient hostile = client(uri(proxy, "/?v=1&encoding=json"));
    int sent = 0;
    for (int i = 0; i < OPCODES; i++) {
      hostile.send(new TextWebSocketFrame("{\"op\":" + (1000 + i) + ",\"d\":null}"));
      sent++;
    }
    for (int i = 0; i < EVENTS; i++) {
      hostile.send(
          new TextWebSocketFrame(
              "{\"op\":0,\"s\":" + i + ",\"t\":\"EVENT_" + i + "_" + rnd.nextInt() + "\"}"));
      sent++;
    }
    for (int i = 0; i < CLIENT_NAMES; i++) { // each Identify names a library nobody knows
      hostile.send(
          new TextWebSocketFrame(
              "{\"op\":2,\"d\":{\"token\":\"t\",\"properties\":{\"browser\":\"hostile-lib-"
                  + i
                  + "\",\"device\":\"d"
                  + rnd.nextInt()
                  + "\",\"os\":\"os"
                  + i
                  + "\"}}}"));
      sent++;
    }
    for (int i = 0; i < 500; i++) {
      byte[] garbage = new byte[1 + rnd.nextInt(2048)];
      rnd.nextBytes(garbage);
      hostile.send(
          i % 2 == 0
              ? new BinaryWebSocketFrame(raw(garbage))
              : new TextWebSocketFrame(raw(garbage))); // invalid UTF-8, relayed as is
      sent++;
    }
    for (int i = 0; i < sent; i++) {
      hostile.next(); // every one came back
    }
    stillServed.run();

    // thousands of sockets, each closing with its own code (invalid ones too), eight at a time
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < CLOSE_CODES; i++) {
        int code =
            i < 10
                ? new int[] {0, 1, 999, 1004, 1005, 1006, 1015, 5000, 40000, 65535}[i]
                : 3000 + i;
        done.add(
            pool.submit(
                () -> {
                  try (FrameClient c = FrameClient.connect(uri(proxy, "/?v=1&encoding=json"))) {
                    c.send(closeFrame(code));
                    c.awaitEnd();
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    stillServed.run();

    // oversize frames both ways, framing garbage, and a drop
    for (int i = 0; i < 3; i++) {
      try (FrameClient big = FrameClient.connect(uri(proxy, "/?v=1&encoding=json"))) {
        big.send(new BinaryWebSocketFrame(raw(new byte[MAX_FRAME + 1 + i])));
        assertThat(big.next().closeCode()).isEqualTo(1009);
        big.awaitEnd();
      }
    }
    try (RawClient junk = RawClient.open(proxy.port(), 0)) {
      junk.write(RawClient.upgradeRequest("/?v=1&encoding=json"));
      assertThat(junk.readHead().status()).isEqualTo(101);
      junk.write(new byte[] {(byte) 0x8F, 0x05, 1, 2, 3, 4, 5}); // reserved opcode, unmasked
      assertThat(junk.readsToEnd()).isTrue();
    }
    try (RawClient notHttp = RawClient.open(proxy.port(), 0)) {
      byte[] noise = new byte[4096];
      rnd.nextBytes(noise);
      notHttp.write(noise);
      assertThat(notHttp.readsToEnd()).isTrue();
    }
    hostile.drop();
    await().atMost(Duration.ofSeconds(20)).until(() -> proxy.activeConnections() == 1);
    stillServed.run();

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    MetricsExposition exposition = new MetricsExposition(watches.registry());
    exposition.write(out, exposition.writerFor(null));
    String text = out.toString(StandardCharsets.UTF_8);
    Map<String, Integer> series = seriesByFamily(text);
    assertThat(series).isEqualTo(EXPECTED_SERIES);
    assertThat(series.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(182 + 341);
    assertThat(text).doesNotContain("hostile-lib");
    // everything unclassifiable was counted, and observation never failed
    assertThat(text)
        .contains(
            "gateway_frames_total{from=\"client\",gateway=\"hostile\",op=\"other\",source=\"proxy\"}"
                + " 3500.0",
            "gateway_frames_total{from=\"server\",gateway=\"hostile\",op=\"other\",source=\"proxy\"}"
                + " 3500.0",
            "gatewatch_decode_errors_total{source=\"proxy\"} 1000.0",
            "gatewatch_observer_errors_total{source=\"proxy\"} 0.0");
    double closes =
        text.lines()
            .filter(l -> l.startsWith("gateway_close_total{"))
            .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
            .sum();
    assertThat(closes).isEqualTo(CLOSE_CODES + 3 + 1 + 1); // + oversize, framing garbage, drop
    assertThat(text).doesNotContain("EVENT_").doesNotContain("\"1000\"").doesNotContain("3999");
  }
}
