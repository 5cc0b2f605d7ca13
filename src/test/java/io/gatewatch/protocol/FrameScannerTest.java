package io.gatewatch.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.gatewatch.protocol.ScannedFrame.Event;
import io.gatewatch.protocol.ScannedFrame.HeartbeatData;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FrameScannerTest {
  static final TokenFingerprinter FINGERPRINTER =
      new TokenFingerprinter("test-salt".getBytes(UTF_8));
  static final FrameScanner SCANNER = new FrameScanner(FINGERPRINTER);

  /**
   * Everything a scan reports, with the offsets replaced by the text they point at, so that scans
   * of one frame in different key orders or from different buffers compare equal.
   */
  record Snapshot(
      boolean malformed,
      int size,
      int op,
      boolean hasSeq,
      long seq,
      Event event,
      String eventName,
      long heartbeatIntervalMs,
      String sessionId,
      boolean hasResumeSeq,
      long resumeSeq,
      boolean hasToken,
      long tokenFingerprint,
      String token,
      int shardId,
      int shardCount,
      int invalidSessionResumable,
      HeartbeatData heartbeatData,
      long heartbeatSeq,
      String os,
      String browser,
      String device,
      boolean hasErrorCode,
      long errorCode) {

    static Snapshot of(ScannedFrame f) {
      String token =
          f.tokenStart() < 0
              ? null
              : new String(f.source(), f.tokenStart(), f.tokenEnd() - f.tokenStart(), UTF_8);
      return new Snapshot(
          f.malformed(),
          f.size(),
          f.op(),
          f.hasSeq(),
          f.seq(),
          f.event(),
          f.eventName(),
          f.heartbeatIntervalMs(),
          f.sessionId(),
          f.hasResumeSeq(),
          f.resumeSeq(),
          f.hasToken(),
          f.tokenFingerprint(),
          token,
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

  /** What a fresh ScannedFrame reports, i.e. every field at its default. */
  static final Snapshot DEFAULTS = Snapshot.of(new ScannedFrame());

  /** Scans {@code json} as bytes and as text, checks both agree, returns the byte scan. */
  static ScannedFrame scan(String json) {
    byte[] bytes = json.getBytes(UTF_8);
    ScannedFrame fromBytes = new ScannedFrame();
    boolean ok = SCANNER.scan(bytes, 0, bytes.length, fromBytes);
    assertThat(ok).isEqualTo(!fromBytes.malformed());
    assertThat(fromBytes.size()).isEqualTo(bytes.length);

    ScannedFrame fromText = new ScannedFrame();
    assertThat(SCANNER.scan(json, fromText)).isEqualTo(ok);
    assertThat(Snapshot.of(fromText)).isEqualTo(Snapshot.of(fromBytes));
    assertThat(fromText.eventStart).isEqualTo(fromBytes.eventStart);
    assertThat(fromText.tokenStart()).isEqualTo(fromBytes.tokenStart());
    return fromBytes;
  }

  /** Scans every order given and checks they all agree; returns the first. */
  static ScannedFrame scanOrders(String... orders) {
    ScannedFrame first = scan(orders[0]);
    for (int i = 1; i < orders.length; i++) {
      Snapshot other = Snapshot.of(scan(orders[i]));
      assertThat(other)
          .as("key order %s vs %s", orders[i], orders[0])
          .isEqualTo(
              new Snapshot(
                  first.malformed(),
                  other.size(),
                  first.op(),
                  first.hasSeq(),
                  first.seq(),
                  first.event(),
                  first.eventName(),
                  first.heartbeatIntervalMs(),
                  first.sessionId(),
                  first.hasResumeSeq(),
                  first.resumeSeq(),
                  first.hasToken(),
                  first.tokenFingerprint(),
                  Snapshot.of(first).token(),
                  first.shardId(),
                  first.shardCount(),
                  first.invalidSessionResumable(),
                  first.heartbeatData(),
                  first.heartbeatSeq(),
                  first.os(),
                  first.browser(),
                  first.device(),
                  first.hasErrorCode(),
                  first.errorCode()));
    }
    return first;
  }

  static void assertMalformed(String json) {
    ScannedFrame f = scan(json);
    assertThat(f.malformed()).as("malformed: %s", json).isTrue();
    int size = json.getBytes(UTF_8).length;
    assertThat(Snapshot.of(f))
        .isEqualTo(
            new Snapshot(
                true,
                size,
                -1,
                false,
                0,
                Event.NONE,
                null,
                -1,
                null,
                false,
                0,
                false,
                0,
                null,
                -1,
                -1,
                -1,
                HeartbeatData.ABSENT,
                0,
                null,
                null,
                null,
                false,
                0));
  }

  @Nested
  class Heartbeat {
    @Test
    void integerSequence() {
      ScannedFrame f = scanOrders("{\"op\":1,\"d\":251}", "{\"d\":251,\"op\":1}");
      assertThat(f.malformed()).isFalse();
      assertThat(f.op()).isEqualTo(1);
      assertThat(f.heartbeatData()).isEqualTo(HeartbeatData.INTEGER);
      assertThat(f.heartbeatSeq()).isEqualTo(251);
      assertThat(f.event()).isEqualTo(Event.NONE);
      assertThat(f.hasSeq()).isFalse();
    }

    @Test
    void nullAbsentAndInvalid() {
      assertThat(scanOrders("{\"op\":1,\"d\":null}", "{\"d\":null,\"op\":1}").heartbeatData())
          .isEqualTo(HeartbeatData.NULL);
      assertThat(scan("{\"op\":1}").heartbeatData()).isEqualTo(HeartbeatData.ABSENT);
      for (String d :
          List.of("\"251\"", "251.0", "2.51e2", "true", "{}", "[251]", "99999999999999999999")) {
        ScannedFrame f = scanOrders("{\"op\":1,\"d\":" + d + "}", "{\"d\":" + d + ",\"op\":1}");
        assertThat(f.malformed()).isFalse();
        assertThat(f.heartbeatData()).as(d).isEqualTo(HeartbeatData.INVALID);
        assertThat(f.heartbeatSeq()).isZero();
      }
    }

    @Test
    void largeAndNegativeSequences() {
      assertThat(scan("{\"op\":1,\"d\":9223372036854775807}").heartbeatSeq())
          .isEqualTo(Long.MAX_VALUE);
      assertThat(scan("{\"op\":1,\"d\":-9223372036854775808}").heartbeatSeq())
          .isEqualTo(Long.MIN_VALUE);
      assertThat(scan("{\"op\":1,\"d\":9223372036854775808}").heartbeatData())
          .isEqualTo(HeartbeatData.INVALID);
      assertThat(scan("{\"op\":1,\"d\":0}").heartbeatSeq()).isZero();
    }
  }

  @Test
  void heartbeatAck() {
    ScannedFrame f = scan("{\"op\":11}");
    assertThat(f.malformed()).isFalse();
    assertThat(f.op()).isEqualTo(11);
    assertThat(Snapshot.of(f))
        .isEqualTo(
            new Snapshot(
                false,
                9,
                11,
                false,
                0,
                Event.NONE,
                null,
                -1,
                null,
                false,
                0,
                false,
                0,
                null,
                -1,
                -1,
                -1,
                HeartbeatData.ABSENT,
                0,
                null,
                null,
                null,
                false,
                0));
  }

  @Test
  void helloInBothOrdersWithWhitespace() {
    ScannedFrame f =
        scanOrders(
            "{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}",
            "{\"d\":{\"heartbeat_interval\":41250},\"op\":10}",
            " \n{ \"t\" : null ,\r\n\t\"s\" : null , \"op\" : 10 , \"d\" : {\n  \"_trace\": [\"gw-1\"],\n"
                + "  \"heartbeat_interval\" : 41250\n}\n}\n ");
    assertThat(f.op()).isEqualTo(10);
    assertThat(f.heartbeatIntervalMs()).isEqualTo(41250);
    assertThat(f.hasSeq()).isFalse();
    assertThat(f.event()).isEqualTo(Event.NONE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"41250.0", "4.125e4", "\"41250\"", "-1", "null", "[41250]"})
  void helloIntervalMustBeANonNegativeInteger(String value) {
    ScannedFrame f = scan("{\"op\":10,\"d\":{\"heartbeat_interval\":" + value + "}}");
    assertThat(f.malformed()).isFalse();
    assertThat(f.heartbeatIntervalMs()).isEqualTo(-1);
  }

  @Test
  void helloIgnoresNestedInterval() {
    ScannedFrame f = scan("{\"op\":10,\"d\":{\"x\":{\"heartbeat_interval\":5}}}");
    assertThat(f.heartbeatIntervalMs()).isEqualTo(-1);
  }

  @Test
  void ordinaryDispatchInAllOrders() {
    String d =
        "{\"id\":\"1\",\"content\":\"she said \\\"hi\\\" \\\\o/ \uD83D\uDE00 \u00e9\u4e2d\","
            + "\"author\":{\"id\":\"2\",\"username\":\"a\\u00e9\"},\"embeds\":[{\"t\":[[],{}]}]}";
    ScannedFrame f =
        scanOrders(
            "{\"t\":\"MESSAGE_CREATE\",\"s\":42,\"op\":0,\"d\":" + d + "}",
            "{\"d\":" + d + ",\"op\":0,\"s\":42,\"t\":\"MESSAGE_CREATE\"}",
            "{\"op\":0,\"d\":" + d + ",\"t\":\"MESSAGE_CREATE\",\"s\":42}");
    assertThat(f.op()).isZero();
    assertThat(f.hasSeq()).isTrue();
    assertThat(f.seq()).isEqualTo(42);
    assertThat(f.event()).isEqualTo(Event.OTHER);
    assertThat(f.eventName()).isEqualTo("MESSAGE_CREATE");
    assertThat(f.sessionId()).isNull();
  }

  @Test
  void eventSpanIsTheRawStringContents() {
    String json = "{\"op\":0,\"s\":7,\"t\":\"A\\\"B\\\\C\\u00e9\",\"d\":{}}";
    ScannedFrame f = scan(json);
    assertThat(f.eventName()).isEqualTo("A\\\"B\\\\C\\u00e9");
    assertThat(f.eventStart).isEqualTo(json.indexOf("A\\"));
    assertThat(f.eventEnd).isEqualTo(json.indexOf("\",\"d\""));
    assertThat(f.event()).isEqualTo(Event.OTHER);
  }

  @Test
  void readyAndResumedMatchExactly() {
    assertThat(scan("{\"op\":0,\"t\":\"RESUMED\",\"s\":5,\"d\":{}}").event())
        .isEqualTo(Event.RESUMED);
    assertThat(scan("{\"op\":0,\"t\":\"READY\",\"s\":1,\"d\":{}}").event()).isEqualTo(Event.READY);
    assertThat(scan("{\"op\":0,\"t\":\"READY_SUPPLEMENTAL\",\"d\":{}}").event())
        .isEqualTo(Event.OTHER);
    assertThat(scan("{\"op\":0,\"t\":\"ready\",\"d\":{}}").event()).isEqualTo(Event.OTHER);
    // Documented choice: t is compared on raw bytes, so an escaped spelling is not READY.
    assertThat(scan("{\"op\":0,\"t\":\"RE\\u0041DY\",\"d\":{}}").event()).isEqualTo(Event.OTHER);
  }

  @Test
  void eventOnlyForDispatch() {
    ScannedFrame f = scan("{\"op\":1,\"t\":\"READY\",\"s\":3,\"d\":{\"session_id\":\"x\"}}");
    assertThat(f.event()).isEqualTo(Event.NONE);
    assertThat(f.sessionId()).isNull();
    assertThat(f.eventName()).isEqualTo("READY");
    assertThat(scan("{\"op\":0,\"t\":null,\"s\":null,\"d\":{}}").event()).isEqualTo(Event.NONE);
    assertThat(scan("{\"op\":0,\"d\":{}}").event()).isEqualTo(Event.NONE);
    assertThat(scan("{\"op\":0,\"t\":12,\"d\":{}}").event()).isEqualTo(Event.NONE);
  }

  @Test
  void sequenceNullOrNotAnInteger() {
    assertThat(scan("{\"op\":0,\"s\":null,\"t\":\"X\"}").hasSeq()).isFalse();
    assertThat(scan("{\"op\":0,\"s\":1.5,\"t\":\"X\"}").hasSeq()).isFalse();
    assertThat(scan("{\"op\":0,\"s\":\"1\",\"t\":\"X\"}").hasSeq()).isFalse();
    ScannedFrame f = scan("{\"op\":0,\"s\":-3,\"t\":\"X\"}");
    assertThat(f.hasSeq()).isTrue();
    assertThat(f.seq()).isEqualTo(-3);
  }

  @Nested
  class Ready {
    static final String D =
        "{\"v\":9,\"guilds\":[{\"id\":\"1\",\"session_id\":\"decoy-1\",\"members\":[{\"session_id\":"
            + "\"decoy-2\"}]}],\"user\":{\"session_id\":\"decoy-3\",\"bio\":\"\\\"session_id\\\":"
            + "\\\"decoy-4\\\"\"},\"sessions\":[[\"session_id\",\"decoy-5\"]],"
            + "\"session_id\":\"ab\\\"c\\\\d\\u00e9\\/\uD83D\uDE00\",\"resume_gateway_url\":\"wss://x\"}";

    @Test
    void topLevelSessionIdOnlyInEveryOrder() {
      ScannedFrame f =
          scanOrders(
              "{\"t\":\"READY\",\"s\":1,\"op\":0,\"d\":" + D + "}",
              "{\"d\":" + D + ",\"op\":0,\"s\":1,\"t\":\"READY\"}",
              "{\n  \"d\" : "
                  + D.replace(",", " ,\n ")
                  + " ,\n  \"op\" : 0, \"s\":1,\"t\":\"READY\"}");
      assertThat(f.event()).isEqualTo(Event.READY);
      assertThat(f.seq()).isEqualTo(1);
      assertThat(f.sessionId()).isEqualTo("ab\"c\\d\u00e9/\uD83D\uDE00");
    }

    @Test
    void noTopLevelSessionId() {
      ScannedFrame f =
          scan("{\"op\":0,\"t\":\"READY\",\"d\":{\"user\":{\"session_id\":\"decoy\"}}}");
      assertThat(f.malformed()).isFalse();
      assertThat(f.sessionId()).isNull();
      assertThat(scan("{\"op\":0,\"t\":\"READY\",\"d\":{\"session_id\":5}}").sessionId()).isNull();
      assertThat(scan("{\"op\":0,\"t\":\"READY\",\"d\":[\"session_id\",\"x\"]}").sessionId())
          .isNull();
      assertThat(scan("{\"op\":0,\"t\":\"READY\"}").sessionId()).isNull();
    }

    @Test
    void sessionIdEscapes() {
      String json =
          "{\"op\":0,\"t\":\"READY\",\"d\":{\"session_id\":\"\\b\\f\\n\\r\\t\\u0041\\ud83d\\ude00z\"}}";
      assertThat(scan(json).sessionId()).isEqualTo("\b\f\n\r\tA\uD83D\uDE00z");
    }
  }

  @Nested
  class Resume {
    @Test
    void allFieldsInEveryOrder() {
      String token = "Bot MTIz.NDU2.Nzg5";
      ScannedFrame f =
          scanOrders(
              "{\"op\":6,\"d\":{\"token\":\"" + token + "\",\"session_id\":\"s1\",\"seq\":1337}}",
              "{\"d\":{\"seq\":1337,\"session_id\":\"s1\",\"token\":\"" + token + "\"},\"op\":6}",
              "{ \"d\" : { \"session_id\" : \"s1\" , \"seq\" : 1337 , \"token\" : \""
                  + token
                  + "\" } , \"op\" : 6 }");
      assertThat(f.op()).isEqualTo(6);
      assertThat(f.sessionId()).isEqualTo("s1");
      assertThat(f.hasResumeSeq()).isTrue();
      assertThat(f.resumeSeq()).isEqualTo(1337);
      assertThat(f.hasToken()).isTrue();
      assertThat(f.tokenFingerprint()).isEqualTo(FINGERPRINTER.fingerprint(token));
      assertThat(Snapshot.of(f).token()).isEqualTo(token);
    }

    @Test
    void missingOrWrongTypes() {
      ScannedFrame f = scan("{\"op\":6,\"d\":{\"seq\":\"5\",\"session_id\":null,\"token\":7}}");
      assertThat(f.malformed()).isFalse();
      assertThat(f.hasResumeSeq()).isFalse();
      assertThat(f.sessionId()).isNull();
      assertThat(f.hasToken()).isFalse();
      assertThat(f.tokenStart()).isEqualTo(-1);
      ScannedFrame nested = scan("{\"op\":6,\"d\":{\"x\":{\"token\":\"t\",\"seq\":1}}}");
      assertThat(nested.hasToken()).isFalse();
      assertThat(nested.hasResumeSeq()).isFalse();
    }
  }

  @Nested
  class Identify {
    @Test
    void tokenAndShardInEveryOrder() {
      String props = "{\"os\":\"linux\",\"browser\":\"x\",\"device\":\"x\",\"token\":\"decoy\"}";
      ScannedFrame f =
          scanOrders(
              "{\"op\":2,\"d\":{\"token\":\"abc.def\",\"properties\":"
                  + props
                  + ",\"shard\":[1,4]}}",
              "{\"d\":{\"shard\":[ 1 , 4 ],\"properties\":"
                  + props
                  + ",\"token\":\"abc.def\"},\"op\":2}");
      assertThat(f.op()).isEqualTo(2);
      assertThat(f.hasToken()).isTrue();
      assertThat(f.tokenFingerprint()).isEqualTo(FINGERPRINTER.fingerprint("abc.def"));
      assertThat(f.shardId()).isEqualTo(1);
      assertThat(f.shardCount()).isEqualTo(4);
      assertThat(f.sessionId()).isNull();
    }

    @Test
    void tokenSpanPointsExactlyAtTheToken() {
      String json = "{\"op\":2,\"d\":{\"properties\":{\"token\":\"no\"},\"token\":\"T0k\u00e9n\"}}";
      byte[] bytes = json.getBytes(UTF_8);
      // Embed the frame in a larger buffer: offsets are absolute indexes into it.
      byte[] buf = new byte[bytes.length + 20];
      Arrays.fill(buf, (byte) '#');
      System.arraycopy(bytes, 0, buf, 7, bytes.length);
      ScannedFrame f = new ScannedFrame();
      assertThat(SCANNER.scan(buf, 7, bytes.length, f)).isTrue();
      assertThat(f.source()).isSameAs(buf);
      assertThat(f.size()).isEqualTo(bytes.length);
      int expectedStart = 7 + json.substring(0, json.lastIndexOf("T0k")).getBytes(UTF_8).length;
      assertThat(f.tokenStart()).isEqualTo(expectedStart);
      assertThat(f.tokenEnd()).isEqualTo(expectedStart + "T0k\u00e9n".getBytes(UTF_8).length);
      assertThat(buf[f.tokenStart() - 1]).isEqualTo((byte) '"');
      assertThat(buf[f.tokenEnd()]).isEqualTo((byte) '"');
      assertThat(new String(buf, f.tokenStart(), f.tokenEnd() - f.tokenStart(), UTF_8))
          .isEqualTo("T0k\u00e9n");
      assertThat(f.tokenFingerprint()).isEqualTo(FINGERPRINTER.fingerprint("T0k\u00e9n"));
    }

    @Test
    void redactedTokenKeepsItsFingerprint() {
      long fp = FINGERPRINTER.fingerprint("secret-token");
      String redacted = TokenFingerprinter.redacted(fp);
      ScannedFrame f = scan("{\"op\":2,\"d\":{\"token\":\"" + redacted + "\"}}");
      assertThat(f.tokenFingerprint()).isEqualTo(fp);
      assertThat(Snapshot.of(f).token()).isEqualTo(redacted);
      // The design document's example capture line.
      assertThat(scan("{\"op\":2,\"d\":{\"token\":\"<redacted:9f2c1a>\"}}").tokenFingerprint())
          .isEqualTo(0x9f2c1aL);
      // Live and replayed Resume link the same way.
      assertThat(scan("{\"op\":6,\"d\":{\"token\":\"" + redacted + "\"}}").tokenFingerprint())
          .isEqualTo(fp);
    }

    @ParameterizedTest
    @ValueSource(
        strings = {"[1]", "[1,2,3]", "[-1,2]", "[1,2147483648]", "[\"1\",2]", "{}", "[1.0,2]", "5"})
    void invalidShards(String shard) {
      ScannedFrame f = scan("{\"op\":2,\"d\":{\"token\":\"t\",\"shard\":" + shard + "}}");
      assertThat(f.malformed()).isFalse();
      assertThat(f.shardId()).isEqualTo(-1);
      assertThat(f.shardCount()).isEqualTo(-1);
    }

    @Test
    void fieldsOnlyForTheirOpcodes() {
      ScannedFrame f =
          scan("{\"op\":3,\"d\":{\"token\":\"t\",\"shard\":[0,1],\"session_id\":\"s\"}}");
      assertThat(Snapshot.of(f))
          .isEqualTo(
              new Snapshot(
                  false,
                  f.size(),
                  3,
                  false,
                  0,
                  Event.NONE,
                  null,
                  -1,
                  null,
                  false,
                  0,
                  false,
                  0,
                  null,
                  -1,
                  -1,
                  -1,
                  HeartbeatData.ABSENT,
                  0,
                  null,
                  null,
                  null,
                  false,
                  0));
    }

    @Test
    void propertiesInEveryOrderAndBothSpellings() {
      ScannedFrame f =
          scanOrders(
              "{\"op\":2,\"d\":{\"token\":\"t\",\"properties\":{\"os\":\"linux\","
                  + "\"browser\":\"fluxer\\u002ejs\",\"device\":\"x\",\"extra\":{\"os\":\"no\"}}}}",
              "{\"d\":{\"properties\":{ \"extra\" : [1,{\"device\":\"no\"}], \"$device\" : \"x\","
                  + " \"$browser\":\"fluxer.js\",\"$os\":\"linux\"},\"token\":\"t\"},\"op\":2}");
      assertThat(f.os()).isEqualTo("linux");
      assertThat(f.browser()).isEqualTo("fluxer.js");
      assertThat(f.device()).isEqualTo("x");
    }

    @Test
    void propertiesThatAreNotStringsAreAbsent() {
      ScannedFrame f =
          scan(
              "{\"op\":2,\"d\":{\"properties\":{\"os\":1,\"browser\":null,\"device\":{}},"
                  + "\"os\":\"top-level, not a property\"}}");
      assertThat(f.malformed()).isFalse();
      assertThat(f.os()).isNull();
      assertThat(f.browser()).isNull();
      assertThat(f.device()).isNull();
      assertThat(scan("{\"op\":2,\"d\":{\"properties\":[\"os\",\"linux\"]}}").os()).isNull();
      assertThat(scan("{\"op\":3,\"d\":{\"properties\":{\"os\":\"linux\"}}}").os()).isNull();
    }
  }

  @Test
  void gatewayErrorCode() {
    ScannedFrame f =
        scanOrders(
            "{\"op\":12,\"d\":{\"code\":4008,\"message\":\"free text\"}}",
            "{\"d\":{\"message\":\"free text\",\"code\":4008},\"op\":12}");
    assertThat(f.hasErrorCode()).isTrue();
    assertThat(f.errorCode()).isEqualTo(4008);
    assertThat(scan("{\"op\":12,\"d\":{\"code\":\"RATE_LIMITED\"}}").hasErrorCode()).isFalse();
    assertThat(scan("{\"op\":12}").hasErrorCode()).isFalse();
    assertThat(scan("{\"op\":11,\"d\":{\"code\":1}}").hasErrorCode()).isFalse();
  }

  @Test
  void invalidSession() {
    assertThat(
            scanOrders("{\"op\":9,\"d\":false}", "{\"d\":false,\"op\":9}")
                .invalidSessionResumable())
        .isZero();
    assertThat(
            scanOrders("{\"op\":9,\"d\":true}", "{\"d\":true,\"op\":9}").invalidSessionResumable())
        .isEqualTo(1);
    assertThat(scan("{\"op\":9}").invalidSessionResumable()).isEqualTo(-1);
    assertThat(scan("{\"op\":9,\"d\":null}").invalidSessionResumable()).isEqualTo(-1);
    assertThat(scan("{\"op\":9,\"d\":\"true\"}").invalidSessionResumable()).isEqualTo(-1);
    assertThat(scan("{\"op\":1,\"d\":true}").invalidSessionResumable()).isEqualTo(-1);
  }

  @Test
  void reconnectAndUnknownOpcodes() {
    assertThat(scan("{\"op\":7}").op()).isEqualTo(7);
    assertThat(scan("{\"op\":-0}").op()).isZero(); // JSON's -0 is zero, not negative
    assertThat(scan("{\"op\":2147483647,\"d\":{}}").op()).isEqualTo(Integer.MAX_VALUE);
    assertThat(scan("{\"x\":[1,{\"op\":3}],\"op\":28}").op()).isEqualTo(28);
  }

  @Test
  void duplicateKeysLastOccurrenceWins() {
    assertThat(scan("{\"op\":1,\"op\":11}").op()).isEqualTo(11);
    assertThat(scan("{\"op\":\"x\",\"op\":11}").op()).isEqualTo(11);
    assertMalformed("{\"op\":11,\"op\":\"x\"}");
    ScannedFrame f = scan("{\"op\":0,\"s\":1,\"s\":null,\"t\":\"READY\",\"t\":\"X\"}");
    assertThat(f.hasSeq()).isFalse();
    assertThat(f.event()).isEqualTo(Event.OTHER);
    ScannedFrame d = scan("{\"op\":1,\"d\":1,\"d\":null}");
    assertThat(d.heartbeatData()).isEqualTo(HeartbeatData.NULL);
    ScannedFrame r =
        scan(
            "{\"op\":6,\"d\":{\"token\":\"a\",\"session_id\":\"s\",\"token\":1,\"session_id\":\"t\"}}");
    assertThat(r.hasToken()).isFalse();
    assertThat(r.sessionId()).isEqualTo("t");
  }

  @Test
  void unicodeInData() {
    String d =
        "{\"content\":\"\uD83D\uDE00\uD83C\uDDEB\uD83C\uDDF7 \u4f60\u597d \u00fc\",\"x\":\"\u0800\uFFFD\"}";
    ScannedFrame f =
        scanOrders(
            "{\"op\":0,\"s\":3,\"t\":\"X\",\"d\":" + d + "}",
            "{\"d\":" + d + ",\"s\":3,\"op\":0,\"t\":\"X\"}");
    assertThat(f.malformed()).isFalse();
    assertThat(f.seq()).isEqualTo(3);
  }

  @Test
  void stringsEndingInEscapedBackslashesAndQuotes() {
    ScannedFrame f =
        scan(
            "{\"d\":{\"a\":\"\\\\\",\"b\":\"\\\"\",\"c\":\"x\\\\\\\"\",\"d\":[\"\\\\\\\\\"]},\"op\":5}");
    assertThat(f.malformed()).isFalse();
    assertThat(f.op()).isEqualTo(5);
    // A long string whose quotes and backslashes fall on every position of an 8-byte word.
    StringBuilder sb = new StringBuilder("{\"d\":\"");
    for (int i = 0; i < 40; i++) {
      sb.append("ab".repeat(i % 5)).append("\\\"").append("\\\\");
    }
    sb.append("\",\"op\":4}");
    assertThat(scan(sb.toString()).op()).isEqualTo(4);
  }

  @Nested
  class Malformed {
    @ParameterizedTest
    @ValueSource(
        strings = {
          "",
          " ",
          "null",
          "[]",
          "[{\"op\":1}]",
          "\"op\"",
          "1",
          "{}",
          "{ }",
          "{\"d\":{}}",
          "{\"op\":\"1\"}",
          "{\"op\":-1}",
          "{\"op\":1.0}",
          "{\"op\":1e2}",
          "{\"op\":01}",
          "{\"op\":2147483648}",
          "{\"op\":99999999999999999999}",
          "{\"op\":null}",
          "{\"op\":true}",
          "{\"op\":[1]}",
          "{\"op\":{}}",
          "{\"\\u006fp\":1}",
          "{\"op\":1}x",
          "{\"op\":1},",
          "{\"op\":1}{}",
          "{\"op\":1}}",
          "{\"op\":1} \n {",
          "{\"op\" 1}",
          "{\"op\":1 \"d\":2}",
          "{\"op\":1,}",
          "{,\"op\":1}",
          "{op:1}",
          "{'op':1}",
          "{\"op\":1,\"d\":}",
          "{\"op\":1,\"d\"}",
          "{\"op\":1,\"d\":[1,]}",
          "{\"op\":1,\"d\":[,1]}",
          "{\"op\":1,\"d\":[1 2]}",
          "{\"op\":1,\"d\":{\"a\":1,}}",
          "{\"op\":1,\"d\":{\"a\" 1}}",
          "{\"op\":1,\"d\":{\"a\":}}",
          "{\"op\":1,\"d\":{1:2}}",
          "{\"op\":1,\"d\":{\"a\"}}",
          "{\"op\":1,\"d\":[}",
          "{\"op\":1,\"d\":{]}",
          "{\"op\":1,\"d\":[[]]]}",
          "{\"op\":1,\"d\":\"unterminated}",
          "{\"op\":1,\"d\":\"bad \\x escape\"}",
          "{\"op\":1,\"d\":\"bad \\u12g4 escape\"}",
          "{\"op\":1,\"d\":\"tab\tinside\"}",
          "{\"op\":1,\"d\":\"newline\ninside\"}",
          "{\"op\":1,\"d\":#}",
          "{\"op\":1,\"t\":\"READY\u0000\"}",
          "{\"op\":1\u0000}",
          "\u0000{\"op\":1}",
        })
    void malformedFrames(String json) {
      assertMalformed(json);
    }

    @Test
    void everyTruncationOfEveryKindIsMalformed() {
      List<String> frames =
          List.of(
              "{\"op\":1,\"d\":251}",
              "{\"op\":11}",
              "{\"t\":\"READY\",\"s\":1,\"op\":0,\"d\":" + Ready.D + "}",
              "{\"d\":" + Ready.D + ",\"op\":0,\"s\":1,\"t\":\"READY\"}",
              "{ \"d\" : { \"session_id\" : \"s1\" , \"seq\" : 1337 , \"token\" : \"t\\\"\" } , \"op\" : 6 }",
              "{\"op\":2,\"d\":{\"token\":\"abc\",\"shard\":[1,4],\"x\":[true,false,null,-1.5e3]}}",
              "{\"d\":{\"text\":\"\\u00e9\uD83D\uDE00\"},\"op\":0,\"t\":\"X\",\"s\":9}");
      ScannedFrame f = new ScannedFrame();
      for (String frame : frames) {
        byte[] bytes = frame.getBytes(UTF_8);
        assertThat(SCANNER.scan(bytes, 0, bytes.length, f)).as(frame).isTrue();
        for (int len = 0; len < bytes.length; len++) {
          // The rest of the valid frame follows in the buffer: reading past len would be caught.
          assertThat(SCANNER.scan(bytes, 0, len, f)).as("%s cut at %d", frame, len).isFalse();
          assertThat(f.malformed()).isTrue();
          assertThat(f.size()).isEqualTo(len);
          assertThat(f.op()).isEqualTo(ScannedFrame.NO_OP);
          String text = new String(bytes, 0, len, UTF_8);
          assertThat(SCANNER.scan(text, f)).isFalse();
        }
      }
    }

    @Test
    void deepNestingDoesNotOverflowTheStack() {
      String open = "[".repeat(10_000);
      assertMalformed("{\"op\":1,\"d\":" + open + "}");
      assertMalformed("{\"d\":" + open + ",\"op\":1}");
      assertMalformed("{\"op\":1,\"d\":" + open + "]".repeat(10_000) + "}");
      assertMalformed(
          "{\"op\":1,\"d\":" + "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000) + "}");
      // Nesting within the limit (the envelope plus 1,023 levels) is fine.
      int max = ScannedFrame.MAX_NESTING;
      ScannedFrame f =
          scan("{\"op\":1,\"d\":" + "[{\"a\":".repeat(max / 2) + "1" + "}]".repeat(max / 2) + "}");
      assertThat(f.malformed()).isFalse();
      assertThat(f.heartbeatData()).isEqualTo(HeartbeatData.INVALID);
      assertMalformed("{\"op\":1,\"d\":" + "[".repeat(max + 1) + "]".repeat(max + 1) + "}");
    }

    @Test
    void nullsAndBadRangesDoNotThrow() {
      ScannedFrame f = new ScannedFrame();
      assertThat(SCANNER.scan((byte[]) null, 0, 0, f)).isFalse();
      assertThat(f.malformed()).isTrue();
      assertThat(SCANNER.scan((CharSequence) null, f)).isFalse();
      assertThat(f.malformed()).isTrue();
      byte[] b = "{\"op\":1}".getBytes(UTF_8);
      assertThat(SCANNER.scan(b, -1, 3, f)).isFalse();
      assertThat(SCANNER.scan(b, 0, b.length + 1, f)).isFalse();
      assertThat(SCANNER.scan(b, 5, -1, f)).isFalse();
      assertThat(SCANNER.scan(b, Integer.MAX_VALUE, 2, f)).isFalse();
      assertThat(f.size()).isZero();
      assertThat(SCANNER.scan(b, 0, b.length, null)).isFalse();
      assertThat(SCANNER.scan("{\"op\":1}", null)).isFalse();
      assertThat(SCANNER.scan(b, 0, b.length, f)).isTrue();
    }
  }

  @Nested
  class Text {
    @Test
    void loneSurrogatesBecomeQuestionMarks() {
      ScannedFrame f = new ScannedFrame();
      assertThat(SCANNER.scan("{\"op\":0,\"t\":\"a\uD800b\uDC00c\uD83D\",\"d\":{}}", f)).isTrue();
      assertThat(f.eventName()).isEqualTo("a?b?c?");
      assertThat(SCANNER.scan("{\"op\":0,\"t\":\"\uDBFF\uDFFF\",\"d\":{}}", f)).isTrue();
      assertThat(f.eventName()).isEqualTo("\uDBFF\uDFFF");
    }

    @Test
    void largeAndHugeTextReuseOrBypassTheScratch() {
      StringBuilder big = new StringBuilder("{\"d\":\"");
      big.append("\u00e9\u4e2d\uD83D\uDE00x".repeat(20_000)).append("\",\"op\":0,\"t\":\"BIG\"}");
      ScannedFrame f = scan(big.toString());
      assertThat(f.malformed()).isFalse();
      assertThat(f.eventName()).isEqualTo("BIG");
      String huge =
          "{\"op\":0,\"t\":\"HUGE\",\"d\":\""
              + "x".repeat(FrameScanner.SCRATCH_RETAIN_LIMIT)
              + "\"}";
      ScannedFrame h = scan(huge);
      assertThat(h.eventName()).isEqualTo("HUGE");
      assertThat(h.size()).isEqualTo(huge.length());
      // A later small frame still scans fine (and from the retained scratch).
      ScannedFrame small = new ScannedFrame();
      assertThat(SCANNER.scan(new StringBuilder("{\"op\":11}"), small)).isTrue();
      assertThat(small.source().length).isLessThanOrEqualTo(FrameScanner.SCRATCH_RETAIN_LIMIT);
    }

    @Test
    void textAndBytesAgreeOnEveryKind() {
      for (String json : samples()) {
        scan(json); // asserts agreement
      }
    }
  }

  static List<String> samples() {
    List<String> all = new ArrayList<>();
    all.add("{\"op\":1,\"d\":251}");
    all.add("{\"op\":11}");
    all.add("{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}");
    all.add("{\"t\":\"READY\",\"s\":1,\"op\":0,\"d\":" + Ready.D + "}");
    all.add("{\"op\":6,\"d\":{\"token\":\"x\",\"session_id\":\"s\",\"seq\":3}}");
    all.add("{\"op\":2,\"d\":{\"token\":\"x\u00e9\",\"shard\":[0,1]}}");
    all.add("{\"op\":9,\"d\":false}");
    all.add("{\"op\":0,\"t\":\"M\",\"s\":2,\"d\":{\"c\":\"\uD83D\uDE00\\\"\"}}");
    all.add("{\"op\":\"1\"}");
    return all;
  }

  @Test
  void allocatesNothingForControlFramesAndOrdinaryDispatches() {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    assumeThat(bean).isInstanceOf(com.sun.management.ThreadMXBean.class);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
    assumeThat(threads.isThreadAllocatedMemorySupported()).isTrue();
    threads.setThreadAllocatedMemoryEnabled(true);

    String dispatch =
        "{\"d\":{\"id\":\"1\",\"content\":\"x \\\"y\\\" \uD83D\uDE00\",\"embeds\":[{\"a\":[1,2.5,true,"
            + "null]}]},\"op\":0,\"s\":42,\"t\":\"MESSAGE_CREATE\"}";
    byte[][] frames = {
      "{\"op\":1,\"d\":251}".getBytes(UTF_8),
      "{\"op\":11}".getBytes(UTF_8),
      "{\"op\":1,\"d\":null}".getBytes(UTF_8),
      "{\"op\":9,\"d\":false}".getBytes(UTF_8),
      "{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}".getBytes(UTF_8),
      dispatch.getBytes(UTF_8),
      "{\"op\":0,\"t\":\"RESUMED\",\"s\":9,\"d\":{}}".getBytes(UTF_8),
      "{\"op\":1,\"d\":[[[".getBytes(UTF_8),
    };
    String[] texts = {"{\"op\":11}", dispatch};
    ScannedFrame f = new ScannedFrame();
    long sink = 0;
    for (int warm = 0; warm < 20_000; warm++) {
      for (byte[] b : frames) {
        SCANNER.scan(b, 0, b.length, f);
        sink += f.op();
      }
      for (String t : texts) {
        SCANNER.scan(t, f);
        sink += f.op();
      }
    }
    int rounds = 10_000;
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < rounds; i++) {
      for (byte[] b : frames) {
        SCANNER.scan(b, 0, b.length, f);
        sink += f.op() + f.seq() + f.heartbeatSeq();
      }
      for (String t : texts) {
        SCANNER.scan(t, f);
        sink += f.op();
      }
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(sink).isNotZero();
    // Some slack for the measurement itself; one allocation per scan would be >= 1.6 MB.
    assertThat(allocated).as("bytes allocated by %d scans", rounds * 10).isLessThan(4096);
  }
}
