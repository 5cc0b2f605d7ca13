package io.gatewatch.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatewatch.protocol.FrameScannerTest.Snapshot;
import io.gatewatch.protocol.ScannedFrame.Event;
import io.gatewatch.protocol.ScannedFrame.HeartbeatData;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ETF envelope reader, on frames written in each spelling gateways and clients use: it reads
 * exactly what the JSON scanner reads from the same frame in JSON.
 */
class EtfScannerTest {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final TokenFingerprinter FP = FrameScannerTest.FINGERPRINTER;
  static final EtfScanner ETF = new EtfScanner(FP);
  static final FrameScanner JSON = FrameScannerTest.SCANNER;

  /** The frames of a session, each as the tracker needs it read. */
  static final List<String> FRAMES =
      List.of(
          "{\"op\":10,\"d\":{\"heartbeat_interval\":41250},\"s\":null,\"t\":null}",
          "{\"op\":2,\"d\":{\"token\":\"valid-abc\",\"properties\":{\"os\":\"linux\"},"
              + "\"shard\":[1,4],\"intents\":513}}",
          "{\"d\":{\"guilds\":[{\"id\":\"1\",\"voice_states\":[{\"session_id\":\"decoy\"}]}],"
              + "\"session_id\":\"s-123\",\"v\":10},\"op\":0,\"s\":1,\"t\":\"READY\"}",
          "{\"op\":6,\"d\":{\"token\":\"valid-abc\",\"session_id\":\"s-123\",\"seq\":42}}",
          "{\"op\":0,\"s\":43,\"t\":\"RESUMED\",\"d\":{}}",
          "{\"op\":0,\"s\":44,\"t\":\"MESSAGE_CREATE\",\"d\":{\"content\":\"h\u00e9\","
              + "\"id\":1300000000000000001,\"n\":-5,\"x\":1.5,\"ok\":true}}",
          "{\"op\":1,\"d\":44}",
          "{\"op\":1,\"d\":null}",
          "{\"op\":1,\"d\":\"nope\"}",
          "{\"op\":1}",
          "{\"op\":11}",
          "{\"op\":9,\"d\":false}",
          "{\"op\":9,\"d\":true}",
          "{\"op\":7,\"d\":null}",
          "{\"op\":2,\"d\":{\"token\":\"t\",\"shard\":[0,1000]}}",
          "{\"op\":2,\"d\":{\"token\":\"t\",\"shard\":[0]}}",
          "{\"op\":0,\"s\":9223372036854775807,\"t\":\"X\"}",
          "{\"op\":0,\"s\":-9223372036854775808,\"t\":\"X\"}",
          "{\"op\":0,\"s\":9223372036854775808,\"t\":\"X\"}",
          "{\"op\":2147483647}",
          "{\"op\":2147483648}",
          "{\"op\":-1}",
          "{\"op\":\"1\"}",
          "{\"d\":{}}",
          "{\"op\":2,\"d\":{\"token\":\"t\",\"properties\":{\"$os\":\"linux\",\"$browser\":\"disco\","
              + "\"$device\":\"disco\",\"extra\":{\"os\":\"no\"}}}}",
          "{\"op\":2,\"d\":{\"properties\":{\"os\":1,\"browser\":null,\"device\":\"d\"}}}",
          "{\"op\":12,\"d\":{\"code\":4008,\"message\":\"slow down\"}}");

  static List<Object[]> framesInEverySpelling() {
    List<Object[]> out = new java.util.ArrayList<>();
    for (String frame : FRAMES) {
      for (Terms.Spelling s : Terms.Spelling.ALL) {
        out.add(new Object[] {frame, s});
      }
    }
    return out;
  }

  static byte[] term(String json, Terms.Spelling spelling) {
    try {
      return Terms.of(MAPPER.readTree(json), spelling);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  static Snapshot scan(byte[] term) {
    ScannedFrame f = new ScannedFrame();
    ETF.scan(term, 0, term.length, f);
    return Snapshot.of(f);
  }

  @ParameterizedTest
  @MethodSource("framesInEverySpelling")
  void readsWhatTheJsonScannerReadsFromTheSameFrame(String json, Terms.Spelling spelling) {
    byte[] term = term(json, spelling);
    ScannedFrame fromJson = new ScannedFrame();
    JSON.scan(json, fromJson);
    Snapshot expected = Snapshot.of(fromJson);
    Snapshot actual = scan(term);
    assertThat(actual.size()).isEqualTo(term.length);
    assertThat(withSize(actual, expected.size())).isEqualTo(expected);
  }

  static Snapshot withSize(Snapshot s, int size) {
    return new Snapshot(
        s.malformed(),
        size,
        s.op(),
        s.hasSeq(),
        s.seq(),
        s.event(),
        s.eventName(),
        s.heartbeatIntervalMs(),
        s.sessionId(),
        s.hasResumeSeq(),
        s.resumeSeq(),
        s.hasToken(),
        s.tokenFingerprint(),
        s.token(),
        s.shardId(),
        s.shardCount(),
        s.invalidSessionResumable(),
        s.heartbeatData(),
        s.heartbeatSeq(),
        s.os(),
        s.browser(),
        s.device(),
        s.hasErrorCode(),
        s.errorCode());
  }

  @Test
  void exactFieldsOfIdentifyReadyAndHeartbeat() {
    Snapshot identify = scan(term(FRAMES.get(1), Terms.Spelling.ERLANG));
    assertThat(identify.op()).isEqualTo(2);
    assertThat(identify.hasToken()).isTrue();
    assertThat(identify.token()).isEqualTo("valid-abc");
    assertThat(identify.tokenFingerprint()).isEqualTo(FP.fingerprint(utf8("valid-abc"), 0, 9));
    assertThat(identify.shardId()).isEqualTo(1);
    assertThat(identify.shardCount()).isEqualTo(4);

    Snapshot ready = scan(term(FRAMES.get(2), Terms.Spelling.BINARIES));
    assertThat(ready.event()).isEqualTo(Event.READY);
    assertThat(ready.eventName()).isEqualTo("READY");
    assertThat(ready.sessionId()).isEqualTo("s-123"); // not the decoy nested in guilds
    assertThat(ready.seq()).isEqualTo(1);

    Snapshot heartbeat = scan(term(FRAMES.get(6), Terms.Spelling.OLD));
    assertThat(heartbeat.heartbeatData()).isEqualTo(HeartbeatData.INTEGER);
    assertThat(heartbeat.heartbeatSeq()).isEqualTo(44);

    Snapshot hello = scan(term(FRAMES.get(0), Terms.Spelling.ERLANG));
    assertThat(hello.heartbeatIntervalMs()).isEqualTo(41_250);
    assertThat(hello.hasSeq()).isFalse();
    assertThat(hello.eventName()).isNull(); // t => nil is no event name
  }

  @Test
  void theShardAsAByteListAsTermToBinaryWritesIt() {
    // #{op => 2, d => #{token => <<"t">>, shard => [0, 1]}}: [0, 1] is STRING_EXT 0 2 0 1
    byte[] term =
        bytes(
            131, 116, 0, 0, 0, 2, 119, 1, 'd', 116, 0, 0, 0, 2, 119, 5, 's', 'h', 'a', 'r', 'd',
            107, 0, 2, 0, 1, 119, 5, 't', 'o', 'k', 'e', 'n', 109, 0, 0, 0, 1, 't', 119, 2, 'o',
            'p', 97, 2);
    Snapshot s = scan(term);
    assertThat(s.malformed()).isFalse();
    assertThat(s.op()).isEqualTo(2);
    assertThat(s.shardId()).isZero();
    assertThat(s.shardCount()).isEqualTo(1);
    assertThat(s.token()).isEqualTo("t");
  }

  @Test
  void whatIsMalformed() {
    byte[] valid = term("{\"op\":11}", Terms.Spelling.ERLANG);
    assertThat(scan(valid).malformed()).isFalse();
    assertThat(scan(bytes()).malformed()).isTrue();
    assertThat(scan(bytes(131)).malformed()).isTrue();
    assertThat(scan(utf8("{\"op\":11}")).malformed()).as("JSON is no term").isTrue();
    // every truncation of a valid frame
    byte[] ready = term(FRAMES.get(2), Terms.Spelling.ERLANG);
    for (int n = 0; n < ready.length; n++) {
      assertThat(scan(Arrays.copyOf(ready, n)).malformed()).as("cut at %d", n).isTrue();
    }
    // trailing bytes
    assertThat(scan(Arrays.copyOf(valid, valid.length + 1)).malformed()).isTrue();
    // no version byte, a list instead of a map, an unknown tag, a pid
    assertThat(scan(Arrays.copyOfRange(valid, 1, valid.length)).malformed()).isTrue();
    assertThat(scan(bytes(131, 108, 0, 0, 0, 0, 106)).malformed()).isTrue();
    assertThat(scan(bytes(131, 116, 0, 0, 0, 1, 119, 2, 'o', 'p', 200)).malformed()).isTrue();
    assertThat(scan(bytes(131, 116, 0, 0, 0, 1, 119, 2, 'o', 'p', 88, 106)).malformed()).isTrue();
    // a compressed term (term_to_binary(T, [compressed])) is not read
    assertThat(scan(bytes(131, 80, 0, 0, 0, 10, 0x78, 0x9c)).malformed()).isTrue();
    // counts beyond the bytes: a map of 2^32-1 pairs, a list of 2^32-1 elements in d
    assertThat(scan(bytes(131, 116, 255, 255, 255, 255, 119, 2, 'o', 'p', 97, 1)).malformed())
        .isTrue();
    assertThat(
            scan(bytes(
                    131, 116, 0, 0, 0, 2, 119, 2, 'o', 'p', 97, 1, 119, 1, 'd', 108, 255, 255, 255,
                    255, 106))
                .malformed())
        .isTrue();
  }

  @Test
  void deepNestingCostsNoStack() {
    // d = [[[[...]]]] two million levels deep: one counter, no recursion
    int depth = 2_000_000;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(bytes(131, 116, 0, 0, 0, 2, 119, 2, 'o', 'p', 97, 3, 119, 1, 'd'));
    for (int i = 0; i < depth; i++) {
      out.writeBytes(bytes(108, 0, 0, 0, 1));
    }
    out.write(106);
    for (int i = 0; i < depth; i++) {
      out.write(106);
    }
    Snapshot s = scan(out.toByteArray());
    assertThat(s.malformed()).isFalse();
    assertThat(s.op()).isEqualTo(3);
  }

  @Test
  void outOfRangeArgumentsAreMalformedNotThrown() {
    ScannedFrame f = new ScannedFrame();
    assertThat(ETF.scan(null, 0, 0, f)).isFalse();
    assertThat(f.malformed()).isTrue();
    assertThat(ETF.scan(bytes(131), 1, 5, f)).isFalse();
    assertThat(ETF.scan(bytes(131), -1, 1, f)).isFalse();
    assertThat(ETF.scan(bytes(131), 0, 1, null)).isFalse();
    // a frame in the middle of a larger buffer: offsets index the buffer
    byte[] term = term(FRAMES.get(3), Terms.Spelling.ERLANG);
    byte[] padded = new byte[term.length + 7];
    System.arraycopy(term, 0, padded, 3, term.length);
    assertThat(ETF.scan(padded, 3, term.length, f)).isTrue();
    assertThat(f.sessionId()).isEqualTo("s-123");
    assertThat(new String(padded, f.tokenStart(), f.tokenEnd() - f.tokenStart(), UTF_8))
        .isEqualTo("valid-abc");
  }

  @Test
  void allocatesNothingForHeartbeatsAcksAndOrdinaryDispatches() {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    assumeThat(bean).isInstanceOf(com.sun.management.ThreadMXBean.class);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
    assumeThat(threads.isThreadAllocatedMemorySupported()).isTrue();
    threads.setThreadAllocatedMemoryEnabled(true);

    List<byte[]> frames = new java.util.ArrayList<>();
    for (Terms.Spelling s : Terms.Spelling.ALL) {
      frames.add(term("{\"op\":1,\"d\":44}", s));
      frames.add(term("{\"op\":1,\"d\":null}", s));
      frames.add(term("{\"op\":11,\"d\":null,\"s\":null,\"t\":null}", s));
      frames.add(term(FRAMES.get(5), s));
      frames.add(term(FRAMES.get(0), s));
    }
    ScannedFrame f = new ScannedFrame();
    byte[][] all = frames.toArray(new byte[0][]);
    long sink = 0;
    for (int i = 0; i < 20; i++) {
      sink += scanAll(all, 1_000, f); // warm up the same loop that is measured
    }
    int rounds = 10_000;
    long before = threads.getCurrentThreadAllocatedBytes();
    sink += scanAll(all, rounds, f);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(sink).isNotZero();
    // Some slack for the measurement itself; one allocation per scan would be >= 2 MB.
    assertThat(allocated).as("bytes allocated by %d scans", rounds * all.length).isLessThan(4096);
  }

  private static long scanAll(byte[][] frames, int rounds, ScannedFrame f) {
    long sink = 0;
    for (int i = 0; i < rounds; i++) {
      for (byte[] b : frames) {
        ETF.scan(b, 0, b.length, f);
        sink += f.op() + f.heartbeatSeq();
      }
    }
    return sink;
  }

  static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  static byte[] utf8(String s) {
    return s.getBytes(UTF_8);
  }
}
