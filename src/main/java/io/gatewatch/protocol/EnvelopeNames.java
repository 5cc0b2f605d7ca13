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

  static final int KEY_OTHER = 0;
  static final int KEY_OP = 1;
  static final int KEY_D = 2;
  static final int KEY_S = 3;
  static final int KEY_T = 4;

  private EnvelopeNames() {}

  /** Which envelope key the name bytes {@code [ns, ne)} are. */
  static int classifyKey(byte[] b, int ns, int ne) {
    int len = ne - ns;
    if (len == 1) {
      switch (b[ns]) {
        case 'd':
          return KEY_D;
        case 's':
          return KEY_S;
        case 't':
          return KEY_T;
        default:
          return KEY_OTHER;
      }
    }
    return len == 2 && b[ns] == 'o' && b[ns + 1] == 'p' ? KEY_OP : KEY_OTHER;
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
