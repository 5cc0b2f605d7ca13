package io.gatewatch.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Who may read the agent's HTTP endpoints (docs/config.md, {@code http.auth}): nobody is asked
 * ({@link #NONE}), a bearer token, or a basic user and the SHA-256 of its password. Credentials are
 * compared as SHA-256 digests with {@link MessageDigest#isEqual} (constant time, whatever the
 * length presented); the secret itself is kept only as its digest and never printed.
 */
public final class HttpAuth {
  /** No authentication. */
  public static final HttpAuth NONE = new HttpAuth(Kind.NONE, null, null);

  private enum Kind {
    NONE,
    BEARER,
    BASIC
  }

  private final Kind kind;
  private final byte[] userDigest;
  private final byte[] secretDigest;

  private HttpAuth(Kind kind, byte[] userDigest, byte[] secretDigest) {
    this.kind = kind;
    this.userDigest = userDigest;
    this.secretDigest = secretDigest;
  }

  /** Requests must carry {@code Authorization: Bearer <token>}. */
  public static HttpAuth bearer(String token) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("bearer token must not be empty");
    }
    return new HttpAuth(Kind.BEARER, null, sha256(token.strip()));
  }

  /**
   * Requests must carry {@code Authorization: Basic ...} with this user and a password whose
   * SHA-256 is {@code passwordSha256Hex} (64 hex digits).
   */
  public static HttpAuth basic(String user, String passwordSha256Hex) {
    if (user == null || user.isEmpty() || user.indexOf(':') >= 0) {
      throw new IllegalArgumentException("user must be non-empty and hold no ':'");
    }
    byte[] hash;
    try {
      hash = HexFormat.of().parseHex(passwordSha256Hex == null ? "" : passwordSha256Hex.strip());
    } catch (IllegalArgumentException e) {
      hash = new byte[0];
    }
    if (hash.length != 32) {
      throw new IllegalArgumentException(
          "expected the password's SHA-256 as 64 hex digits (sha256sum of the password)");
    }
    return new HttpAuth(Kind.BASIC, sha256(user), hash);
  }

  public boolean required() {
    return kind != Kind.NONE;
  }

  /** The {@code WWW-Authenticate} value of a 401. */
  public String challenge() {
    return kind == Kind.BASIC
        ? "Basic realm=\"gatewatch\", charset=\"UTF-8\""
        : "Bearer realm=\"gatewatch\"";
  }

  /** Whether a request with this {@code Authorization} header (or null) may pass. */
  public boolean permits(String authorization) {
    switch (kind) {
      case NONE:
        return true;
      case BEARER:
        {
          String token = credentials(authorization, "Bearer ");
          // the digest is compared even for a missing header: no early answer to time
          return MessageDigest.isEqual(sha256(token == null ? "" : token), secretDigest)
              && token != null;
        }
      default:
        {
          String encoded = credentials(authorization, "Basic ");
          String decoded = "";
          if (encoded != null) {
            try {
              decoded =
                  new String(Base64.getDecoder().decode(encoded.strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
              decoded = "";
            }
          }
          int colon = decoded.indexOf(':');
          String user = colon < 0 ? "" : decoded.substring(0, colon);
          String password = colon < 0 ? "" : decoded.substring(colon + 1);
          boolean userOk = MessageDigest.isEqual(sha256(user), userDigest);
          boolean passwordOk = MessageDigest.isEqual(sha256(password), secretDigest);
          return userOk & passwordOk & colon >= 0;
        }
    }
  }

  private static String credentials(String header, String scheme) {
    if (header == null
        || header.length() < scheme.length()
        || !header.regionMatches(true, 0, scheme, 0, scheme.length())) {
      return null;
    }
    return header.substring(scheme.length()).strip();
  }

  static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }

  /** Never prints a secret. */
  @Override
  public String toString() {
    return "HttpAuth[" + kind.name().toLowerCase(java.util.Locale.ROOT) + "]";
  }
}
