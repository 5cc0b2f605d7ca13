package io.gatewatch.protocol;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns a gateway token into a short salted fingerprint, so that reconnects of one client can be
 * linked without ever keeping the token.
 *
 * <p>The fingerprint is HMAC-SHA256(salt, token bytes) truncated to its first 48 bits (a
 * non-negative {@code long} below 2<sup>48</sup>). Tokens are neither stored nor logged: the bytes
 * are fed to the MAC and forgotten.
 *
 * <p>A token that is already in the redacted form {@code <redacted:HEX>} (1 to 12 hex digits, any
 * case), as captures written by gatewatch hold, is not hashed again: its fingerprint is the parsed
 * HEX value. Replaying a capture therefore links the reconnects of one client exactly as the live
 * agent did (given the capture was written with the same fingerprints).
 *
 * <p>Thread-safe: each thread uses its own {@link Mac}. The salt can be replaced while in use
 * ({@link #rekey}): replicas that share reconnect state agree on one at start-up.
 */
public final class TokenFingerprinter {
  /** Fingerprints are below {@code 1L << FINGERPRINT_BITS}. */
  public static final int FINGERPRINT_BITS = 48;

  private static final long MASK = (1L << FINGERPRINT_BITS) - 1;
  private static final String ALGORITHM = "HmacSHA256";
  private static final byte[] PREFIX = "<redacted:".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_HEX_DIGITS = FINGERPRINT_BITS / 4;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private volatile SecretKeySpec key;
  private final ThreadLocal<State> state;

  /** Per-thread MAC and output buffer, so that fingerprinting allocates nothing. */
  private static final class State {
    final SecretKeySpec key;
    final Mac mac;
    final byte[] digest;

    State(SecretKeySpec key) {
      this.key = key;
      this.mac = newMac(key);
      this.digest = new byte[mac.getMacLength()];
    }
  }

  /**
   * @param salt the HMAC key; copied. Must not be empty. Use the same salt across restarts (or
   *     captures) when fingerprints must stay comparable.
   * @throws IllegalArgumentException if {@code salt} is null or empty
   */
  public TokenFingerprinter(byte[] salt) {
    if (salt == null || salt.length == 0) {
      throw new IllegalArgumentException("salt must not be empty");
    }
    this.key = new SecretKeySpec(salt.clone(), ALGORITHM);
    // Fail fast here rather than on the first frame of some thread.
    State first = new State(key);
    this.state = ThreadLocal.withInitial(() -> new State(key));
    this.state.set(first);
  }

  /**
   * Fingerprints from now on use {@code salt}; a token fingerprinted before and after differs.
   *
   * @throws IllegalArgumentException if {@code salt} is null or empty
   */
  public void rekey(byte[] salt) {
    if (salt == null || salt.length == 0) {
      throw new IllegalArgumentException("salt must not be empty");
    }
    this.key = new SecretKeySpec(salt.clone(), ALGORITHM);
  }

  /** The salt in use (a copy): a secret, never to be logged. */
  public byte[] salt() {
    return key.getEncoded();
  }

  /** A fingerprinter with a fresh 32-byte salt from {@link SecureRandom}. */
  public static TokenFingerprinter withRandomSalt() {
    byte[] salt = new byte[32];
    new SecureRandom().nextBytes(salt);
    return new TokenFingerprinter(salt);
  }

  private static Mac newMac(SecretKeySpec key) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      // HmacSHA256 is required of every Java platform, and any non-empty key is valid for it.
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /**
   * The fingerprint of the token held in {@code buf[off, off + len)} (its raw bytes), a value in
   * {@code [0, 2^48)}. A redacted token {@code <redacted:HEX>} yields the HEX value.
   *
   * @throws IndexOutOfBoundsException if the range is not inside {@code buf}
   */
  public long fingerprint(byte[] buf, int off, int len) {
    if (off < 0 || len < 0 || off > buf.length - len) {
      throw new IndexOutOfBoundsException(
          "range [" + off + ", " + off + " + " + len + ") outside an array of " + buf.length);
    }
    long redacted = parseRedacted(buf, off, len);
    if (redacted >= 0) {
      return redacted;
    }
    State s = state.get();
    if (s.key != key) {
      s = new State(key);
      state.set(s);
    }
    s.mac.update(buf, off, len);
    try {
      s.mac.doFinal(s.digest, 0);
    } catch (ShortBufferException e) {
      throw new IllegalStateException("digest buffer sized from getMacLength()", e);
    }
    long v = 0;
    for (int i = 0; i < FINGERPRINT_BITS / 8; i++) {
      v = (v << 8) | (s.digest[i] & 0xFF);
    }
    return v;
  }

  /** The fingerprint of {@code token}'s UTF-8 bytes. */
  public long fingerprint(String token) {
    byte[] bytes = token.getBytes(StandardCharsets.UTF_8);
    return fingerprint(bytes, 0, bytes.length);
  }

  /**
   * The value of a redacted token {@code <redacted:HEX>} (1 to 12 hex digits, either case), or -1
   * when the bytes are not exactly that form. The caller checked the bounds.
   */
  static long parseRedacted(byte[] buf, int off, int len) {
    int digits = len - PREFIX.length - 1;
    if (digits < 1 || digits > MAX_HEX_DIGITS || buf[off + len - 1] != '>') {
      return -1;
    }
    for (int i = 0; i < PREFIX.length; i++) {
      if (buf[off + i] != PREFIX[i]) {
        return -1;
      }
    }
    long v = 0;
    for (int i = off + PREFIX.length, e = off + len - 1; i < e; i++) {
      int d = hexValue(buf[i]);
      if (d < 0) {
        return -1;
      }
      v = (v << 4) | d;
    }
    return v;
  }

  private static int hexValue(byte c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /**
   * The redacted form of a fingerprint: {@code <redacted:} + 12 lowercase hex digits + {@code >}.
   *
   * @throws IllegalArgumentException if {@code fingerprint} is not in {@code [0, 2^48)}
   */
  public static String redacted(long fingerprint) {
    if ((fingerprint & ~MASK) != 0) {
      throw new IllegalArgumentException("not a 48-bit fingerprint: " + fingerprint);
    }
    char[] out = new char[PREFIX.length + MAX_HEX_DIGITS + 1];
    for (int i = 0; i < PREFIX.length; i++) {
      out[i] = (char) PREFIX[i];
    }
    for (int i = 0; i < MAX_HEX_DIGITS; i++) {
      int shift = (MAX_HEX_DIGITS - 1 - i) * 4;
      out[PREFIX.length + i] = HEX[(int) (fingerprint >>> shift) & 0xF];
    }
    out[out.length - 1] = '>';
    return new String(out);
  }

  /**
   * The redacted form of {@code token} ({@link #redacted(long)} of its fingerprint); a token that
   * is already redacted keeps its fingerprint. Null stays null.
   */
  public String redact(String token) {
    return token == null ? null : redacted(fingerprint(token));
  }
}
