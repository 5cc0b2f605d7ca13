package io.gatewatch.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ACK delay spellings and their deterministic samplers. */
class AckDelayTest {
  static final long MS = 1_000_000L;

  static List<Long> draw(AckDelay d, long seed, int n) {
    AckDelay.Sampler s = d.sampler(seed);
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(s.nextNanos());
    }
    return out;
  }

  @Test
  void fixed() {
    AckDelay d = AckDelay.parse("50ms");
    assertThat(d).isEqualTo(AckDelay.fixed(Duration.ofMillis(50)));
    assertThat(draw(d, 1, 3)).containsExactly(50 * MS, 50 * MS, 50 * MS);
    assertThat(AckDelay.parse("2s").toString()).isEqualTo("2000ms");
    assertThat(AckDelay.parse("0").isNone()).isTrue();
    assertThat(AckDelay.NONE.isNone()).isTrue();
    assertThat(d.isNone()).isFalse();
  }

  @Test
  void cycled() {
    AckDelay d = AckDelay.parse("10ms,0,1s");
    assertThat(d.toString()).isEqualTo("10ms,0ms,1000ms");
    assertThat(draw(d, 99, 7))
        .containsExactly(10 * MS, 0L, 1000 * MS, 10 * MS, 0L, 1000 * MS, 10 * MS);
  }

  @Test
  void uniformIsWithinTheRangeAndRepeatableWithTheSeed() {
    AckDelay d = AckDelay.parse("10ms..200ms");
    assertThat(d).isEqualTo(AckDelay.uniform(Duration.ofMillis(10), Duration.ofMillis(200)));
    List<Long> a = draw(d, 7, 1000);
    assertThat(a).allSatisfy(v -> assertThat(v).isBetween(10 * MS, 200 * MS));
    assertThat(draw(d, 7, 1000)).isEqualTo(a);
    assertThat(draw(d, 8, 1000)).isNotEqualTo(a);
    assertThat(a.stream().mapToLong(Long::longValue).min().getAsLong()).isLessThan(30 * MS);
    assertThat(a.stream().mapToLong(Long::longValue).max().getAsLong()).isGreaterThan(180 * MS);
    assertThat(draw(AckDelay.parse("5ms..5ms"), 1, 2)).containsExactly(5 * MS, 5 * MS);
  }

  @Test
  void badSpecsAreNamed() {
    for (String bad : new String[] {"", "fast", "10ms..", "..5ms", "1ms,,2ms", "-5ms"}) {
      assertThatThrownBy(() -> AckDelay.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(AckDelay.EXPECTED + ", got \"" + bad + "\"");
    }
    assertThatThrownBy(() -> AckDelay.parse("200ms..10ms"))
        .hasMessage("ACK delay range \"200ms..10ms\": the maximum is below the minimum");
  }
}
