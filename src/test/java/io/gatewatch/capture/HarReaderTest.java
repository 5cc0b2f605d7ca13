package io.gatewatch.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.protocol.TokenFingerprinter;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Browser HAR exports into capture events: the two browsers' shapes, and what is refused. */
class HarReaderTest {
  static final Path CHROME = Path.of("src/test/resources/har/chrome-session.har");
  static final Path FIREFOX = Path.of("src/test/resources/har/firefox-session.har");

  private final TokenFingerprinter fingerprinter = new TokenFingerprinter(new byte[] {7});
  private final HarReader reader = new HarReader(new TokenRedactor(fingerprinter), 1000, 1 << 20);

  private HarReader.Result read(Path file) throws Exception {
    try (InputStream in = Files.newInputStream(file)) {
      return new HarReader(new TokenRedactor(fingerprinter), 16 << 20, 1 << 20).read(in, "h:");
    }
  }

  /** The file's events, after checking it had no rejection and that many sockets. */
  private List<CaptureEvent> cleanEvents(Path file, int sockets) throws Exception {
    HarReader.Result r = read(file);
    assertThat(r.rejections()).isEmpty();
    assertThat(r.sockets()).isEqualTo(sockets);
    return r.events();
  }

  private HarReader.Result read(String har) throws Exception {
    return reader.read(new ByteArrayInputStream(har.getBytes(StandardCharsets.UTF_8)), "h:");
  }

  private static String text(CaptureEvent e) {
    return new String(e.payload(), StandardCharsets.UTF_8);
  }

  private static long nanos(String iso) {
    Instant t = Instant.parse(iso);
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  /** A HAR of the given entries. */
  static String har(String... entries) {
    return "{\"log\":{\"version\":\"1.2\",\"entries\":[\n" + String.join(",\n", entries) + "\n]}}";
  }

  /** A WebSocket entry as Chrome writes one, a message per line. */
  static String ws(String url, String started, String... messages) {
    return "{\"_resourceType\":\"websocket\",\"request\":{\"url\":\""
        + url
        + "\"},\"startedDateTime\":\""
        + started
        + "\",\"_webSocketMessages\":[\n"
        + String.join(",\n", messages)
        + "\n]}";
  }

  static String msg(String type, String time, int opcode, String data) {
    return "{\"type\":\""
        + type
        + "\",\"time\":"
        + time
        + ",\"opcode\":"
        + opcode
        + ",\"data\":\""
        + data.replace("\"", "\\\"")
        + "\"}";
  }

  @Test
  void chromesExportBecomesTheEventsOfItsTwoSockets() throws Exception {
    List<CaptureEvent> events = cleanEvents(CHROME, 2);
    assertThat(events).hasSize(15); // 2 opens, 8 + 5 frames; no close: the first socket dropped
    CaptureEvent open = events.get(0);
    assertThat(open.type()).isEqualTo(CaptureEvent.Type.OPEN);
    assertThat(open.url()).isEqualTo("/?v=1&encoding=json"); // token= stripped
    assertThat(open.nanos()).isEqualTo(nanos("2022-10-20T08:48:40.583Z"));
    // Chrome's time is epoch seconds with microseconds, read exactly
    CaptureEvent hello = events.get(1);
    assertThat(hello.nanos()).isEqualTo(1_666_255_720_633_063_000L);
    assertThat(hello.from()).isEqualTo(Direction.SERVER);
    assertThat(text(hello)).isEqualTo("{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}");
    CaptureEvent identify = events.get(2);
    assertThat(identify.from()).isEqualTo(Direction.CLIENT);
    assertThat(text(identify))
        .doesNotContain("CHROMESECRET")
        .contains(
            "\"token\":\""
                + TokenFingerprinter.redacted(
                    fingerprinter.fingerprint("CHROMESECRET.identify.7f3a"))
                + "\"");
    String redacted =
        TokenFingerprinter.redacted(fingerprinter.fingerprint("CHROMESECRET.identify.7f3a"));
    assertThat(identify.size()) // the frame's size as it was sent
        .isEqualTo(text(identify).replace(redacted, "CHROMESECRET.identify.7f3a").length());
    assertThat(events.stream().filter(e -> e.type() == CaptureEvent.Type.CLOSE)).isEmpty();
    assertThat(events.stream().map(CaptureEvent::nanos).toList()).isSorted();
  }

  @Test
  void firefoxsExportWithMillisecondsControlFramesAndAZlibStream() throws Exception {
    List<CaptureEvent> events = cleanEvents(FIREFOX, 2);
    assertThat(events).hasSize(16); // 2 opens, 7 + 5 frames (ping and pong skipped), 2 closes
    assertThat(events.get(0).url()).isEqualTo("/?v=1&encoding=json"); // an https:// URL
    assertThat(events.get(0).nanos()).isEqualTo(nanos("2024-11-28T10:33:20Z"));
    assertThat(events.get(1).nanos()).isEqualTo(1_732_790_000_010_000_000L); // milliseconds

    List<CaptureEvent> closes =
        events.stream().filter(e -> e.type() == CaptureEvent.Type.CLOSE).toList();
    assertThat(closes).hasSize(2);
    assertThat(closes.get(0).code()).isEqualTo(4009); // from the frame's code field
    assertThat(closes.get(0).by()).isEqualTo(Initiator.SERVER);
    assertThat(closes.get(0).reason()).isEqualTo("Session timed out");
    assertThat(closes.get(0).nanos()).isEqualTo(1_732_790_082_600_000_000L); // not the echo's
    assertThat(closes.get(1).code()).isEqualTo(1000); // from the frame's data
    assertThat(closes.get(1).by()).isEqualTo(Initiator.CLIENT);

    CaptureEvent secondOpen = events.get(9);
    assertThat(secondOpen.type()).isEqualTo(CaptureEvent.Type.OPEN);
    assertThat(secondOpen.url()).isEqualTo("/?v=1&encoding=json&compress=zlib-stream");
    CaptureEvent compressedHello = events.get(10);
    assertThat(compressedHello.binary()).isTrue();
    assertThat(text(compressedHello)).isEqualTo("{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}");
    assertThat(text(events.get(12))).isEqualTo("{\"t\":\"RESUMED\",\"s\":2,\"op\":0,\"d\":{}}");
  }

  @Test
  void socketsAreInterleavedByTimeStablyAndOpenNoLaterThanTheirFirstMessage() throws Exception {
    HarReader.Result r =
        read(
            har(
                ws(
                    "wss://g/?v=1",
                    "2024-11-28T10:33:20.000Z",
                    msg("receive", "1732790000.010", 1, "{\"op\":10}"),
                    msg("send", "1732790000.030", 1, "{\"op\":1,\"d\":null}"),
                    msg("receive", "1732790000.030", 1, "{\"op\":11}")),
                ws(
                    "wss://g/?v=1",
                    "2024-11-28T10:33:20.500Z", // after its first message: opens at that message
                    msg("receive", "1732790000.020", 1, "{\"op\":10}"))));

    assertThat(r.events())
        .extracting(e -> e.conn() + " " + e.type() + " " + e.nanos() / 1_000_000)
        .containsExactly(
            "h:0 OPEN 1732790000000",
            "h:0 FRAME 1732790000010",
            "h:1 OPEN 1732790000020",
            "h:1 FRAME 1732790000020",
            "h:0 FRAME 1732790000030",
            "h:0 FRAME 1732790000030");
    assertThat(text(r.events().get(4))).isEqualTo("{\"op\":1,\"d\":null}");
  }

  @Test
  void theTimeUnitIsToldByItsMagnitude() throws Exception {
    HarReader.Result r =
        read(
            har(
                ws(
                    "wss://g/",
                    "2024-11-28T10:33:20Z",
                    msg("receive", "1732790000.25", 1, "{}"), // seconds: below 1e11
                    msg("receive", "1732790000250.5", 1, "{}"), // milliseconds
                    msg("receive", "99999999999", 1, "{}")))); // seconds: the year 5138
    assertThat(r.events())
        .extracting(CaptureEvent::nanos)
        .containsExactly( // the open, then the two messages at the same instant
            1_732_790_000_000_000_000L, 1_732_790_000_250_000_000L, 1_732_790_000_250_500_000L);
    assertThat(r.rejections())
        .containsExactly(
            new HarReader.Rejection(
                5, "entries[0]._webSocketMessages[2].time: not an epoch time: 99999999999"));
  }

  @Test
  void badMessagesAreNamedRejectionsAndTheRestIsProcessed() throws Exception {
    HarReader.Result r =
        read(
            har(
                "{\"request\":{\"url\":\"https://app/\"},\"startedDateTime\":\"2024-11-28T10:33:20Z\"}",
                ws(
                    "wss://g/?v=1&encoding=etf",
                    "2024-11-28T10:33:20Z",
                    msg("receive", "1732790000.010", 1, "{\"op\":10}"),
                    msg("receive", "1732790000.011", 3, "x"),
                    msg("receive", "1732790000.012", 2, "not base64!"),
                    msg("upstream", "1732790000.013", 1, "{}"),
                    "{\"type\":\"send\",\"opcode\":1,\"data\":\"{}\"}",
                    msg("receive", "1732790000.014", 1, "x".repeat(1001)),
                    msg("receive", "1732790000.015", 8, "going away"),
                    "\"a string\"",
                    msg("receive", "1732790000.016", 2, "g3cCb2s="),
                    msg("receive", "1732790000.017", 8, "4000"))));

    assertThat(r.rejections())
        .containsExactly(
            new HarReader.Rejection(
                5,
                "entries[1]._webSocketMessages[1].opcode: 3 is not a WebSocket message (1, 2, 8,"
                    + " 9 or 10)"),
            new HarReader.Rejection(6, "entries[1]._webSocketMessages[2].data: not base64"),
            new HarReader.Rejection(
                7, "entries[1]._webSocketMessages[3].type: expected send or receive"),
            new HarReader.Rejection(8, "entries[1]._webSocketMessages[4].time: required"),
            new HarReader.Rejection(
                9,
                "entries[1]._webSocketMessages[5]: message of 1001 bytes is over the limit of"
                    + " 1000"),
            new HarReader.Rejection(
                10, "entries[1]._webSocketMessages[6].code: expected a close code in code or data"),
            new HarReader.Rejection(11, "entries[1]._webSocketMessages[7]: expected an object"));
    assertThat(r.sockets()).isEqualTo(1); // the page's own request is not a socket
    assertThat(r.events())
        .extracting(e -> e.type() + " " + e.binary() + " " + e.code())
        .containsExactly("OPEN false 0", "FRAME false 0", "FRAME true 0", "CLOSE false 4000");
    assertThat(r.events().get(2).payload()).containsExactly(0x83, 0x77, 0x02, 0x6f, 0x6b);
  }

  @Test
  void aCloseFrameWithoutACodeIsNoStatusAndNothingAfterItCounts() throws Exception {
    HarReader.Result r =
        read(
            har(
                ws(
                    "wss://g/",
                    "2024-11-28T10:33:20Z",
                    msg("send", "1732790000.010", 8, ""),
                    msg("receive", "1732790000.011", 8, "4000"),
                    msg("receive", "1732790000.012", 1, "{\"op\":11}"))));
    assertThat(r.events())
        .extracting(e -> e.type() + " " + e.code() + " " + e.by())
        .containsExactly("OPEN 0 null", "CLOSE 1005 CLIENT");
  }

  @Test
  void whatIsNotAReadableHarIsRefusedSayingWhy() {
    assertThatThrownBy(() -> read("{\"log\": nope"))
        .isInstanceOf(CaptureFormatException.class)
        .hasMessageStartingWith("not valid JSON at line 1: Unrecognized token");
    assertThatThrownBy(() -> read("[1]"))
        .hasMessage("not a HAR: expected a JSON object with log.entries");
    assertThatThrownBy(() -> read("{\"log\":{\"version\":\"1.2\"}}"))
        .hasMessage("not a HAR: log.entries: required (an array)");
    assertThatThrownBy(() -> read(har()))
        .hasMessage(
            "no WebSocket entry in the HAR (0 entries); export it from the developer tools'"
                + " network panel with the WebSocket open");
    assertThatThrownBy(
            () ->
                read(
                    har(
                        "{\"request\":{\"url\":\"https://app/\"},\"startedDateTime\":\"x\"}",
                        "{\"request\":{\"url\":\"https://app/a.js\"}}")))
        .hasMessageStartingWith("no WebSocket entry in the HAR (2 entries)");
    HarReader small = new HarReader(new TokenRedactor(fingerprinter), 1000, 100);
    String many =
        har(
            ws(
                "wss://g/",
                "2024-11-28T10:33:20Z",
                msg("receive", "1", 1, "{}"),
                msg("receive", "2", 1, "{}")));
    assertThatThrownBy(
            () -> small.read(new ByteArrayInputStream(many.getBytes(StandardCharsets.UTF_8)), ""))
        .hasMessage(
            "the HAR's WebSocket messages are over 100 bytes; they are held to be sorted by time:"
                + " split the HAR");
  }

  @Test
  void aHarIsToldFromACaptureByItsFirstMember() {
    assertThat(starts("{\"log\":{}}")).isTrue();
    assertThat(starts("\uFEFF\n  {\n    \"log\": {")).isTrue();
    assertThat(starts("{\"ts\":1,\"conn\":\"a\",\"type\":\"open\"}")).isFalse();
    assertThat(starts("{\"logs\":1}")).isFalse();
    assertThat(starts("")).isFalse();
    assertThat(reader.hasLog(bytes("{\"version\":1,\"log\":{}}"))).isTrue();
    assertThat(reader.hasLog(bytes("{\"ts\":1}\n{\"log\":1}"))).isFalse();
    assertThat(reader.hasLog(bytes("not json"))).isFalse();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static boolean starts(String s) {
    byte[] b = bytes(s);
    return HarReader.startsLikeHar(b, b.length);
  }

  @Test
  void theUrlKeepsItsPathAndTheGatewaysQueryOnly() {
    assertThat(HarReader.gatewayUrl("wss://gateway.example/?v=10&encoding=etf&token=abc"))
        .isEqualTo("/?v=10&encoding=etf");
    assertThat(
            HarReader.gatewayUrl("https://u:p@g.example:443/gw/ws?token=a&compress=zstd-stream#x"))
        .isEqualTo("/gw/ws?compress=zstd-stream");
    assertThat(HarReader.gatewayUrl("wss://g.example")).isEqualTo("/");
    assertThat(HarReader.gatewayUrl("wss://g.example/?encoding=json%26token%3Dabc"))
        .isEqualTo("/"); // a value that is not a plain word is dropped, not re-encoded
    assertThat(HarReader.gatewayUrl(null)).isNull();
  }
}
