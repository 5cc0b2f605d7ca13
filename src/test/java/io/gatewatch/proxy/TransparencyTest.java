package io.gatewatch.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The same scripted traffic, sent straight to an upstream and through the proxy, must give the same
 * transcripts on both ends, frame for frame and byte for byte: what the client received and what
 * the upstream received, fragmentation, pings and pongs, and the close code and reason included.
 */
class TransparencyTest extends ProxyTestSupport {
  static final String PATH = "/gateway/?v=1&encoding=json&compress=zstd-stream&q=%2Fa%20b";

  /** Every kind of frame, then a close with a code and a reason, from the client. */
  static final List<WireFrame> CLIENT_CLOSES =
      List.of(
          text(true, "hello, gateway \u00e9\u20ac\u2603"),
          binary(true, allBytes()),
          text(false, "frag-1 "),
          continuation(false, "frag-2 "),
          continuation(true, "frag-3"),
          binary(false, new byte[] {1, 2, 3}),
          new WireFrame("continuation", true, 0, "ff00fe"),
          ping("ping-payload"),
          text(true, ""),
          text(true, "{\"op\":1,\"d\":41}".repeat(300)), // 16-bit length
          binary(true, new byte[70_000]), // 64-bit length
          close(4321, "client done \u2713"));

  /** A little traffic, then the upstream starts the closing handshake. */
  static final List<WireFrame> SERVER_CLOSES =
      List.of(text(true, "hi"), ping(""), text(true, "!close 4000 drain \u2603 requested"));

  @Test
  void clientInitiatedTrafficIsIdenticalDirectAndThroughTheProxy() {
    EchoUpstream up = upstream();
    Transcript direct = run(uri(up, PATH), up, CLIENT_CLOSES);
    GatewayProxy proxy = proxy(settings(up.uri()));
    Transcript relayed = run(uri(proxy, PATH), up, CLIENT_CLOSES);

    assertThat(relayed.upstreamReceived()).containsExactlyElementsOf(direct.upstreamReceived());
    assertThat(relayed.clientReceived()).containsExactlyElementsOf(direct.clientReceived());
    assertThat(relayed.uri()).isEqualTo(direct.uri()).isEqualTo(PATH);
    // and both are what the script says: the upstream got every frame as sent ...
    assertThat(direct.upstreamReceived()).containsExactlyElementsOf(CLIENT_CLOSES);
    // ... and the client got every frame echoed, its ping answered with a pong
    assertThat(direct.clientReceived()).containsExactlyElementsOf(echoed(CLIENT_CLOSES));

    await().until(() -> observer.closed.size() == 1);
    assertThat(observer.opened).containsExactly(PATH);
    assertThat(observer.closed.get(0).code()).isEqualTo(4321);
    assertThat(observer.closed.get(0).reason()).isEqualTo("client done \u2713");
    assertThat(observer.closed.get(0).by()).isEqualTo(Initiator.CLIENT);
    assertThat(observed(Direction.CLIENT)).containsExactlyElementsOf(dataFrames(CLIENT_CLOSES));
    assertThat(observed(Direction.SERVER)).containsExactlyElementsOf(dataFrames(CLIENT_CLOSES));
    assertThat(textFlags(Direction.CLIENT))
        .containsExactly(true, false, true, true, true, false, false, true, true, false);
    Set<String> threads = new HashSet<>();
    observer.frames.forEach(f -> threads.add(f.thread()));
    observer.closed.forEach(c -> threads.add(c.thread()));
    assertThat(threads).as("one socket, one thread").hasSize(1);
    assertThat(threads.iterator().next()).startsWith("gatewatch-proxy");
    assertThat(observer.log.get(0)).isEqualTo("opened " + PATH);
    assertThat(observer.log.get(observer.log.size() - 1)).isEqualTo("closed 4321");
    assertThat(observer.failures).isEmpty();
  }

  @Test
  void serverInitiatedCloseIsIdenticalDirectAndThroughTheProxy() {
    EchoUpstream up = upstream();
    Transcript direct = run(uri(up, "/?v=1"), up, SERVER_CLOSES);
    GatewayProxy proxy = proxy(settings(up.uri()));
    Transcript relayed = run(uri(proxy, "/?v=1"), up, SERVER_CLOSES);

    WireFrame serverClose = close(4000, "drain \u2603 requested");
    assertThat(direct.clientReceived()).containsExactly(text(true, "hi"), pong(""), serverClose);
    assertThat(direct.upstreamReceived())
        .containsExactly(text(true, "hi"), ping(""), SERVER_CLOSES.get(2), serverClose);
    assertThat(relayed.clientReceived()).containsExactlyElementsOf(direct.clientReceived());
    assertThat(relayed.upstreamReceived()).containsExactlyElementsOf(direct.upstreamReceived());

    await().until(() -> observer.closed.size() == 1);
    assertThat(observer.closed.get(0).code()).isEqualTo(4000);
    assertThat(observer.closed.get(0).reason()).isEqualTo("drain \u2603 requested");
    assertThat(observer.closed.get(0).by()).isEqualTo(Initiator.SERVER);
  }

  /** What one side received, the upstream's request target. */
  record Transcript(List<WireFrame> clientReceived, List<WireFrame> upstreamReceived, String uri) {}

  /** Runs a script: sends every frame, then waits until both TCP connections ended. */
  static Transcript run(URI uri, EchoUpstream up, List<WireFrame> script) {
    return run(() -> FrameClient.connect(uri), up, script);
  }

  /** Runs a script on a client from {@code connect}. */
  static Transcript run(Supplier<FrameClient> connect, EchoUpstream up, List<WireFrame> script) {
    try (FrameClient c = connect.get()) {
      EchoUpstream.Conn conn = up.nextConnection();
      for (WireFrame f : script) {
        c.send(netty(f));
      }
      c.awaitEnd();
      await().until(conn::isEnded);
      return new Transcript(c.received(), conn.received(), conn.uri);
    }
  }

  static List<WireFrame> echoed(List<WireFrame> script) {
    List<WireFrame> out = new ArrayList<>();
    for (WireFrame f : script) {
      out.add(f.type().equals("ping") ? new WireFrame("pong", f.fin(), 0, f.hex()) : f);
    }
    return out;
  }

  static List<WireFrame> dataFrames(List<WireFrame> script) {
    return script.stream()
        .filter(f -> Set.of("text", "binary", "continuation").contains(f.type()))
        .map(f -> new WireFrame("data", f.fin(), 0, f.hex()))
        .toList();
  }

  List<WireFrame> observed(Direction from) {
    return observer.frames(from).stream()
        .map(f -> new WireFrame("data", f.fin(), 0, f.hex()))
        .toList();
  }

  List<Boolean> textFlags(Direction from) {
    return observer.frames(from).stream().map(RecordingObserver.Frame::text).toList();
  }

  static WebSocketFrame netty(WireFrame f) {
    var payload = Unpooled.wrappedBuffer(f.bytes());
    return switch (f.type()) {
      case "text" -> new TextWebSocketFrame(f.fin(), 0, payload);
      case "binary" -> new BinaryWebSocketFrame(f.fin(), 0, payload);
      case "continuation" -> new ContinuationWebSocketFrame(f.fin(), 0, payload);
      case "ping" -> new PingWebSocketFrame(payload);
      case "pong" -> new PongWebSocketFrame(payload);
      case "close" -> new CloseWebSocketFrame(true, 0, payload);
      default -> throw new IllegalArgumentException(f.type());
    };
  }

  static WireFrame text(boolean fin, String s) {
    return new WireFrame("text", fin, 0, hex(s.getBytes(StandardCharsets.UTF_8)));
  }

  static WireFrame continuation(boolean fin, String s) {
    return new WireFrame("continuation", fin, 0, hex(s.getBytes(StandardCharsets.UTF_8)));
  }

  static WireFrame binary(boolean fin, byte[] b) {
    return new WireFrame("binary", fin, 0, hex(b));
  }

  static WireFrame ping(String s) {
    return new WireFrame("ping", true, 0, hex(s.getBytes(StandardCharsets.UTF_8)));
  }

  static WireFrame pong(String s) {
    return new WireFrame("pong", true, 0, hex(s.getBytes(StandardCharsets.UTF_8)));
  }

  static WireFrame close(int code, String reason) {
    byte[] r = reason.getBytes(StandardCharsets.UTF_8);
    byte[] b = new byte[2 + r.length];
    b[0] = (byte) (code >> 8);
    b[1] = (byte) code;
    System.arraycopy(r, 0, b, 2, r.length);
    return new WireFrame("close", true, 0, hex(b));
  }

  static byte[] allBytes() {
    byte[] b = new byte[512];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (i * 7 + 3);
    }
    return b;
  }

  static String hex(byte[] b) {
    return ByteBufUtil.hexDump(b);
  }
}
