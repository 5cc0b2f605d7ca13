package io.gatewatch.sim;

import static io.gatewatch.protocol.EtfScanner.ATOM_EXT;
import static io.gatewatch.protocol.EtfScanner.ATOM_UTF8_EXT;
import static io.gatewatch.protocol.EtfScanner.BINARY_EXT;
import static io.gatewatch.protocol.EtfScanner.FLOAT_EXT;
import static io.gatewatch.protocol.EtfScanner.INTEGER_EXT;
import static io.gatewatch.protocol.EtfScanner.LARGE_BIG_EXT;
import static io.gatewatch.protocol.EtfScanner.LARGE_TUPLE_EXT;
import static io.gatewatch.protocol.EtfScanner.LIST_EXT;
import static io.gatewatch.protocol.EtfScanner.MAP_EXT;
import static io.gatewatch.protocol.EtfScanner.NEW_FLOAT_EXT;
import static io.gatewatch.protocol.EtfScanner.NIL_EXT;
import static io.gatewatch.protocol.EtfScanner.SMALL_ATOM_EXT;
import static io.gatewatch.protocol.EtfScanner.SMALL_ATOM_UTF8_EXT;
import static io.gatewatch.protocol.EtfScanner.SMALL_BIG_EXT;
import static io.gatewatch.protocol.EtfScanner.SMALL_INTEGER_EXT;
import static io.gatewatch.protocol.EtfScanner.SMALL_TUPLE_EXT;
import static io.gatewatch.protocol.EtfScanner.STRING_EXT;
import static io.gatewatch.protocol.EtfScanner.VERSION;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The simulator's Erlang external term format ({@code encoding=etf}), to and from the same tree as
 * {@link Json} (maps, lists, strings, integers, doubles, booleans, {@link Json#NULL}); written on
 * its own, not on the observing core's reader, so that the two check each other.
 *
 * <p>Writing follows a Discord-style Erlang gateway: maps with atom keys (sorted, as small maps
 * are), strings as binaries, {@code null} as the atom {@code nil}, booleans as atoms, integers in
 * the smallest of the three integer forms. Reading takes every spelling of those (atoms of any tag,
 * byte lists, tuples as lists, both float forms) and builds the whole tree: it is also what a "full
 * decode" costs, against which the observer's envelope reader is measured.
 */
public final class Etf {

  /** Deepest nesting read; deeper terms are malformed (the reader recurses). */
  static final int MAX_DEPTH = 512;

  private Etf() {}

  // ---------------------------------------------------------------------------------------------
  // Writing

  /** Encodes a tree (see {@link Json#write}) as one term, version byte first. */
  public static byte[] encode(Object value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    out.write(VERSION);
    write(out, value);
    return out.toByteArray();
  }

  private static void write(ByteArrayOutputStream out, Object value) {
    if (value == null || value == Json.NULL) {
      atom(out, "nil");
    } else if (value instanceof Map<?, ?> map) {
      SortedMap<String, Object> sorted = new TreeMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        sorted.put(String.valueOf(e.getKey()), e.getValue());
      }
      out.write(MAP_EXT);
      u32(out, sorted.size());
      for (Map.Entry<String, Object> e : sorted.entrySet()) {
        atom(out, e.getKey());
        write(out, e.getValue());
      }
    } else if (value instanceof List<?> list) {
      if (list.isEmpty()) {
        out.write(NIL_EXT);
        return;
      }
      out.write(LIST_EXT);
      u32(out, list.size());
      for (Object item : list) {
        write(out, item);
      }
      out.write(NIL_EXT);
    } else if (value instanceof String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      out.write(BINARY_EXT);
      u32(out, b.length);
      out.writeBytes(b);
    } else if (value instanceof Long || value instanceof Integer) {
      integer(out, BigInteger.valueOf(((Number) value).longValue()));
    } else if (value instanceof BigInteger b) {
      integer(out, b);
    } else if (value instanceof Number n) {
      out.write(NEW_FLOAT_EXT);
      out.writeBytes(ByteBuffer.allocate(8).putDouble(n.doubleValue()).array());
    } else if (value instanceof Boolean b) {
      atom(out, b ? "true" : "false");
    } else {
      throw new IllegalArgumentException("not a term: " + value.getClass().getName());
    }
  }

  private static void atom(ByteArrayOutputStream out, String name) {
    byte[] b = name.getBytes(StandardCharsets.UTF_8);
    if (b.length < 256) {
      out.write(SMALL_ATOM_UTF8_EXT);
      out.write(b.length);
    } else {
      out.write(ATOM_UTF8_EXT);
      out.write(b.length >>> 8);
      out.write(b.length);
    }
    out.writeBytes(b);
  }

  private static void integer(ByteArrayOutputStream out, BigInteger v) {
    if (v.signum() >= 0 && v.bitLength() <= 8) {
      out.write(SMALL_INTEGER_EXT);
      out.write(v.intValue());
    } else if (v.bitLength() <= 31) {
      out.write(INTEGER_EXT);
      u32(out, v.intValue());
    } else {
      byte[] be = v.abs().toByteArray(); // big-endian, maybe with a leading zero
      int start = be[0] == 0 ? 1 : 0;
      int n = be.length - start;
      if (n < 256) {
        out.write(SMALL_BIG_EXT);
        out.write(n);
      } else {
        out.write(LARGE_BIG_EXT);
        u32(out, n);
      }
      out.write(v.signum() < 0 ? 1 : 0);
      for (int i = be.length - 1; i >= start; i--) {
        out.write(be[i]); // little-endian digits
      }
    }
  }

  private static void u32(ByteArrayOutputStream out, int v) {
    out.write(v >>> 24);
    out.write(v >>> 16);
    out.write(v >>> 8);
    out.write(v);
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  /**
   * Decodes one term (version byte first) into a tree as {@link Json#parse} builds.
   *
   * @throws Json.MalformedException when the bytes are not exactly one term of the kinds above
   */
  public static Object decode(byte[] bytes) throws Json.MalformedException {
    Reader r = new Reader(bytes);
    if (bytes.length == 0 || (bytes[0] & 0xFF) != VERSION) {
      throw new Json.MalformedException("not an Erlang term: no version byte 131", null);
    }
    r.p = 1;
    Object value = r.term(0);
    if (r.p != bytes.length) {
      throw new Json.MalformedException("trailing bytes after the term", null);
    }
    return value;
  }

  private static final class Reader {
    final byte[] b;
    int p;

    Reader(byte[] b) {
      this.b = b;
    }

    Object term(int depth) throws Json.MalformedException {
      if (depth > MAX_DEPTH) {
        throw new Json.MalformedException("nested deeper than " + MAX_DEPTH, null);
      }
      int tag = u8();
      switch (tag) {
        case SMALL_INTEGER_EXT:
          return (long) u8();
        case INTEGER_EXT:
          return (long) (int) u32();
        case SMALL_BIG_EXT:
          return big(u8());
        case LARGE_BIG_EXT:
          return big(count(u32()));
        case NEW_FLOAT_EXT:
          need(8);
          double d = ByteBuffer.wrap(b, p, 8).getDouble();
          p += 8;
          return d;
        case FLOAT_EXT:
          {
            String text = new String(bytes(31), StandardCharsets.ISO_8859_1).trim();
            int nul = text.indexOf('\0');
            try {
              return Double.parseDouble(nul < 0 ? text : text.substring(0, nul));
            } catch (NumberFormatException e) {
              throw new Json.MalformedException("bad FLOAT_EXT", e);
            }
          }
        case ATOM_EXT:
        case ATOM_UTF8_EXT:
          return atom(new String(bytes(u16()), StandardCharsets.UTF_8));
        case SMALL_ATOM_EXT:
        case SMALL_ATOM_UTF8_EXT:
          return atom(new String(bytes(u8()), StandardCharsets.UTF_8));
        case BINARY_EXT:
          return new String(bytes(count(u32())), StandardCharsets.UTF_8);
        case STRING_EXT:
          {
            byte[] chars = bytes(u16());
            List<Object> list = new ArrayList<>(chars.length);
            for (byte c : chars) {
              list.add((long) (c & 0xFF));
            }
            return list;
          }
        case NIL_EXT:
          return new ArrayList<>();
        case LIST_EXT:
          {
            int n = count(u32());
            List<Object> list = new ArrayList<>(Math.min(n, 1024));
            for (int i = 0; i < n; i++) {
              list.add(term(depth + 1));
            }
            if (u8() != NIL_EXT) {
              throw new Json.MalformedException("an improper list", null);
            }
            return list;
          }
        case SMALL_TUPLE_EXT:
          return elements(u8(), depth);
        case LARGE_TUPLE_EXT:
          return elements(count(u32()), depth);
        case MAP_EXT:
          {
            int n = count(u32());
            Map<String, Object> map = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
              Object key = term(depth + 1);
              Object value = term(depth + 1);
              if (map.put(key instanceof String s ? s : String.valueOf(key), value) != null) {
                throw new Json.MalformedException("duplicate key " + key, null);
              }
            }
            return map;
          }
        default:
          throw new Json.MalformedException("unsupported term tag " + tag, null);
      }
    }

    private List<Object> elements(int n, int depth) throws Json.MalformedException {
      List<Object> list = new ArrayList<>(Math.min(n, 1024));
      for (int i = 0; i < n; i++) {
        list.add(term(depth + 1));
      }
      return list;
    }

    private static Object atom(String name) {
      return switch (name) {
        case "nil", "null" -> Json.NULL;
        case "true" -> Boolean.TRUE;
        case "false" -> Boolean.FALSE;
        default -> name;
      };
    }

    private Object big(int n) throws Json.MalformedException {
      int sign = u8();
      byte[] digits = bytes(n);
      byte[] be = new byte[n + 1]; // a leading zero keeps it positive
      for (int i = 0; i < n; i++) {
        be[n - i] = digits[i];
      }
      BigInteger v = new BigInteger(be);
      v = sign == 0 ? v : v.negate();
      return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    /** A count that must fit in what is left (every element takes at least a byte). */
    private int count(long n) throws Json.MalformedException {
      if (n > b.length - p) {
        throw new Json.MalformedException("a count beyond the end", null);
      }
      return (int) n;
    }

    private void need(int n) throws Json.MalformedException {
      if (n > b.length - p) {
        throw new Json.MalformedException("truncated", null);
      }
    }

    private int u8() throws Json.MalformedException {
      need(1);
      return b[p++] & 0xFF;
    }

    private int u16() throws Json.MalformedException {
      need(2);
      int v = (b[p] & 0xFF) << 8 | (b[p + 1] & 0xFF);
      p += 2;
      return v;
    }

    private long u32() throws Json.MalformedException {
      need(4);
      long v =
          ((long) (b[p] & 0xFF) << 24)
              | ((b[p + 1] & 0xFF) << 16)
              | ((b[p + 2] & 0xFF) << 8)
              | (b[p + 3] & 0xFF);
      p += 4;
      return v;
    }

    private byte[] bytes(int n) throws Json.MalformedException {
      need(n);
      byte[] out = new byte[n];
      System.arraycopy(b, p, out, 0, n);
      p += n;
      return out;
    }
  }
}
