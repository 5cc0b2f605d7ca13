package io.gatewatch.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenFingerprinterTest {
  private final TokenFingerprinter salted = new TokenFingerprinter("salt-a".getBytes(UTF_8));

  @Test
  void knownAnswerIsTheFirst48BitsOfHmacSha256() {
    // RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?") =
    // 5bdcc146bf60754e...
    TokenFingerprinter jefe = new TokenFingerprinter("Jefe".getBytes(UTF_8));
    assertThat(jefe.fingerprint("what do ya want for nothing?")).isEqualTo(0x5bdcc146bf60L);
  }

  @Test
  void sameSaltAndTokenGiveTheSameValue() {
    TokenFingerprinter again = new TokenFingerprinter("salt-a".getBytes(UTF_8));
    assertThat(again.fingerprint("Bot abc.def")).isEqualTo(salted.fingerprint("Bot abc.def"));
    byte[] framed = "xxBot abc.defyy".getBytes(UTF_8);
    assertThat(salted.fingerprint(framed, 2, 11)).isEqualTo(salted.fingerprint("Bot abc.def"));
  }

  @Test
  void differentSaltOrTokenGiveDifferentValues() {
    TokenFingerprinter other = new TokenFingerprinter("salt-b".getBytes(UTF_8));
    assertThat(other.fingerprint("Bot abc.def")).isNotEqualTo(salted.fingerprint("Bot abc.def"));
    assertThat(salted.fingerprint("Bot abc.deg")).isNotEqualTo(salted.fingerprint("Bot abc.def"));
    assertThat(TokenFingerprinter.withRandomSalt().fingerprint("t"))
        .isNotEqualTo(TokenFingerprinter.withRandomSalt().fingerprint("t"));
  }

  @Test
  void saltIsCopied() {
    byte[] salt = "mutable".getBytes(UTF_8);
    TokenFingerprinter f = new TokenFingerprinter(salt);
    long before = f.fingerprint("token");
    salt[0] = 'X';
    assertThat(f.fingerprint("token")).isEqualTo(before);
  }

  @Test
  void valuesAre48BitAndSpreadOut() {
    Set<Long> seen = new HashSet<>();
    long highBits = 0;
    for (int i = 0; i < 5_000; i++) {
      long fp = salted.fingerprint("token-" + i);
      assertThat(fp).isBetween(0L, (1L << 48) - 1);
      highBits |= fp;
      seen.add(fp);
    }
    assertThat(seen).hasSize(5_000);
    assertThat(highBits >>> 47).as("the top bit gets used").isEqualTo(1);
    assertThat(salted.fingerprint(new byte[0], 0, 0)).isBetween(0L, (1L << 48) - 1);
  }

  @Test
  void redactedFormAndRoundTrip() {
    assertThat(TokenFingerprinter.redacted(0)).isEqualTo("<redacted:000000000000>");
    assertThat(TokenFingerprinter.redacted(0x9f2c1aL)).isEqualTo("<redacted:0000009f2c1a>");
    assertThat(TokenFingerprinter.redacted((1L << 48) - 1)).isEqualTo("<redacted:ffffffffffff>");
    for (String token : List.of("a", "Bot MTIz.NDU2.Nzg5", "\u00e9\uD83D\uDE00", "")) {
      long fp = salted.fingerprint(token);
      String redacted = salted.redact(token);
      assertThat(redacted)
          .matches("<redacted:[0-9a-f]{12}>")
          .isEqualTo(TokenFingerprinter.redacted(fp));
      assertThat(salted.fingerprint(redacted)).isEqualTo(fp);
      // Idempotent, and independent of the salt: a redacted token is never hashed again.
      assertThat(salted.redact(redacted)).isEqualTo(redacted);
      assertThat(TokenFingerprinter.withRandomSalt().fingerprint(redacted)).isEqualTo(fp);
    }
    assertThat(salted.redact(null)).isNull();
  }

  @Test
  void shortAndUppercaseRedactedFormsParse() {
    assertThat(salted.fingerprint("<redacted:9f2c1a>")).isEqualTo(0x9f2c1aL);
    assertThat(salted.fingerprint("<redacted:9F2C1A>")).isEqualTo(0x9f2c1aL);
    assertThat(salted.fingerprint("<redacted:0>")).isZero();
    assertThat(salted.fingerprint("<redacted:FFFFFFFFFFFF>")).isEqualTo((1L << 48) - 1);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "<redacted:>",
        "<redacted:1234567890abc>",
        "<redacted:9f2c1g>",
        "<redacted:9f2c1a",
        "redacted:9f2c1a>",
        "<REDACTED:9f2c1a>",
        "<redacted: 9f2c1a>",
        "<redacted:9f2c1a> ",
        "<redacted:-1>"
      })
  void nearMissesAreHashed(String token) throws Exception {
    assertThat(salted.fingerprint(token))
        .isEqualTo(hmac48("salt-a", token))
        .isBetween(0L, (1L << 48) - 1);
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> new TokenFingerprinter(new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TokenFingerprinter(null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TokenFingerprinter.redacted(-1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TokenFingerprinter.redacted(1L << 48))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> salted.fingerprint(new byte[3], 2, 2))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void threadSafe() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        results.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 2_000; i++) {
                    if (salted.fingerprint("tok" + i) != hmac48("salt-a", "tok" + i)) {
                      return false;
                    }
                  }
                  return true;
                }));
      }
      for (Future<Boolean> r : results) {
        assertThat(r.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Reference: a fresh JDK Mac, first six bytes big-endian. */
  static long hmac48(String salt, String token) throws Exception {
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(new javax.crypto.spec.SecretKeySpec(salt.getBytes(UTF_8), "HmacSHA256"));
    byte[] d = mac.doFinal(token.getBytes(UTF_8));
    long v = 0;
    for (int i = 0; i < 6; i++) {
      v = (v << 8) | (d[i] & 0xFF);
    }
    return v;
  }
}
