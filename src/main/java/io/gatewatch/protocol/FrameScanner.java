package io.gatewatch.protocol;

import static io.gatewatch.protocol.EnvelopeNames.BROWSER;
import static io.gatewatch.protocol.EnvelopeNames.CODE;
import static io.gatewatch.protocol.EnvelopeNames.DEVICE;
import static io.gatewatch.protocol.EnvelopeNames.FALSE;
import static io.gatewatch.protocol.EnvelopeNames.HEARTBEAT_INTERVAL;
import static io.gatewatch.protocol.EnvelopeNames.NULL;
import static io.gatewatch.protocol.EnvelopeNames.OS;
import static io.gatewatch.protocol.EnvelopeNames.PROPERTIES;
import static io.gatewatch.protocol.EnvelopeNames.READY;
import static io.gatewatch.protocol.EnvelopeNames.RESUMED;
import static io.gatewatch.protocol.EnvelopeNames.SEQ;
import static io.gatewatch.protocol.EnvelopeNames.SESSION_ID;
import static io.gatewatch.protocol.EnvelopeNames.SHARD;
import static io.gatewatch.protocol.EnvelopeNames.TOKEN;
import static io.gatewatch.protocol.EnvelopeNames.TRUE;
import static io.gatewatch.protocol.EnvelopeNames.ascii;
import static io.gatewatch.protocol.EnvelopeNames.classifyKey;
import static io.gatewatch.protocol.EnvelopeNames.equalsAscii;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads the envelope of one gateway frame ({@code op}, {@code s}, {@code t}) and the few {@code d}
 * fields the tracker (and a metadata-only capture) needs, straight from the UTF-8 bytes, without
 * building a tree.
 *
 * <h2>How</h2>
 *
 * <p>One pass over the top-level object validates its structure and records {@code op}, {@code s},
 * {@code t} and the span of {@code d}'s value, which it skips (an iterative skip that validates
 * strings, escapes, nesting, commas and colons, eight bytes at a time inside strings). Key order
 * does not matter: the real gateway sends {@code d} first, Discord-style servers last. Only for the
 * opcodes whose {@code d} matters (Hello, READY, Identify, Resume, Invalid Session, Heartbeat,
 * Gateway Error) does a second, targeted pass look at the top-level members of {@code d}; members
 * nested deeper (a {@code session_id} inside READY's guild list, say) are skipped, never matched.
 *
 * <p>Scanning a heartbeat, an ACK or an ordinary dispatch allocates nothing. The only Strings
 * created are a READY's or Resume's session id and an Identify's {@code os}, {@code browser} and
 * {@code device} properties.
 *
 * <h2>What counts as malformed</h2>
 *
 * <p>The payload must be exactly one JSON object (whitespace around it allowed) with an {@code op}
 * that is a JSON integer in {@code [0, Integer.MAX_VALUE]} (a string, a negative number, a
 * fraction, an exponent, a leading zero or a larger value is malformed; {@code -0} is zero).
 * Truncation anywhere, unbalanced or mismatched brackets, unterminated strings, raw control
 * characters in strings, invalid escapes, missing commas or colons (at every depth) and anything
 * after the closing brace make the frame malformed; so does nesting deeper than {@value
 * ScannedFrame#MAX_NESTING} levels.
 *
 * <p>Deliberate leniencies, none of which can hide a truncated or unbalanced frame:
 *
 * <ul>
 *   <li>Numbers and literals inside skipped values are not spelled out: any non-empty run of {@code
 *       [0-9A-Za-z+.-]} is accepted as a scalar ({@code nul}, {@code 01}, {@code 1e}). Values the
 *       scanner actually reads ({@code op}, {@code s}, {@code seq}, Heartbeat's {@code d}, ...) are
 *       checked strictly.
 *   <li>UTF-8 inside strings is not validated (bytes at or above 0x80 pass through).
 *   <li>Keys are compared on their raw bytes: a key spelled with escapes ({@code op} with its
 *       {@code o} written as a Unicode escape) is not recognised, so such a frame has no {@code op}
 *       and is malformed. No gateway encoder escapes ASCII letters in keys, and decoding every key
 *       would cost the common case for nothing.
 *   <li>Likewise {@code t} is matched against {@code READY} and {@code RESUMED} on its raw bytes,
 *       and a token is fingerprinted (and its span reported) as its raw bytes, escapes undecoded.
 *   <li>A key that occurs twice: the last occurrence decides, as with most JSON readers; an
 *       occurrence of the wrong type clears what an earlier one set.
 * </ul>
 *
 * <p>Thread-safe: the only per-call state lives in the {@link ScannedFrame} passed in and, for text
 * input, in a per-thread scratch buffer. Never throws on any input.
 */
public final class FrameScanner {
  /** Text frames up to this many UTF-8 bytes are encoded into a retained per-thread buffer. */
  static final int SCRATCH_RETAIN_LIMIT = 1 << 20;

  private static final int INITIAL_SCRATCH = 16 * 1024;
  private static final int MAX_ARRAY = Integer.MAX_VALUE - 16;

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;
  private static final long TWOS = 0x0202020202020202L;
  private static final long BELOW_QUOTE = 0x2121212121212121L;

  /** Bytes that may make up a number or literal in a skipped value. */
  private static final boolean[] SCALAR = new boolean[256];

  /** Bytes that may follow a backslash (besides {@code u}). */
  private static final boolean[] SIMPLE_ESCAPE = new boolean[256];

  private static final byte[] LONG_MAX = ascii("9223372036854775807");
  private static final byte[] LONG_MIN_DIGITS = ascii("9223372036854775808");

  static {
    for (char c = '0'; c <= '9'; c++) {
      SCALAR[c] = true;
    }
    for (char c = 'a'; c <= 'z'; c++) {
      SCALAR[c] = true;
      SCALAR[Character.toUpperCase(c)] = true;
    }
    SCALAR['+'] = true;
    SCALAR['-'] = true;
    SCALAR['.'] = true;
    for (char c : "\"\\/bfnrt".toCharArray()) {
      SIMPLE_ESCAPE[c] = true;
    }
  }

  private final TokenFingerprinter fingerprinter;
  private final EtfScanner etf;
  private final ThreadLocal<byte[]> scratch =
      ThreadLocal.withInitial(() -> new byte[INITIAL_SCRATCH]);

  /**
   * @param fingerprinter fingerprints the tokens of Identify and Resume
   */
  public FrameScanner(TokenFingerprinter fingerprinter) {
    if (fingerprinter == null) {
      throw new IllegalArgumentException("fingerprinter must not be null");
    }
    this.fingerprinter = fingerprinter;
    this.etf = new EtfScanner(fingerprinter);
  }

  /**
   * Scans a binary payload in the socket's encoding: UTF-8 JSON as {@link #scan(byte[], int, int,
   * ScannedFrame)} does, or an Erlang term as {@link EtfScanner} does.
   */
  public boolean scan(Encoding encoding, byte[] buf, int off, int len, ScannedFrame out) {
    return encoding == Encoding.ETF ? etf.scan(buf, off, len, out) : scan(buf, off, len, out);
  }

  /**
   * Scans the UTF-8 payload {@code buf[off, off + len)} into {@code out}, whose offsets then index
   * {@code buf} itself (absolute, not relative to {@code off}).
   *
   * @return {@code !out.malformed()}; false also when {@code buf} is null or the range lies outside
   *     it (then {@code out.size()} is 0), and when {@code out} is null (nothing is written)
   */
  public boolean scan(byte[] buf, int off, int len, ScannedFrame out) {
    if (out == null) {
      return false;
    }
    if (buf == null || off < 0 || len < 0 || off > buf.length - len) {
      return malformed(out, buf, 0);
    }
    out.reset(buf, len);
    if (!scanEnvelope(buf, off, off + len, out)) {
      return malformed(out, buf, len);
    }
    return true;
  }

  /**
   * Scans a text payload: encodes it to UTF-8 (lone surrogates become {@code ?}) into a per-thread
   * buffer of this scanner, reused without allocation by the next text scan on the same thread, and
   * scans that; {@code out.source()} is that buffer. The text must not change during the call.
   *
   * @return {@code !out.malformed()}; false when {@code text} is null, or when {@code out} is null
   *     (nothing is written)
   */
  public boolean scan(CharSequence text, ScannedFrame out) {
    if (out == null) {
      return false;
    }
    if (text == null) {
      return malformed(out, null, 0);
    }
    int n = text.length();
    byte[] buf = scratch.get();
    if ((long) n * 3 > buf.length) {
      long exact = utf8Length(text, n);
      if (exact > MAX_ARRAY) {
        return malformed(out, null, Integer.MAX_VALUE);
      }
      if (exact > buf.length) {
        if (exact <= SCRATCH_RETAIN_LIMIT) {
          long grown = Math.max((long) n * 3, 2L * buf.length);
          buf = new byte[(int) Math.min(grown, SCRATCH_RETAIN_LIMIT)];
          scratch.set(buf);
        } else {
          buf = new byte[(int) exact]; // one-off: a huge frame must not pin memory in the thread
        }
      }
    }
    int len = encodeUtf8(text, n, buf);
    return scan(buf, 0, len, out);
  }

  private static boolean malformed(ScannedFrame out, byte[] source, int size) {
    out.reset(source, size);
    out.malformed = true;
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // The envelope

  private boolean scanEnvelope(byte[] b, int start, int end, ScannedFrame out) {
    final long[] nest = out.nesting;
    int p = skipWs(b, start, end);
    if (p >= end || b[p] != '{') {
      return false;
    }
    p = skipWs(b, p + 1, end);
    if (p >= end) {
      return false;
    }
    long op = -1;
    boolean hasSeq = false;
    long seq = 0;
    int tStart = -1;
    int tEnd = -1;
    int dStart = -1;
    int dEnd = -1;
    if (b[p] == '}') {
      p++;
    } else {
      while (true) {
        if (b[p] != '"') {
          return false;
        }
        int ks = p + 1;
        int afterKey = skipString(b, ks, end);
        if (afterKey < 0) {
          return false;
        }
        EnvelopeNames.Key key = classifyKey(b, ks, afterKey - 1);
        p = skipWs(b, afterKey, end);
        if (p >= end || b[p] != ':') {
          return false;
        }
        int vs = skipWs(b, p + 1, end);
        int ve = skipValue(b, vs, end, nest);
        if (ve < 0) {
          return false;
        }
        switch (key) {
          case OP:
            op = parseOp(b, vs, ve);
            break;
          case S:
            hasSeq = isJsonLong(b, vs, ve);
            seq = hasSeq ? parseJsonLong(b, vs, ve) : 0;
            break;
          case T:
            boolean string = b[vs] == '"';
            tStart = string ? vs + 1 : -1;
            tEnd = string ? ve - 1 : -1;
            break;
          case D:
            dStart = vs;
            dEnd = ve;
            break;
          default:
            break;
        }
        p = skipWs(b, ve, end);
        if (p >= end) {
          return false;
        }
        byte c = b[p];
        if (c == ',') {
          p = skipWs(b, p + 1, end);
          if (p >= end) {
            return false;
          }
        } else if (c == '}') {
          p++;
          break;
        } else {
          return false;
        }
      }
    }
    if (skipWs(b, p, end) != end || op < 0) {
      return false;
    }

    out.op = (int) op;
    out.hasSeq = hasSeq;
    out.seq = seq;
    out.eventStart = tStart;
    out.eventEnd = tEnd;
    switch (out.op) {
      case 0:
        if (tStart >= 0) {
          if (equalsAscii(b, tStart, tEnd, READY)) {
            out.event = ScannedFrame.Event.READY;
            return dStart < 0 || scanData(b, dStart, dEnd, out);
          }
          out.event =
              equalsAscii(b, tStart, tEnd, RESUMED)
                  ? ScannedFrame.Event.RESUMED
                  : ScannedFrame.Event.OTHER;
        }
        return true;
      case 1:
        out.heartbeatData = heartbeatData(b, dStart, dEnd, out);
        return true;
      case 9:
        if (dStart >= 0) {
          out.invalidSessionResumable =
              equalsAscii(b, dStart, dEnd, TRUE) ? 1 : equalsAscii(b, dStart, dEnd, FALSE) ? 0 : -1;
        }
        return true;
      case 2:
      case 6:
      case 10:
      case 12:
        return dStart < 0 || scanData(b, dStart, dEnd, out);
      default:
        return true;
    }
  }

  /**
   * The opcode in {@code [vs, ve)}, or -1 when it is not a JSON integer in [0, MAX_VALUE] ({@code
   * -0} is zero, as any JSON reader has it).
   */
  private static long parseOp(byte[] b, int vs, int ve) {
    if (!isJsonLong(b, vs, ve)) {
      return -1;
    }
    long v = parseJsonLong(b, vs, ve);
    return v >= 0 && v <= Integer.MAX_VALUE ? v : -1;
  }

  private static ScannedFrame.HeartbeatData heartbeatData(
      byte[] b, int ds, int de, ScannedFrame out) {
    if (ds < 0) {
      return ScannedFrame.HeartbeatData.ABSENT;
    }
    if (equalsAscii(b, ds, de, NULL)) {
      return ScannedFrame.HeartbeatData.NULL;
    }
    if (isJsonLong(b, ds, de)) {
      out.heartbeatSeq = parseJsonLong(b, ds, de);
      return ScannedFrame.HeartbeatData.INTEGER;
    }
    return ScannedFrame.HeartbeatData.INVALID;
  }

  // ---------------------------------------------------------------------------------------------
  // The second pass: top-level members of d, for Hello, READY, Identify, Resume and Gateway Error

  /**
   * Reads the fields of {@code out.op} from the top-level members of the object {@code b[ds, de)}
   * (already validated by the first pass; the checks here only keep it safe). A {@code d} that is
   * not an object has no fields.
   */
  private boolean scanData(byte[] b, int ds, int de, ScannedFrame out) {
    if (b[ds] != '{') {
      return true;
    }
    final long[] nest = out.nesting;
    int p = skipWs(b, ds + 1, de);
    if (p >= de) {
      return false;
    }
    if (b[p] == '}') {
      return true;
    }
    while (true) {
      if (b[p] != '"') {
        return false;
      }
      int ks = p + 1;
      int afterKey = skipString(b, ks, de);
      if (afterKey < 0) {
        return false;
      }
      p = skipWs(b, afterKey, de);
      if (p >= de || b[p] != ':') {
        return false;
      }
      int vs = skipWs(b, p + 1, de);
      int ve = skipValue(b, vs, de, nest);
      if (ve < 0) {
        return false;
      }
      dataField(b, ks, afterKey - 1, vs, ve, out);
      p = skipWs(b, ve, de);
      if (p >= de) {
        return false;
      }
      if (b[p] != ',') {
        return b[p] == '}';
      }
      p = skipWs(b, p + 1, de);
      if (p >= de) {
        return false;
      }
    }
  }

  /** One top-level member of d: key {@code [ks, ke)}, value {@code [vs, ve)}. */
  private void dataField(byte[] b, int ks, int ke, int vs, int ve, ScannedFrame out) {
    boolean string = b[vs] == '"';
    switch (out.op) {
      case 0: // READY
        if (equalsAscii(b, ks, ke, SESSION_ID)) {
          out.sessionId = string ? decodeString(b, vs + 1, ve - 1) : null;
        }
        break;
      case 10: // Hello
        if (equalsAscii(b, ks, ke, HEARTBEAT_INTERVAL)) {
          long v = isJsonLong(b, vs, ve) ? parseJsonLong(b, vs, ve) : -1;
          out.heartbeatIntervalMs = v >= 0 ? v : -1;
        }
        break;
      case 6: // Resume
        if (equalsAscii(b, ks, ke, SESSION_ID)) {
          out.sessionId = string ? decodeString(b, vs + 1, ve - 1) : null;
        } else if (equalsAscii(b, ks, ke, SEQ)) {
          out.hasResumeSeq = isJsonLong(b, vs, ve);
          out.resumeSeq = out.hasResumeSeq ? parseJsonLong(b, vs, ve) : 0;
        } else if (equalsAscii(b, ks, ke, TOKEN)) {
          token(b, vs, ve, string, out);
        }
        break;
      case 2: // Identify
        if (equalsAscii(b, ks, ke, TOKEN)) {
          token(b, vs, ve, string, out);
        } else if (equalsAscii(b, ks, ke, SHARD)) {
          shard(b, vs, ve, out);
        } else if (equalsAscii(b, ks, ke, PROPERTIES)) {
          properties(b, vs, ve, out);
        }
        break;
      case 12: // Gateway Error
        if (equalsAscii(b, ks, ke, CODE)) {
          out.hasErrorCode = isJsonLong(b, vs, ve);
          out.errorCode = out.hasErrorCode ? parseJsonLong(b, vs, ve) : 0;
        }
        break;
      default:
        break;
    }
  }

  /**
   * Identify's {@code properties}: the string members {@code os}, {@code browser} and {@code
   * device} at its top level ({@code $os}, ... as older clients spell them); Identify is rare, so
   * decoding them here costs nothing on the hot path. The object was validated by the first pass.
   */
  private static void properties(byte[] b, int vs, int ve, ScannedFrame out) {
    out.os = null;
    out.browser = null;
    out.device = null;
    if (b[vs] != '{') {
      return;
    }
    final long[] nest = out.nesting;
    int p = skipWs(b, vs + 1, ve);
    while (p < ve && b[p] == '"') {
      int ks = p + 1;
      int afterKey = skipString(b, ks, ve);
      if (afterKey < 0) {
        return;
      }
      int ke = afterKey - 1;
      if (ke > ks && b[ks] == '$') {
        ks++;
      }
      p = skipWs(b, afterKey, ve);
      if (p >= ve || b[p] != ':') {
        return;
      }
      int s = skipWs(b, p + 1, ve);
      int e = skipValue(b, s, ve, nest);
      if (e < 0) {
        return;
      }
      String value = b[s] == '"' ? decodeString(b, s + 1, e - 1) : null;
      if (equalsAscii(b, ks, ke, OS)) {
        out.os = value;
      } else if (equalsAscii(b, ks, ke, BROWSER)) {
        out.browser = value;
      } else if (equalsAscii(b, ks, ke, DEVICE)) {
        out.device = value;
      }
      p = skipWs(b, e, ve);
      if (p >= ve || b[p] != ',') {
        return;
      }
      p = skipWs(b, p + 1, ve);
    }
  }

  private void token(byte[] b, int vs, int ve, boolean string, ScannedFrame out) {
    out.hasToken = string;
    out.tokenStart = string ? vs + 1 : -1;
    out.tokenEnd = string ? ve - 1 : -1;
    out.tokenFingerprint = string ? fingerprinter.fingerprint(b, vs + 1, ve - 2 - vs) : 0;
  }

  /** Identify's {@code shard}: exactly {@code [id, count]}, both integers in [0, MAX_VALUE]. */
  private static void shard(byte[] b, int vs, int ve, ScannedFrame out) {
    out.shardId = -1;
    out.shardCount = -1;
    if (b[vs] != '[') {
      return;
    }
    int s1 = skipWs(b, vs + 1, ve);
    int e1 = scalarEnd(b, s1, ve);
    int comma = skipWs(b, e1, ve);
    if (comma >= ve || b[comma] != ',' || !isJsonLong(b, s1, e1)) {
      return;
    }
    int s2 = skipWs(b, comma + 1, ve);
    int e2 = scalarEnd(b, s2, ve);
    int close = skipWs(b, e2, ve);
    if (close != ve - 1 || !isJsonLong(b, s2, e2)) {
      return;
    }
    long id = parseJsonLong(b, s1, e1);
    long count = parseJsonLong(b, s2, e2);
    if (id >= 0 && id <= Integer.MAX_VALUE && count >= 0 && count <= Integer.MAX_VALUE) {
      out.shardId = (int) id;
      out.shardCount = (int) count;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Skipping. Every method returns the index after what it skipped, or -1 when the input is not
  // valid there (truncated included); none reads outside [p, end).

  private static int skipWs(byte[] b, int p, int end) {
    while (p < end) {
      byte c = b[p];
      if (c > ' ' || (c != ' ' && c != '\n' && c != '\r' && c != '\t')) {
        break;
      }
      p++;
    }
    return p;
  }

  /** Skips the JSON value starting at {@code p} (no leading whitespace). */
  private static int skipValue(byte[] b, int p, int end, long[] nest) {
    if (p >= end) {
      return -1;
    }
    byte c = b[p];
    if (c == '"') {
      return skipString(b, p + 1, end);
    }
    if (c == '{' || c == '[') {
      return skipContainer(b, p, end, nest);
    }
    int e = scalarEnd(b, p, end);
    return e > p ? e : -1;
  }

  /** The end of the run of scalar bytes from {@code p} (p itself when there is none). */
  private static int scalarEnd(byte[] b, int p, int end) {
    while (p < end && SCALAR[b[p] & 0xFF]) {
      p++;
    }
    return p;
  }

  /**
   * Skips the array or object opening at {@code p}, iteratively: the kind of each open container is
   * kept in the bit stack {@code nest}, so depth costs no Java stack.
   */
  private static int skipContainer(byte[] b, int p, int end, long[] nest) {
    int depth = 0;
    boolean inObject = false;
    // Loop invariant: p is at a value, possibly after whitespace.
    while (true) {
      if (p >= end) {
        return -1;
      }
      byte c = b[p];
      if (c <= ' ') {
        p = skipWs(b, p, end);
        if (p >= end) {
          return -1;
        }
        c = b[p];
      }
      if (c == '"') {
        p = skipString(b, p + 1, end);
        if (p < 0) {
          return -1;
        }
      } else if (c == '{' || c == '[') {
        if (depth == ScannedFrame.MAX_NESTING) {
          return -1;
        }
        inObject = c == '{';
        int slot = depth >>> 6;
        long bit = 1L << depth; // the shift uses depth's low six bits
        nest[slot] = inObject ? nest[slot] | bit : nest[slot] & ~bit;
        depth++;
        p = skipWs(b, p + 1, end);
        if (p >= end) {
          return -1;
        }
        if (b[p] != (inObject ? '}' : ']')) {
          if (inObject) {
            p = skipKey(b, p, end);
            if (p < 0) {
              return -1;
            }
          }
          continue; // at the container's first value
        }
        p++; // empty container: it is the value just finished; close it below
        depth--;
        if (depth == 0) {
          return p;
        }
        inObject = (nest[(depth - 1) >>> 6] >>> (depth - 1) & 1) != 0;
      } else {
        int e = scalarEnd(b, p, end);
        if (e == p) {
          return -1;
        }
        p = e;
      }
      // After a value: close containers until a comma leads to the next value.
      while (true) {
        if (p >= end) {
          return -1;
        }
        c = b[p];
        if (c <= ' ') {
          p = skipWs(b, p, end);
          if (p >= end) {
            return -1;
          }
          c = b[p];
        }
        if (c == ',') {
          p++;
          if (inObject) {
            p = skipKey(b, p, end);
            if (p < 0) {
              return -1;
            }
          }
          break;
        }
        if (c != (inObject ? '}' : ']')) {
          return -1;
        }
        p++;
        depth--;
        if (depth == 0) {
          return p;
        }
        inObject = (nest[(depth - 1) >>> 6] >>> (depth - 1) & 1) != 0;
      }
    }
  }

  /**
   * Skips {@code "key" :} (whitespace allowed around each part); returns the index just after the
   * colon, or -1.
   */
  private static int skipKey(byte[] b, int p, int end) {
    if (p >= end) {
      return -1;
    }
    if (b[p] != '"') {
      p = skipWs(b, p, end);
      if (p >= end || b[p] != '"') {
        return -1;
      }
    }
    p = skipString(b, p + 1, end);
    if (p < 0 || p >= end) {
      return -1;
    }
    if (b[p] != ':') {
      p = skipWs(b, p, end);
      if (p >= end || b[p] != ':') {
        return -1;
      }
    }
    return p + 1;
  }

  /**
   * Skips a string's contents from {@code p} (just after the opening quote) to just after the
   * closing quote, eight bytes at a time while none of them is a quote, a backslash or a control
   * character.
   *
   * <p>The test is SWAR (SIMD within a register): {@code w ^ 0x02} maps the control characters onto
   * themselves and the quote (0x22) onto 0x20, so "byte below 0x21" finds both; {@code w ^ 0x5C}
   * turns a backslash into zero. Subtracting per-byte constants sets a byte's top bit when it
   * underflows; {@code & ~w} drops bytes at or above 0x80 (UTF-8), whose top bit XOR keeps. Borrows
   * only run upwards from a real match, so the lowest flagged byte is exact; higher ones may be
   * false positives, which is why only the lowest is used.
   */
  static int skipString(byte[] b, int p, int end) {
    while (true) {
      while (p <= end - 8) {
        long w = (long) LONGS.get(b, p);
        long q = w ^ TWOS;
        long s = w ^ BACKSLASHES;
        long special = ((q - BELOW_QUOTE) | (s - ONES)) & ~w & HIGHS;
        if (special != 0) {
          // Bit 8k+7 flags byte k; the byte itself is read from the word, not reloaded.
          int bit = Long.numberOfTrailingZeros(special);
          p += bit >>> 3;
          if ((byte) (w >>> (bit & 0x38)) == '"') {
            return p + 1;
          }
          break;
        }
        p += 8;
      }
      if (p >= end) {
        return -1;
      }
      byte c = b[p];
      if (c == '"') {
        return p + 1;
      }
      if (c == '\\') {
        p = skipEscape(b, p + 1, end);
        if (p < 0) {
          return -1;
        }
      } else if (c >= 0 && c < 0x20) {
        return -1;
      } else {
        p++;
      }
    }
  }

  /** Skips an escape from {@code p} (just after the backslash). */
  private static int skipEscape(byte[] b, int p, int end) {
    if (p >= end) {
      return -1;
    }
    byte c = b[p];
    if (c == 'u') {
      if (p + 4 >= end) {
        return -1;
      }
      for (int i = p + 1; i <= p + 4; i++) {
        if (hexValue(b[i]) < 0) {
          return -1;
        }
      }
      return p + 5;
    }
    return SIMPLE_ESCAPE[c & 0xFF] ? p + 1 : -1;
  }

  // ---------------------------------------------------------------------------------------------
  // Values

  /**
   * True when {@code [s, e)} is exactly a JSON integer (optional minus, no leading zero, no
   * fraction or exponent) that fits in a long.
   */
  static boolean isJsonLong(byte[] b, int s, int e) {
    boolean negative = s < e && b[s] == '-';
    int d = negative ? s + 1 : s;
    int digits = e - d;
    if (digits < 1 || digits > 19 || (b[d] == '0' && digits > 1)) {
      return false;
    }
    for (int i = d; i < e; i++) {
      if (b[i] < '0' || b[i] > '9') {
        return false;
      }
    }
    if (digits == 19) {
      byte[] limit = negative ? LONG_MIN_DIGITS : LONG_MAX;
      for (int i = 0; i < 19; i++) {
        if (b[d + i] != limit[i]) {
          return b[d + i] < limit[i];
        }
      }
    }
    return true;
  }

  /** The value of {@code [s, e)}, which {@link #isJsonLong} accepted. */
  static long parseJsonLong(byte[] b, int s, int e) {
    boolean negative = b[s] == '-';
    long v = 0; // accumulated negatively, so that Long.MIN_VALUE fits
    for (int i = negative ? s + 1 : s; i < e; i++) {
      v = v * 10 - (b[i] - '0');
    }
    return negative ? v : -v;
  }

  /** Decodes the contents {@code [s, e)} of a validated JSON string. */
  static String decodeString(byte[] b, int s, int e) {
    int i = s;
    while (i < e && b[i] != '\\') {
      i++;
    }
    if (i == e) {
      return new String(b, s, e - s, StandardCharsets.UTF_8);
    }
    StringBuilder sb = new StringBuilder(e - s);
    sb.append(new String(b, s, i - s, StandardCharsets.UTF_8));
    while (i < e) {
      if (b[i] != '\\') {
        int seg = i;
        while (i < e && b[i] != '\\') {
          i++;
        }
        sb.append(new String(b, seg, i - seg, StandardCharsets.UTF_8));
        continue;
      }
      if (i + 1 >= e) {
        break;
      }
      byte c = b[i + 1];
      i += 2;
      switch (c) {
        case 'b':
          sb.append('\b');
          break;
        case 'f':
          sb.append('\f');
          break;
        case 'n':
          sb.append('\n');
          break;
        case 'r':
          sb.append('\r');
          break;
        case 't':
          sb.append('\t');
          break;
        case 'u':
          int v = 0;
          for (int k = 0; k < 4 && i < e; k++, i++) {
            v = (v << 4) | Math.max(0, hexValue(b[i]));
          }
          sb.append((char) v);
          break;
        default: // " \ /
          sb.append((char) c);
          break;
      }
    }
    return sb.toString();
  }

  private static int hexValue(byte c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    int lower = c | 0x20;
    return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
  }

  // ---------------------------------------------------------------------------------------------
  // Text input

  /** The UTF-8 length of the first {@code n} chars, lone surrogates counting as one byte. */
  static long utf8Length(CharSequence text, int n) {
    long len = 0;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        len++;
      } else if (c < 0x800) {
        len += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        len += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        len++;
      } else {
        len += 3;
      }
    }
    return len;
  }

  /**
   * Encodes the first {@code n} chars into {@code buf} (which holds at least {@link #utf8Length}
   * bytes); lone surrogates become {@code ?}. Returns the byte count.
   */
  static int encodeUtf8(CharSequence text, int n, byte[] buf) {
    int j = 0;
    int i = 0;
    while (i < n) {
      char c = text.charAt(i++);
      if (c < 0x80) {
        buf[j++] = (byte) c;
      } else if (c < 0x800) {
        buf[j++] = (byte) (0xC0 | c >> 6);
        buf[j++] = (byte) (0x80 | c & 0x3F);
      } else if (!Character.isSurrogate(c)) {
        buf[j++] = (byte) (0xE0 | c >> 12);
        buf[j++] = (byte) (0x80 | c >> 6 & 0x3F);
        buf[j++] = (byte) (0x80 | c & 0x3F);
      } else if (Character.isHighSurrogate(c)
          && i < n
          && Character.isLowSurrogate(text.charAt(i))) {
        int cp = Character.toCodePoint(c, text.charAt(i++));
        buf[j++] = (byte) (0xF0 | cp >> 18);
        buf[j++] = (byte) (0x80 | cp >> 12 & 0x3F);
        buf[j++] = (byte) (0x80 | cp >> 6 & 0x3F);
        buf[j++] = (byte) (0x80 | cp & 0x3F);
      } else {
        buf[j++] = '?';
      }
    }
    return j;
  }
}
