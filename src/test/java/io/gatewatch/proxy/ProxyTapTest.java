package io.gatewatch.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.capture.CaptureParser;
import io.gatewatch.capture.CaptureTap;
import io.gatewatch.capture.CaptureWriter;
import io.gatewatch.capture.TokenRedactor;
import io.gatewatch.compress.ZstdCodec;
import io.gatewatch.metrics.Source;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.report.Tally;
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
