package io.gatewatch.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gatewatch.metrics.DrainMetrics.Notice;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * A drain through the real relay: what each client and the upstream receive, in which stream, and
 * what the observer sees (the proxy is the server its clients see).
 */
class DrainTest extends ProxyTestSupport {
  static final ReconnectNotice SEED = new ReconnectNotice(ProfileLoader.defaultProfile());
  static final String REASON = "Session drain requested; reconnect to continue";
  static final String OP7 = "{\"op\":7,\"d\":null}";

  final List<Notice> asked = new CopyOnWriteArrayList<>();

  static String hex(String s) {
    return ByteBufUtil.hexDump(s.getBytes(StandardCharsets.UTF_8));
  }

  /** A close frame's payload: the code in two bytes, then the reason. */
  static WireFrame close(int code, String reason) {
    return new WireFrame("close", true, 0, String.format("%04x", code) + hex(reason));
  }

  @Test
  void op7GoesIntoEachStreamThatCanTakeItThenTheResumableCloseBothWays() throws Exception {
    GatewaySimulator sim =
        track(
            new GatewaySimulator(
                    SimulatorSettings.builder().listen("127.0.0.1:0").dispatchRate(0).build())
                .start());
    GatewayProxy proxy = proxy(settings(URI.create("ws://127.0.0.1:" + sim.port())));
    FrameClient plain = client(uri(proxy, "/?v=1&encoding=json"));
    FrameClient perMessage = client(uri(proxy, "/?v=1&encoding=json&compress=zstd-stream"));
    FrameClient stream = client(uri(proxy, "/?v=1&encoding=json&compress=zstd-stream&stream=1"));
    assertThat(plain.next().type()).isEqualTo("text"); // Hello
    assertThat(perMessage.next().type()).isEqualTo("binary");
    assertThat(stream.next().type()).isEqualTo("binary");

    GatewayProxy.Draining d =
        proxy.drain(Duration.ofMillis(600), SEED, new SplittableRandom(3), asked::add);
    assertThat(d.sockets()).isEqualTo(3);
    assertThatThrownBy(() -> new Socket("127.0.0.1", proxy.port()).close())
        .as("the listener stopped accepting at once")
        .isInstanceOf(ConnectException.class);
    d.done().get(10, TimeUnit.SECONDS);

    assertThat(plain.next()).isEqualTo(new WireFrame("text", true, 0, hex(OP7)));
    assertThat(plain.next()).isEqualTo(close(4000, REASON));
    // nothing made by the proxy can go into a compressed stream whose compressor state is the
    // upstream's (nor can the proxy tell the per-message zstd variant from Discord's stream)
    assertThat(perMessage.next()).isEqualTo(close(4000, REASON));
    assertThat(stream.next()).isEqualTo(close(4000, REASON));
    for (FrameClient c : List.of(plain, perMessage, stream)) {
      c.awaitEnd();
    }

    assertThat(asked)
        .containsExactlyInAnyOrder(Notice.RECONNECT_OP, Notice.CLOSE_ONLY, Notice.CLOSE_ONLY);
    assertThat(proxy.drainRemaining()).isZero();
    await().until(() -> observer.closed.size() == 3);
    assertThat(observer.closed)
        .allSatisfy(
            c -> {
              assertThat(c.code()).isEqualTo(4000);
              assertThat(c.reason()).isEqualTo(REASON);
              assertThat(c.by()).isEqualTo(Initiator.SERVER);
            });
    // the observer saw op 7 as the server's last frame on the socket that got it
    assertThat(lastServerFrame("/?v=1&encoding=json").hex()).isEqualTo(hex(OP7));
  }

  @Test
  void anEtfSocketGetsOp7AsAnErlangTermUnlessTheProfileHasPayloadCompression(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path file = dir.resolve("etf.yaml");
    java.nio.file.Files.writeString(
        file,
        """
        profile: etf-gateway
        transport: {encodings: [json, etf]}
        opcodes: [{code: 7, name: Reconnect, sent_by: server}]
        close_codes: [{code: 4000, name: Unknown Error, resumable: true}]
        drain: {reconnect_op: 7, close_code: 4000}
        """);
    EchoUpstream up = upstream();
    GatewayProxy proxy = proxy(settings(up.uri()));
    FrameClient etf = client(uri(proxy, "/?v=10&encoding=etf"));
    await().until(() -> observer.opened.size() == 1);

    proxy.drain(
        Duration.ofMillis(100),
        new ReconnectNotice(ProfileLoader.load(file)),
        new SplittableRandom(1),
        asked::add);

    WireFrame op7 = etf.next();
    assertThat(op7.type()).isEqualTo("binary");
    assertThat(io.gatewatch.sim.Etf.decode(ByteBufUtil.decodeHexDump(op7.hex())))
        .isEqualTo(java.util.Map.of("d", io.gatewatch.sim.Json.NULL, "op", 7L));
    assertThat(etf.next()).isEqualTo(close(4000, "Unknown Error"));
    await().untilAsserted(() -> assertThat(asked).containsExactly(Notice.RECONNECT_OP));

    // Discord: its binary messages may be zlib streams (payload compression), so none there;
    // its JSON sockets get the text frame, which clients never inflate
    ReconnectNotice discord = new ReconnectNotice(ProfileLoader.load("discord"));
    assertThat(discord.frame("/?v=10&encoding=etf")).isNull();
    assertThat(discord.frame("/?v=10&encoding=etf&compress=zlib-stream")).isNull();
    assertThat(discord.frame("/?v=10&encoding=json&compress=zstd-stream")).isNull();
    WebSocketFrame text = discord.frame("/?v=10&encoding=json");
    assertThat(text.content().toString(StandardCharsets.UTF_8)).isEqualTo(OP7);
    text.release();
  }

  @Test
  void theUpstreamGetsTheSameResumableCloseAndNoOpcode() {
    EchoUpstream up = upstream();
    GatewayProxy proxy = proxy(settings(up.uri()));
    FrameClient c = client(uri(proxy, "/?v=1&encoding=json"));
    c.send(new TextWebSocketFrame("hi"));
    assertThat(c.next().hex()).isEqualTo(hex("hi"));
    EchoUpstream.Conn conn = up.nextConnection();

    proxy.drain(Duration.ofMillis(200), SEED, new SplittableRandom(1), asked::add);

    assertThat(c.next()).isEqualTo(new WireFrame("text", true, 0, hex(OP7)));
    assertThat(c.next()).isEqualTo(close(4000, REASON));
    await().until(conn::isEnded);
    assertThat(conn.received())
        .containsExactly(new WireFrame("text", true, 0, hex("hi")), close(4000, REASON));
    await().untilAsserted(() -> assertThat(asked).containsExactly(Notice.RECONNECT_OP));
  }

  @Test
  void inTheMiddleOfAFragmentedMessageOnlyTheCloseGoes() {
    EchoUpstream up = upstream();
    GatewayProxy proxy = proxy(settings(up.uri()));
    FrameClient c = client(uri(proxy, "/?v=1&encoding=json"));
    // the upstream echoes a first fragment: the client's stream is inside a message now
    c.send(
        new TextWebSocketFrame(
            false, 0, Unpooled.copiedBuffer("{\"op\":", StandardCharsets.UTF_8)));
    assertThat(c.next()).isEqualTo(new WireFrame("text", false, 0, hex("{\"op\":")));

    proxy.drain(Duration.ofMillis(200), SEED, new SplittableRandom(1), asked::add);

    assertThat(c.next())
        .as("a data frame here would break the message; a close frame may come between")
        .isEqualTo(close(4000, REASON));
    await().untilAsserted(() -> assertThat(asked).containsExactly(Notice.CLOSE_ONLY));
  }

  @Test
  void socketsThatEndByThemselvesAreSimplyGone() throws Exception {
    EchoUpstream up = upstream();
    GatewayProxy proxy = proxy(settings(up.uri()));
    FrameClient a = client(uri(proxy, "/?v=1&encoding=json"));
    FrameClient b = client(uri(proxy, "/?v=1&encoding=json"));
    await().until(() -> observer.opened.size() == 2);

    GatewayProxy.Draining d =
        proxy.drain(Duration.ofMinutes(10), SEED, new SplittableRandom(5), asked::add);
    assertThat(proxy.drainRemaining()).isEqualTo(2);
    a.sendClose(1000, "bye");
    b.sendClose(1000, "bye");
    a.awaitEnd();
    b.awaitEnd();

    d.done().get(10, TimeUnit.SECONDS); // long before the ten minutes
    assertThat(proxy.drainRemaining()).isZero();
    assertThat(asked).isEmpty();
    assertThat(observer.closed).extracting(RecordingObserver.Closed::code).containsOnly(1000);
  }

  @Test
  void closingCutsTheDrainShortWith1001() {
    EchoUpstream up = upstream();
    GatewayProxy proxy = proxy(settings(up.uri()));
    FrameClient c = client(uri(proxy, "/?v=1&encoding=json"));
    await().until(() -> observer.opened.size() == 1);
    RandomGenerator late = () -> 0xC000000000000000L; // 0.75: three quarters into the period
    GatewayProxy.Draining d = proxy.drain(Duration.ofMinutes(1), SEED, late, asked::add);
    assertThat(proxy.drainRemaining()).isEqualTo(1);

    proxy.close();

    assertThat(c.next()).isEqualTo(close(1001, "Going Away"));
    assertThat(proxy.drainRemaining()).isZero();
    assertThat(asked).isEmpty();
    await().until(() -> d.done().isDone()); // no socket left
  }

  private RecordingObserver.Frame lastServerFrame(String path) {
    List<RecordingObserver.Frame> f =
        observer.frames(Direction.SERVER).stream().filter(x -> x.path().equals(path)).toList();
    return f.get(f.size() - 1);
  }
}
