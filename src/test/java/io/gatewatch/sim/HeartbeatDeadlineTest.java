package io.gatewatch.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatewatch.sim.HeartbeatDeadline.Verdict;
import org.junit.jupiter.api.Test;

/** The server's heartbeat check with an injected clock, at the Fluxer defaults, exactly. */
class HeartbeatDeadlineTest {
  static final long MS = 1_000_000L;
  static final long INTERVAL = 41_250 * MS;
  static final long TIMEOUT = 45_000 * MS;
  static final long T0 = 1_000_000 * MS; // an arbitrary nanoTime origin

  @Test
  void checksEveryThirdOfTheIntervalAndRequestsAt90Percent() {
    HeartbeatDeadline h = new HeartbeatDeadline(INTERVAL, TIMEOUT, T0);
    assertThat(h.checkPeriodNanos()).isEqualTo(13_750 * MS);
    assertThat(h.requestAfterNanos()).isEqualTo(37_125 * MS);
  }

  @Test
  void requestsExactlyAt90PercentNotBefore() {
    HeartbeatDeadline h = new HeartbeatDeadline(INTERVAL, TIMEOUT, T0);
    assertThat(h.check(T0 + 37_125 * MS - 1)).isEqualTo(Verdict.NONE);
    assertThat(h.awaiting()).isFalse();
    assertThat(h.check(T0 + 37_125 * MS)).isEqualTo(Verdict.REQUEST);
    assertThat(h.awaiting()).isTrue();
    // asked once per wait
    assertThat(h.check(T0 + 40_000 * MS)).isEqualTo(Verdict.NONE);
  }

  @Test
  void timesOutOnlyPast45SecondsWhileAwaiting() {
    HeartbeatDeadline h = new HeartbeatDeadline(INTERVAL, TIMEOUT, T0);
    assertThat(h.check(T0 + 37_125 * MS)).isEqualTo(Verdict.REQUEST);
    assertThat(h.check(T0 + 45_000 * MS)).isEqualTo(Verdict.NONE);
    assertThat(h.check(T0 + 45_000 * MS + 1)).isEqualTo(Verdict.TIMEOUT);
  }

  @Test
  void aSilentClientIsAskedAt41sAndClosedAt55sOnThePeriodicChecks() {
    HeartbeatDeadline h = new HeartbeatDeadline(INTERVAL, TIMEOUT, T0);
    long period = h.checkPeriodNanos();
    assertThat(h.check(T0 + period)).isEqualTo(Verdict.NONE); // 13.75 s
    assertThat(h.check(T0 + 2 * period)).isEqualTo(Verdict.NONE); // 27.5 s
    assertThat(h.check(T0 + 3 * period)).isEqualTo(Verdict.REQUEST); // 41.25 s
    assertThat(h.check(T0 + 4 * period)).isEqualTo(Verdict.TIMEOUT); // 55 s
  }

  @Test
  void anAcceptedHeartbeatRestartsTheClockAndEndsTheWait() {
    HeartbeatDeadline h = new HeartbeatDeadline(INTERVAL, TIMEOUT, T0);
    assertThat(h.check(T0 + 41_250 * MS)).isEqualTo(Verdict.REQUEST);
    h.accept(T0 + 42_000 * MS);
    assertThat(h.awaiting()).isFalse();
    assertThat(h.check(T0 + 55_000 * MS)).isEqualTo(Verdict.NONE);
    assertThat(h.check(T0 + 42_000 * MS + 37_125 * MS - 1)).isEqualTo(Verdict.NONE);
    assertThat(h.check(T0 + 42_000 * MS + 37_125 * MS)).isEqualTo(Verdict.REQUEST);
  }

  @Test
  void aClientHeartbeatingOnItsOwnIsNeverAsked() {
    HeartbeatDeadline h = new HeartbeatDeadline(INTERVAL, TIMEOUT, T0);
    long t = T0;
    for (int i = 0; i < 100; i++) {
      t += 33_000 * MS; // 0.8 x interval, like Fluxer's web client
      assertThat(h.check(t)).isEqualTo(Verdict.NONE);
      h.accept(t);
    }
  }

  @Test
  void shortDemoTimingsScale() {
    HeartbeatDeadline h = new HeartbeatDeadline(300 * MS, 450 * MS, 0);
    assertThat(h.checkPeriodNanos()).isEqualTo(100 * MS);
    assertThat(h.check(269 * MS)).isEqualTo(Verdict.NONE);
    assertThat(h.check(270 * MS)).isEqualTo(Verdict.REQUEST);
    assertThat(h.check(450 * MS)).isEqualTo(Verdict.NONE);
    assertThat(h.check(451 * MS)).isEqualTo(Verdict.TIMEOUT);
  }

  @Test
  void rejectsNonPositiveTimings() {
    assertThatThrownBy(() -> new HeartbeatDeadline(0, TIMEOUT, T0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new HeartbeatDeadline(INTERVAL, -1, T0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aGatewayThatDoesNotAskClosesAtTheFirstCheckPastTheTimeout() {
    HeartbeatDeadline h = new HeartbeatDeadline(INTERVAL, TIMEOUT, T0, false);
    long check = h.checkPeriodNanos();
    for (long t = T0 + check; t - T0 <= TIMEOUT; t += check) {
      assertThat(h.check(t))
          .as("at %d ms", (t - T0) / MS)
          .isEqualTo(HeartbeatDeadline.Verdict.NONE);
    }
    assertThat(h.awaiting()).isFalse();
    h.accept(T0 + 3 * check);
    assertThat(h.check(T0 + 4 * check)).isEqualTo(HeartbeatDeadline.Verdict.NONE);
    long late = T0 + 3 * check + TIMEOUT + 1;
    assertThat(h.check(late)).isEqualTo(HeartbeatDeadline.Verdict.TIMEOUT);
  }
}
