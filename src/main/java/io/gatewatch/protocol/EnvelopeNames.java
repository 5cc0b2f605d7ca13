package io.gatewatch.protocol;

import java.nio.charset.StandardCharsets;

/**
 * The names an envelope and its {@code d} are matched against, as raw bytes, shared by {@link
 * FrameScanner} and {@link EtfScanner}: both encodings spell keys and event names the same way, so
 * the two readers recognise the same ones.
 */
final class EnvelopeNames {
  static final byte[] READY = ascii("READY");
  static final byte[] RESUMED = ascii("RESUMED");
  static final byte[] NULL = ascii("null");
  static final byte[] TRUE = ascii("true");
  static final byte[] FALSE = ascii("false");
  static final byte[] HEARTBEAT_INTERVAL = ascii("heartbeat_interval");
  static final byte[] SESSION_ID = ascii("session_id");
  static final byte[] SEQ = ascii("seq");
  static final byte[] TOKEN = ascii("token");
  static final byte[] SHARD = ascii("shard");
  static final byte[] PROPERTIES = ascii("properties");
  static final byte[] OS = ascii("os");
  static final byte[] BROWSER = ascii("browser");
  static final byte[] DEVICE = ascii("device");
  static final byte[] CODE = ascii("code");

  /** The envelope's keys: {@code op}, {@code d}, {@code s}, {@code t}, and any other. */
  enum Key {
    OTHER,
    OP,
    D,
    S,
    T
  }

  private EnvelopeNames() {}

  /** Which envelope key the name bytes {@code [ns, ne)} are. */
  static Key classifyKey(byte[] b, int ns, int ne) {
    int len = ne - ns;
    if (len == 1) {
      switch (b[ns]) {
        case 'd':
          return Key.D;
        case 's':
          return Key.S;
        case 't':
          return Key.T;
        default:
          return Key.OTHER;
      }
    }
    return len == 2 && b[ns] == 'o' && b[ns + 1] == 'p' ? Key.OP : Key.OTHER;
  }

  /** Whether {@code [s, e)} holds exactly {@code literal}; false for a missing range (s < 0). */
  static boolean equalsAscii(byte[] b, int s, int e, byte[] literal) {
    if (s < 0 || e - s != literal.length) {
      return false;
    }
    for (int i = 0; i < literal.length; i++) {
      if (b[s + i] != literal[i]) {
        return false;
      }
    }
    return true;
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
