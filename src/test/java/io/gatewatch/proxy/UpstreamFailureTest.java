package io.gatewatch.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.gatewatch.proxy.RelayObserver.UpstreamError;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * An upstream that is down, silent, resetting or refusing: the client gets a clean close (1014, or
 * 1011 for a refused handshake) quickly, the observer hears why, and the proxy goes on serving.
 */
class UpstreamFailureTest extends ProxyTestSupport {

  /** Connects through the proxy; returns the close frame the client got, and how long it took. */
  private record Outcome(WireFrame close, long millis) {}

  private Outcome attempt(GatewayProxy proxy) {
    long t0 = System.nanoTime();
    try (FrameClient c = FrameClient.connect(uri(proxy, "/?v=1&encoding=json"))) {
      WireFrame close = c.next();
      long ms = (System.nanoTime() - t0) / 1_000_000;
      c.awaitEnd(); // the proxy ends the connection after the closing handshake
      assertThat(c.received()).containsExactly(close);
      return new Outcome(close, ms);
    }
  }

  /** The same proxy relays to the upstream once it works. */
  private void stillServes(GatewayProxy proxy) {
    try (FrameClient c = FrameClient.connect(uri(proxy, "/?again"))) {
      c.send(new TextWebSocketFrame("still serving"));
      assertThat(c.next()).isEqualTo(TransparencyTest.text(true, "still serving"));
    }
  }

  @Test
  void unreachable_1014AtOnce_thenServesWhenTheUpstreamComesUp() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // nothing listens there once closed
    }
    GatewayProxy proxy = proxy(settings(URI.create("ws://127.0.0.1:" + port)));
    Outcome o = attempt(proxy);
    assertThat(o.close()).isEqualTo(TransparencyTest.close(1014, "Bad Gateway"));
    assertThat(o.millis()).isLessThan(2_000);
    await().until(() -> observer.upstreamErrors.size() == 1);
    assertThat(observer.upstreamErrors).containsExactly(UpstreamError.UNREACHABLE);
    assertThat(proxy.upstreamFailures(UpstreamError.UNREACHABLE)).isEqualTo(1);
    assertThat(observer.opened).isEmpty();
    assertThat(observer.closed).isEmpty();

    track(new EchoUpstream().start(port));
    stillServes(proxy);
    assertThat(observer.opened).containsExactly("/?again");
  }

  /** One line per 30 s at most, naming the upstream and the cause in words, not an exception. */
  @Test
  void upstreamFailuresAreLoggedOnceInAnInterval() throws IOException {
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    Logger logger = (Logger) LoggerFactory.getLogger(GatewayProxy.class);
    logger.addAppender(logs);
    try {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      GatewayProxy proxy = proxy(settings(URI.create("ws://127.0.0.1:" + port)));
      attempt(proxy);
      attempt(proxy);
      await().until(() -> observer.upstreamErrors.size() == 2);

      List<String> warnings =
          logs.list.stream()
              .filter(e -> e.getLevel() == Level.WARN)
              .map(ILoggingEvent::getFormattedMessage)
              .toList();
      assertThat(warnings).hasSize(1);
      assertThat(warnings.get(0))
          .startsWith("upstream ws://127.0.0.1:" + port + " failed: unreachable (")
          .doesNotContain("Exception");
    } finally {
      logger.detachAppender(logs);
    }
  }

  @Test
  void silent_1014AfterTheConnectTimeout() {
    EchoUpstream up = upstream();
    up.mode(EchoUpstream.Mode.SILENT);
    GatewayProxy proxy = proxy(settings(up.uri()).connectTimeout(Duration.ofMillis(400)));
    Outcome o = attempt(proxy);
    assertThat(o.close()).isEqualTo(TransparencyTest.close(1014, "Bad Gateway"));
    assertThat(o.millis()).isBetween(350L, 3_000L);
    await().until(() -> observer.upstreamErrors.size() == 1);
    assertThat(observer.upstreamErrors).containsExactly(UpstreamError.TIMEOUT);
    EchoUpstream.Conn silent = up.nextConnection();
    await().atMost(Duration.ofSeconds(2)).until(silent::isEnded); // the proxy gave up on it

    up.mode(EchoUpstream.Mode.ECHO);
    stillServes(proxy);
  }

  @Test
  void resetting_1014AsReset() {
    EchoUpstream up = upstream();
    up.mode(EchoUpstream.Mode.RESET);
    GatewayProxy proxy = proxy(settings(up.uri()));
    Outcome o = attempt(proxy);
    assertThat(o.close()).isEqualTo(TransparencyTest.close(1014, "Bad Gateway"));
    assertThat(o.millis()).isLessThan(2_000);
    await().until(() -> observer.upstreamErrors.size() == 1);
    assertThat(observer.upstreamErrors).containsExactly(UpstreamError.RESET);

    up.mode(EchoUpstream.Mode.ECHO);
    stillServes(proxy);
  }

  @Test
  void refusedHandshake_1011AsHandshake() {
    EchoUpstream up = upstream();
    up.mode(EchoUpstream.Mode.FORBIDDEN);
    GatewayProxy proxy = proxy(settings(up.uri()));
    Outcome o = attempt(proxy);
    assertThat(o.close()).isEqualTo(TransparencyTest.close(1011, "Upstream handshake failed"));
    assertThat(o.millis()).isLessThan(2_000);
    await().until(() -> observer.upstreamErrors.size() == 1);
    assertThat(observer.upstreamErrors).containsExactly(UpstreamError.HANDSHAKE);

    up.mode(EchoUpstream.Mode.ECHO);
    stillServes(proxy);
    assertThat(proxy.activeConnections()).isLessThanOrEqualTo(1);
  }

  @Test
  void aClientOfferingSubprotocolsStillCompletesItsHandshakeAndGetsTheClose() {
    GatewayProxy proxy = proxy(settings(URI.create("ws://127.0.0.1:1")));
    try (FrameClient c =
        FrameClient.connect(uri(proxy, "/"), new DefaultHttpHeaders(), "chat, superchat", null)) {
      assertThat(c.responseHeaders().get("Sec-WebSocket-Protocol")).isEqualTo("chat");
      assertThat(c.next()).isEqualTo(TransparencyTest.close(1014, "Bad Gateway"));
    }
  }

  @Test
  void unknownHost_1014AsUnreachable() {
    GatewayProxy proxy = proxy(settings(URI.create("ws://no-such-host.invalid:9")));
    Outcome o = attempt(proxy);
    assertThat(o.close()).isEqualTo(TransparencyTest.close(1014, "Bad Gateway"));
    await().until(() -> observer.upstreamErrors.size() == 1);
    assertThat(observer.upstreamErrors).containsExactly(UpstreamError.UNREACHABLE);
  }

  @Test
  void flapping_eachDownSpellIs1014AndEachUpSpellRelays() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    GatewayProxy proxy = proxy(settings(URI.create("ws://127.0.0.1:" + port)));
    FrameClient bystander = null;
    for (int round = 0; round < 3; round++) {
      Outcome down = attempt(proxy); // down
      assertThat(down.close()).isEqualTo(TransparencyTest.close(1014, "Bad Gateway"));
      EchoUpstream up = new EchoUpstream().start(port); // up
      try {
        stillServes(proxy);
        bystander = FrameClient.connect(uri(proxy, "/?during-" + round));
        bystander.send(new TextWebSocketFrame("up " + round));
        assertThat(bystander.next()).isEqualTo(TransparencyTest.text(true, "up " + round));
      } finally {
        up.close(); // and down again, with a client on it
      }
      bystander.awaitEnd(); // the client of a vanished upstream is not left hanging
      bystander.close();
    }
    await().until(() -> observer.upstreamErrors.size() == 3);
    assertThat(observer.upstreamErrors).containsOnly(UpstreamError.UNREACHABLE);
    await().until(() -> proxy.activeConnections() == 0);
  }
}
