package io.gatewatch.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The rolling-window limit and its spelling ({@code 120/60s}). */
class RateLimiterTest {
  static final long S = 1_000_000_000L;

  @Test
  void theSeedDefaultAllows120In60Seconds() {
    RateLimiter r = new RateLimiter(120, 60 * S);
    for (int i = 0; i < 120; i++) {
      assertThat(r.tryAcquire(i * 100_000_000L)).as("payload %d", i + 1).isTrue();
    }
    assertThat(r.tryAcquire(12 * S)).as("the 121st within 60 s").isFalse();
    assertThat(r.inWindow()).isEqualTo(120);
  }

  @Test
  void theWindowRolls() {
    RateLimiter r = new RateLimiter(3, 60 * S);
    assertThat(r.tryAcquire(0)).isTrue();
    assertThat(r.tryAcquire(10 * S)).isTrue();
    assertThat(r.tryAcquire(20 * S)).isTrue();
    assertThat(r.tryAcquire(60 * S - 1)).isFalse();
    // exactly 60 s after the first, the first has left the window
    assertThat(r.tryAcquire(60 * S)).isTrue();
    assertThat(r.tryAcquire(65 * S)).isFalse();
    assertThat(r.tryAcquire(70 * S)).isTrue();
  }

  @Test
  void refusedPayloadsDoNotCount() {
    RateLimiter r = new RateLimiter(1, 10 * S);
    assertThat(r.tryAcquire(0)).isTrue();
    for (int i = 1; i < 10; i++) {
      assertThat(r.tryAcquire(i * S)).isFalse();
    }
    assertThat(r.tryAcquire(10 * S)).isTrue();
  }

  @Test
  void largeLimitsGrowTheirBuffer() {
    RateLimiter r = new RateLimiter(10_000, 60 * S);
    for (int i = 0; i < 10_000; i++) {
      assertThat(r.tryAcquire(i)).isTrue();
    }
    assertThat(r.tryAcquire(10_000)).isFalse();
    assertThat(r.tryAcquire(60 * S)).isTrue();
  }

  @Test
  void rejectsBadLimits() {
    assertThatThrownBy(() -> new RateLimiter(0, S)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RateLimiter(RateLimiter.MAX_LIMIT + 1, S))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RateLimiter(1, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parsesTheSpelling() {
    assertThat(RateLimit.parse("120/60s")).isEqualTo(RateLimit.SEED_DEFAULT);
    assertThat(RateLimit.parse("600/1m")).isEqualTo(new RateLimit(600, Duration.ofMinutes(1)));
    assertThat(RateLimit.parse(" 5/500ms ")).isEqualTo(new RateLimit(5, Duration.ofMillis(500)));
    assertThat(RateLimit.SEED_DEFAULT.toString()).isEqualTo("120/60000ms");
  }

  @Test
  void badSpellingsNameTheExpectedForm() {
    for (String bad : new String[] {"120", "x/60s", "120/", "120/fast", "/60s"}) {
      assertThatThrownBy(() -> RateLimit.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "expected a rate limit such as 120/60s (payloads per window), got \"" + bad + "\"");
    }
    assertThatThrownBy(() -> RateLimit.parse("0/60s"))
        .hasMessage("rate limit: the count must be from 1 to 100000, got 0");
    assertThatThrownBy(() -> RateLimit.parse("5/0s"))
        .hasMessage("rate limit: the window must be positive");
  }
}
