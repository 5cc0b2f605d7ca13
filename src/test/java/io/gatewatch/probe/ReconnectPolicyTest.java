package io.gatewatch.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatewatch.probe.ReconnectPolicy.Action;
import io.gatewatch.probe.ReconnectPolicy.Decision;
import io.gatewatch.protocol.CloseCode;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReconnectPolicyTest {
  private static final GatewayProfile SEED = ProfileLoader.load("fluxer-seed");
  private static final ReconnectPolicy.Settings SETTINGS = ReconnectPolicy.Settings.DEFAULTS;

  private static ReconnectPolicy policy() {
    return new ReconnectPolicy(SEED, SETTINGS, () -> 0.5);
  }

  /**
   * Every close code of the fluxer-seed profile, from a socket that held the session: what the seed
   * says to do and how long to wait first.
   */
  @ParameterizedTest(name = "{0}: {1} after {2} ms")
  @CsvSource({
    "4000, RESUME,   500",
    "4001, RESUME,   500",
    "4002, RESUME,   500",
    "4003, RESUME,   500",
    "4004, IDENTIFY, 1000",
    "4005, RESUME,   500",
    "4007, IDENTIFY, 1000",
    "4008, IDENTIFY, 60000",
    "4009, RESUME,   500",
    "4010, IDENTIFY, 1000",
    "4011, IDENTIFY, 1000",
    "4012, IDENTIFY, 1000",
    "4013, IDENTIFY, 1000",
    "1000, RESUME,   500",
    "1001, RESUME,   500",
    "1006, RESUME,   500",
    "1011, RESUME,   500",
    "4999, RESUME,   500",
  })
  void afterASocketThatHeldTheSession(int code, Action action, long delayMs) {
    Decision d = policy().afterClose(code, true, true);
    assertThat(d.action()).isEqualTo(action);
    assertThat(d.delay()).isEqualTo(Duration.ofMillis(delayMs));
    assertThat(d.reason()).startsWith("close " + code);
  }

  @Test
  void everyCodeOfTheProfileIsCoveredByTheTable() {
    List<Integer> fluxer = new ArrayList<>();
    for (CloseCode c : SEED.closeCodes()) {
      if (c.code() >= 4000) {
        fluxer.add(c.code());
      }
    }
    assertThat(fluxer)
        .containsExactly(
            4000, 4001, 4002, 4003, 4004, 4005, 4007, 4008, 4009, 4010, 4011, 4012, 4013);
  }

  @Test
  void everyResumableCodeOfTheProfileResumesAndEveryOtherIdentifies() {
    for (CloseCode c : SEED.closeCodes()) {
      Decision d = policy().afterClose(c.code(), true, true);
      switch (c.resumable()) {
        case TRUE, CONDITIONAL -> assertThat(d.action()).as("%s", c).isEqualTo(Action.RESUME);
        case FALSE -> assertThat(d.action()).as("%s", c).isEqualTo(Action.IDENTIFY);
      }
    }
  }

  @Test
  void withoutASessionEvenAResumableCodeIdentifies() {
    Decision d = policy().afterClose(4009, false, false);
    assertThat(d.action()).isEqualTo(Action.IDENTIFY);
    assertThat(d.delay()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void failedAttemptsBackOffDoublingToTheCeiling() {
    ReconnectPolicy p = policy();
    List<Duration> delays = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      delays.add(p.afterClose(1006, false, false).delay());
    }
    assertThat(delays)
        .containsExactly(
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            Duration.ofSeconds(8),
            Duration.ofSeconds(16),
            Duration.ofSeconds(30),
            Duration.ofSeconds(30),
            Duration.ofSeconds(30));
    p.established();
    assertThat(p.afterClose(1006, true, false).delay()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void aResumeThatFailsAgainBacksOffInsteadOfHammering() {
    ReconnectPolicy p = policy();
    assertThat(p.afterClose(1006, true, true))
        .isEqualTo(
            new Decision(
                Action.RESUME, Duration.ofMillis(500), "close 1006 Abnormal Closure; Resume"));
    Decision second = p.afterClose(1006, true, false);
    assertThat(second.action()).isEqualTo(Action.RESUME);
    assertThat(second.delay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.afterClose(1006, true, false).delay()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void rateLimitedWaitsAtLeastSixtySecondsEvenAfterManyFailures() {
    ReconnectPolicy p = policy();
    for (int i = 0; i < 10; i++) {
      Decision d = p.afterClose(4008, true, false);
      assertThat(d.action()).isEqualTo(Action.IDENTIFY);
      assertThat(d.delay()).isGreaterThanOrEqualTo(Duration.ofSeconds(60));
    }
  }

  @ParameterizedTest
  @CsvSource({"4004", "4010", "4011", "4012"})
  void fixTheCauseFirstCodesGiveUpAfterThreeAttempts(int code) {
    ReconnectPolicy p = policy();
    Decision first = p.afterClose(code, true, true);
    Decision second = p.afterClose(code, false, false);
    Decision third = p.afterClose(code, false, false);
    assertThat(first.action()).isEqualTo(Action.IDENTIFY);
    assertThat(first.delay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(second.action()).isEqualTo(Action.IDENTIFY);
    assertThat(second.delay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(third.action()).isEqualTo(Action.GIVE_UP);
    assertThat(third.reason())
        .startsWith("close " + code + " " + SEED.closeCode(code).name() + " 3 times in a row")
        .contains("not retrying");
  }

  /** With --profile discord the probe reconnects as a Discord client does. */
  @Test
  void theDiscordProfileDecidesAsDiscordSays() {
    GatewayProfile discord = ProfileLoader.load("discord");
    ReconnectPolicy p = new ReconnectPolicy(discord, SETTINGS.withFatalAttempts(1), () -> 0.5);
    // 4008 is resumable on Discord, and Discord asks for no wait.
    assertThat(p.afterClose(4008, true, true))
        .isEqualTo(
            new Decision(Action.RESUME, Duration.ofMillis(500), "close 4008 Rate Limited; Resume"));
    // 4013 and 4014 (intents) are Discord's own fatal codes.
    for (int code : new int[] {4013, 4014, 4004}) {
      Decision d =
          new ReconnectPolicy(discord, SETTINGS.withFatalAttempts(1), () -> 0.5)
              .afterClose(code, true, true);
      assertThat(d.action()).as("%d", code).isEqualTo(Action.GIVE_UP);
    }
    // The same 4013 is Fluxer's Acknowledgement Backpressure: not fatal, Identify again.
    assertThat(
            new ReconnectPolicy(SEED, SETTINGS.withFatalAttempts(1), () -> 0.5)
                .afterClose(4013, true, true)
                .action())
        .isEqualTo(Action.IDENTIFY);
  }

  @Test
  void giveUpReasonSaysWhatToFix() {
    ReconnectPolicy p = new ReconnectPolicy(SEED, SETTINGS.withFatalAttempts(1), () -> 0.5);
    Decision d = p.afterClose(4004, false, false);
    assertThat(d.action()).isEqualTo(Action.GIVE_UP);
    assertThat(d.reason())
        .isEqualTo(
            "close 4004 Authentication Failed once; not retrying: "
                + SEED.closeCode(4004).recovery());
  }

  @Test
  void anotherCodeInBetweenStartsTheFatalCountAgain() {
    ReconnectPolicy p = policy();
    p.afterClose(4004, false, false);
    p.afterClose(4004, false, false);
    p.afterClose(1006, false, false);
    assertThat(p.afterClose(4004, false, false).action()).isEqualTo(Action.IDENTIFY);
  }

  @Test
  void invalidSessionIdentifiesAfterTwoAndAHalfToThreeAndAHalfSeconds() {
    assertThat(new ReconnectPolicy(SEED, SETTINGS, () -> 0.0).afterInvalidSession())
        .isEqualTo(
            new Decision(
                Action.IDENTIFY, Duration.ofMillis(2_500), "op 9 Invalid Session; Identify"));
    assertThat(new ReconnectPolicy(SEED, SETTINGS, () -> 0.5).afterInvalidSession().delay())
        .isEqualTo(Duration.ofMillis(3_000));
    assertThat(
            new ReconnectPolicy(SEED, SETTINGS, () -> 0.999_999_999).afterInvalidSession().delay())
        .isLessThanOrEqualTo(Duration.ofMillis(3_500));
  }

  @Test
  void settingsRefuseARateLimitWaitUnderSixtySeconds() {
    assertThatThrownBy(
            () ->
                new ReconnectPolicy.Settings(
                    Duration.ZERO,
                    Duration.ZERO,
                    Duration.ZERO,
                    Duration.ofSeconds(59),
                    Duration.ZERO,
                    Duration.ZERO,
                    1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 60 s");
  }
}
