package io.gatewatch.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.protocol.TokenFingerprinter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenRedactorTest {
  private final TokenFingerprinter fp =
      new TokenFingerprinter("s".getBytes(StandardCharsets.UTF_8));
  private final TokenRedactor redactor = new TokenRedactor(fp);

  private String redact(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return new String(redactor.redact(b, 0, b.length), StandardCharsets.UTF_8);
  }

  @Test
  void identifyAndResumeTokensBecomeTheirFingerprint() {
    String r = TokenFingerprinter.redacted(fp.fingerprint("secret-token"));
    assertThat(redact("{\"op\":2,\"d\":{\"token\":\"secret-token\",\"properties\":{}}}"))
        .isEqualTo("{\"op\":2,\"d\":{\"token\":\"" + r + "\",\"properties\":{}}}");
    assertThat(redact("{\"op\":6,\"d\":{\"session_id\":\"s\", \"token\" : \"secret-token\"}}"))
        .isEqualTo("{\"op\":6,\"d\":{\"session_id\":\"s\", \"token\" : \"" + r + "\"}}");
  }

  @Test
  void aTruncatedFrameLosesItsTokenToo() {
    assertThat(redact("{\"op\":2,\"d\":{\"token\":\"secret-tok"))
        .doesNotContain("secret")
        .isEqualTo(
            "{\"op\":2,\"d\":{\"token\":\""
                + TokenFingerprinter.redacted(fp.fingerprint("secret-tok")));
  }

  @Test
  void tokensAnywhereAndEscapedQuotesInsideThem() {
    String out = redact("{\"a\":[{\"token\":\"x\\\"y\"}],\"token\":\"z\"}");
    assertThat(out).doesNotContain("x\\\"y").doesNotContain("\"z\"");
    assertThat(out).contains("<redacted:");
  }

  @Test
  void redactedTokensKeepTheirFingerprintAndOtherFramesAreUntouched() {
    String once = redact("{\"op\":2,\"d\":{\"token\":\"abc\"}}");
    assertThat(redact(once)).isEqualTo(once);
    String hb = "{\"op\":1,\"d\":\"token\"}";
    assertThat(redact(hb)).isEqualTo(hb);
  }
}
