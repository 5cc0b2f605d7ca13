package io.gatewatch.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.capture.CaptureParser;
import io.gatewatch.capture.CaptureTap;
import io.gatewatch.capture.CaptureWriter;
import io.gatewatch.capture.TokenRedactor;
import io.gatewatch.compress.ZlibCodec;
import io.gatewatch.compress.ZstdCodec;
import io.gatewatch.metrics.Source;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.report.Tally;
import io.gatewatch.sim.Etf;
import io.gatewatch.sim.Json;
import io.gatewatch.track.ConnectionTracker;
import io.gatewatch.track.RttKind;
import io.gatewatch.track.TrackerSettings;
import io.gatewatch.track.Via;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The proxy's tap, fed relayed frames directly: joining, zstd, capture and its replay. */
class ProxyTapTest {
  static final GatewayProfile PROFILE = ProfileLoader.load("fluxer-seed");
  static final TokenFingerprinter FP = new TokenFingerprinter(new byte[] {4, 2});
  static final String TOKEN = "valid-very-secret-token";

  final AtomicLong now = new AtomicLong(1_732_790_000_000_000_000L);
  final Watches watches = new Watches(FP);
  final Tally tally = new Tally();
  final ConnectionTracker tracker =
      watches.add(PROFILE, TrackerSettings.DEFAULTS, Source.PROXY, "g", tally);

  ProxyTap tap(CaptureWriter capture, boolean compressedObservation) {
    return new ProxyTap(
        tracker, now::get, watches.registry(), capture, compressedObservation, 1 << 20);
  }

  static ByteBuf text(String s) {
    return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8));
  }

  void at(long ms) {
    now.set(1_732_790_000_000_000_000L + ms * 1_000_000L);
  }

  /** A whole session, fragments and all. */
  void session(RelayObserver.SocketListener s, int startMs) {
    at(startMs);
    s.frame(Direction.SERVER, text("{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}"), true, true);
    at(startMs + 5);
    // Identify in three fragments
    s.frame(Direction.CLIENT, text("{\"op\":2,\"d\":{\"tok"), true, false);
    s.frame(Direction.CLIENT, text("en\":\"" + TOKEN + "\","), true, false);
    s.frame(Direction.CLIENT, text("\"properties\":{}}}"), true, true);
    at(startMs + 50);
    s.frame(
        Direction.SERVER,
        text("{\"d\":{\"session_id\":\"abc\"},\"op\":0,\"s\":1,\"t\":\"READY\"}"),
        true,
        true);
    at(startMs + 1000);
    s.frame(Direction.CLIENT, text("{\"op\":1,\"d\":1}"), true, true);
    at(startMs + 1042);
    s.frame(Direction.SERVER, text("{\"op\":11}"), true, true);
  }

  @Test
  void fragmentsAreJoinedIntoMessages() {
    RelayObserver.SocketListener s = tap(null, true).opened("/?v=1&encoding=json");
    session(s, 0);
    at(2000);
    s.closed(4009, "Heartbeat timeout", Initiator.SERVER);

    assertThat(tally.frames()).isEqualTo(5);
    assertThat(tally.decodeErrors()).isZero();
    assertThat(tally.readies(Via.IDENTIFY)).isEqualTo(1);
    assertThat(tally.rtts(RttKind.CLIENT)).containsExactly(42_000_000L);
    assertThat(tally.closes()).hasSize(1);
  }

  @Test
  void bothZstdVariantsAreObservedAndUnobservedWhenTurnedOff() throws Exception {
    byte[] hello =
        "{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}".getBytes(StandardCharsets.UTF_8);
    byte[] ack = "{\"op\":11}".getBytes(StandardCharsets.UTF_8);

    // Per message: every server message its own zstd frame.
    RelayObserver.SocketListener perMessage = tap(null, true).opened("/?v=1&compress=zstd-stream");
    perMessage.frame(
        Direction.SERVER, Unpooled.wrappedBuffer(ZstdCodec.compressFrame(hello)), false, true);
    perMessage.frame(
        Direction.SERVER, Unpooled.wrappedBuffer(ZstdCodec.compressFrame(ack)), false, true);

    // Continuous: one stream per direction, client frames compressed too.
    RelayObserver.SocketListener stream =
        tap(null, true).opened("/?v=1&compress=zstd-stream&stream=1");
    try (ZstdCodec.StreamCompressor server = new ZstdCodec.StreamCompressor();
        ZstdCodec.StreamCompressor client = new ZstdCodec.StreamCompressor()) {
      stream.frame(Direction.SERVER, Unpooled.wrappedBuffer(server.compress(hello)), false, true);
      stream.frame(
          Direction.CLIENT,
          Unpooled.wrappedBuffer(
              client.compress("{\"op\":1,\"d\":null}".getBytes(StandardCharsets.UTF_8))),
          false,
          true);
      stream.frame(Direction.SERVER, Unpooled.wrappedBuffer(server.compress(ack)), false, true);
    }
    assertThat(
            watches
                .registry()
                .get("gateway.frames")
                .tags("from", "server", "op", "hello")
                .counter()
                .count())
        .isEqualTo(2);
    assertThat(
            watches
                .registry()
                .get("gateway.frames")
                .tags("from", "server", "op", "heartbeat_ack")
                .counter()
                .count())
        .isEqualTo(2);
    assertThat(tally.rtts(RttKind.CLIENT)).hasSize(1);

    // Observation off: counted, sized, not read.
    RelayObserver.SocketListener off = tap(null, false).opened("/?v=1&compress=zstd-stream");
    off.frame(
        Direction.SERVER, Unpooled.wrappedBuffer(ZstdCodec.compressFrame(hello)), false, true);
    assertThat(
            watches
                .registry()
                .get("gatewatch.frames.unobserved")
                .tags("source", "proxy")
                .counter()
                .count())
        .isEqualTo(1);
    assertThat(tally.decodeErrors()).isZero();

    // Garbage in a zstd socket is a decode error, and the next whole frame still decodes.
    perMessage.frame(Direction.SERVER, text("not zstd at all"), false, true);
    perMessage.frame(
        Direction.SERVER, Unpooled.wrappedBuffer(ZstdCodec.compressFrame(ack)), false, true);
    assertThat(tally.decodeErrors()).isEqualTo(1);
    assertThat(
            watches
                .registry()
                .get("gateway.frames")
                .tags("from", "server", "op", "heartbeat_ack")
                .counter()
                .count())
        .isEqualTo(3);
  }

  /** A session's frames in JSON. */
  static final class Frames {
    static String hello() {
      return "{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}";
    }

    static String identify(String token) {
      return "{\"op\":2,\"d\":{\"token\":\"" + token + "\",\"properties\":{\"os\":\"linux\"}}}";
    }

    static String ready(String sessionId) {
      return "{\"d\":{\"session_id\":\"" + sessionId + "\"},\"op\":0,\"s\":1,\"t\":\"READY\"}";
    }

    static String heartbeat(Long seq) {
      return "{\"op\":1,\"d\":" + seq + "}";
    }

    static String ack() {
      return "{\"op\":11}";
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static ByteBuf bytes(byte[] b) {
    return Unpooled.wrappedBuffer(b);
  }

  /** The JSON frame as the simulator's encoder writes it in ETF. */
  static byte[] term(String json) {
    try {
      return Etf.encode(Json.parse(utf8(json)));
    } catch (Json.MalformedException e) {
      throw new AssertionError(e);
    }
  }

  double frames(String from, String op) {
    var c = watches.registry().find("gateway.frames").tags("from", from, "op", op).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void zlibStreamIsObservedInBothDirectionsAndAcrossSplitMessages() throws Exception {
    RelayObserver.SocketListener s =
        tap(null, true).opened("/?v=10&encoding=json&compress=zlib-stream");
    try (ZlibCodec.StreamCompressor server = new ZlibCodec.StreamCompressor();
        ZlibCodec.StreamCompressor client = new ZlibCodec.StreamCompressor()) {
      at(0);
      s.frame(Direction.SERVER, bytes(server.compress(utf8(Frames.hello()))), false, true);
      at(5);
      s.frame(Direction.CLIENT, bytes(client.compress(utf8(Frames.identify(TOKEN)))), false, true);
      // READY split over two WebSocket messages: one payload, counted once
      byte[] ready = server.compress(utf8(Frames.ready("abc")));
      at(50);
      s.frame(Direction.SERVER, bytes(Arrays.copyOf(ready, 7)), false, true);
      s.frame(Direction.SERVER, bytes(Arrays.copyOfRange(ready, 7, ready.length)), false, true);
      at(1000);
      s.frame(Direction.CLIENT, text(Frames.heartbeat(1L)), true, true); // text stays text
      at(1042);
      s.frame(Direction.SERVER, bytes(server.compress(utf8(Frames.ack()))), false, true);
    }
    assertThat(tally.frames()).isEqualTo(5);
    assertThat(tally.decodeErrors()).isZero();
    assertThat(tally.readies(Via.IDENTIFY)).isEqualTo(1);
    assertThat(tally.rtts(RttKind.CLIENT)).containsExactly(42_000_000L);
    assertThat(frames("client", "identify")).isEqualTo(1);

    // Observation off: the server's messages counted and sized, not read.
    RelayObserver.SocketListener off =
        tap(null, false).opened("/?v=10&encoding=json&compress=zlib-stream");
    try (ZlibCodec.StreamCompressor server = new ZlibCodec.StreamCompressor()) {
      off.frame(Direction.SERVER, bytes(server.compress(utf8(Frames.hello()))), false, true);
    }
    assertThat(watches.registry().get("gatewatch.frames.unobserved").counter().count())
        .isEqualTo(1);

    // Garbage in a zlib-stream socket is a decode error.
    off.frame(Direction.SERVER, text("not zlib"), false, true);
    s.frame(Direction.SERVER, text("not zlib"), false, true);
    assertThat(tally.decodeErrors()).isEqualTo(1);
  }

  @Test
  void etfSocketsAreReadPlainAndOverZlibStream() throws Exception {
    for (String url : List.of("/?v=10&encoding=etf", "/?v=10&encoding=etf&compress=zlib-stream")) {
      RelayObserver.SocketListener s = tap(null, true).opened(url);
      boolean zlib = url.contains("zlib");
      try (ZlibCodec.StreamCompressor server = new ZlibCodec.StreamCompressor()) {
        java.util.function.Function<String, ByteBuf> fromServer =
            json -> bytes(zlib ? server.compress(term(json)) : term(json));
        at(0);
        s.frame(Direction.SERVER, fromServer.apply(Frames.hello()), false, true);
        s.frame(Direction.CLIENT, bytes(term(Frames.identify(TOKEN))), false, true);
        at(50);
        s.frame(Direction.SERVER, fromServer.apply(Frames.ready("abc")), false, true);
        at(1000);
        s.frame(Direction.CLIENT, bytes(term(Frames.heartbeat(1L))), false, true);
        at(1042);
        s.frame(Direction.SERVER, fromServer.apply(Frames.ack()), false, true);
        at(2000);
        s.closed(4000, "bye", Initiator.SERVER);
      }
    }
    assertThat(tally.frames()).isEqualTo(10);
    assertThat(tally.decodeErrors()).isZero();
    assertThat(tally.readies(Via.IDENTIFY)).isEqualTo(2);
    assertThat(tally.rtts(RttKind.CLIENT)).containsExactly(42_000_000L, 42_000_000L);
    assertThat(frames("client", "heartbeat")).isEqualTo(2);
    assertThat(frames("server", "hello")).isEqualTo(2);
  }

  @Test
  void payloadCompressionIsReadWhereTheProfileHasIt() throws Exception {
    Watches w = new Watches(FP);
    Tally t = new Tally();
    ConnectionTracker discord =
        w.add(ProfileLoader.load("discord"), TrackerSettings.DEFAULTS, Source.PROXY, "d", t);
    Watches w2 = new Watches(FP);
    Tally fluxerTally = new Tally();
    ConnectionTracker fluxer =
        w2.add(PROFILE, TrackerSettings.DEFAULTS, Source.PROXY, "f", fluxerTally);
    for (ConnectionTracker tracker : List.of(discord, fluxer)) {
      RelayObserver.SocketListener s =
          new ProxyTap(tracker, now::get, w.registry(), null, true, 1 << 20)
              .opened("/?v=10&encoding=json");
      s.frame(Direction.SERVER, text(Frames.hello()), true, true);
      s.frame(Direction.CLIENT, text(Frames.identify(TOKEN)), true, true);
      s.frame(
          Direction.SERVER,
          bytes(ZlibCodec.compressMessage(utf8(Frames.ready("abc")))),
          false,
          true);
    }
    assertThat(t.readies(Via.IDENTIFY)).isEqualTo(1);
    assertThat(t.decodeErrors()).isZero();
    // Fluxer has no payload compression: the compressed READY is not JSON
    assertThat(fluxerTally.readies(Via.IDENTIFY)).isZero();
    assertThat(fluxerTally.decodeErrors()).isEqualTo(1);
  }

  @Test
  void anEtfCaptureWithPayloadsHoldsBase64TermsWithoutTheTokenAndReplaysTheSame(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("etf.ndjson");
    try (CaptureWriter capture =
        new CaptureWriter(
            CaptureWriter.Settings.of(file).withPayloads(true), new TokenRedactor(FP))) {
      RelayObserver.SocketListener s =
          tap(capture, true).opened("/?v=10&encoding=etf&compress=zlib-stream");
      try (ZlibCodec.StreamCompressor server = new ZlibCodec.StreamCompressor()) {
        at(0);
        s.frame(Direction.SERVER, bytes(server.compress(term(Frames.hello()))), false, true);
        s.frame(Direction.CLIENT, bytes(term(Frames.identify(TOKEN))), false, true);
        at(50);
        s.frame(Direction.SERVER, bytes(server.compress(term(Frames.ready("abc")))), false, true);
        at(1000);
        s.frame(Direction.CLIENT, bytes(term(Frames.heartbeat(1L))), false, true);
        at(1042);
        s.frame(Direction.SERVER, bytes(server.compress(term(Frames.ack()))), false, true);
      }
      at(2000);
      s.closed(4009, "Session timed out", Initiator.SERVER);
    }
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(7);
    assertThat(String.join("\n", lines)).doesNotContain(TOKEN);
    String identify = lines.get(2);
    assertThat(identify).contains("\"from\":\"client\"").contains("\"frame_b64\":");
    String b64 = identify.replaceAll(".*\"frame_b64\":\"([^\"]+)\".*", "$1");
    byte[] term = java.util.Base64.getDecoder().decode(b64);
    assertThat(new String(term, StandardCharsets.ISO_8859_1))
        .contains(TokenFingerprinter.redacted(FP.fingerprint(utf8(TOKEN), 0, TOKEN.length())))
        .doesNotContain(TOKEN);
    // the redacted form happens to be as long as this token: the live size needs no size field
    assertThat(term).hasSize(term(Frames.identify(TOKEN)).length);
    assertThat(identify).doesNotContain("\"size\"");

    Watches replayed = new Watches(FP);
    Tally replayedTally = new Tally();
    ConnectionTracker t2 =
        replayed.add(PROFILE, TrackerSettings.DEFAULTS, Source.PROXY, "g", replayedTally);
    CaptureTap replay = new CaptureTap(t2);
    CaptureParser parser = new CaptureParser();
    for (String line : lines) {
      replay.accept(parser.parse(utf8(line)));
    }
    assertThat(gatewaySeries(replayed)).isEqualTo(gatewaySeries(watches)).isNotEmpty();
    assertThat(replayedTally.readies(Via.IDENTIFY)).isEqualTo(1);
    assertThat(replayedTally.decodeErrors()).isZero();
  }

  @Test
  void anEtfSocketsMetadataCaptureIsTheSameJsonAndReplaysTheSame(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("etf-metadata.ndjson");
    String identify =
        "{\"op\":2,\"d\":{\"token\":\""
            + TOKEN
            + "\",\"properties\":{\"os\":\"linux\",\"browser\":\"erlpack\",\"device\":\"x\"},"
            + "\"presence\":{\"status\":\"online\"}}}";
    String message =
        "{\"op\":0,\"s\":2,\"t\":\"MESSAGE_CREATE\",\"d\":{\"content\":\"hello alice\"}}";
    try (CaptureWriter capture =
        new CaptureWriter(CaptureWriter.Settings.of(file), new TokenRedactor(FP))) {
      RelayObserver.SocketListener s =
          tap(capture, true).opened("/?v=10&encoding=etf&compress=zlib-stream");
      try (ZlibCodec.StreamCompressor server = new ZlibCodec.StreamCompressor()) {
        at(0);
        s.frame(Direction.SERVER, bytes(server.compress(term(Frames.hello()))), false, true);
        s.frame(Direction.CLIENT, bytes(term(identify)), false, true);
        at(50);
        s.frame(Direction.SERVER, bytes(server.compress(term(Frames.ready("abc")))), false, true);
        s.frame(Direction.SERVER, bytes(server.compress(term(message))), false, true);
        at(1000);
        s.frame(Direction.CLIENT, bytes(term(Frames.heartbeat(1L))), false, true);
        at(1042);
        s.frame(Direction.SERVER, bytes(server.compress(term(Frames.ack()))), false, true);
      }
      at(2000);
      s.closed(4009, "Session timed out", Initiator.SERVER);
    }
    List<String> lines = Files.readAllLines(file);
    String fp = TokenFingerprinter.redacted(FP.fingerprint(TOKEN));
    // the records are the JSON ones, whatever the wire: no base64, no content
    assertThat(lines.subList(1, 7))
        .extracting(l -> l.replaceAll(".*\"frame\":", ""))
        .containsExactly(
            "{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}}",
            "{\"op\":2,\"d\":{\"token\":\""
                + fp
                + "\",\"properties\":{\"os\":\"linux\",\"browser\":\"erlpack\",\"device\":\"x\"}}}}",
            "{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"session_id\":\"abc\"}}}",
            "{\"op\":0,\"s\":2,\"t\":\"MESSAGE_CREATE\"}}",
            "{\"op\":1,\"d\":1}}",
            "{\"op\":11}}");
    assertThat(String.join("\n", lines))
        .doesNotContain(TOKEN)
        .doesNotContain("frame_b64")
        .doesNotContain("alice")
        .doesNotContain("online");

    Watches replayed = new Watches(FP);
    ConnectionTracker t2 =
        replayed.add(PROFILE, TrackerSettings.DEFAULTS, Source.PROXY, "g", new Tally());
    CaptureTap replay = new CaptureTap(t2);
    CaptureParser parser = new CaptureParser();
    for (String line : lines) {
      replay.accept(parser.parse(utf8(line)));
    }
    assertThat(gatewaySeries(replayed)).isEqualTo(gatewaySeries(watches)).isNotEmpty();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void theCaptureReplaysToTheSameMetricsAndHoldsNoToken(boolean payloads, @TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("proxy.ndjson");
    try (CaptureWriter capture =
        new CaptureWriter(
            CaptureWriter.Settings.of(file).withPayloads(payloads), new TokenRedactor(FP))) {
      ProxyTap tap = tap(capture, true);
      RelayObserver.SocketListener a = tap.opened("/?v=1&encoding=json");
      session(a, 0);
      at(1100);
      a.frame(
          Direction.SERVER,
          text("{\"op\":0,\"s\":2,\"t\":\"MESSAGE_CREATE\",\"d\":{\"content\":\"hello alice\"}}"),
          true,
          true);
      at(5000);
      a.closed(4000, "Session drain requested; reconnect to continue", Initiator.SERVER);
      RelayObserver.SocketListener b = tap.opened("/?v=1&encoding=json");
      at(5400);
      b.frame(
          Direction.SERVER, text("{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}"), true, true);
      b.frame(
          Direction.CLIENT,
          text("{\"op\":6,\"d\":{\"token\":\"" + TOKEN + "\",\"session_id\":\"abc\",\"seq\":1}}"),
          true,
          true);
      at(5480);
      b.frame(Direction.SERVER, text("{\"op\":0,\"s\":2,\"t\":\"RESUMED\",\"d\":{}}"), true, true);
      b.frame(Direction.CLIENT, text("{\"op\":2,\"d\":{\"token\":\"" + TOKEN + "\""), true, true);
      b.frame(Direction.SERVER, Unpooled.wrappedBuffer(new byte[] {1, 2, 3}), false, true);
      at(6000);
      b.closed(1006, "", Initiator.NONE);
    }
    String captured = Files.readString(file);
    assertThat(captured).doesNotContain(TOKEN).contains("<redacted:");
    if (payloads) {
      assertThat(captured).contains("hello alice");
    } else {
      assertThat(captured).doesNotContain("hello alice").doesNotContain("content");
    }

    // Replay the capture into a second agent: the same series, line for line.
    Watches replayed = new Watches(FP);
    ConnectionTracker t2 =
        replayed.add(PROFILE, TrackerSettings.DEFAULTS, Source.PROXY, "g", new Tally());
    CaptureTap replay = new CaptureTap(t2);
    CaptureParser parser = new CaptureParser();
    for (String line : Files.readAllLines(file)) {
      replay.accept(parser.parse(line.getBytes(StandardCharsets.UTF_8)));
    }
    assertThat(gatewaySeries(replayed)).isEqualTo(gatewaySeries(watches)).isNotEmpty();
    assertThat(gatewaySeries(watches))
        .contains(
            // the truncated Identify and the binary frame: not read, counted, replayed alike
            "gatewatch_decode_errors_total{source=\"proxy\"} 2.0",
            "gateway_frames_total{from=\"server\",gateway=\"g\",op=\"other\",source=\"proxy\"} 1.0");
    assertThat(tally.reconnects()).containsExactly(480_000_000L);
  }

  static List<String> gatewaySeries(Watches w) {
    List<String> out = new ArrayList<>();
    for (String l : w.registry().scrape().split("\n")) {
      if ((l.startsWith("gateway_")
              || l.startsWith("gatewatch_decode_errors_total")
              || l.startsWith("gatewatch_frames_unobserved_total"))
          && !l.startsWith("gateway_heartbeat_rtt_seconds_max")
          && !l.startsWith("gateway_reconnect_duration_seconds_max")) {
        out.add(l);
      }
    }
    return out;
  }
}
