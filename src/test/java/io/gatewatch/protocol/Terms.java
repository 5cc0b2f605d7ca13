package io.gatewatch.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes a JSON tree as an Erlang term with chosen spellings, for the tests of {@link EtfScanner}:
 * the same frame as an Erlang gateway ({@code term_to_binary}, atom keys, byte lists), as erlpack
 * (binaries everywhere), or with the oldest tags. Written for the tests, apart from the simulator's
 * encoder and from the scanner.
 */
final class Terms {
  /** How keys, strings, nulls, integers and lists of small integers are spelled. */
  record Spelling(
      int keyTag, int stringTag, String nullAtom, boolean bigIntegers, boolean byteLists) {
    /** term_to_binary of an Elixir/Erlang map with atom keys (minor version 2). */
    static final Spelling ERLANG =
        new Spelling(EtfScanner.SMALL_ATOM_UTF8_EXT, EtfScanner.BINARY_EXT, "nil", false, true);

    /** erlpack-style: binary keys and strings, nil. */
    static final Spelling BINARIES =
        new Spelling(EtfScanner.BINARY_EXT, EtfScanner.BINARY_EXT, "nil", false, false);

    /** The old tags: ATOM_EXT keys, byte-list strings, null, integers as big integers. */
    static final Spelling OLD =
        new Spelling(EtfScanner.ATOM_EXT, EtfScanner.STRING_EXT, "null", true, false);

    static final Spelling[] ALL = {ERLANG, BINARIES, OLD};
  }

  private Terms() {}

  static byte[] of(JsonNode tree, Spelling spelling) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(EtfScanner.VERSION);
    write(out, tree, spelling);
    return out.toByteArray();
  }

  private static void write(ByteArrayOutputStream out, JsonNode n, Spelling sp) {
    if (n.isObject()) {
      out.write(EtfScanner.MAP_EXT);
      u32(out, n.size());
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        text(out, sp.keyTag(), e.getKey());
        write(out, e.getValue(), sp);
      }
    } else if (n.isArray()) {
      if (n.isEmpty()) {
        out.write(EtfScanner.NIL_EXT);
      } else if (sp.byteLists() && n.size() < 65536 && allBytes(n)) {
        out.write(EtfScanner.STRING_EXT); // what term_to_binary makes of [0, 1]
        out.write(n.size() >>> 8);
        out.write(n.size());
        n.forEach(v -> out.write(v.intValue()));
      } else {
        out.write(EtfScanner.LIST_EXT);
        u32(out, n.size());
        n.forEach(v -> write(out, v, sp));
        out.write(EtfScanner.NIL_EXT);
      }
    } else if (n.isTextual()) {
      text(out, sp.stringTag(), n.textValue());
    } else if (n.isIntegralNumber()) {
      integer(out, n.bigIntegerValue(), sp.bigIntegers());
    } else if (n.isNumber()) {
      out.write(EtfScanner.NEW_FLOAT_EXT);
      out.writeBytes(ByteBuffer.allocate(8).putDouble(n.doubleValue()).array());
    } else if (n.isBoolean()) {
      text(out, EtfScanner.SMALL_ATOM_EXT, n.booleanValue() ? "true" : "false");
    } else {
      text(out, EtfScanner.SMALL_ATOM_UTF8_EXT, sp.nullAtom());
    }
  }

  private static boolean allBytes(JsonNode array) {
    for (JsonNode v : array) {
      if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0 || v.intValue() > 255) {
        return false;
      }
    }
    return true;
  }

  static void text(ByteArrayOutputStream out, int tag, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length
        > (tag == EtfScanner.SMALL_ATOM_EXT || tag == EtfScanner.SMALL_ATOM_UTF8_EXT
            ? 255
            : 65535)) {
      tag = EtfScanner.BINARY_EXT; // too long for the tag asked for
    }
    out.write(tag);
    switch (tag) {
      case EtfScanner.BINARY_EXT -> u32(out, b.length);
      case EtfScanner.SMALL_ATOM_EXT, EtfScanner.SMALL_ATOM_UTF8_EXT -> out.write(b.length);
      default -> {
        out.write(b.length >>> 8);
        out.write(b.length);
      }
    }
    out.writeBytes(b);
  }

  static void integer(ByteArrayOutputStream out, BigInteger v, boolean alwaysBig) {
    if (!alwaysBig && v.signum() >= 0 && v.bitLength() <= 8) {
      out.write(EtfScanner.SMALL_INTEGER_EXT);
      out.write(v.intValue());
    } else if (!alwaysBig && v.bitLength() <= 31) {
      out.write(EtfScanner.INTEGER_EXT);
      u32(out, v.intValue());
    } else {
      byte[] be = v.abs().toByteArray();
      int start = be[0] == 0 && be.length > 1 ? 1 : 0;
      int len = be.length - start;
      if (len < 256) {
        out.write(EtfScanner.SMALL_BIG_EXT);
        out.write(len);
      } else {
        out.write(EtfScanner.LARGE_BIG_EXT);
        u32(out, len);
      }
      out.write(v.signum() < 0 ? 1 : 0);
      for (int i = be.length - 1; i >= start; i--) {
        out.write(be[i]);
      }
    }
  }

  static void u32(ByteArrayOutputStream out, long v) {
    out.write((int) (v >>> 24));
    out.write((int) (v >>> 16));
    out.write((int) (v >>> 8));
    out.write((int) v);
  }
}
