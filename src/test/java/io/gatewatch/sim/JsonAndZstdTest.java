package io.gatewatch.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatewatch.compress.ZstdCodec;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The simulator's JSON tree and both zstd variants, on their own. */
class JsonAndZstdTest {
  static Object parse(String s) throws Json.MalformedException {
    return Json.parse(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsATree() throws Exception {
    Object v =
        parse("{\"op\":2,\"d\":{\"a\":[1,2.5,\"x\",true,null],\"big\":123456789012345678901}}");
    assertThat(v).isInstanceOf(Map.class);
    Map<?, ?> m = (Map<?, ?>) v;
    assertThat(m.get("op")).isEqualTo(2L);
    Map<?, ?> d = (Map<?, ?>) m.get("d");
    @SuppressWarnings("unchecked")
    List<Object> a = (List<Object>) d.get("a");
    assertThat(a).containsExactly(1L, 2.5, "x", true, Json.NULL);
    assertThat(d.get("big")).isEqualTo(new BigInteger("123456789012345678901"));
    assertThat(Json.isInteger(d.get("big"))).isTrue();
    assertThat(Json.isInteger(2.0)).isFalse();
    assertThat(m.containsKey("s")).isFalse();
  }

  @Test
  void rejectsWhatIsNotOneJsonValue() {
    for (String bad : new String[] {"", " ", "{", "{\"a\":1,\"a\":2}", "{} {}", "{'a':1}", "nul"}) {
      assertThatThrownBy(() -> parse(bad)).as(bad).isInstanceOf(Json.MalformedException.class);
    }
    assertThatThrownBy(() -> Json.parse(new byte[] {'"', (byte) 0xC3, '"'}))
        .isInstanceOf(Json.MalformedException.class);
  }

  @Test
  void writesKeysSorted() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("t", "X");
    m.put("s", 3L);
    m.put("op", 0);
    m.put("d", Map.of("z", List.of(1, "a"), "a", Json.NULL));
    assertThat(Json.write(m))
        .isEqualTo("{\"d\":{\"a\":null,\"z\":[1,\"a\"]},\"op\":0,\"s\":3,\"t\":\"X\"}");
    assertThat(Payloads.heartbeatAck()).isEqualTo("{\"op\":11}");
    assertThat(Payloads.reconnect()).isEqualTo("{\"op\":7}");
    assertThat(Payloads.invalidSession()).isEqualTo("{\"d\":false,\"op\":9}");
    assertThat(Payloads.heartbeatRequest()).isEqualTo("{\"d\":null,\"op\":1}");
  }

  @Test
  void perMessageFramesAreEachCompleteZstdFrames() {
    byte[] a = ZstdCodec.compressFrame("{\"op\":11}".getBytes(StandardCharsets.UTF_8));
    assertThat(a).startsWith(0x28, 0xB5, 0x2F, 0xFD);
    try (ZstdCodec.StreamDecompressor d = new ZstdCodec.StreamDecompressor()) {
      assertThat(new String(d.decompress(a), StandardCharsets.UTF_8)).isEqualTo("{\"op\":11}");
      assertThat(new String(d.decompress(a), StandardCharsets.UTF_8)).isEqualTo("{\"op\":11}");
    }
  }

  @Test
  void aContinuousStreamDecodesInOrderOnly() {
    try (ZstdCodec.StreamCompressor c = new ZstdCodec.StreamCompressor();
        ZstdCodec.StreamDecompressor d = new ZstdCodec.StreamDecompressor()) {
      byte[][] parts = new byte[5][];
      for (int i = 0; i < 5; i++) {
        parts[i] = c.compress(("{\"op\":1,\"d\":" + i + "}").getBytes(StandardCharsets.UTF_8));
      }
      assertThat(parts[0]).startsWith(0x28, 0xB5, 0x2F, 0xFD);
      assertThat(CompressionTest.startsWithMagic(parts[1])).isFalse();
      for (int i = 0; i < 5; i++) {
        assertThat(new String(d.decompress(parts[i], 4096), StandardCharsets.UTF_8))
            .isEqualTo("{\"op\":1,\"d\":" + i + "}");
      }
    }
  }

  @Test
  void theDecompressedSizeIsBounded() {
    try (ZstdCodec.StreamCompressor c = new ZstdCodec.StreamCompressor();
        ZstdCodec.StreamDecompressor d = new ZstdCodec.StreamDecompressor()) {
      byte[] exact = c.compress(new byte[4096]);
      assertThat(d.decompress(exact, 4096)).hasSize(4096);
      byte[] over = c.compress(new byte[4097]);
      assertThat(over.length).isLessThan(100);
      assertThat(d.decompress(over, 4096)).isNull();
    }
  }

  @Test
  void garbageIsAnError() {
    try (ZstdCodec.StreamDecompressor d = new ZstdCodec.StreamDecompressor()) {
      assertThatThrownBy(() -> d.decompress("not zstd".getBytes(StandardCharsets.UTF_8), 4096))
          .isInstanceOf(RuntimeException.class);
    }
  }
}
