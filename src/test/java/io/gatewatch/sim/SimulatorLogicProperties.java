package io.gatewatch.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The rate limiter and the replay buffer against naive models. */
class SimulatorLogicProperties {

  @Property(tries = 300)
  void rateLimiterMatchesANaiveSlidingWindow(
      @ForAll @IntRange(min = 1, max = 8) int limit,
      @ForAll @IntRange(min = 1, max = 50) int window,
      @ForAll @Size(max = 200) List<@IntRange(min = 0, max = 20) Integer> gaps) {
    RateLimiter r = new RateLimiter(limit, window);
    List<Long> accepted = new ArrayList<>();
    long t = 0;
    for (int gap : gaps) {
      t += gap;
      long now = t;
      long inWindow = accepted.stream().filter(a -> now - a < window).count();
      boolean expected = inWindow < limit;
      assertThat(r.tryAcquire(now)).isEqualTo(expected);
      if (expected) {
        accepted.add(now);
      }
    }
  }

  @Property(tries = 300)
  void resumeReplaysExactlyTheRetainedEventsAboveTheSequence(
      @ForAll @IntRange(min = 1, max = 10) int buffer,
      @ForAll @IntRange(min = 0, max = 30) int dispatches,
      @ForAll @IntRange(min = -2, max = 35) int resumeSeq) {
    Object owner = new Object();
    SessionStore store = new SessionStore(Duration.ofSeconds(60), buffer, 1L << 20, () -> 0L);
    Session s = store.create("k", 1, owner);
    for (int i = 0; i < dispatches; i++) {
      s.dispatch(owner, Long::toString);
    }
    long current = 1 + dispatches;
    long floor = Math.max(1, current - buffer);
    Session.Resumed r = s.resume(new Object(), resumeSeq, seq -> "RESUMED");
    if (resumeSeq > current) {
      assertThat(r.check()).isEqualTo(Session.SeqCheck.AHEAD);
    } else if (resumeSeq < 0) {
      // nothing acknowledged yet counts as 0: a negative sequence is invalid, not merely old
      assertThat(r.check()).isEqualTo(Session.SeqCheck.BEHIND_ACK);
    } else if (resumeSeq < floor) {
      assertThat(r.check()).isEqualTo(Session.SeqCheck.BELOW_FLOOR);
    } else {
      assertThat(r.check()).isEqualTo(Session.SeqCheck.OK);
      List<String> expected = new ArrayList<>();
      for (long seq = resumeSeq + 1; seq <= current; seq++) {
        expected.add(Long.toString(seq));
      }
      assertThat(r.replay()).isEqualTo(expected);
      assertThat(s.seq()).isEqualTo(current + 1);
    }
  }
}
