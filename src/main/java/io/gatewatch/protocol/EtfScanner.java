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

import java.nio.charset.StandardCharsets;

/**
 * Reads the envelope of one gateway frame in the Erlang external term format ({@code encoding=etf})
 * into a {@link ScannedFrame}, exactly the fields {@link FrameScanner} reads from JSON, straight
 * from the bytes and without building the term.
 *
 * <h2>How</h2>
 *
 * <p>A frame is {@code 131} (the format's version) followed by one map. One pass over the map's
 * pairs records {@code op}, {@code s}, {@code t} and the span of {@code d}'s value; only for the
 * opcodes whose {@code d} matters does a second pass read the top-level pairs of {@code d}. Every
 * term is skipped by its own length prefixes, with one counter of terms still to skip, so nesting
 * costs neither a stack nor recursion, and a count larger than the bytes left fails at once.
 *
 * <p>The same frame has several spellings, and all are read:
 *
 * <ul>
 *   <li>keys, {@code t} and session ids as atoms (any of the four atom tags; {@code true}, {@code
 *       false}, {@code nil} and {@code null} are literals, not names), binaries or byte lists
 *       ({@code STRING_EXT}); tokens as binaries or byte lists;
 *   <li>integers as {@code SMALL_INTEGER_EXT}, {@code INTEGER_EXT} or a big integer that fits a
 *       long; {@code null} as the atom {@code nil} (Elixir, erlpack) or {@code null}; booleans as
 *       the atoms {@code true} and {@code false};
 *   <li>Identify's {@code shard} as a proper list of two integers or, as {@code term_to_binary}
 *       writes a list of small integers, a byte list of two.
 * </ul>
 *
 * <h2>What counts as malformed</h2>
 *
 * <p>Anything but exactly one term after the version byte; a top-level term that is not a map, or a
 * map without an integer {@code op} in {@code [0, Integer.MAX_VALUE]}; a length or count reaching
 * past the end; an unknown tag; and the terms that have no JSON counterpart and never occur in
 * gateway payloads: pids, ports, references, funs, and compressed terms ({@code term_to_binary(T,
 * [compressed])}).
 *
 * <p>Leniencies, as in {@link FrameScanner}: atom and string contents are compared and reported on
 * their raw bytes (not validated as UTF-8 or Latin-1); a key that occurs twice, the last one
 * decides.
 *
 * <p>Scanning a heartbeat, an ACK or an ordinary dispatch allocates nothing; the only Strings
 * created are a READY's or Resume's session id and an Identify's {@code os}, {@code browser} and
 * {@code device} properties. Thread-safe and never throws on any input.
 */
public final class EtfScanner {
  /** The version byte that starts every term ({@code term_to_binary}'s first byte). */
  public static final int VERSION = 131;

  // The term tags of the external term format; the simulator's encoder writes with the same ones.
  public static final int NEW_FLOAT_EXT = 70;
  public static final int BIT_BINARY_EXT = 77;
  public static final int SMALL_INTEGER_EXT = 97;
  public static final int INTEGER_EXT = 98;
  public static final int FLOAT_EXT = 99;
  public static final int ATOM_EXT = 100;
  public static final int SMALL_TUPLE_EXT = 104;
  public static final int LARGE_TUPLE_EXT = 105;
  public static final int NIL_EXT = 106;
  public static final int STRING_EXT = 107;
  public static final int LIST_EXT = 108;
  public static final int BINARY_EXT = 109;
  public static final int SMALL_BIG_EXT = 110;
  public static final int LARGE_BIG_EXT = 111;
  public static final int SMALL_ATOM_EXT = 115;
  public static final int MAP_EXT = 116;
  public static final int ATOM_UTF8_EXT = 118;
  public static final int SMALL_ATOM_UTF8_EXT = 119;

  private static final byte[] NIL = ascii("nil");

  private final TokenFingerprinter fingerprinter;

  /**
   * @param fingerprinter fingerprints the tokens of Identify and Resume
   */
  public EtfScanner(TokenFingerprinter fingerprinter) {
    if (fingerprinter == null) {
      throw new IllegalArgumentException("fingerprinter must not be null");
    }
    this.fingerprinter = fingerprinter;
  }

  /**
   * Scans the term {@code buf[off, off + len)} into {@code out}, whose offsets then index {@code
   * buf} itself.
   *
   * @return {@code !out.malformed()}; false also when {@code buf} is null or the range lies outside
   *     it (then {@code out.size()} is 0), and when {@code out} is null (nothing is written)
   */
  public boolean scan(byte[] buf, int off, int len, ScannedFrame out) {
    if (out == null) {
      return false;
    }
    if (buf == null || off < 0 || len < 0 || off > buf.length - len) {
      out.reset(buf, 0);
      out.malformed = true;
      return false;
    }
    out.reset(buf, len);
    if (!scanEnvelope(buf, off, off + len, out)) {
      out.reset(buf, len);
      out.malformed = true;
      return false;
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // The envelope

  private boolean scanEnvelope(byte[] b, int start, int end, ScannedFrame out) {
    if (end - start < 2 || (b[start] & 0xFF) != VERSION || (b[start + 1] & 0xFF) != MAP_EXT) {
      return false;
    }
    int p = start + 2;
    if (end - p < 4) {
      return false;
    }
    long pairs = u32(b, p);
    p += 4;
    if (pairs * 2 > end - p) {
      return false;
    }
    long op = -1;
    boolean hasSeq = false;
    long seq = 0;
    int tStart = -1;
    int tEnd = -1;
    int dStart = -1;
    int dEnd = -1;
    for (long i = 0; i < pairs; i++) {
      int ke = skipTerm(b, p, end);
      if (ke < 0) {
        return false;
      }
      int ns = textStart(b, p);
      EnvelopeNames.Key key = ns < 0 ? EnvelopeNames.Key.OTHER : classifyKey(b, ns, ke);
      int vs = ke;
      int ve = skipTerm(b, vs, end);
      if (ve < 0) {
        return false;
      }
      switch (key) {
        case OP:
          op = isLong(b, vs) ? longValue(b, vs) : -1;
          op = op >= 0 && op <= Integer.MAX_VALUE ? op : -1;
          break;
        case S:
          hasSeq = isLong(b, vs);
          seq = hasSeq ? longValue(b, vs) : 0;
          break;
        case T:
          int ts = stringStart(b, vs, ve);
          tStart = ts;
          tEnd = ts >= 0 ? ve : -1;
          break;
        case D:
          dStart = vs;
          dEnd = ve;
          break;
        default:
          break;
      }
      p = ve;
    }
    if (p != end || op < 0) {
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
            if (dStart >= 0) {
              scanData(b, dStart, dEnd, out);
            }
            return true;
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
              isAtom(b, dStart, dEnd, TRUE) ? 1 : isAtom(b, dStart, dEnd, FALSE) ? 0 : -1;
        }
        return true;
      case 2:
      case 6:
      case 10:
      case 12:
        if (dStart >= 0) {
          scanData(b, dStart, dEnd, out);
        }
        return true;
      default:
        return true;
    }
  }

  private static ScannedFrame.HeartbeatData heartbeatData(
      byte[] b, int ds, int de, ScannedFrame out) {
    if (ds < 0) {
      return ScannedFrame.HeartbeatData.ABSENT;
    }
    if (isNull(b, ds, de)) {
      return ScannedFrame.HeartbeatData.NULL;
    }
    if (isLong(b, ds)) {
      out.heartbeatSeq = longValue(b, ds);
      return ScannedFrame.HeartbeatData.INTEGER;
    }
    return ScannedFrame.HeartbeatData.INVALID;
  }

  // ---------------------------------------------------------------------------------------------
  // The second pass: top-level pairs of d

  /** Reads the fields of {@code out.op} from the map {@code b[ds, de)} (already skipped once). */
  private void scanData(byte[] b, int ds, int de, ScannedFrame out) {
    if ((b[ds] & 0xFF) != MAP_EXT) {
      return; // a d that is not a map has no fields
    }
    long pairs = u32(b, ds + 1);
    int p = ds + 5;
    for (long i = 0; i < pairs; i++) {
      int ke = skipTerm(b, p, de);
      int ve = ke < 0 ? -1 : skipTerm(b, ke, de);
      if (ve < 0) {
        return;
      }
      int ns = textStart(b, p);
      if (ns >= 0) {
        dataField(b, ns, ke, ke, ve, out);
      }
      p = ve;
    }
  }

  /** One top-level pair of d: key name {@code [ns, ne)}, value term {@code [vs, ve)}. */
  private void dataField(byte[] b, int ns, int ne, int vs, int ve, ScannedFrame out) {
    switch (out.op) {
      case 0: // READY
        if (equalsAscii(b, ns, ne, SESSION_ID)) {
          out.sessionId = string(b, vs, ve);
        }
        break;
      case 10: // Hello
        if (equalsAscii(b, ns, ne, HEARTBEAT_INTERVAL)) {
          long v = isLong(b, vs) ? longValue(b, vs) : -1;
          out.heartbeatIntervalMs = v >= 0 ? v : -1;
        }
        break;
      case 6: // Resume
        if (equalsAscii(b, ns, ne, SESSION_ID)) {
          out.sessionId = string(b, vs, ve);
        } else if (equalsAscii(b, ns, ne, SEQ)) {
          out.hasResumeSeq = isLong(b, vs);
          out.resumeSeq = out.hasResumeSeq ? longValue(b, vs) : 0;
        } else if (equalsAscii(b, ns, ne, TOKEN)) {
          token(b, vs, ve, out);
        }
        break;
      case 2: // Identify
        if (equalsAscii(b, ns, ne, TOKEN)) {
          token(b, vs, ve, out);
        } else if (equalsAscii(b, ns, ne, SHARD)) {
          shard(b, vs, ve, out);
        } else if (equalsAscii(b, ns, ne, PROPERTIES)) {
          properties(b, vs, ve, out);
        }
        break;
      case 12: // Gateway Error
        if (equalsAscii(b, ns, ne, CODE)) {
          out.hasErrorCode = isLong(b, vs);
          out.errorCode = out.hasErrorCode ? longValue(b, vs) : 0;
        }
        break;
      default:
        break;
    }
  }

  /**
   * Identify's {@code properties}: the string values of {@code os}, {@code browser} and {@code
   * device} (or {@code $os}, ...) at the top level of the map, as {@link FrameScanner} reads them.
   */
  private static void properties(byte[] b, int vs, int ve, ScannedFrame out) {
    out.os = null;
    out.browser = null;
    out.device = null;
    if ((b[vs] & 0xFF) != MAP_EXT) {
      return;
    }
    long pairs = u32(b, vs + 1);
    int p = vs + 5;
    for (long i = 0; i < pairs; i++) {
      int ke = skipTerm(b, p, ve);
      int pe = ke < 0 ? -1 : skipTerm(b, ke, ve);
      if (pe < 0) {
        return;
      }
      int ns = textStart(b, p);
      if (ns >= 0) {
        if (ns < ke && b[ns] == '$') {
          ns++;
        }
        if (equalsAscii(b, ns, ke, OS)) {
          out.os = string(b, ke, pe);
        } else if (equalsAscii(b, ns, ke, BROWSER)) {
          out.browser = string(b, ke, pe);
        } else if (equalsAscii(b, ns, ke, DEVICE)) {
          out.device = string(b, ke, pe);
        }
      }
      p = pe;
    }
  }

  /**
   * A session id or a property: a string (see {@link #stringStart}) as a String; null for anything
   * else.
   */
  private static String string(byte[] b, int vs, int ve) {
    int cs = stringStart(b, vs, ve);
    return cs < 0 ? null : new String(b, cs, ve - cs, StandardCharsets.UTF_8);
  }

  /** A token: a binary or a byte list (an atom is no token). */
  private void token(byte[] b, int vs, int ve, ScannedFrame out) {
    int tag = b[vs] & 0xFF;
    boolean bytes = tag == BINARY_EXT || tag == STRING_EXT;
    int cs = bytes ? textStart(b, vs) : -1;
    out.hasToken = bytes;
    out.tokenStart = cs;
    out.tokenEnd = bytes ? ve : -1;
    out.tokenFingerprint = bytes ? fingerprinter.fingerprint(b, cs, ve - cs) : 0;
  }

  /**
   * Identify's {@code shard}: exactly {@code [id, count]}, both integers in [0, MAX_VALUE], as a
   * proper list or a byte list.
   */
  private static void shard(byte[] b, int vs, int ve, ScannedFrame out) {
    out.shardId = -1;
    out.shardCount = -1;
    int tag = b[vs] & 0xFF;
    if (tag == STRING_EXT) {
      if (u16(b, vs + 1) == 2) {
        out.shardId = b[vs + 3] & 0xFF;
        out.shardCount = b[vs + 4] & 0xFF;
      }
      return;
    }
    if (tag != LIST_EXT || u32(b, vs + 1) != 2) {
      return;
    }
    int first = vs + 5;
    int second = skipTerm(b, first, ve);
    int tail = second < 0 ? -1 : skipTerm(b, second, ve);
    if (tail < 0 || tail != ve - 1 || (b[tail] & 0xFF) != NIL_EXT) {
      return;
    }
    if (!isLong(b, first) || !isLong(b, second)) {
      return;
    }
    long id = longValue(b, first);
    long count = longValue(b, second);
    if (id >= 0 && id <= Integer.MAX_VALUE && count >= 0 && count <= Integer.MAX_VALUE) {
      out.shardId = (int) id;
      out.shardCount = (int) count;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Skipping

  /**
   * Skips the term starting at {@code p}; returns the index after it, or -1 when it does not fit in
   * {@code [p, end)} or is not a term this reader accepts. Nested terms are counted, not recursed
   * into: every container adds its element count to the terms still to skip.
   */
  static int skipTerm(byte[] b, int p, int end) {
    long pending = 1;
    while (pending > 0) {
      if (p >= end || pending > end - p) {
        return -1; // every term takes at least one byte
      }
      pending--;
      int tag = b[p] & 0xFF;
      long size; // bytes of this term after its tag, elements excluded
      switch (tag) {
        case SMALL_INTEGER_EXT:
          size = 1;
          break;
        case INTEGER_EXT:
          size = 4;
          break;
        case NEW_FLOAT_EXT:
          size = 8;
          break;
        case FLOAT_EXT:
          size = 31;
          break;
        case NIL_EXT:
          size = 0;
          break;
        case ATOM_EXT:
        case ATOM_UTF8_EXT:
        case STRING_EXT:
          if (end - p < 3) {
            return -1;
          }
          size = 2 + u16(b, p + 1);
          break;
        case SMALL_ATOM_EXT:
        case SMALL_ATOM_UTF8_EXT:
          if (end - p < 2) {
            return -1;
          }
          size = 1 + (b[p + 1] & 0xFF);
          break;
        case BINARY_EXT:
          if (end - p < 5) {
            return -1;
          }
          size = 4 + u32(b, p + 1);
          break;
        case BIT_BINARY_EXT:
          if (end - p < 5) {
            return -1;
          }
          size = 5 + u32(b, p + 1);
          break;
        case SMALL_BIG_EXT:
          if (end - p < 2) {
            return -1;
          }
          size = 2 + (b[p + 1] & 0xFF);
          break;
        case LARGE_BIG_EXT:
          if (end - p < 5) {
            return -1;
          }
          size = 5 + u32(b, p + 1);
          break;
        case SMALL_TUPLE_EXT:
          if (end - p < 2) {
            return -1;
          }
          size = 1;
          pending += b[p + 1] & 0xFF;
          break;
        case LARGE_TUPLE_EXT:
          if (end - p < 5) {
            return -1;
          }
          size = 4;
          pending += u32(b, p + 1);
          break;
        case LIST_EXT:
          if (end - p < 5) {
            return -1;
          }
          size = 4;
          pending += u32(b, p + 1) + 1; // the elements and the tail
          break;
        case MAP_EXT:
          if (end - p < 5) {
            return -1;
          }
          size = 4;
          pending += 2 * u32(b, p + 1);
          break;
        default:
          return -1;
      }
      if (size > end - p - 1) {
        return -1;
      }
      p += 1 + (int) size;
    }
    return p;
  }

  // ---------------------------------------------------------------------------------------------
  // Values (every method is given a term already skipped, so its header bytes are in range)

  /**
   * Where the contents of a binary, byte list or atom term at {@code p} start (its end is the
   * term's end); -1 for any other term.
   */
  static int textStart(byte[] b, int p) {
    switch (b[p] & 0xFF) {
      case BINARY_EXT:
        return p + 5;
      case STRING_EXT:
      case ATOM_EXT:
      case ATOM_UTF8_EXT:
        return p + 3;
      case SMALL_ATOM_EXT:
      case SMALL_ATOM_UTF8_EXT:
        return p + 2;
      default:
        return -1;
    }
  }

  /**
   * Where the contents of a string-like term start: a binary, a byte list, or an atom other than
   * the ones that stand for JSON's literals ({@code true}, {@code false}, {@code nil}, {@code
   * null}); -1 for anything else.
   */
  static int stringStart(byte[] b, int s, int e) {
    if (isNull(b, s, e) || isAtom(b, s, e, TRUE) || isAtom(b, s, e, FALSE)) {
      return -1;
    }
    return textStart(b, s);
  }

  private static boolean isAtom(byte[] b, int s, int e, byte[] name) {
    int tag = b[s] & 0xFF;
    boolean atom =
        tag == ATOM_EXT
            || tag == ATOM_UTF8_EXT
            || tag == SMALL_ATOM_EXT
            || tag == SMALL_ATOM_UTF8_EXT;
    return atom && equalsAscii(b, textStart(b, s), e, name);
  }

  /** The atom {@code nil} (Elixir, erlpack) or {@code null}. */
  static boolean isNull(byte[] b, int s, int e) {
    return isAtom(b, s, e, NIL) || isAtom(b, s, e, NULL);
  }

  /** True when the term at {@code p} is an integer that fits in a long. */
  static boolean isLong(byte[] b, int p) {
    int tag = b[p] & 0xFF;
    if (tag == SMALL_INTEGER_EXT || tag == INTEGER_EXT) {
      return true;
    }
    if (tag != SMALL_BIG_EXT && tag != LARGE_BIG_EXT) {
      return false;
    }
    long n = tag == SMALL_BIG_EXT ? b[p + 1] & 0xFF : u32(b, p + 1);
    int digits = tag == SMALL_BIG_EXT ? p + 3 : p + 6;
    boolean negative = b[digits - 1] != 0;
    // Digits are little-endian bytes of the magnitude; high zero bytes do not count.
    long significant = n;
    while (significant > 0 && b[digits + (int) significant - 1] == 0) {
      significant--;
    }
    if (significant < 8) {
      return true;
    }
    if (significant > 8) {
      return false;
    }
    long magnitude = magnitude(b, digits, 8);
    // Fits when below 2^63, or exactly 2^63 when negative (Long.MIN_VALUE).
    return magnitude >= 0 || (negative && magnitude == Long.MIN_VALUE);
  }

  /** The value of the integer term at {@code p}, which {@link #isLong} accepted. */
  static long longValue(byte[] b, int p) {
    int tag = b[p] & 0xFF;
    if (tag == SMALL_INTEGER_EXT) {
      return b[p + 1] & 0xFF;
    }
    if (tag == INTEGER_EXT) {
      return (int) u32(b, p + 1);
    }
    long n = tag == SMALL_BIG_EXT ? b[p + 1] & 0xFF : u32(b, p + 1);
    int digits = tag == SMALL_BIG_EXT ? p + 3 : p + 6;
    boolean negative = b[digits - 1] != 0;
    long magnitude = magnitude(b, digits, (int) Math.min(n, 8));
    return negative ? -magnitude : magnitude; // -(2^63) wraps onto itself: Long.MIN_VALUE
  }

  /** The first {@code n} (at most 8) little-endian bytes from {@code at}, as an unsigned long. */
  private static long magnitude(byte[] b, int at, int n) {
    long v = 0;
    for (int i = n - 1; i >= 0; i--) {
      v = (v << 8) | (b[at + i] & 0xFF);
    }
    return v;
  }

  private static long u32(byte[] b, int p) {
    return ((long) (b[p] & 0xFF) << 24)
        | ((b[p + 1] & 0xFF) << 16)
        | ((b[p + 2] & 0xFF) << 8)
        | (b[p + 3] & 0xFF);
  }

  private static int u16(byte[] b, int p) {
    return ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
  }
}
