package io.gatewatch.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.protocol.TokenFingerprinter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaptureWriterTest {

  @Test
  void writesParseableLinesWithoutTokensAndCountsWhatItCouldNotTake(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("c.ndjson");
    CaptureWriter w =
        new CaptureWriter(file, new TokenRedactor(new TokenFingerprinter(new byte[] {7})), 16);
    byte[] identify =
        "{\"op\":2,\"d\":{\"token\":\"valid-secret\"}}".getBytes(StandardCharsets.UTF_8);
    byte[] garbage = "{\"op\":2,\"d\":{\"token\":\"valid-sec".getBytes(StandardCharsets.UTF_8);
    w.open("c1", 1_000_000L, "/?v=1");
    w.frame("c1", 2_500_001L, Direction.CLIENT, identify, 0, identify.length);
    w.frame("c1", 3_000_000L, Direction.CLIENT, garbage, 0, garbage.length);
    w.close("c1", 4_000_000L, 1006, "", Initiator.NONE);
    w.close();
    w.frame("c1", 5_000_000L, Direction.SERVER, identify, 0, identify.length); // after close

    assertThat(w.written()).isEqualTo(4);
    assertThat(w.dropped()).isEqualTo(1);
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(4).noneMatch(l -> l.contains("valid-sec"));
    assertThat(lines.get(1)).startsWith("{\"ts\":2.500001,\"conn\":\"c1\",\"type\":\"frame\"");
    CaptureParser parser = new CaptureParser();
    CaptureEvent frame = parser.parse(lines.get(1).getBytes(StandardCharsets.UTF_8));
    assertThat(frame.size()).isEqualTo(identify.length); // redaction changed the length
    CaptureEvent bad = parser.parse(lines.get(2).getBytes(StandardCharsets.UTF_8));
    assertThat(new String(bad.payload(), StandardCharsets.UTF_8))
        .startsWith("{\"op\":2,\"d\":{\"token\":\"<redacted:");
    assertThat(parser.parse(lines.get(3).getBytes(StandardCharsets.UTF_8)).code()).isEqualTo(1006);
  }
}
