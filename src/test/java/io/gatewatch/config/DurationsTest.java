package io.gatewatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one rule for every duration gatewatch reads: a unit, always (but for 0). */
class DurationsTest {
  @Test
  void everyUnit() {
    assertThat(Durations.parse("41250ms")).isEqualTo(Duration.ofMillis(41_250));
    assertThat(Durations.parse("45s")).isEqualTo(Duration.ofSeconds(45));
    assertThat(Durations.parse(" 10m ")).isEqualTo(Duration.ofMinutes(10));
    assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse("0s")).isEqualTo(Duration.ZERO);
    assertThat(Durations.parse("0")).as("zero is zero in every unit").isEqualTo(Duration.ZERO);
    assertThat(Durations.parse("000")).isEqualTo(Duration.ZERO);
  }

  @Test
  void aNumberWithoutAUnitIsRefusedNamingTheUnits() {
    assertThatThrownBy(() -> Durations.parse("--duration", "90"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--duration: \"90\" has no unit; add one, e.g. 90s (units: ms, s, m, h)");
    assertThatThrownBy(() -> Durations.parse(" 41250 "))
        .isInstanceOf(Durations.UnitMissing.class)
        // 41250 is a Hello's interval in milliseconds; 41250s would be eleven hours
        .hasMessage("\"41250\" has no unit; add one, e.g. 41250ms (units: ms, s, m, h)");
    assertThatThrownBy(() -> Durations.parse("999"))
        .hasMessage("\"999\" has no unit; add one, e.g. 999s (units: ms, s, m, h)");
  }

  @Test
  void anythingElseIsNotADuration() {
    for (String bad : List.of("", "abc", "45 s", "-1s", "1.5s", "10d", "s", "9999999999999h")) {
      assertThatThrownBy(() -> Durations.parse("--every", bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .isNotInstanceOf(Durations.UnitMissing.class)
          .hasMessage(
              "--every: expected a duration such as 500ms, 45s, 10m or 1h, got \"" + bad + "\"");
    }
    assertThatThrownBy(() -> Durations.parse("--every", null))
        .hasMessage("--every: expected a duration such as 500ms, 45s, 10m or 1h, got \"null\"");
  }
}
