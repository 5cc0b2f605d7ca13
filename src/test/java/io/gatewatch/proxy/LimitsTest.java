package io.gatewatch.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gatewatch.protocol.Initiator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Idle timeout, frame size, connection limit, what is not an upgrade, and shutdown. */
class LimitsTest extends ProxyTestSupport {

  @Test
  void anIdleSocketIsClosedWith1001BothWays() {
    EchoUpstream up = upstream();
    GatewayProxy proxy = proxy(settings(up.uri()).idleTimeout(Duration.ofMillis(400)));
    FrameClient c = client(uri(proxy, "/?idle"));
    EchoUpstream.Conn conn = up.nextConnection();
    long t0 = System.nanoTime();
    // traffic keeps it open past the timeout ...
    for (int i = 0; i < 6; i++) {
      c.send(new TextWebSocketFrame("tick " + i));
      assertThat(c.next()).isEqualTo(TransparencyTest.text(true, "tick " + i));
      await().pollDelay(Duration.ofMillis(150)).until(() -> true);
    }
    assertThat(c.isEnded()).isFalse();
    assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThan(800);
    // ... silence closes it
    WireFrame close = c.next();
    assertThat(close).isEqualTo(TransparencyTest.close(1001, "Idle timeout"));
    c.awaitEnd();
    await().until(conn::isEnded);
    assertThat(conn.received()).last().isEqualTo(TransparencyTest.close(1001, "Idle timeout"));
    await().until(() -> observer.closed.size() == 1);
    assertThat(observer.closed.get(0))
        .extracting(
            RecordingObserver.Closed::code,
            RecordingObserver.Closed::reason,
            RecordingObserver.Closed::by)
        .containsExactly(1001, "Idle timeout", Initiator.SERVER);
  }

  @Test
  void aFrameOverTheLimitFromTheClientClosesBothWith1009() {
    EchoUpstream up = upstream();
    GatewayProxy proxy = proxy(settings(up.uri()).maxFrameBytes(1024));
    FrameClient c = client(uri(proxy, "/?big"));
    EchoUpstream.Conn conn = up.nextConnection();
    c.send(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[1024]))); // at the limit: fine
    assertThat(c.next().bytes()).hasSize(1024);
    c.send(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[1025])));

    WireFrame close = c.next();
    assertThat(close.closeCode()).isEqualTo(1009);
    c.awaitEnd();
    await().until(conn::isEnded);
    assertThat(conn.received())
        .containsExactly(TransparencyTest.binary(true, new byte[1024]), close); // not the big one
    await().until(() -> observer.closed.size() == 1);
    assertThat(observer.closed.get(0).code()).isEqualTo(1009);
    assertThat(observer.closed.get(0).reason()).isEqualTo(close.closeReason());
    assertThat(observer.closed.get(0).by()).isEqualTo(Initiator.SERVER);
  }

  @Test
  void aFrameOverTheLimitFromTheUpstreamClosesBothWith1009() {
    EchoUpstream up = upstream();
    GatewayProxy proxy = proxy(settings(up.uri()).maxFrameBytes(1024));
    FrameClient c = client(uri(proxy, "/?bigdown"));
    EchoUpstream.Conn conn = up.nextConnection();
    c.send(new TextWebSocketFrame("!big 1025"));
    WireFrame close = c.next();
    assertThat(close.closeCode()).isEqualTo(1009);
    assertThat(c.received()).containsExactly(close);
    c.awaitEnd();
    await().until(conn::isEnded);
    assertThat(conn.received()).containsExactly(TransparencyTest.text(true, "!big 1025"), close);
  }

  @Test
  void overTheConnectionLimitTheUpgradeGets503() {
    EchoUpstream up = upstream();
    GatewayProxy proxy = proxy(settings(up.uri()).maxConnections(1));
    FrameClient first = client(uri(proxy, "/?first"));
    try (RawClient second = RawClient.open(proxy.port(), 0)) {
      second.write(RawClient.upgradeRequest("/?second"));
      assertThat(second.readHead().status()).isEqualTo(503);
      assertThat(second.readsToEnd()).isTrue();
    }
    assertThat(proxy.activeConnections()).isEqualTo(1);
    assertThat(proxy.refusedConnections()).isEqualTo(1); // counted: gatewatch_connections_refused
    first.sendClose(1000, "done");
    first.awaitEnd();
    await().until(() -> proxy.activeConnections() == 0);
    try (FrameClient third = FrameClient.connect(uri(proxy, "/?third"))) {
      third.send(new TextWebSocketFrame("in"));
      assertThat(third.next()).isEqualTo(TransparencyTest.text(true, "in"));
    }
    assertThat(up.connectionCount()).isEqualTo(2);
  }

  @Test
  void whatIsNotAnUpgradeGets400AndAnUnknownVersion426() {
    EchoUpstream up = upstream();
    GatewayProxy proxy = proxy(settings(up.uri()));
    try (RawClient c = RawClient.open(proxy.port(), 0)) {
      c.write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(c.readHead().status()).isEqualTo(400);
      assertThat(c.readsToEnd()).isTrue();
    }
    try (RawClient c = RawClient.open(proxy.port(), 0)) {
      c.write(RawClient.upgradeRequest("/").replace("Version: 13", "Version: 8"));
      RawClient.Head head = c.readHead();
      assertThat(head.status()).isEqualTo(426);
      assertThat(head.headers()).containsEntry("sec-websocket-version", "13");
    }
    try (RawClient c = RawClient.open(proxy.port(), 0)) {
      c.write("this is not HTTP\r\n\r\n");
      assertThat(c.readHead().status()).isEqualTo(400);
    }
    assertThat(up.connectionCount()).isZero();
    assertThat(proxy.activeConnections()).isZero();
  }

  @Test
  void closingTheProxyCloses1001BothWaysAndStopsListening() throws Exception {
    EchoUpstream up = upstream();
    GatewayProxy proxy = proxy(settings(up.uri()));
    FrameClient c = client(uri(proxy, "/?bye"));
    EchoUpstream.Conn conn = up.nextConnection();
    int port = proxy.port();

    proxy.close();
    c.awaitEnd();
    await().until(conn::isEnded);
    assertThat(c.received()).containsExactly(TransparencyTest.close(1001, "Going Away"));
    assertThat(conn.received()).containsExactly(TransparencyTest.close(1001, "Going Away"));
    assertThat(observer.closed).hasSize(1);
    assertThat(observer.closed.get(0).code()).isEqualTo(1001);
    assertThat(observer.closed.get(0).by()).isEqualTo(Initiator.SERVER);
    assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
        .isInstanceOf(ConnectException.class);
    proxy.close(); // idempotent
  }
}
