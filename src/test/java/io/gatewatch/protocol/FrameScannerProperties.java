package io.gatewatch.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatewatch.protocol.FrameScannerTest.Snapshot;
import io.gatewatch.protocol.ScannedFrame.Event;
import io.gatewatch.protocol.ScannedFrame.HeartbeatData;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Generated frames checked against Jackson databind reading the same bytes, and arbitrary input
 * checked never to throw.
 */
public class FrameScannerProperties {
  static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  static final TokenFingerprinter FINGERPRINTER = FrameScannerTest.FINGERPRINTER;
  static final FrameScanner SCANNER = FrameScannerTest.SCANNER;

  // -------------------------------------------------------------------------------------------
  // Properties

  @Property(tries = 1500)
  void agreesWithJackson(@ForAll("frames") String frame) throws IOException {
    byte[] bytes = frame.getBytes(UTF_8);
    JsonNode root = MAPPER.readTree(bytes);
    assertThat(root.isObject()).as("generator makes objects").isTrue();

    ScannedFrame f = new ScannedFrame();
    boolean ok = SCANNER.scan(bytes, 0, bytes.length, f);
    ScannedFrame fromText = new ScannedFrame();
    SCANNER.scan(frame, fromText);
    assertThat(Snapshot.of(fromText)).isEqualTo(Snapshot.of(f));

    JsonNode op = root.get("op");
    boolean opValid =
        op != null && op.isIntegralNumber() && op.canConvertToInt() && op.intValue() >= 0;
    assertThat(ok).as("valid op %s", op).isEqualTo(opValid);
    assertThat(f.size()).isEqualTo(bytes.length);
    if (!ok) {
      assertThat(f.op()).isEqualTo(ScannedFrame.NO_OP);
      return;
    }
    int opcode = op.intValue();
    assertThat(f.op()).isEqualTo(opcode);

    JsonNode s = root.get("s");
    assertThat(f.hasSeq()).as("s %s", s).isEqualTo(isLong(s));
    assertThat(f.seq()).isEqualTo(isLong(s) ? s.longValue() : 0);

    JsonNode t = root.get("t");
    boolean tText = t != null && t.isTextual();
    assertThat(f.eventName() == null ? null : decode(f.eventName()))
        .isEqualTo(tText ? t.textValue() : null);
    Event event = Event.NONE;
    if (opcode == 0 && tText) {
      String name = t.textValue();
      event =
          name.equals("READY") ? Event.READY : name.equals("RESUMED") ? Event.RESUMED : Event.OTHER;
    }
    assertThat(f.event()).isEqualTo(event);

    JsonNode d = root.get("d");
    JsonNode fields = d != null && d.isObject() ? d : MAPPER.createObjectNode();
    long interval = -1;
    String sessionId = null;
    JsonNode resumeSeq = null;
    String token = null;
    int shardId = -1;
    int shardCount = -1;
    int resumable = -1;
    HeartbeatData heartbeat = HeartbeatData.ABSENT;
    String[] properties = new String[3];
    JsonNode errorCode = null;
    switch (opcode) {
      case 0:
        sessionId = event == Event.READY ? text(fields.get("session_id")) : null;
        break;
      case 1:
        heartbeat =
            d == null
                ? HeartbeatData.ABSENT
                : d.isNull()
                    ? HeartbeatData.NULL
                    : isLong(d) ? HeartbeatData.INTEGER : HeartbeatData.INVALID;
        assertThat(f.heartbeatSeq()).isEqualTo(isLong(d) ? d.longValue() : 0);
        break;
      case 2:
        token = text(fields.get("token"));
        JsonNode shard = fields.get("shard");
        if (shard != null
            && shard.isArray()
            && shard.size() == 2
            && isNonNegativeInt(shard.get(0))
            && isNonNegativeInt(shard.get(1))) {
          shardId = shard.get(0).intValue();
          shardCount = shard.get(1).intValue();
        }
        JsonNode props = fields.get("properties");
        if (props != null && props.isObject()) {
          String[] names = {"os", "browser", "device"};
          for (int i = 0; i < 3; i++) {
            // a key written twice ("os" and "$os"): the later one in the text wins
            for (var it = props.fields(); it.hasNext(); ) {
              var e = it.next();
              if (e.getKey().equals(names[i]) || e.getKey().equals("$" + names[i])) {
                properties[i] = text(e.getValue());
              }
            }
          }
        }
        break;
      case 12:
        errorCode = isLong(fields.get("code")) ? fields.get("code") : null;
        break;
      case 6:
        sessionId = text(fields.get("session_id"));
        resumeSeq = isLong(fields.get("seq")) ? fields.get("seq") : null;
        token = text(fields.get("token"));
        break;
      case 9:
        resumable = d != null && d.isBoolean() ? (d.booleanValue() ? 1 : 0) : -1;
        break;
      case 10:
        JsonNode hi = fields.get("heartbeat_interval");
        interval = isLong(hi) && hi.longValue() >= 0 ? hi.longValue() : -1;
        break;
      default:
        break;
    }
    assertThat(f.heartbeatIntervalMs()).isEqualTo(interval);
    assertThat(f.sessionId()).isEqualTo(sessionId);
    assertThat(f.hasResumeSeq()).isEqualTo(resumeSeq != null);
    assertThat(f.resumeSeq()).isEqualTo(resumeSeq != null ? resumeSeq.longValue() : 0);
    assertThat(f.shardId()).isEqualTo(shardId);
    assertThat(f.shardCount()).isEqualTo(shardCount);
    assertThat(f.invalidSessionResumable()).isEqualTo(resumable);
    assertThat(f.heartbeatData()).isEqualTo(heartbeat);
    assertThat(new String[] {f.os(), f.browser(), f.device()}).isEqualTo(properties);
    assertThat(f.hasErrorCode()).isEqualTo(errorCode != null);
    assertThat(f.errorCode()).isEqualTo(errorCode != null ? errorCode.longValue() : 0);
    assertThat(f.hasToken()).isEqualTo(token != null);
    if (token != null) {
      int len = f.tokenEnd() - f.tokenStart();
      assertThat(decode(new String(bytes, f.tokenStart(), len, UTF_8))).isEqualTo(token);
      assertThat(bytes[f.tokenStart() - 1]).isEqualTo((byte) '"');
      assertThat(bytes[f.tokenEnd()]).isEqualTo((byte) '"');
      assertThat(f.tokenFingerprint())
          .isEqualTo(FINGERPRINTER.fingerprint(bytes, f.tokenStart(), len));
      if (token.startsWith("<redacted:") && token.length() == 23) {
        assertThat(TokenFingerprinter.redacted(f.tokenFingerprint())).isEqualTo(token);
      }
    } else {
      assertThat(f.tokenStart()).isEqualTo(-1);
      assertThat(f.tokenFingerprint()).isZero();
    }
  }

  @Property(tries = 300)
  void everyTruncationIsMalformed(@ForAll("frames") String frame) {
    byte[] bytes = frame.stripTrailing().getBytes(UTF_8);
    ScannedFrame f = new ScannedFrame();
    for (int len = 0; len < bytes.length; len++) {
      // The rest of the frame stays in the buffer: a scanner reading past len would see it.
      assertThat(SCANNER.scan(bytes, 0, len, f)).as("cut at %d", len).isFalse();
      assertThat(f.malformed()).isTrue();
      assertThat(f.size()).isEqualTo(len);
    }
  }

  @Property(tries = 1000)
  void randomBytesNeverThrow(
      @ForAll @Size(max = 300) byte[] bytes, @ForAll @IntRange(max = 300) int cut) {
    ScannedFrame f = new ScannedFrame();
    boolean ok = SCANNER.scan(bytes, 0, bytes.length, f);
    assertThat(f.malformed()).isEqualTo(!ok);
    assertThat(f.size()).isEqualTo(bytes.length);
    int off = Math.min(cut, bytes.length);
    SCANNER.scan(bytes, off, bytes.length - off, f);
    assertThat(f.size()).isEqualTo(bytes.length - off);
  }

  /** Any String (lone surrogates included) scans exactly like its JDK UTF-8 encoding. */
  @Property(tries = 1000)
  void textScansLikeItsUtf8Bytes(@ForAll("texts") String text) {
    ScannedFrame fromText = new ScannedFrame();
    SCANNER.scan(text, fromText);
    byte[] bytes = text.getBytes(UTF_8);
    ScannedFrame fromBytes = new ScannedFrame();
    SCANNER.scan(bytes, 0, bytes.length, fromBytes);
    assertThat(Snapshot.of(fromText)).isEqualTo(Snapshot.of(fromBytes));
    assertThat(Arrays.copyOf(fromText.source(), fromText.size())).isEqualTo(bytes);
  }

  /**
   * Mutated frames and token soup never throw; whenever Jackson reads them as an object with a
   * valid op, the scanner accepts them too and agrees on the envelope. (The converse does not hold:
   * the scanner is deliberately lenient about the spelling of skipped literals.)
   */
  @Property(tries = 1500)
  void nearlyValidInput(@ForAll("nearlyValid") String text) {
    byte[] bytes = text.getBytes(UTF_8);
    ScannedFrame f = new ScannedFrame();
    boolean ok = SCANNER.scan(bytes, 0, bytes.length, f);
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (IOException e) {
      return; // not JSON: the scanner may call it either way, as long as it did not throw
    }
    if (root == null || !root.isObject()) {
      assertThat(ok).isFalse();
      return;
    }
    JsonNode op = root.get("op");
    if (op == null || !op.isIntegralNumber() || !op.canConvertToInt() || op.intValue() < 0) {
      assertThat(ok).isFalse();
      return;
    }
    assertThat(ok).as("Jackson accepts %s", text).isTrue();
    assertThat(f.op()).isEqualTo(op.intValue());
    JsonNode s = root.get("s");
    assertThat(f.hasSeq()).isEqualTo(isLong(s));
    JsonNode t = root.get("t");
    assertThat(f.eventName() == null).isEqualTo(t == null || !t.isTextual());
  }

  /**
   * The eight-bytes-at-a-time string skip agrees with a byte-by-byte reference on bytes chosen to
   * hit its edge cases: specials at every offset of a word, the bytes its borrow trick can flag
   * falsely ('#' after a quote, ']' after a backslash), and bytes at or above 0x80.
   */
  @Property(tries = 3000)
  void stringSkipMatchesReference(
      @ForAll("stringBytes") byte[] bytes, @ForAll @IntRange(max = 40) int start) {
    int from = Math.min(start, bytes.length);
    assertThat(FrameScanner.skipString(bytes, from, bytes.length))
        .isEqualTo(referenceSkipString(bytes, from, bytes.length));
  }

  static int referenceSkipString(byte[] b, int p, int end) {
    while (p < end) {
      int c = b[p] & 0xFF;
      if (c == '"') {
        return p + 1;
      }
      if (c < 0x20) {
        return -1;
      }
      if (c == '\\') {
        if (p + 1 >= end) {
          return -1;
        }
        int e = b[p + 1];
        if (e == 'u') {
          for (int i = p + 2; i < p + 6; i++) {
            if (i >= end || Character.digit(b[i], 16) < 0) {
              return -1;
            }
          }
          p += 6;
          continue;
        }
        if ("\"\\/bfnrt".indexOf(e) < 0) {
          return -1;
        }
        p += 2;
        continue;
      }
      p++;
    }
    return -1;
  }

  @Provide
  Arbitrary<byte[]> stringBytes() {
    Arbitrary<Byte> interesting =
        Arbitraries.of(
            (byte) '"',
            (byte) '\\',
            (byte) '#',
            (byte) ']',
            (byte) '!',
            (byte) 0x21,
            (byte) 0x1F,
            (byte) 0x00,
            (byte) '\t',
            (byte) 0x7F,
            (byte) 0x80,
            (byte) 0xA1,
            (byte) 0xA2,
            (byte) 0xDC,
            (byte) 0xFF,
            (byte) 'u',
            (byte) 'n',
            (byte) '0',
            (byte) 'f',
            (byte) ' ');
    Arbitrary<Byte> plain = Arbitraries.of((byte) 'a', (byte) 'b', (byte) '1', (byte) 'x');
    return Arbitraries.frequencyOf(Tuple.of(1, interesting), Tuple.of(4, plain))
        .list()
        .ofMaxSize(60)
        .map(
            list -> {
              byte[] b = new byte[list.size()];
              for (int i = 0; i < b.length; i++) {
                b[i] = list.get(i);
              }
              return b;
            });
  }

  // -------------------------------------------------------------------------------------------
  // Reference helpers

  static boolean isLong(JsonNode n) {
    return n != null && n.isIntegralNumber() && n.canConvertToLong();
  }

  static boolean isNonNegativeInt(JsonNode n) {
    return n != null && n.isIntegralNumber() && n.canConvertToInt() && n.intValue() >= 0;
  }

  static String text(JsonNode n) {
    return n != null && n.isTextual() ? n.textValue() : null;
  }

  /** Decodes raw string contents (escapes intact) the way Jackson does. */
  static String decode(String raw) {
    try {
      return MAPPER.readTree("\"" + raw + "\"").textValue();
    } catch (JsonProcessingException e) {
      throw new AssertionError("not valid string contents: " + raw, e);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Generators

  /** A member of an object: its raw key (with quotes) and its serialised text. */
  record Member(String key, String text) {}

  /** Frames of every shape: also the corpus of the capture's metadata-record property. */
  @Provide
  public Arbitrary<String> frames() {
    Arbitrary<String> validOp =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.of(0, 1, 2, 6, 9, 10, 11, 7, 12).map(String::valueOf)),
            Tuple.of(1, Arbitraries.integers().between(0, Integer.MAX_VALUE).map(String::valueOf)));
    Arbitrary<String> invalidOp =
        Arbitraries.of(
            "\"1\"",
            "-1",
            "1.0",
            "1e2",
            "2147483648",
            "null",
            "true",
            "[1]",
            "{}",
            "-5",
            "0.5",
            "\"op\"",
            "99999999999999999999");
    Arbitrary<String> anyOp =
        Arbitraries.frequencyOf(Tuple.of(12, validOp), Tuple.of(1, invalidOp));
    Arbitrary<String> seq =
        Arbitraries.frequencyOf(
            Tuple.of(3, Arbitraries.longs().between(0, 1_000_000).map(String::valueOf)),
            Tuple.of(2, Arbitraries.just("null")),
            Tuple.of(1, scalar()));
    Arbitrary<String> event =
        Arbitraries.frequencyOf(
            Tuple.of(4, Arbitraries.just("\"READY\"")),
            Tuple.of(2, Arbitraries.just("\"RESUMED\"")),
            Tuple.of(2, Arbitraries.of("\"MESSAGE_CREATE\"", "\"READY_SUPPLEMENTAL\"")),
            Tuple.of(2, jsonString()),
            Tuple.of(1, Arbitraries.just("null")),
            Tuple.of(1, scalar()));
    Arbitrary<String> readyMostly =
        Arbitraries.frequencyOf(
            Tuple.of(5, Arbitraries.just("\"READY\"")),
            Tuple.of(1, Arbitraries.just("\"RESUMED\"")),
            Tuple.of(2, event));
    Arbitrary<String> heartbeatData =
        Arbitraries.frequencyOf(
            Tuple.of(4, Arbitraries.longs().between(0, 1_000_000).map(String::valueOf)),
            Tuple.of(2, Arbitraries.just("null")),
            Tuple.of(1, number()),
            Tuple.of(1, value(2)));
    Arbitrary<String> invalidSessionData =
        Arbitraries.frequencyOf(
            Tuple.of(4, Arbitraries.of("true", "false")), Tuple.of(1, value(1)));
    return Arbitraries.frequencyOf(
        // Anything goes.
        Tuple.of(
            3,
            envelope(
                anyOp.optional(0.97), seq.optional(), event.optional(), data().optional(0.85))),
        // Dispatches, READY above all, and the opcodes whose d the scanner reads, with d mostly
        // an object carrying the fields of interest (among decoys of the same names, nested).
        Tuple.of(
            3,
            envelope(
                just("0"),
                seq.optional(),
                readyMostly.optional(0.95),
                fieldsObject().optional(0.95))),
        Tuple.of(
            3,
            envelope(
                Arbitraries.of("2", "6", "10", "12").optional(1.0),
                seq.optional(0.2),
                event.optional(0.2),
                fieldsObject().optional(0.95))),
        Tuple.of(
            1,
            envelope(
                just("1"), seq.optional(0.2), event.optional(0.2), heartbeatData.optional(0.85))),
        Tuple.of(
            1,
            envelope(
                just("9"),
                seq.optional(0.2),
                event.optional(0.2),
                invalidSessionData.optional(0.9))));
  }

  static Arbitrary<Optional<String>> just(String value) {
    return Arbitraries.just(Optional.of(value));
  }

  /** An envelope of the parts present, plus up to two unknown members, in random order. */
  static Arbitrary<String> envelope(
      Arbitrary<Optional<String>> op,
      Arbitrary<Optional<String>> seq,
      Arbitrary<Optional<String>> event,
      Arbitrary<Optional<String>> data) {
    Arbitrary<List<Member>> extras =
        member(stringContents().map(c -> "\"x" + c + "\""), value(2)).list().ofMaxSize(2);
    return Combinators.combine(
            optionalMember("\"op\"", op),
            optionalMember("\"s\"", seq),
            optionalMember("\"t\"", event),
            optionalMember("\"d\"", data),
            extras)
        .as(
            (o, s, t, d, x) -> {
              List<Member> all = new ArrayList<>(x);
              o.ifPresent(all::add);
              s.ifPresent(all::add);
              t.ifPresent(all::add);
              d.ifPresent(all::add);
              return all;
            })
        .flatMap(Arbitraries::shuffle)
        .flatMap(
            list -> Combinators.combine(ws(), ws(), ws()).as((a, b, c) -> a + object(list, b) + c));
  }

  static Arbitrary<Optional<Member>> optionalMember(String key, Arbitrary<Optional<String>> value) {
    return value.flatMap(
        v ->
            v.isEmpty()
                ? Arbitraries.just(Optional.<Member>empty())
                : member(Arbitraries.just(key), Arbitraries.just(v.get())).map(Optional::of));
  }

  /** The d of a frame: any value, or an object carrying the fields some opcode reads. */
  static Arbitrary<String> data() {
    return Arbitraries.frequencyOf(
        Tuple.of(2, value(3)),
        Tuple.of(1, Arbitraries.of("true", "false", "null")),
        Tuple.of(2, fieldsObject()));
  }

  /**
   * An object with each field some opcode reads present half the time (with a value of the right
   * type mostly), among random members whose nested values hold decoys of the same names.
   */
  static Arbitrary<String> fieldsObject() {
    Arbitrary<String> token =
        Arbitraries.frequencyOf(
            Tuple.of(3, jsonString()),
            Tuple.of(
                2,
                Arbitraries.longs()
                    .between(0, (1L << 48) - 1)
                    .map(v -> "\"" + TokenFingerprinter.redacted(v) + "\"")),
            Tuple.of(1, value(1)));
    Arbitrary<String> shard =
        Arbitraries.frequencyOf(
            Tuple.of(
                3,
                Combinators.combine(
                        Arbitraries.integers().between(0, 64),
                        Arbitraries.integers().between(1, 64),
                        ws(),
                        ws())
                    .as((id, n, a, b) -> "[" + a + id + b + "," + a + n + b + "]")),
            Tuple.of(1, Arbitraries.of("[1]", "[1,2,3]", "[-1,2]", "[0,2147483648]", "[1.5,2]")),
            Tuple.of(1, value(1)));
    Arbitrary<String> integer =
        Arbitraries.frequencyOf(
            Tuple.of(3, Arbitraries.longs().between(0, 100_000).map(String::valueOf)),
            Tuple.of(2, number()),
            Tuple.of(1, value(1)));
    Arbitrary<String> string =
        Arbitraries.frequencyOf(Tuple.of(4, jsonString()), Tuple.of(1, value(1)));
    return Combinators.combine(
            member(Arbitraries.just("\"heartbeat_interval\""), integer).optional(0.6),
            member(Arbitraries.just("\"session_id\""), string).optional(0.6),
            member(Arbitraries.just("\"seq\""), integer).optional(0.6),
            member(Arbitraries.just("\"token\""), token).optional(0.6),
            member(Arbitraries.just("\"shard\""), shard).optional(0.6),
            member(Arbitraries.just("\"properties\""), properties()).optional(0.6),
            member(Arbitraries.just("\"code\""), integer).optional(0.4),
            member(key(), value(3)).list().ofMaxSize(4))
        .as(
            (a, b, c, d, e, f, g, rest) -> {
              List<Member> all = new ArrayList<>(rest);
              for (Optional<Member> m : List.of(a, b, c, d, e, f, g)) {
                m.ifPresent(all::add);
              }
              return unique(all);
            })
        .flatMap(Arbitraries::shuffle)
        .flatMap(list -> ws().map(w -> object(list, w)));
  }

  /** Identify's properties: os, browser, device in either spelling, among decoys; or not one. */
  static Arbitrary<String> properties() {
    Arbitrary<String> string =
        Arbitraries.frequencyOf(Tuple.of(5, jsonString()), Tuple.of(1, value(1)));
    Arbitrary<String> object =
        Combinators.combine(
                member(Arbitraries.of("\"os\"", "\"$os\""), string).optional(0.7),
                member(Arbitraries.of("\"browser\"", "\"$browser\""), string).optional(0.7),
                member(Arbitraries.of("\"device\"", "\"$device\""), string).optional(0.7),
                member(key(), value(2)).list().ofMaxSize(3))
            .as(
                (a, b, c, rest) -> {
                  List<Member> all = new ArrayList<>(rest);
                  for (Optional<Member> m : List.of(a, b, c)) {
                    m.ifPresent(all::add);
                  }
                  return unique(all);
                })
            .flatMap(Arbitraries::shuffle)
            .flatMap(list -> ws().map(w -> object(list, w)));
    return Arbitraries.frequencyOf(Tuple.of(5, object), Tuple.of(1, value(2)));
  }

  static List<Member> unique(List<Member> members) {
    Map<String, Member> byKey = new LinkedHashMap<>();
    for (Member m : members) {
      byKey.putIfAbsent(m.key(), m);
    }
    return new ArrayList<>(byKey.values());
  }

  static String object(List<Member> members, String emptyWs) {
    if (members.isEmpty()) {
      return "{" + emptyWs + "}";
    }
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < members.size(); i++) {
      sb.append(i == 0 ? "" : ",").append(members.get(i).text());
    }
    return sb.append('}').toString();
  }

  static Arbitrary<Member> member(Arbitrary<String> key, Arbitrary<String> value) {
    return Combinators.combine(key, ws(), ws(), ws(), value, ws())
        .as((k, a, b, c, v, e) -> new Member(k, a + k + b + ":" + c + v + e));
  }

  /** Object keys: mostly random, sometimes a name the scanner looks for (decoys when nested). */
  static Arbitrary<String> key() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, jsonString()),
        Tuple.of(
            2,
            Arbitraries.of(
                "\"session_id\"",
                "\"token\"",
                "\"seq\"",
                "\"shard\"",
                "\"heartbeat_interval\"",
                "\"op\"",
                "\"d\"",
                "\"s\"",
                "\"t\"")));
  }

  static Arbitrary<String> value(int depth) {
    if (depth <= 0) {
      return scalar();
    }
    return Arbitraries.frequencyOf(
        Tuple.of(4, scalar()), Tuple.of(1, array(depth - 1)), Tuple.of(1, objectValue(depth - 1)));
  }

  static Arbitrary<String> array(int depth) {
    Arbitrary<String> element =
        Combinators.combine(ws(), value(depth), ws()).as((a, v, b) -> a + v + b);
    return Combinators.combine(element.list().ofMaxSize(4), ws())
        .as((items, w) -> items.isEmpty() ? "[" + w + "]" : "[" + String.join(",", items) + "]");
  }

  static Arbitrary<String> objectValue(int depth) {
    return Combinators.combine(member(key(), value(depth)).list().ofMaxSize(4), ws())
        .as((members, w) -> object(unique(members), w));
  }

  static Arbitrary<String> scalar() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, jsonString()),
        Tuple.of(3, number()),
        Tuple.of(1, Arbitraries.of("true", "false", "null")));
  }

  static Arbitrary<String> number() {
    return Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.longs().between(-1000, 100_000).map(String::valueOf)),
        Tuple.of(2, Arbitraries.longs().map(String::valueOf)),
        Tuple.of(
            1,
            Arbitraries.of(
                "9223372036854775807",
                "-9223372036854775808",
                "9223372036854775808",
                "-9223372036854775809",
                "123456789012345678901234",
                "0",
                "2147483647",
                "2147483648")),
        Tuple.of(2, Arbitraries.doubles().between(-1e9, 1e9).map(String::valueOf)),
        Tuple.of(1, Arbitraries.of("1e3", "-2.5E+2", "0.0", "41250.0", "1E-7", "-0.5")));
  }

  static Arbitrary<String> jsonString() {
    return stringContents().map(c -> "\"" + c + "\"");
  }

  /**
   * String contents: ASCII, quotes, backslashes, controls, BMP and astral characters, escaped or
   * not.
   */
  static Arbitrary<String> stringContents() {
    Arbitrary<Integer> codePoint =
        Arbitraries.frequencyOf(
            Tuple.of(8, Arbitraries.integers().between(0x20, 0x7e)),
            Tuple.of(2, Arbitraries.of((int) '"', (int) '\\', (int) '/')),
            Tuple.of(1, Arbitraries.integers().between(0, 0x1f)),
            Tuple.of(2, Arbitraries.integers().between(0x80, 0x7ff)),
            Tuple.of(2, Arbitraries.integers().between(0x800, 0xd7ff)),
            Tuple.of(1, Arbitraries.integers().between(0xe000, 0xfffd)),
            Tuple.of(2, Arbitraries.integers().between(0x10000, 0x10ffff)));
    return Combinators.combine(codePoint, Arbitraries.integers().between(0, 3))
        .as(FrameScannerProperties::serialiseChar)
        .list()
        .ofMaxSize(12)
        .map(parts -> String.join("", parts));
  }

  /** One code point as JSON string contents; mode 1 asks for a \\u escape, 2 for uppercase hex. */
  static String serialiseChar(int cp, int mode) {
    boolean escape = mode == 1 || mode == 2;
    String hex = mode == 2 ? "\\u%04X" : "\\u%04x";
    switch (cp) {
      case '"':
        return escape ? String.format(hex, cp) : "\\\"";
      case '\\':
        return escape ? String.format(hex, cp) : "\\\\";
      case '/':
        return escape ? "\\/" : "/";
      case '\b':
        return escape ? String.format(hex, cp) : "\\b";
      case '\f':
        return escape ? String.format(hex, cp) : "\\f";
      case '\n':
        return escape ? String.format(hex, cp) : "\\n";
      case '\r':
        return escape ? String.format(hex, cp) : "\\r";
      case '\t':
        return escape ? String.format(hex, cp) : "\\t";
      default:
        break;
    }
    if (cp < 0x20) {
      return String.format(hex, cp);
    }
    if (!escape) {
      return new String(Character.toChars(cp));
    }
    StringBuilder sb = new StringBuilder();
    for (char c : Character.toChars(cp)) {
      sb.append(String.format(hex, (int) c));
    }
    return sb.toString();
  }

  static Arbitrary<String> ws() {
    return Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.just("")),
        Tuple.of(1, Arbitraries.strings().withChars(" \t\n\r").ofMinLength(1).ofMaxLength(3)));
  }

  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(40),
        frames(),
        frames()
            .flatMap(
                f ->
                    Arbitraries.integers()
                        .between(0, f.length())
                        .map(i -> f.substring(0, i) + "\uD800" + f.substring(i))));
  }

  @Provide
  Arbitrary<String> nearlyValid() {
    Arbitrary<String> mutated =
        frames()
            .flatMap(
                f ->
                    Combinators.combine(
                            Arbitraries.integers().between(0, Math.max(0, f.length() - 1)),
                            Arbitraries.chars().with("{}[]\":,\\ -01eE.nul\u00e9x"),
                            Arbitraries.integers().between(0, 2))
                        .as(
                            (i, c, how) -> {
                              if (f.isEmpty()) {
                                return f;
                              }
                              switch (how) {
                                case 0: // replace
                                  return f.substring(0, i) + c + f.substring(i + 1);
                                case 1: // insert
                                  return f.substring(0, i) + c + f.substring(i);
                                default: // delete
                                  return f.substring(0, i) + f.substring(i + 1);
                              }
                            }));
    Arbitrary<String> soup =
        Arbitraries.of(
                "{",
                "{",
                "}",
                "}",
                "[",
                "]",
                ",",
                ",",
                ":",
                ":",
                "\"op\"",
                "\"op\"",
                "\"d\"",
                "\"s\"",
                "\"t\"",
                "\"x\"",
                "1",
                "0",
                "12",
                "null",
                "true",
                "\"READY\"",
                " ",
                "\"a\\\"b\"",
                "\"\\\\\"",
                "1.5")
            .list()
            .ofMaxSize(24)
            .map(tokens -> String.join("", tokens));
    return Arbitraries.frequencyOf(Tuple.of(3, mutated), Tuple.of(2, soup));
  }
}
