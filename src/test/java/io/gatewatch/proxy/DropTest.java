package io.gatewatch.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatewatch.protocol.Initiator;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A connection that ends without a close frame ends the other side promptly, also without a close
 * frame (so its peer sees 1006 too), after what was already on its way; the observer hears (1006,
 * "", NONE).
 */
class DropTest extends ProxyTestSupport {
  static final Duration PROMPTLY = Duration.ofSeconds(1);

  @Test
  void aClientDropEndsTheUpstreamConnection() {
    EchoUpstream up = upstream();
    GatewayProxy proxy = proxy(settings(up.uri()));
    FrameClient c = client(uri(proxy, "/?drop"));
    EchoUpstream.Conn conn = up.nextConnection();
    c.send(new TextWebSocketFrame("before the drop"));
    assertThat(c.next()).isEqualTo(TransparencyTest.text(true, "before the drop"));

    c.drop();
    long dropped = System.nanoTime();
    await().atMost(PROMPTLY).until(conn::isEnded);
    assertThat((conn.ended.join() - dropped) / 1_000_000).isLessThan(PROMPTLY.toMillis());
    assertThat(conn.received()).containsExactly(TransparencyTest.text(true, "before the drop"));
    await().until(() -> observer.closed.size() == 1);
    assertThat(observer.closed.get(0))
        .extracting(
            RecordingObserver.Closed::code,
            RecordingObserver.Closed::reason,
            RecordingObserver.Closed::by)
        .containsExactly(1006, "", Initiator.NONE);
  }

  @Test
  void aClientResetEndsTheUpstreamConnection() {
    EchoUpstream up = upstream();
    GatewayProxy proxy = proxy(settings(up.uri()));
    FrameClient c = client(uri(proxy, "/?reset"));
    EchoUpstream.Conn conn = up.nextConnection();
    c.channel().config().setOption(ChannelOption.SO_LINGER, 0);
    c.drop(); // RST
    await().atMost(PROMPTLY).until(conn::isEnded);
    assertThat(conn.received()).isEmpty();
    await().until(() -> observer.closed.size() == 1);
    assertThat(observer.closed.get(0).code()).isEqualTo(1006);
    assertThat(observer.closed.get(0).by()).isEqualTo(Initiator.NONE);
  }

  @Test
  void anUpstreamDropEndsTheClientConnection() {
    EchoUpstream up = upstream();
    GatewayProxy proxy = proxy(settings(up.uri()));
    FrameClient c = client(uri(proxy, "/?updrop"));
    EchoUpstream.Conn conn = up.nextConnection();
    c.send(new TextWebSocketFrame("hello"));
    assertThat(c.next()).isEqualTo(TransparencyTest.text(true, "hello"));

    c.send(new TextWebSocketFrame("!drop"));
    long ended = c.awaitEnd();
    assertThat((ended - conn.ended.join()) / 1_000_000).isLessThan(PROMPTLY.toMillis());
    assertThat(c.received()).containsExactly(TransparencyTest.text(true, "hello")); // no close
    await().until(() -> observer.closed.size() == 1);
    assertThat(observer.closed.get(0))
        .extracting(
            RecordingObserver.Closed::code,
            RecordingObserver.Closed::reason,
            RecordingObserver.Closed::by)
        .containsExactly(1006, "", Initiator.NONE);
    await().until(() -> proxy.activeConnections() == 0);
  }

  @Test
  void aClientThatDropsAfterItsCloseFrameIsReportedWithItsCloseFrame() {
    EchoUpstream up = upstream();
    GatewayProxy proxy = proxy(settings(up.uri()));
    FrameClient c = client(uri(proxy, "/?closedrop"));
    EchoUpstream.Conn conn = up.nextConnection();
    c.sendClose(1000, "leaving");
    c.drop();
    await().atMost(PROMPTLY).until(conn::isEnded);
    assertThat(conn.received()).containsExactly(TransparencyTest.close(1000, "leaving"));
    await().until(() -> observer.closed.size() == 1);
    assertThat(observer.closed.get(0))
        .extracting(
            RecordingObserver.Closed::code,
            RecordingObserver.Closed::reason,
            RecordingObserver.Closed::by)
        .containsExactly(1000, "leaving", Initiator.CLIENT);
  }
}
