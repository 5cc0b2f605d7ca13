package io.gatewatch.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code compress=zstd-stream} in both variants: the same script decodes, on the client side, to
 * the same JSON as the plain run.
 */
class CompressionTest extends SimTestSupport {
  static final byte[] MAGIC = {(byte) 0x28, (byte) 0xB5, (byte) 0x2F, (byte) 0xFD};

  static boolean startsWithMagic(byte[] b) {
    return b.length >= 4 && java.util.Arrays.equals(b, 0, 4, MAGIC, 0, 4);
  }

  record Run(List<WsClient.Frame> frames, WsClient.Close close) {
    List<String> normalized() {
      String id = null;
      List<String> out = new ArrayList<>();
      for (WsClient.Frame f : frames) {
        String t = f.text();
        if (id == null && t.contains("\"t\":\"READY\"")) {
          id = f.json().get("d").get("session_id").asText();
        }
        if (id != null) {
          t = t.replace(id, "SESSION").replace(new StringBuilder(id).reverse(), "DECOY");
        }
        out.add(t.replaceAll("\"timestamp\":\"[^\"]*\"", "\"timestamp\":\"T\""));
      }
      return out;
    }
  }

  /** Hello, Identify, READY, 3 dispatches, a heartbeat and its ACK, then an unknown opcode. */
  private Run script(String query, boolean compressOutbound) {
    GatewaySimulator sim = start(base());
    WsClient c = connect(sim.url() + query, compressOutbound);
    c.expect(10);
    c.send(WsClient.identifyPayload("valid-zstd"));
    c.expectDispatch("READY");
    assertThat(sim.dispatchNow(3)).isEqualTo(3);
    for (int i = 0; i < 3; i++) {
      c.expectDispatch("MESSAGE_CREATE");
    }
    c.send("{\"op\":1,\"d\":4}");
    c.expect(11);
    c.send("{\"op\":99,\"d\":null}");
    return new Run(c.received(), c.awaitClose());
  }

  @Test
  void bothVariantsDecodeToThePlainRun() {
    Run plain = script("", false);
    Run perMessage = script("&compress=zstd-stream", false);
    Run stream = script("&compress=zstd-stream&stream=1", true);
    Run streamTrue = script("&compress=zstd-stream&stream=true", true);

    assertThat(plain.frames()).hasSize(6).allSatisfy(f -> assertThat(f.binary()).isFalse());
    assertThat(perMessage.frames()).allSatisfy(f -> assertThat(f.binary()).isTrue());
    assertThat(stream.frames()).allSatisfy(f -> assertThat(f.binary()).isTrue());
    assertThat(perMessage.normalized()).isEqualTo(plain.normalized());
    assertThat(stream.normalized()).isEqualTo(plain.normalized());
    assertThat(streamTrue.normalized()).isEqualTo(plain.normalized());
    assertThat(plain.normalized().get(0))
        .isEqualTo("{\"d\":{\"heartbeat_interval\":41250},\"op\":10}");
    for (Run r : List.of(plain, perMessage, stream)) {
      assertThat(r.close()).isEqualTo(new WsClient.Close(4001, "Unknown Opcode"));
    }
  }

  @Test
  void perMessageFramesEachStartAZstdFrameWhileTheStreamStartsOnce() {
    Run perMessage = script("&compress=zstd-stream", false);
    for (WsClient.Frame f : perMessage.frames()) {
      assertThat(startsWithMagic(f.raw())).isTrue();
    }
    Run stream = script("&compress=zstd-stream&stream=1", true);
    assertThat(startsWithMagic(stream.frames().get(0).raw())).isTrue();
    for (WsClient.Frame f : stream.frames().subList(1, stream.frames().size())) {
      assertThat(startsWithMagic(f.raw())).isFalse();
    }
  }

  @Test
  void helloIsAlreadyCompressed() {
    GatewaySimulator sim = start(base());
    WsClient c = connect(sim.url() + "&compress=zstd-stream&stream=1");
    WsClient.Frame hello = c.next();
    assertThat(hello.binary()).isTrue();
    assertThat(hello.text()).isEqualTo("{\"d\":{\"heartbeat_interval\":41250},\"op\":10}");
  }

  @Test
  void overTheLimitAfterDecompressionIs4002() {
    GatewaySimulator sim = start(base());
    WsClient c = connect(sim.url() + "&compress=zstd-stream&stream=1", true);
    c.expect(10);
    String big = "{\"op\":1,\"d\":null,\"p\":\"" + "a".repeat(5000) + "\"}";
    c.send(big); // tiny on the wire, 5 KB decompressed
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4002, "Decode Error"));
  }

  @Test
  void aBrokenStreamIs4002() {
    GatewaySimulator sim = start(base());
    WsClient c = connect(sim.url() + "&compress=zstd-stream&stream=1");
    c.expect(10);
    c.sendBinary("not zstd at all".getBytes(StandardCharsets.UTF_8));
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4002, "Decode Error"));
  }

  @Test
  void perMessageClientsSendPlainText() {
    GatewaySimulator sim = start(base());
    WsClient c = connect(sim.url() + "&compress=zstd-stream");
    c.expect(10);
    c.send("{\"op\":1,\"d\":null}");
    WsClient.Frame ack = c.next();
    assertThat(ack.binary()).isTrue();
    assertThat(ack.text()).isEqualTo("{\"op\":11}");
  }
}
