package io.gatewatch.capture;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Encoding;
import io.gatewatch.protocol.FrameScanner;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.protocol.ScannedFrame;
import io.gatewatch.protocol.TokenFingerprinter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class CaptureWriterTest {
  static final TokenFingerprinter FP = new TokenFingerprinter(new byte[] {7});
  static final FrameScanner SCANNER = new FrameScanner(FP);
  static final long T0 = 1_732_790_000_000_000_000L;
  static final String SECRET = "valid-secret-token";

  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  CaptureWriterTest() {
    logs.start();
    ((Logger) LoggerFactory.getLogger(CaptureWriter.class)).addAppender(logs);
  }

  @AfterEach
  void detach() {
    ((Logger) LoggerFactory.getLogger(CaptureWriter.class)).detachAppender(logs);
  }

  /** Scans {@code json} as the tracker would, then hands it to the writer as the proxy does. */
  static void frame(CaptureWriter w, String conn, long ms, Direction from, String json) {
    byte[] b = json.getBytes(UTF_8);
    ScannedFrame read = new ScannedFrame();
    SCANNER.scan(b, 0, b.length, read);
    w.frame(conn, T0 + ms * 1_000_000L, from, Encoding.JSON, b, 0, b.length, read, b.length);
  }

  static CaptureWriter writer(CaptureWriter.Settings s) throws IOException {
    return new CaptureWriter(s, new TokenRedactor(FP));
  }

  static String size(String json) {
    return String.valueOf(json.getBytes(UTF_8).length);
  }

  @Test
  void byDefaultOnlyWhatTheTrackerReadsIsKept(@TempDir Path dir) throws Exception {
    String hello = "{\"op\":10,\"d\":{\"heartbeat_interval\":41250,\"_trace\":[\"gw-prd-1\"]}}";
    String identify =
        "{\"op\":2,\"d\":{\"token\":\""
            + SECRET
            + "\",\"properties\":{\"os\":\"linux\",\"browser\":\"fluxerjs\",\"device\":\"fluxerjs\","
            + "\"browser_user_agent\":\"Mozilla/5.0\"},\"presence\":{\"status\":\"online\","
            + "\"activities\":[{\"name\":\"My secret project\"}]},\"shard\":[0,1],\"intents\":513}}";
    String ready =
        "{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"session_id\":\"abc\",\"user\":{\"id\":\"42\","
            + "\"username\":\"alice\"},\"guilds\":[{\"id\":\"7\",\"name\":\"Alice's guild\"}]}}";
    String message =
        "{\"t\":\"MESSAGE_CREATE\",\"s\":2,\"op\":0,\"d\":{\"content\":\"meet me at 6\","
            + "\"author\":{\"username\":\"bob\"}}}";
    String error = "{\"op\":12,\"d\":{\"code\":4008,\"message\":\"slow down, alice\"}}";
    String presence = "{\"op\":3,\"d\":{\"status\":\"dnd\",\"activities\":[{\"name\":\"x\"}]}}";
    String resume =
        "{\"op\":6,\"d\":{\"token\":\"" + SECRET + "\",\"session_id\":\"abc\",\"seq\":2}}";
    String truncated = "{\"op\":2,\"d\":{\"token\":\"valid-sec";
    Path file = dir.resolve("c.ndjson");
    try (CaptureWriter w = writer(CaptureWriter.Settings.of(file))) {
      w.open("c1", T0, "/?v=1&encoding=json");
      frame(w, "c1", 1, Direction.SERVER, hello);
      frame(w, "c1", 5, Direction.CLIENT, identify);
      frame(w, "c1", 50, Direction.SERVER, ready);
      frame(w, "c1", 60, Direction.SERVER, message);
      frame(w, "c1", 1000, Direction.CLIENT, "{\"op\":1,\"d\":2}");
      frame(w, "c1", 1042, Direction.SERVER, "{\"op\":11}");
      frame(w, "c1", 1100, Direction.SERVER, error);
      frame(w, "c1", 1200, Direction.CLIENT, presence);
      frame(w, "c1", 1300, Direction.SERVER, "{\"op\":9,\"d\":false}");
      frame(w, "c1", 1400, Direction.CLIENT, resume);
      frame(w, "c1", 1500, Direction.CLIENT, truncated);
      w.frameNotRead(
          "c1", T0 + 1_600_000_000L, Direction.SERVER, 300, CaptureEvent.Unread.UNOBSERVED);
      w.close("c1", T0 + 41_000_123_456L, 4009, "Heartbeat timeout", Initiator.SERVER);
    }
    String fp = TokenFingerprinter.redacted(FP.fingerprint(SECRET));
    assertThat(Files.readAllLines(file))
        .containsExactly(
            "{\"ts\":1732790000000,\"conn\":\"c1\",\"type\":\"open\",\"url\":\"/?v=1&encoding=json\"}",
            "{\"ts\":1732790000001,\"conn\":\"c1\",\"type\":\"frame\",\"from\":\"server\",\"size\":"
                + size(hello)
                + ",\"frame\":{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}}",
            "{\"ts\":1732790000005,\"conn\":\"c1\",\"type\":\"frame\",\"from\":\"client\",\"size\":"
                + size(identify)
                + ",\"frame\":{\"op\":2,\"d\":{\"token\":\""
                + fp
                + "\",\"properties\":{\"os\":\"linux\",\"browser\":\"fluxerjs\","
                + "\"device\":\"fluxerjs\"},\"shard\":[0,1]}}}",
            "{\"ts\":1732790000050,\"conn\":\"c1\",\"type\":\"frame\",\"from\":\"server\",\"size\":"
                + size(ready)
                + ",\"frame\":{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"session_id\":\"abc\"}}}",
            "{\"ts\":1732790000060,\"conn\":\"c1\",\"type\":\"frame\",\"from\":\"server\",\"size\":"
                + size(message)
                + ",\"frame\":{\"op\":0,\"s\":2,\"t\":\"MESSAGE_CREATE\"}}",
            "{\"ts\":1732790001000,\"conn\":\"c1\",\"type\":\"frame\",\"from\":\"client\",\"size\":14,"
                + "\"frame\":{\"op\":1,\"d\":2}}",
            "{\"ts\":1732790001042,\"conn\":\"c1\",\"type\":\"frame\",\"from\":\"server\",\"size\":9,"
                + "\"frame\":{\"op\":11}}",
            "{\"ts\":1732790001100,\"conn\":\"c1\",\"type\":\"frame\",\"from\":\"server\",\"size\":"
                + size(error)
                + ",\"frame\":{\"op\":12,\"d\":{\"code\":4008}}}",
            "{\"ts\":1732790001200,\"conn\":\"c1\",\"type\":\"frame\",\"from\":\"client\",\"size\":"
                + size(presence)
                + ",\"frame\":{\"op\":3}}",
            "{\"ts\":1732790001300,\"conn\":\"c1\",\"type\":\"frame\",\"from\":\"server\",\"size\":18,"
                + "\"frame\":{\"op\":9,\"d\":false}}",
            "{\"ts\":1732790001400,\"conn\":\"c1\",\"type\":\"frame\",\"from\":\"client\",\"size\":"
                + size(resume)
                + ",\"frame\":{\"op\":6,\"d\":{\"token\":\""
                + fp
                + "\",\"session_id\":\"abc\",\"seq\":2}}}",
            "{\"ts\":1732790001500,\"conn\":\"c1\",\"type\":\"frame\",\"from\":\"client\",\"size\":"
                + size(truncated)
                + ",\"frame\":\"\"}",
            "{\"ts\":1732790001600,\"conn\":\"c1\",\"type\":\"frame\",\"from\":\"server\",\"size\":300,"
                + "\"unread\":\"unobserved\"}",
            "{\"ts\":1732790041000.123456,\"conn\":\"c1\",\"type\":\"close\",\"code\":4009,"
                + "\"reason\":\"Heartbeat timeout\",\"by\":\"server\"}");
    String all = Files.readString(file);
    for (String gone :
        List.of(
            "valid-sec",
            "alice",
            "Alice",
            "bob",
            "meet me",
            "online",
            "dnd",
            "My secret project",
            "Mozilla",
            "guild",
            "intents",
            "_trace",
            "slow down")) {
      assertThat(all).as("the capture holds %s", gone).doesNotContain(gone);
    }
  }

  @Test
  void withPayloadsEveryFrameIsKeptInFullButNoToken(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("c.ndjson");
    String identify = "{\"op\":2,\"d\":{\"token\":\"" + SECRET + "\"}}";
    String garbage = "{\"op\":2,\"d\":{\"token\":\"valid-sec";
    String message = "{\"op\":0,\"s\":2,\"t\":\"MESSAGE_CREATE\",\"d\":{\"content\":\"hi\"}}";
    CaptureWriter w = writer(CaptureWriter.Settings.of(file).withPayloads(true));
    w.open("c1", 1_000_000L, "/?v=1");
    frame(w, "c1", 1, Direction.CLIENT, identify);
    frame(w, "c1", 2, Direction.CLIENT, garbage);
    frame(w, "c1", 3, Direction.SERVER, message);
    w.close("c1", 4_000_000L, 1006, "", Initiator.NONE);
    w.close();
    frame(w, "c1", 5, Direction.SERVER, message); // after close: dropped, counted

    assertThat(w.records()).isEqualTo(5);
    assertThat(w.bytes()).isEqualTo(Files.size(file));
    assertThat(w.dropped(CaptureWriter.Dropped.STOPPED)).isEqualTo(1);
    assertThat(w.dropped(CaptureWriter.Dropped.QUEUE_FULL)).isZero();
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(5).noneMatch(l -> l.contains("valid-sec"));
    assertThat(lines.get(3))
        .isEqualTo(
            "{\"ts\":1732790000003,\"conn\":\"c1\",\"type\":\"frame\",\"from\":\"server\","
                + "\"frame\":"
                + message
                + "}");
    CaptureParser parser = new CaptureParser();
    CaptureEvent redacted = parser.parse(lines.get(1).getBytes(UTF_8));
    assertThat(redacted.size()).isEqualTo(identify.length()); // redaction changed the length
    CaptureEvent bad = parser.parse(lines.get(2).getBytes(UTF_8));
    assertThat(new String(bad.payload(), UTF_8))
        .startsWith("{\"op\":2,\"d\":{\"token\":\"<redacted:");
    assertThat(parser.parse(lines.get(4).getBytes(UTF_8)).code()).isEqualTo(1006);
  }

  @Test
  void rotatesCompressesAndKeepsOnlyTheNewest(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("eu-west.ndjson");
    String ack = "{\"op\":11}";
    List<String> written = new ArrayList<>();
    CaptureWriter.Settings settings = CaptureWriter.Settings.of(file).withRotation(1024, 2);
    try (CaptureWriter w = writer(settings)) {
      for (int i = 0; i < 60; i++) {
        frame(w, "c" + i, 1000L * i, Direction.SERVER, ack);
      }
    }
    // A line is 91 bytes with its newline (92 from "c10" on): 11 fit in 1 KiB, the 12th starts a
    // new file, so the 60 lines rotate at c11, c22, c33, c44 and c55.
    for (int i = 0; i < 60; i++) {
      written.add(
          "{\"ts\":"
              + (1_732_790_000_000L + 1000L * i)
              + ",\"conn\":\"c"
              + i
              + "\",\"type\":\"frame\",\"from\":\"server\",\"size\":9,\"frame\":{\"op\":11}}");
    }
    assertThat(written.get(9).length()).isEqualTo(90);
    assertThat(written.get(10).length()).isEqualTo(91);
    // named after the moment of rotation (the capture's time: c44 at T0 + 44 s, c55 at + 55 s)
    assertThat(names(dir))
        .containsExactly(
            "eu-west.ndjson",
            "eu-west.ndjson.20241128T103404.000Z.gz",
            "eu-west.ndjson.20241128T103415.000Z.gz");
    // the newest two rotated files and the active one hold the lines from c33 on, in order
    List<String> kept = new ArrayList<>();
    kept.addAll(gunzip(dir.resolve("eu-west.ndjson.20241128T103404.000Z.gz")));
    kept.addAll(gunzip(dir.resolve("eu-west.ndjson.20241128T103415.000Z.gz")));
    kept.addAll(Files.readAllLines(file));
    assertThat(kept).containsExactlyElementsOf(written.subList(33, 60));
    assertThat(Files.size(file)).isLessThanOrEqualTo(1024);
  }

  @Test
  void theCountersAddUpAcrossRotations(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("c.ndjson");
    CaptureWriter w = writer(CaptureWriter.Settings.of(file).withRotation(1024, 0));
    for (int i = 0; i < 60; i++) {
      frame(w, "c" + i, 1000L * i, Direction.SERVER, "{\"op\":11}");
    }
    w.close();
    assertThat(w.records()).isEqualTo(60);
    assertThat(w.rotations()).isEqualTo(5);
    assertThat(w.bytes()).isEqualTo(10 * 91 + 50 * 92); // "c0".."c9" are a byte shorter
    assertThat(names(dir)).containsExactly("c.ndjson"); // keep 0: rotated files are deleted
  }

  @Test
  void aRestartFinishesWhatACrashLeft(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("c.ndjson");
    Files.writeString(file, "{\"ts\":1,\"conn\":\"a\",\"type\":\"open\"}\n");
    Files.writeString(dir.resolve("c.ndjson.20241128T104600.000Z"), "uncompressed\n");
    Files.writeString(dir.resolve("c.ndjson.20241128T104610.000Z.gz.part"), "partial");
    for (String old : List.of("20241128T104500.000Z", "20241128T104510.000Z")) {
      gzip(dir.resolve("c.ndjson." + old + ".gz"), old + "\n");
    }
    Files.writeString(dir.resolve("c.ndjson.notes"), "not ours");
    Files.writeString(dir.resolve("other.ndjson.20241128T104600.000Z.gz"), "not ours");
    try (CaptureWriter w = writer(CaptureWriter.Settings.of(file).withRotation(1024, 2))) {
      frame(w, "b", 0, Direction.SERVER, "{\"op\":11}");
    }
    assertThat(names(dir))
        .containsExactly(
            "c.ndjson",
            "c.ndjson.20241128T104510.000Z.gz",
            "c.ndjson.20241128T104600.000Z.gz",
            "c.ndjson.notes",
            "other.ndjson.20241128T104600.000Z.gz");
    assertThat(gunzip(dir.resolve("c.ndjson.20241128T104600.000Z.gz")))
        .containsExactly("uncompressed");
    assertThat(Files.readAllLines(file)).hasSize(2); // appended to
  }

  @Test
  void aFullDiskStopsTheCaptureCountsAndLogsOnce(@TempDir Path dir) throws Exception {
    Path full = Path.of("/dev/full");
    assumeThat(Files.isWritable(full)).as("/dev/full (ENOSPC on every write)").isTrue();
    Path file = dir.resolve("full.ndjson"); // a link, so nothing under /dev is ever renamed
    Files.createSymbolicLink(file, full);
    CaptureWriter w = writer(CaptureWriter.Settings.of(file).withRotation(1024, 2));
    for (int i = 0; i < 100; i++) {
      frame(w, "c", i, Direction.SERVER, "{\"op\":11}");
    }
    w.close();
    assertThat(w.records()).isZero();
    assertThat(w.bytes()).isZero();
    assertThat(w.rotations()).isZero();
    assertThat(w.stopped()).isTrue();
    assertThat(
            w.dropped(CaptureWriter.Dropped.STOPPED) + w.dropped(CaptureWriter.Dropped.QUEUE_FULL))
        .isEqualTo(100);
    assertThat(errors()).hasSize(1);
    assertThat(errors().get(0))
        .contains("capture " + file + " stopped", "No space left on device", "the relay goes on");
    assertThat(Files.isSymbolicLink(file)).isTrue();
  }

  @Test
  void aVanishedDirectoryStopsTheCaptureAtTheNextRotation(@TempDir Path dir) throws Exception {
    Path sub = Files.createDirectory(dir.resolve("captures"));
    Path file = sub.resolve("c.ndjson");
    CaptureWriter w = writer(CaptureWriter.Settings.of(file).withRotation(1024, 2));
    frame(w, "c", 0, Direction.SERVER, "{\"op\":11}");
    org.awaitility.Awaitility.await().until(() -> w.records() == 1);
    Files.delete(file);
    Files.delete(sub);
    for (int i = 1; i < 40; i++) {
      frame(w, "c", i, Direction.SERVER, "{\"op\":11}");
    }
    w.close();
    // the open (unlinked) file took lines until the first rotation, which could not rename it:
    // 11 lines of 90 bytes fit in 1 KiB, the 12th asked for the rotation
    assertThat(w.stopped()).isTrue();
    assertThat(w.rotations()).isZero();
    assertThat(w.records()).isEqualTo(11);
    assertThat(w.dropped(CaptureWriter.Dropped.STOPPED)).isEqualTo(29);
    assertThat(errors()).hasSize(1);
  }

  @Test
  void aDeviceIsWrittenButNeverRotated(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("null.ndjson");
    Files.createSymbolicLink(file, Path.of("/dev/null"));
    CaptureWriter w = writer(CaptureWriter.Settings.of(file).withRotation(1024, 1));
    for (int i = 0; i < 50; i++) {
      frame(w, "c", i, Direction.SERVER, "{\"op\":11}");
    }
    w.close();
    assertThat(w.records()).isEqualTo(50);
    assertThat(w.rotations()).isZero();
    assertThat(Files.isSymbolicLink(file)).isTrue();
    assertThat(names(dir)).containsExactly("null.ndjson");
  }

  @Test
  void everyRecordIsWrittenOrCountedAsDropped(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("c.ndjson");
    CaptureWriter w =
        new CaptureWriter(
            CaptureWriter.Settings.of(file).withPayloads(true), new TokenRedactor(FP), 4);
    int offered = 5_000;
    for (int i = 0; i < offered; i++) {
      frame(w, "c", i, Direction.SERVER, "{\"op\":0,\"s\":1,\"t\":\"X\",\"d\":{\"n\":" + i + "}}");
    }
    w.close();
    long queueFull = w.dropped(CaptureWriter.Dropped.QUEUE_FULL);
    assertThat(w.records() + queueFull).isEqualTo(offered);
    assertThat(Files.readAllLines(file)).hasSize((int) w.records());
    if (queueFull > 0) {
      assertThat(logs.list)
          .filteredOn(e -> e.getLevel() == Level.WARN)
          .extracting(ILoggingEvent::getFormattedMessage)
          .filteredOn(m -> m.contains("falling behind"))
          .hasSize(1);
    }
  }

  @Test
  void anUnwritablePathFailsAtStartNamingIt(@TempDir Path dir) {
    Path file = dir.resolve("missing/c.ndjson");
    assertThatThrownBy(() -> writer(CaptureWriter.Settings.of(file)))
        .isInstanceOf(IOException.class)
        .hasMessage("cannot write the capture " + file + ": no such file");
  }

  @Test
  void settingsAreCheckedAndTheDiskBoundSaid() {
    CaptureWriter.Settings s = CaptureWriter.Settings.of(Path.of("x.ndjson"));
    assertThat(s.payloads()).isFalse();
    assertThat(s.maxFileBytes()).isEqualTo(100L << 20);
    assertThat(s.keep()).isEqualTo(10);
    assertThat(s.maxDiskBytes()).isEqualTo(1200L << 20);
    assertThatThrownBy(() -> s.withRotation(1023, 1))
        .hasMessage("captureMaxSize: must be at least 1KiB");
    assertThatThrownBy(() -> s.withRotation(1024, -1))
        .hasMessage("captureKeep: must not be negative");
  }

  private List<String> errors() {
    return logs.list.stream()
        .filter(e -> e.getLevel() == Level.ERROR)
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  static List<String> gunzip(Path p) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(p))) {
      return new String(in.readAllBytes(), UTF_8).lines().toList();
    }
  }

  static void gzip(Path p, String text) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(b)) {
      out.write(text.getBytes(UTF_8));
    }
    Files.write(p, b.toByteArray());
  }
}
