package io.gatewatch.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A client that never reads while its upstream floods: the proxy stops reading that upstream, holds
 * a bounded number of bytes for the client, and serves other sockets on the same thread as before.
 */
class BackpressureTest extends ProxyTestSupport {
  /** High-water mark plus one read (64 KiB) plus slack for frame headers. */
  static final long BOUND = 64 * 1024 + 64 * 1024 + 16 * 1024;

  private static Optional<Relay.Stats> stats(GatewayProxy proxy, String target) {
    return proxy.relayStats().stream().filter(s -> s.target().equals(target)).findFirst();
  }

  @Test
  void aClientThatNeverReadsStopsItsUpstreamBeingReadAndCostsABoundedBuffer() {
    EchoUpstream up = upstream();
    // one I/O thread: the other socket shares it with the stalled one
    GatewayProxy proxy = proxy(settings(up.uri()).eventLoopThreads(1));
    RawClient deaf = track(RawClient.open(proxy.port(), 4096));
    deaf.write(RawClient.upgradeRequest("/?deaf"));
    assertThat(deaf.readHead().status()).isEqualTo(101);
    EchoUpstream.Conn flooding = up.nextConnection();
    deaf.sendText("!flood"); // and never read again

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                stats(proxy, "/?deaf")
                    .map(s -> !s.clientWritable() && !s.upstreamReading())
                    .orElse(false));
    // it stays that way, bounded, while the upstream would go on sending
    await()
        .during(Duration.ofMillis(600))
        .atMost(Duration.ofSeconds(3))
        .until(
            () -> {
              Relay.Stats s = stats(proxy, "/?deaf").orElseThrow();
              return !s.upstreamReading() && s.clientPendingBytes() <= BOUND;
            });
    Relay.Stats s = stats(proxy, "/?deaf").orElseThrow();
    assertThat(s.clientWritable()).isFalse(); // still over the low-water mark
    assertThat(s.clientPendingBytes()).isGreaterThan(32 * 1024).isLessThanOrEqualTo(BOUND);
    assertThat(s.upstreamPendingBytes()).isZero();
    assertThat(s.clientReading()).isTrue(); // the client side is still read (its close, say)

    // the upstream is stalled too: what it managed to send stops growing
    long sent = flooding.floodedBytes.get();
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(3))
        .until(() -> flooding.floodedBytes.get() == sent);
    assertThat(flooding.flooding).isTrue();

    // another client on the same proxy (and thread) is served as usual
    try (FrameClient other = FrameClient.connect(uri(proxy, "/?other"))) {
      for (int i = 0; i < 20; i++) {
        other.send(new TextWebSocketFrame("still here " + i));
        assertThat(other.next()).isEqualTo(TransparencyTest.text(true, "still here " + i));
      }
    }

    // the deaf client leaves: everything is released
    deaf.close();
    await().atMost(Duration.ofSeconds(5)).until(flooding::isEnded);
    await().until(() -> proxy.activeConnections() == 0);
    assertThat(proxy.relayStats()).isEmpty();
  }

  @Test
  void anUpstreamThatNeverReadsStopsTheClientBeingRead() {
    EchoUpstream up = track(new EchoUpstream().smallReceiveBuffer().start());
    GatewayProxy proxy = proxy(settings(up.uri()).eventLoopThreads(1));
    try (FrameClient c = FrameClient.connect(uri(proxy, "/?pushy"))) {
      EchoUpstream.Conn conn = up.nextConnection();
      conn.channel.config().setAutoRead(false); // the upstream stops reading
      byte[] chunk = new byte[16 * 1024];
      // the client writes whenever it can, until the proxy stops reading it
      await()
          .pollInterval(Duration.ofMillis(2))
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                while (c.channel().isWritable()) {
                  c.channel()
                      .writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(chunk)));
                }
                return stats(proxy, "/?pushy")
                    .map(s -> !s.upstreamWritable() && !s.clientReading())
                    .orElse(false);
              });
      Relay.Stats s = stats(proxy, "/?pushy").orElseThrow();
      assertThat(s.upstreamPendingBytes()).isLessThanOrEqualTo(BOUND);

      conn.channel.config().setAutoRead(true); // reading again: the client is read again
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> stats(proxy, "/?pushy").map(Relay.Stats::clientReading).orElse(false));
    }
  }
}
