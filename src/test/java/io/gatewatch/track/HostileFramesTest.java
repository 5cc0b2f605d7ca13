package io.gatewatch.track;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.metrics.Source;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Encoding;
import io.gatewatch.protocol.EtfScanner;
import io.gatewatch.protocol.FrameScanner;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.ScannedFrame;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.report.Tally;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A million random and mutated frames (seeded) through the scanner and the tracker, on sockets that
 * close with random codes: nothing throws, every frame is counted once, every frame the scanner
 * cannot classify is a decode error and {@code op="other"}, and the label values stay in the
 * profile's registries (or {@code other}), so the number of series is bounded by the registries,
 * not by the input.
 */
class HostileFramesTest {
  static final int FRAMES = 1_000_000;
  static final long SEED = 0x6a7e_11L;
  static final long MS = 1_000_000L;

  /** Valid frames of every kind, the material the mutations start from. */
  static final List<byte[]> CORPUS =
      List.of(
          utf8(Script.hello()),
          utf8(Script.identify("valid-token-1")),
          utf8(Script.ready("session-1")),
          utf8(Script.resume("valid-token-1", "session-1", 42)),
          utf8(Script.resumed(42)),
          utf8(Script.heartbeat(7L)),
          utf8(Script.heartbeat(null)),
          utf8(Script.heartbeatRequest()),
          utf8(Script.ack()),
          utf8(Script.invalidSession()),
          utf8(Script.reconnect()),
          utf8(Script.dispatch(9)),
          utf8("{\"op\":3,\"d\":{\"status\":\"online\",\"since\":null,\"afk\":false}}"),
          utf8("{\"t\":\"MESSAGE_CREATE\",\"s\":12,\"op\":0,\"d\":{\"content\":\"h\\u00e9\\n\"}}"));

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** One hostile frame: random bytes, a mutated valid frame, or a well-formed frame of lies. */
  static byte[] hostile(Random rnd) {
    int kind = rnd.nextInt(1000);
    if (kind < 250) {
      byte[] b = new byte[rnd.nextInt(rnd.nextInt(10) == 0 ? 4096 : 128)];
      rnd.nextBytes(b);
      if (b.length > 0 && rnd.nextBoolean()) {
        b[0] = '{'; // past the first check
      }
      return b;
    }
    if (kind < 800) {
      return mutate(CORPUS.get(rnd.nextInt(CORPUS.size())), rnd);
    }
    if (kind < 999) {
      return lies(rnd);
    }
    // deep nesting, long strings, long numbers
    StringBuilder s = new StringBuilder("{\"op\":0,\"t\":\"X\",\"d\":");
    int depth = rnd.nextInt(5_000);
    for (int i = 0; i < depth; i++) {
      s.append(rnd.nextBoolean() ? '[' : "{\"a\":");
    }
    s.append("9".repeat(rnd.nextInt(1_000)));
    return utf8(s.toString());
  }

  static byte[] mutate(byte[] seed, Random rnd) {
    byte[] b = seed.clone();
    int n = 1 + rnd.nextInt(4);
    for (int m = 0; m < n && b.length > 0; m++) {
      int at = rnd.nextInt(b.length);
      switch (rnd.nextInt(7)) {
        case 0 -> b[at] = (byte) rnd.nextInt(256); // any byte, invalid UTF-8 included
        case 1 -> b = java.util.Arrays.copyOf(b, at); // truncated
        case 2 -> { // a range deleted
          int len = Math.min(b.length - at, 1 + rnd.nextInt(8));
          byte[] c = new byte[b.length - len];
          System.arraycopy(b, 0, c, 0, at);
          System.arraycopy(b, at + len, c, at, b.length - at - len);
          b = c;
        }
        case 3 -> { // structural characters inserted
          byte[] ins =
              utf8(pick(rnd, "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "-", "1e999"));
          byte[] c = new byte[b.length + ins.length];
          System.arraycopy(b, 0, c, 0, at);
          System.arraycopy(ins, 0, c, at, ins.length);
          System.arraycopy(b, at, c, at + ins.length, b.length - at);
          b = c;
        }
        case 4 -> { // a slice repeated
          int len = Math.min(b.length - at, 1 + rnd.nextInt(16));
          byte[] c = new byte[b.length + len];
          System.arraycopy(b, 0, c, 0, at + len);
          System.arraycopy(b, at, c, at + len, b.length - at);
          b = c;
        }
        case 5 -> b[at] = (byte) pick(rnd, "\u0000", "\u00ff", "\u00c0", "\u0080", "\"").charAt(0);
        default -> { // a digit made a huge or negative number
          String s = new String(b, StandardCharsets.ISO_8859_1);
          s = s.replaceFirst("\\d+", pick(rnd, "-1", "99999999999999999999", "2147483648", "1.5"));
          b = s.getBytes(StandardCharsets.ISO_8859_1);
        }
      }
    }
    return b;
  }

  /** Well-formed JSON with hostile values: any opcode, event name, sequence, session, token. */
  static byte[] lies(Random rnd) {
    StringBuilder s = new StringBuilder("{");
    s.append("\"op\":")
        .append(pick(rnd, rnd.nextInt(12), rnd.nextInt(), (long) rnd.nextInt() << 8));
    if (rnd.nextBoolean()) {
      s.append(",\"t\":\"").append(eventName(rnd)).append('"');
    }
    if (rnd.nextBoolean()) {
      s.append(",\"s\":").append(rnd.nextLong());
    }
    s.append(",\"d\":{\"token\":\"t").append(rnd.nextInt(1000)).append('"');
    s.append(",\"session_id\":\"").append(eventName(rnd)).append('"');
    s.append(",\"seq\":").append(rnd.nextInt());
    s.append(",\"heartbeat_interval\":").append(rnd.nextInt());
    s.append("}}");
    return utf8(s.toString());
  }

  static String eventName(Random rnd) {
    StringBuilder b = new StringBuilder();
    int len = rnd.nextInt(40);
    for (int i = 0; i < len; i++) {
      char c = (char) (rnd.nextInt(5) == 0 ? rnd.nextInt(0x3000) : 'A' + rnd.nextInt(26));
      if (c == '"' || c == '\\' || c < 0x20) {
        b.append("\\u").append(String.format("%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  @SafeVarargs
  static <T> T pick(Random rnd, T... choices) {
    return choices[rnd.nextInt(choices.length)];
  }

  /** Random text with lone surrogates and control characters, through the text path. */
  static String hostileText(Random rnd) {
    char[] c = new char[rnd.nextInt(200)];
    for (int i = 0; i < c.length; i++) {
      c[i] = (char) (rnd.nextInt(4) == 0 ? 0xD800 + rnd.nextInt(0x800) : rnd.nextInt(0x10000));
    }
    return rnd.nextBoolean() ? "{\"op\":" + new String(c) : new String(c);
  }

  @Test
  void aMillionHostileFramesNeverThrowAndEveryUnclassifiableOneIsCounted() {
    GatewayProfile profile = ProfileLoader.load("fluxer-seed");
    TokenFingerprinter fp = new TokenFingerprinter(new byte[] {4, 5, 6});
    Watches watches = new Watches(fp);
    Tally tally = new Tally();
    ConnectionTracker t =
        watches.add(
            profile,
            TrackerSettings.DEFAULTS.withMaxConnections(1_000).withMaxClients(1_000),
            Source.REPLAY,
            "hostile",
            tally);
    FrameScanner oracle = new FrameScanner(fp);
    ScannedFrame scanned = new ScannedFrame();
    Random rnd = new Random(SEED);

    long malformed = 0;
    long other = 0; // malformed, or an opcode the profile does not know
    Set<Integer> closeCodes = new HashSet<>();
    Connection c = t.open("c0", 0);
    int sockets = 1;
    for (int i = 0; i < FRAMES; i++) {
      long now = i * MS;
      Direction from = rnd.nextBoolean() ? Direction.CLIENT : Direction.SERVER;
      boolean ok;
      if (rnd.nextInt(10) == 0) {
        String text = hostileText(rnd);
        ok = oracle.scan(text, scanned);
        c.frame(now, from, text);
      } else {
        byte[] b = hostile(rnd);
        int off = b.length > 2 && rnd.nextInt(8) == 0 ? 1 : 0; // a slice of a larger buffer
        ok = oracle.scan(b, off, b.length - off, scanned);
        c.frame(now, from, b, off, b.length - off);
      }
      if (!ok) {
        malformed++;
        other++;
      } else if (profile.opcode(scanned.op()) == null) {
        other++;
      }
      if (rnd.nextInt(100) == 0) { // the socket ends with any code at all
        int code = pick(rnd, rnd.nextInt(), rnd.nextInt(5000), 4000 + rnd.nextInt(20), -1, 0);
        closeCodes.add(code);
        c.close(now, code, pick(rnd, Initiator.values()));
        c = t.open("c" + sockets++, now);
      }
    }

    assertThat(tally.frames()).isEqualTo(FRAMES);
    assertThat(tally.decodeErrors()).isEqualTo(malformed);
    assertThat(malformed).isBetween(FRAMES / 2L, FRAMES - 10_000L); // both kinds well exercised
    assertThat(closeCodes.size()).isGreaterThan(3_000);

    MetricSnapshots snap = watches.registry().getPrometheusRegistry().scrape();
    assertThat(sumWhere(snap, "gatewatch_decode_errors", "source", "replay")).isEqualTo(malformed);
    assertThat(sum(snap, "gateway_frames")).isEqualTo(FRAMES);
    assertThat(sumWhere(snap, "gateway_frames", "op", "other")).isEqualTo(other);

    // label values only from the registries or "other": the series are bounded by the profile
    Set<String> ops = new TreeSet<>(List.of("other"));
    profile.opcodes().forEach(o -> ops.add(o.label()));
    Set<String> codes = new TreeSet<>(List.of("other"));
    profile.closeCodes().forEach(k -> codes.add(String.valueOf(k.code())));
    assertThat(values(snap, "gateway_frames", "op")).isSubsetOf(ops);
    assertThat(values(snap, "gateway_close", "code")).isSubsetOf(codes);
    assertThat(series(snap, "gateway_frames")).isLessThanOrEqualTo(2 * ops.size());
    assertThat(series(snap, "gateway_close"))
        .isLessThanOrEqualTo(Initiator.values().length * codes.size());
    assertThat(t.trackedEntries()).isLessThanOrEqualTo(2_000);
  }

  /** The corpus as Erlang terms (the simulator's encoder: atom keys, binaries, nil). */
  static final List<byte[]> TERMS =
      CORPUS.stream()
          .map(
              json -> {
                try {
                  return io.gatewatch.sim.Etf.encode(io.gatewatch.sim.Json.parse(json));
                } catch (io.gatewatch.sim.Json.MalformedException e) {
                  throw new AssertionError(e);
                }
              })
          .toList();

  /** One hostile term: random bytes after the version byte, a mutated valid term, or lies. */
  static byte[] hostileTerm(Random rnd) {
    int kind = rnd.nextInt(1000);
    if (kind < 250) {
      byte[] b = new byte[rnd.nextInt(rnd.nextInt(10) == 0 ? 4096 : 128)];
      rnd.nextBytes(b);
      if (b.length > 1 && rnd.nextBoolean()) {
        b[0] = (byte) 131; // past the first checks
        b[1] = 116;
      }
      return b;
    }
    if (kind < 900) {
      byte[] b = TERMS.get(rnd.nextInt(TERMS.size())).clone();
      int n = 1 + rnd.nextInt(4);
      for (int m = 0; m < n && b.length > 0; m++) {
        int at = rnd.nextInt(b.length);
        switch (rnd.nextInt(4)) {
          case 0 -> b[at] = (byte) rnd.nextInt(256); // any byte: tags, lengths, counts
          case 1 -> b = java.util.Arrays.copyOf(b, at); // truncated
          case 2 -> b[at] = (byte) pick(rnd, 0, 255, 106, 108, 116, 109, 110, 111).intValue();
          default -> b = java.util.Arrays.copyOf(b, b.length + 1 + rnd.nextInt(8)); // trailing
        }
      }
      return b;
    }
    // well-formed terms of lies: the JSON lies, written as terms
    try {
      return io.gatewatch.sim.Etf.encode(io.gatewatch.sim.Json.parse(lies(rnd)));
    } catch (io.gatewatch.sim.Json.MalformedException e) {
      return new byte[0]; // a lie with an escape the simulator's JSON reader refuses
    }
  }

  @Test
  void hostileTermsOnEtfSocketsNeverThrowAndEveryUnclassifiableOneIsCounted() {
    GatewayProfile profile = ProfileLoader.load("discord");
    TokenFingerprinter fp = new TokenFingerprinter(new byte[] {4, 5, 7});
    Watches watches = new Watches(fp);
    Tally tally = new Tally();
    ConnectionTracker t =
        watches.add(
            profile,
            TrackerSettings.DEFAULTS.withMaxConnections(1_000).withMaxClients(1_000),
            Source.REPLAY,
            "hostile-etf",
            tally);
    EtfScanner oracle = new EtfScanner(fp);
    ScannedFrame scanned = new ScannedFrame();
    Random rnd = new Random(SEED + 1);
    int frames = FRAMES / 4;

    long malformed = 0;
    long other = 0;
    Connection c = t.open("e0", 0, Encoding.ETF);
    int sockets = 1;
    for (int i = 0; i < frames; i++) {
      long now = i * MS;
      Direction from = rnd.nextBoolean() ? Direction.CLIENT : Direction.SERVER;
      byte[] b = hostileTerm(rnd);
      int off = b.length > 2 && rnd.nextInt(8) == 0 ? 1 : 0;
      boolean ok = oracle.scan(b, off, b.length - off, scanned);
      c.frame(now, from, Encoding.ETF, b, off, b.length - off, -1);
      if (!ok) {
        malformed++;
        other++;
      } else if (profile.opcode(scanned.op()) == null) {
        other++;
      }
      if (rnd.nextInt(100) == 0) {
        c.close(
            now,
            pick(rnd, rnd.nextInt(5000), 4000 + rnd.nextInt(20)),
            pick(rnd, Initiator.values()));
        c = t.open("e" + sockets++, now, Encoding.ETF);
      }
    }

    assertThat(tally.frames()).isEqualTo(frames);
    assertThat(tally.decodeErrors()).isEqualTo(malformed);
    assertThat(malformed).isBetween(frames / 4L, frames - 10_000L); // both kinds well exercised
    MetricSnapshots snap = watches.registry().getPrometheusRegistry().scrape();
    assertThat(sum(snap, "gateway_frames")).isEqualTo(frames);
    assertThat(sumWhere(snap, "gateway_frames", "op", "other")).isEqualTo(other);
    Set<String> ops = new TreeSet<>(List.of("other"));
    profile.opcodes().forEach(o -> ops.add(o.label()));
    assertThat(values(snap, "gateway_frames", "op")).isSubsetOf(ops);
    assertThat(tally.readies(io.gatewatch.track.Via.IDENTIFY)).isPositive(); // lies got through
  }

  static CounterSnapshot family(MetricSnapshots snap, String name) {
    for (MetricSnapshot s : snap) {
      if (s.getMetadata().getName().equals(name)) {
        return (CounterSnapshot) s;
      }
    }
    throw new AssertionError("no family " + name);
  }

  static long sum(MetricSnapshots snap, String name) {
    return family(snap, name).getDataPoints().stream().mapToLong(d -> (long) d.getValue()).sum();
  }

  static long sumWhere(MetricSnapshots snap, String name, String label, String value) {
    return family(snap, name).getDataPoints().stream()
        .filter(d -> value.equals(d.getLabels().get(label)))
        .mapToLong(d -> (long) d.getValue())
        .sum();
  }

  static Set<String> values(MetricSnapshots snap, String name, String label) {
    Set<String> out = new TreeSet<>();
    family(snap, name).getDataPoints().forEach(d -> out.add(d.getLabels().get(label)));
    return out;
  }

  static int series(MetricSnapshots snap, String name) {
    return family(snap, name).getDataPoints().size();
  }
}
