package io.gatewatch.compress;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatewatch.protocol.Compression;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.DataFormatException;
import org.junit.jupiter.api.Test;

/** zlib-stream and payload compression, both ends, and the observer's decoder over them. */
class ZlibCodecTest {
  static final byte[] HELLO = utf8("{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}");
  static final byte[] ACK = utf8("{\"op\":11}");

  static byte[] utf8(String s) {
    return s.getBytes(UTF_8);
  }

  static String inflated(ZlibCodec.StreamInflater in, byte[] message) throws Exception {
    int n = in.inflate(message, 0, message.length, 1 << 20);
    assertThat(n).isNotNegative();
    return new String(in.output(), 0, n, UTF_8);
  }

  @Test
  void everyMessageOfTheStreamEndsWithTheSyncFlushMarkerAndInflatesInOrder() throws Exception {
    try (ZlibCodec.StreamCompressor out = new ZlibCodec.StreamCompressor();
        ZlibCodec.StreamInflater in = new ZlibCodec.StreamInflater()) {
      byte[] first = out.compress(HELLO);
      byte[] second = out.compress(ACK);
      byte[] third = out.compress(ACK);
      for (byte[] m : new byte[][] {first, second, third}) {
        assertThat(Arrays.copyOfRange(m, m.length - 4, m.length)).containsExactly(0, 0, 0xff, 0xff);
      }
      assertThat(ZlibCodec.isZlibHeader(first, first.length)).isTrue();
      assertThat(ZlibCodec.isZlibHeader(second, second.length)).isFalse(); // one header a stream
      assertThat(inflated(in, first)).isEqualTo(new String(HELLO, UTF_8));
      assertThat(inflated(in, second)).isEqualTo("{\"op\":11}");
      assertThat(inflated(in, third)).isEqualTo("{\"op\":11}");
    }
  }

  @Test
  void aMessageSplitOverSeveralWebSocketMessagesCompletesAtItsSuffix() throws Exception {
    try (ZlibCodec.StreamCompressor out = new ZlibCodec.StreamCompressor();
        ZlibCodec.StreamInflater in = new ZlibCodec.StreamInflater()) {
      byte[] whole = out.compress(HELLO);
      // cut inside the suffix too: the marker is recognised across the cut
      int a = 5;
      int b = whole.length - 2;
      assertThat(in.inflate(whole, 0, a, 1 << 20)).isEqualTo(ZlibCodec.StreamInflater.INCOMPLETE);
      assertThat(in.inflate(whole, a, b - a, 1 << 20))
          .isEqualTo(ZlibCodec.StreamInflater.INCOMPLETE);
      int n = in.inflate(whole, b, whole.length - b, 1 << 20);
      assertThat(new String(in.output(), 0, n, UTF_8)).isEqualTo(new String(HELLO, UTF_8));
      assertThat(inflated(in, out.compress(ACK))).isEqualTo("{\"op\":11}");
    }
  }

  @Test
  void aMessageOverTheLimitIsDroppedAndTheStreamStaysInStep() throws Exception {
    byte[] big = new byte[300_000];
    new Random(7).nextBytes(big); // incompressible: the output exceeds the limit many times over
    try (ZlibCodec.StreamCompressor out = new ZlibCodec.StreamCompressor();
        ZlibCodec.StreamInflater in = new ZlibCodec.StreamInflater()) {
      byte[] m = out.compress(big);
      assertThat(in.inflate(m, 0, m.length, 4096)).isEqualTo(ZlibCodec.StreamInflater.TOO_LARGE);
      assertThat(inflated(in, out.compress(ACK))).isEqualTo("{\"op\":11}");
      // exactly at the limit is fine
      byte[] four = new byte[4096];
      Arrays.fill(four, (byte) 'x');
      byte[] m4 = out.compress(four);
      assertThat(in.inflate(m4, 0, m4.length, 4096)).isEqualTo(4096);
    }
  }

  @Test
  void garbageIsAFormatErrorAndResetsTheStream() throws Exception {
    try (ZlibCodec.StreamInflater in = new ZlibCodec.StreamInflater()) {
      byte[] junk = utf8("not zlib at all\0\0\u00ff\u00ff");
      assertThatThrownBy(() -> in.inflate(junk, 0, junk.length, 4096))
          .isInstanceOf(DataFormatException.class);
      // a new stream after the reset inflates
      try (ZlibCodec.StreamCompressor out = new ZlibCodec.StreamCompressor()) {
        assertThat(inflated(in, out.compress(ACK))).isEqualTo("{\"op\":11}");
      }
    }
  }

  @Test
  void payloadCompressionIsOneCompleteStreamPerMessage() throws Exception {
    byte[] a = ZlibCodec.compressMessage(HELLO);
    byte[] b = ZlibCodec.compressMessage(ACK);
    assertThat(ZlibCodec.isZlibHeader(a, a.length)).isTrue();
    assertThat(ZlibCodec.isZlibHeader(b, b.length)).isTrue();
    try (ZlibCodec.MessageInflater in = new ZlibCodec.MessageInflater()) {
      assertThat(in.inflate(b, 0, b.length, 4096)).isEqualTo(ACK);
      assertThat(in.inflate(a, 0, a.length, 4096)).isEqualTo(HELLO);
      assertThat(in.inflate(a, 0, a.length, 10)).isNull(); // over the limit
      assertThatThrownBy(() -> in.inflate(a, 0, a.length - 3, 4096)) // cut short
          .isInstanceOf(DataFormatException.class);
    }
    assertThat(ZlibCodec.isZlibHeader(utf8("{\"op\":1}"), 8)).isFalse();
    assertThat(ZlibCodec.isZlibHeader(new byte[] {(byte) 131, 116}, 2)).isFalse();
  }

  @Test
  void theDecoderDecompressesTheServerAlwaysAndTheClientWhenItStartsAStream() throws Exception {
    try (ZlibCodec.StreamCompressor server = new ZlibCodec.StreamCompressor();
        ZlibCodec.StreamCompressor client = new ZlibCodec.StreamCompressor();
        InboundDecoder fromServer =
            new InboundDecoder(Compression.ZLIB_STREAM, true, false, true, 4096);
        InboundDecoder compressingClient =
            new InboundDecoder(Compression.ZLIB_STREAM, false, false, true, 4096);
        InboundDecoder plainClient =
            new InboundDecoder(Compression.ZLIB_STREAM, false, false, true, 4096)) {
      byte[] m = server.compress(HELLO);
      assertThat(fromServer.decode(m, m.length)).isEqualTo(InboundDecoder.Status.PAYLOAD);
      assertThat(payload(fromServer)).isEqualTo(new String(HELLO, UTF_8));

      byte[] c = client.compress(ACK);
      assertThat(compressingClient.decode(c, c.length)).isEqualTo(InboundDecoder.Status.PAYLOAD);
      c = client.compress(HELLO); // no header: the direction was decided by its first message
      assertThat(compressingClient.decode(c, c.length)).isEqualTo(InboundDecoder.Status.PAYLOAD);
      assertThat(payload(compressingClient)).isEqualTo(new String(HELLO, UTF_8));

      byte[] etf = {(byte) 131, 116, 0, 0, 0, 0}; // a client's plain ETF: passed through
      assertThat(plainClient.decode(etf, etf.length)).isEqualTo(InboundDecoder.Status.PAYLOAD);
      assertThat(Arrays.copyOf(plainClient.takePayload(), plainClient.payloadLength()))
          .containsExactly(etf);

      byte[] junk = {(byte) 0xff, (byte) 0xff}; // a reserved block type: invalid at once
      assertThat(fromServer.decode(junk, junk.length)).isEqualTo(InboundDecoder.Status.UNDECODABLE);
    }
  }

  @Test
  void observationOffLeavesCompressedMessagesUnreadAndPlainOnesRead() {
    try (ZlibCodec.StreamCompressor server = new ZlibCodec.StreamCompressor();
        InboundDecoder off = new InboundDecoder(Compression.ZLIB_STREAM, true, false, false, 4096);
        InboundDecoder payloads = new InboundDecoder(Compression.NONE, true, true, false, 4096)) {
      byte[] m = server.compress(HELLO);
      assertThat(off.decode(m, m.length)).isEqualTo(InboundDecoder.Status.UNOBSERVED);
      byte[] z = ZlibCodec.compressMessage(ACK);
      assertThat(payloads.decode(z, z.length)).isEqualTo(InboundDecoder.Status.UNOBSERVED);
      byte[] etf = {(byte) 131, 116, 0, 0, 0, 0};
      assertThat(payloads.decode(etf, etf.length)).isEqualTo(InboundDecoder.Status.PAYLOAD);
    }
  }

  @Test
  void payloadCompressedMessagesAreInflatedOnlyFromTheServer() {
    try (InboundDecoder server = new InboundDecoder(Compression.NONE, true, true, true, 4096);
        InboundDecoder client = new InboundDecoder(Compression.NONE, false, true, true, 4096)) {
      byte[] z = ZlibCodec.compressMessage(ACK);
      assertThat(server.decode(z, z.length)).isEqualTo(InboundDecoder.Status.PAYLOAD);
      assertThat(payload(server)).isEqualTo("{\"op\":11}");
      assertThat(client.decode(z, z.length)).isEqualTo(InboundDecoder.Status.PAYLOAD);
      assertThat(Arrays.copyOf(client.takePayload(), client.payloadLength())).containsExactly(z);
    }
  }

  static String payload(InboundDecoder d) {
    return new String(d.takePayload(), 0, d.payloadLength(), UTF_8);
  }
}
