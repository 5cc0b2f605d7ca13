package io.gatewatch.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatewatch.protocol.FrameScannerTest.Snapshot;
import java.io.IOException;
import java.util.Arrays;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Generated frames (the JSON scanner's generator) written as Erlang terms: the ETF reader reads
 * what the JSON scanner reads from the JSON; and no input, random or a mutated term, makes it
 * throw.
 */
class EtfScannerProperties {
  static final EtfScanner ETF = EtfScannerTest.ETF;
  static final FrameScanner JSON = FrameScannerTest.SCANNER;

  /**
   * Spellings where a JSON array of small integers stays a list (term_to_binary's byte lists are
   * strings to a reader, so {@code "t":[82,69]} would read as a name there: covered by the unit
   * tests instead).
   */
  static final Terms.Spelling[] SPELLINGS = {Terms.Spelling.BINARIES, Terms.Spelling.OLD};

  @Property(tries = 1500)
  void readsWhatTheJsonScannerReads(
      @ForAll("frames") String frame, @ForAll @IntRange(max = 1) int spelling) throws IOException {
    // JSON escapes are read raw by the JSON scanner (its documented leniency), decoded here
    Assume.that(!frame.contains("\\"));
    JsonNode tree = FrameScannerProperties.MAPPER.readTree(frame);
    byte[] term = Terms.of(tree, SPELLINGS[spelling]);

    ScannedFrame fromJson = new ScannedFrame();
    JSON.scan(frame, fromJson);
    ScannedFrame fromTerm = new ScannedFrame();
    boolean ok = ETF.scan(term, 0, term.length, fromTerm);

    assertThat(ok).isEqualTo(!fromJson.malformed());
    assertThat(fromTerm.size()).isEqualTo(term.length);
    assertThat(EtfScannerTest.withSize(Snapshot.of(fromTerm), fromJson.size()))
        .isEqualTo(Snapshot.of(fromJson));
  }

  @Property(tries = 300)
  void everyTruncationIsMalformed(@ForAll("frames") String frame) throws IOException {
    byte[] term = Terms.of(FrameScannerProperties.MAPPER.readTree(frame), Terms.Spelling.ERLANG);
    ScannedFrame f = new ScannedFrame();
    for (int n = 0; n < term.length; n++) {
      assertThat(ETF.scan(term, 0, n, f)).as("cut at %d of %d", n, term.length).isFalse();
      assertThat(f.malformed()).isTrue();
    }
  }

  @Property(tries = 2000)
  void randomBytesNeverThrow(
      @ForAll @Size(max = 300) byte[] bytes, @ForAll @IntRange(max = 300) int cut) {
    byte[] b = bytes.clone();
    if (b.length > 1) {
      b[0] = (byte) EtfScanner.VERSION; // past the first check
      b[1] = (byte) EtfScanner.MAP_EXT;
    }
    ScannedFrame f = new ScannedFrame();
    int len = Math.min(cut, b.length);
    boolean ok = ETF.scan(b, 0, len, f);
    assertThat(ok).isEqualTo(!f.malformed());
    assertThat(f.size()).isEqualTo(len);
  }

  @Property(tries = 3000)
  void mutatedTermsNeverThrowAndStayInsideTheirBytes(
      @ForAll("frames") String frame,
      @ForAll @IntRange(max = 2) int spelling,
      @ForAll @Size(min = 1, max = 6) int[] positions,
      @ForAll @Size(min = 6, max = 6) byte[] values)
      throws IOException {
    byte[] term =
        Terms.of(FrameScannerProperties.MAPPER.readTree(frame), Terms.Spelling.ALL[spelling]);
    byte[] b = term.clone();
    for (int i = 0; i < positions.length; i++) {
      b[Math.floorMod(positions[i], b.length)] = values[i];
    }
    // the frame sits inside a larger buffer whose other bytes must never be read as the frame's
    byte[] padded = new byte[b.length + 16];
    Arrays.fill(padded, (byte) EtfScanner.LIST_EXT);
    System.arraycopy(b, 0, padded, 8, b.length);
    ScannedFrame alone = new ScannedFrame();
    ScannedFrame inside = new ScannedFrame();
    boolean ok = ETF.scan(b, 0, b.length, alone);
    assertThat(ETF.scan(padded, 8, b.length, inside)).isEqualTo(ok);
    Snapshot a = Snapshot.of(alone);
    Snapshot i = Snapshot.of(inside);
    assertThat(i).isEqualTo(a);
    if (ok && alone.tokenStart() >= 0) {
      assertThat(inside.tokenStart()).isEqualTo(alone.tokenStart() + 8);
    }
  }

  @Provide
  Arbitrary<String> frames() {
    return new FrameScannerProperties().frames();
  }
}
