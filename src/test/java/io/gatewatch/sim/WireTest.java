package io.gatewatch.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.compress.ZlibCodec;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The simulator with the discord profile speaks zlib-stream, ETF, both, and payload compression:
 * the zstd-stream tests' twins. The same script decodes to the plain run; what a Fluxer profile
 * does not offer is refused (ETF: 4002) or ignored (zlib-stream: plain text).
 */
class WireTest extends SimTestSupport {
  static SimulatorSettings.Builder discord() {
    return base().profile("discord");
  }

  /** The simulator's URL with {@code query} added; an {@code encoding} in it replaces json. */
  static String url(GatewaySimulator sim, String query) {
    String base = sim.url();
    if (query.contains("encoding=")) {
      base = base.replace("&encoding=json", "");
    }
    return base + query;
  }

  /** Hello, Identify, READY, 3 dispatches, a heartbeat and its ACK, then an unknown opcode. */
  private CompressionTest.Run script(GatewaySimulator sim, String query, boolean compressOutbound) {
    WsClient c = connect(url(sim, query), compressOutbound);
    c.expect(10);
    c.send(WsClient.identifyPayload("valid-wire"));
    c.expectDispatch("READY");
    assertThat(sim.dispatchNow(3)).isEqualTo(3);
    for (int i = 0; i < 3; i++) {
      c.expectDispatch("MESSAGE_CREATE");
    }
    c.send("{\"op\":1,\"d\":4}");
    c.expect(11);
    c.send("{\"op\":99,\"d\":null}");
    return new CompressionTest.Run(c.received(), c.awaitClose());
  }

  @Test
  void zlibStreamAndEtfDecodeToThePlainRun() {
    GatewaySimulator sim = start(discord());
    assertThat(sim.url()).endsWith("/?v=10&encoding=json");
    CompressionTest.Run plain = script(sim, "", false);
    CompressionTest.Run zlib = script(sim, "&compress=zlib-stream", false);
    CompressionTest.Run zlibBothWays = script(sim, "&compress=zlib-stream", true);
    CompressionTest.Run etf = script(sim, "&encoding=etf", false);
    CompressionTest.Run etfZlib = script(sim, "&encoding=etf&compress=zlib-stream", false);

    assertThat(plain.frames()).hasSize(6).allSatisfy(f -> assertThat(f.binary()).isFalse());
    for (CompressionTest.Run r : List.of(zlib, zlibBothWays, etf, etfZlib)) {
      assertThat(r.frames()).allSatisfy(f -> assertThat(f.binary()).isTrue());
      assertThat(r.normalized()).isEqualTo(plain.normalized());
      assertThat(r.close()).isEqualTo(new WsClient.Close(4001, "Unknown Opcode"));
    }
    // ETF on the wire: the version byte, then a map
    assertThat(etf.frames().get(0).raw()[0] & 0xFF).isEqualTo(131);
    assertThat(etf.frames().get(0).raw()[1] & 0xFF).isEqualTo(116);
  }

  @Test
  void everyZlibStreamMessageEndsWithTheSyncFlushAndOnlyTheFirstHasAHeader() {
    GatewaySimulator sim = start(discord());
    CompressionTest.Run zlib = script(sim, "&compress=zlib-stream", false);
    List<WsClient.Frame> frames = zlib.frames();
    for (WsClient.Frame f : frames) {
      byte[] raw = f.raw();
      assertThat(Arrays.copyOfRange(raw, raw.length - 4, raw.length))
          .containsExactly(0, 0, 0xff, 0xff);
    }
    assertThat(ZlibCodec.isZlibHeader(frames.get(0).raw(), frames.get(0).raw().length)).isTrue();
    for (WsClient.Frame f : frames.subList(1, frames.size())) {
      assertThat(ZlibCodec.isZlibHeader(f.raw(), f.raw().length)).isFalse();
    }
  }

  @Test
  void identifyWithCompressTrueGetsEveryLaterMessageAsItsOwnZlibStream() {
    GatewaySimulator sim = start(discord());
    WsClient c = connect(sim.url());
    assertThat(c.next().binary()).isFalse(); // Hello comes before the Identify
    c.payloadCompression();
    c.send(
        "{\"op\":2,\"d\":{\"token\":\"valid-pc\",\"compress\":true,"
            + "\"properties\":{\"os\":\"linux\",\"browser\":\"x\",\"device\":\"x\"}}}");
    WsClient.Frame ready = c.next();
    assertThat(ready.binary()).isTrue();
    assertThat(ZlibCodec.isZlibHeader(ready.raw(), ready.raw().length)).isTrue();
    assertThat(ready.json().get("t").asText()).isEqualTo("READY");
    c.send("{\"op\":1,\"d\":1}");
    WsClient.Frame ack = c.next();
    assertThat(ZlibCodec.isZlibHeader(ack.raw(), ack.raw().length)).isTrue();
    assertThat(ack.text()).isEqualTo("{\"op\":11}");
  }

  @Test
  void theFluxerProfileRefusesEtfAndIgnoresZlibStream() {
    GatewaySimulator sim = start(base());
    WsClient etf = connect(url(sim, "&encoding=etf"));
    assertThat(etf.awaitClose()).isEqualTo(new WsClient.Close(4002, "Decode Error"));
    WsClient zlib = connect(sim.url() + "&compress=zlib-stream");
    WsClient.Frame hello = zlib.next();
    assertThat(hello.binary()).isFalse();
    assertThat(hello.op()).isEqualTo(10);
    // and the discord profile wants its own versions
    GatewaySimulator discord = start(discord());
    WsClient v1 = connect(discord.url().replace("v=10", "v=1"));
    assertThat(v1.awaitClose()).isEqualTo(new WsClient.Close(4012, "Invalid API Version"));
  }

  @Test
  void aTermThatIsNoTermIs4002AndABrokenZlibStreamToo() {
    GatewaySimulator sim = start(discord());
    WsClient etf = connect(url(sim, "&encoding=etf"));
    etf.expect(10);
    etf.sendBinary(new byte[] {(byte) 131, 116, 0, 0, 0, 9});
    assertThat(etf.awaitClose()).isEqualTo(new WsClient.Close(4002, "Decode Error"));

    WsClient zlib = connect(sim.url() + "&compress=zlib-stream", true);
    zlib.expect(10);
    zlib.send("{\"op\":1,\"d\":null}"); // the client's stream starts
    zlib.expect(11);
    zlib.sendBinary("not zlib at all".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(zlib.awaitClose()).isEqualTo(new WsClient.Close(4002, "Decode Error"));
  }
}
