package io.gatewatch.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Peers that take the proxy's resources without using them: slowloris (an upgrade request trickled
 * a byte at a time, never finished), an oversize request head, and many relayed sockets at once.
 * The first two are closed before they reach the upstream; none of them costs the proxy a thread; a
 * well-behaved client is served throughout. (A client that never reads: {@link BackpressureTest}.)
 */
class SlowPeersTest extends ProxyTestSupport {

  @Test
  void slowlorisRequestsAreClosedAtTheTimeoutAndNeverReachTheUpstream() {
    EchoUpstream up = upstream();
    GatewayProxy proxy = proxy(settings(up.uri()).idleTimeout(Duration.ofMillis(800)));
    byte[] request =
        RawClient.upgradeRequest("/?v=1&encoding=json").getBytes(StandardCharsets.ISO_8859_1);
    List<RawClient> loris = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      loris.add(track(RawClient.open(proxy.port(), 0)));
    }
    long t0 = System.nanoTime();
    // a byte each every 50 ms: never a whole request within the timeout
    int sent = 0;
    while (System.nanoTime() - t0 < 1_500_000_000L && sent < request.length - 1) {
      for (RawClient c : loris) {
        try {
          c.write(new byte[] {request[sent]});
        } catch (RuntimeException closed) {
          // the proxy has closed it: what this test waits for
        }
      }
      sent++;
      await().pollDelay(Duration.ofMillis(50)).until(() -> true);
      try (FrameClient ok = FrameClient.connect(uri(proxy, "/?ok"))) {
        ok.send(new TextWebSocketFrame("served " + sent));
        assertThat(ok.next()).isEqualTo(TransparencyTest.text(true, "served " + sent));
      }
    }
    for (RawClient c : loris) {
      assertThat(c.readsToEnd()).isTrue(); // closed by the proxy, without an answer
    }
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
    assertThat(up.connectionCount()).isEqualTo(sent); // only the well-behaved clients
    await().until(() -> proxy.activeConnections() == 0);
  }

  @Test
  void anOversizeRequestHeadIsRefused() {
    EchoUpstream up = upstream();
    GatewayProxy proxy = proxy(settings(up.uri()));
    try (RawClient c = RawClient.open(proxy.port(), 0)) {
      c.write(RawClient.upgradeRequest("/", "X-Junk: " + "a".repeat(64 * 1024)));
      int status = c.readHead().status();
      assertThat(status).isBetween(400, 499);
      assertThat(c.readsToEnd()).isTrue();
    }
    assertThat(up.connectionCount()).isZero();
    assertThat(proxy.activeConnections()).isZero();
  }

  @Test
  void aThousandRelayedSocketsCostNoThreads() {
    EchoUpstream up = upstream();
    GatewayProxy proxy = proxy(settings(up.uri()).maxConnections(1_000));
    int threadsBefore = Thread.activeCount();
    List<FrameClient> clients = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      clients.add(track(FrameClient.connect(uri(proxy, "/?c=" + i))));
    }
    await().until(() -> proxy.activeConnections() == 1_000);
    for (int i = 0; i < clients.size(); i += 37) {
      clients.get(i).send(new TextWebSocketFrame("hi " + i));
      assertThat(clients.get(i).next()).isEqualTo(TransparencyTest.text(true, "hi " + i));
    }
    // the proxy's threads are its fixed event loops: a thousand sockets added none; the clients'
    // and the echo upstream's are the test's own and fixed too
    assertThat(Thread.activeCount()).isLessThanOrEqualTo(threadsBefore + 8);
    // at the limit, the next upgrade is refused and counted
    try (RawClient extra = RawClient.open(proxy.port(), 0)) {
      extra.write(RawClient.upgradeRequest("/?extra"));
      assertThat(extra.readHead().status()).isEqualTo(503);
    }
    assertThat(proxy.refusedConnections()).isEqualTo(1);
    clients.forEach(FrameClient::drop);
    await().atMost(Duration.ofSeconds(20)).until(() -> proxy.activeConnections() == 0);
    assertThat(proxy.relayStats()).isEmpty();
  }
}
