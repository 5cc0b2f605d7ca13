package io.gatewatch.capture;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.gatewatch.protocol.FrameScanner;
import io.gatewatch.protocol.FrameScannerProperties;
import io.gatewatch.protocol.ScannedFrame;
import io.gatewatch.protocol.TokenFingerprinter;
import java.io.IOException;
import java.io.StringWriter;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A metadata-only record, read back through the capture parser, scans to exactly what the tracker
 * read from the frame it stands for: the property that makes a metadata-only replay give the live
 * metrics. The frames are the scanner's own generated corpus (every opcode the scanner reads, keys
 * in any order, escapes, decoys, malformed values).
 */
class FrameMetadataProperties {
  static final TokenFingerprinter FP = new TokenFingerprinter("capture".getBytes(UTF_8));
  static final FrameScanner SCANNER = new FrameScanner(FP);

  /** Everything the tracker (and a capture, and client attribution) reads from a frame. */
  record TrackerView(
      boolean malformed,
      int op,
      boolean hasSeq,
      long seq,
      ScannedFrame.Event event,
      long heartbeatIntervalMs,
      String sessionId,
      boolean hasResumeSeq,
      long resumeSeq,
      boolean hasToken,
      long tokenFingerprint,
      int shardId,
      int shardCount,
      int invalidSessionResumable,
      ScannedFrame.HeartbeatData heartbeatData,
      long heartbeatSeq,
      String os,
      String browser,
      String device,
      boolean hasErrorCode,
      long errorCode) {

    static TrackerView of(ScannedFrame f) {
      return new TrackerView(
          f.malformed(),
          f.op(),
          f.hasSeq(),
          f.seq(),
          f.event(),
          f.heartbeatIntervalMs(),
          f.sessionId(),
          f.hasResumeSeq(),
          f.resumeSeq(),
          f.hasToken(),
          f.tokenFingerprint(),
          f.shardId(),
          f.shardCount(),
          f.invalidSessionResumable(),
          f.heartbeatData(),
          f.heartbeatSeq(),
          f.os(),
          f.browser(),
          f.device(),
          f.hasErrorCode(),
          f.errorCode());
    }
  }

  @Provide
  Arbitrary<String> frames() {
    return new FrameScannerProperties().frames();
  }

  @Property(tries = 2000)
  void theRecordReadsBackAsTheFrameWasRead(@ForAll("frames") String frame) throws Exception {
    byte[] bytes = frame.getBytes(UTF_8);
    ScannedFrame live = new ScannedFrame();
    SCANNER.scan(bytes, 0, bytes.length, live);

    String line =
        "{\"ts\":1,\"conn\":\"c\",\"type\":\"frame\",\"from\":\"client\",\"size\":"
            + bytes.length
            + ",\"frame\":"
            + record(live)
            + "}";
    CaptureEvent event = new CaptureParser().parse(line.getBytes(UTF_8));
    assertThat(event.size()).isEqualTo(bytes.length);
    ScannedFrame replayed = new ScannedFrame();
    SCANNER.scan(event.payload(), 0, event.payload().length, replayed);

    assertThat(TrackerView.of(replayed)).isEqualTo(TrackerView.of(live));
    String name = live.eventName();
    if (name != null && name.chars().noneMatch(c -> c == '\\' || c == '"' || c < 0x20)) {
      assertThat(replayed.eventName()).isEqualTo(name);
    }
  }

  static String record(ScannedFrame f) throws IOException {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      FrameMetadata.of(f).write(g);
    }
    return out.toString();
  }
}
