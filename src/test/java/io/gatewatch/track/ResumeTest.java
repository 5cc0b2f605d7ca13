package io.gatewatch.track;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Resume outcomes and reconnect episodes, linked by session id and by token fingerprint. */
class ResumeTest {

  /** A session on socket a that ends at 1,000 ms with {@code code}. */
  private static Script sessionEndingWith(int code) {
    return new Script().session("a", "tok", "s1", 0).at(1000).close("a", code, "server");
  }

  @Test
  void resumedIsASuccessAndOneEpisodeViaResume() {
    Script s =
        sessionEndingWith(4009)
            .at(1200)
            .open("b")
            .at(1201)
            .server("b", Script.hello())
            .at(1210)
            .client("b", Script.resume("tok", "s1", 1))
            .at(1300)
            .server("b", Script.dispatch(2))
            .at(1350)
            .server("b", Script.resumed(3));

    assertThat(s.resumes(ResumeOutcome.SUCCESS)).isEqualTo(1);
    assertThat(s.tally.resumesTotal()).isEqualTo(1);
    assertThat(s.tally.reconnects()).containsExactly(350_000_000L);
    assertThat(s.timerCount("gateway.reconnect.duration", "via", "resume")).isEqualTo(1);
    assertThat(s.timerTotalMs("gateway.reconnect.duration", "via", "resume")).isEqualTo(350);
    assertThat(s.count("gateway.ready", "via", "resume")).isEqualTo(1);
    assertThat(s.count("gateway.ready", "via", "identify")).isEqualTo(1);
    assertThat(s.series("gateway_sessions_active"))
        .containsExactly("gateway_sessions_active{gateway=\"test\",source=\"replay\"} 1.0");
    s.assertNoViolations();
  }

  @Test
  void aRESUMEDReplayedAmongTheMissedEventsEstablishesNoSecondSession() {
    Script s =
        sessionEndingWith(4009)
            .at(1200)
            .open("b")
            .server("b", Script.hello())
            .at(1210)
            .client("b", Script.resume("tok", "s1", 1))
            .at(1300)
            .server("b", Script.resumed(2)) // an earlier RESUMED, replayed
            .at(1301)
            .server("b", Script.resumed(3));

    assertThat(s.count("gateway.ready", "via", "resume")).isEqualTo(1);
    assertThat(s.resumes(ResumeOutcome.SUCCESS)).isEqualTo(1);
    assertThat(s.tally.reconnects()).containsExactly(300_000_000L);
    assertThat(s.series("gateway_sessions_active"))
        .containsExactly("gateway_sessions_active{gateway=\"test\",source=\"replay\"} 1.0");
  }

  @Test
  void invalidSessionThenIdentifyOnTheSameSocketIsOneEpisodeViaIdentify() {
    Script s =
        sessionEndingWith(1006)
            .at(2000)
            .open("b")
            .server("b", Script.hello())
            .at(2010)
            .client("b", Script.resume("tok", "s1", 5))
            .at(2020)
            .server("b", Script.invalidSession())
            .at(5000)
            .client("b", Script.identify("tok"))
            .at(5100)
            .server("b", Script.ready("s2"));

    assertThat(s.resumes(ResumeOutcome.INVALID_SESSION)).isEqualTo(1);
    assertThat(s.count("gateway.invalid.session")).isEqualTo(1);
    assertThat(s.tally.reconnects()).containsExactly(4_100_000_000L);
    assertThat(s.timerCount("gateway.reconnect.duration", "via", "identify")).isEqualTo(1);
    assertThat(s.timerCount("gateway.reconnect.duration", "via", "resume")).isZero();
    s.assertNoViolations();
  }

  @Test
  void anEpisodeSpansFailedAttempts() {
    // docs/design.md's example: the session socket ends at t0, a Resume on a second socket fails
    // with
    // 4007, the client Identifies on a third socket and gets READY at t1: one episode of t1 - t0.
    Script s =
        sessionEndingWith(4009)
            .at(1500)
            .open("b")
            .server("b", Script.hello())
            .at(1510)
            .client("b", Script.resume("tok", "s1", 99))
            .at(1520)
            .close("b", 4007, "server")
            .at(4000)
            .open("c")
            .server("c", Script.hello())
            .at(4010)
            .client("c", Script.identify("tok"))
            .at(4500)
            .server("c", Script.ready("s2"));

    assertThat(s.resumes(ResumeOutcome.INVALID_SEQUENCE)).isEqualTo(1);
    assertThat(s.tally.reconnects()).containsExactly(3_500_000_000L);
    assertThat(s.timerCount("gateway.reconnect.duration", "via", "identify")).isEqualTo(1);
  }

  @Test
  void resumeRefusedWith4004IsAuthFailed() {
    Script s =
        sessionEndingWith(4000)
            .at(1100)
            .open("b")
            .client("b", Script.resume("other-token", "s1", 1))
            .at(1110)
            .close("b", 4004, "server");

    assertThat(s.resumes(ResumeOutcome.AUTH_FAILED)).isEqualTo(1);
    assertThat(s.tally.resumesTotal()).isEqualTo(1);
  }

  @Test
  void resumeEndedByAnyOtherCloseIsClosed() {
    Script s =
        sessionEndingWith(4000)
            .at(1100)
            .open("b")
            .client("b", Script.resume("tok", "s1", 1))
            .at(1110)
            .drop("b");

    assertThat(s.resumes(ResumeOutcome.CLOSED)).isEqualTo(1);
  }

  @Test
  void unansweredResumeTimesOutAfterTheResumeTimeout() {
    Script s =
        sessionEndingWith(4000)
            .at(1100)
            .open("b")
            .client("b", Script.resume("tok", "s1", 1))
            .at(1100 + 29_999)
            .client("b", Script.heartbeat(1L));

    assertThat(s.resumes(ResumeOutcome.TIMEOUT)).isZero();

    s.at(1100 + 30_000 + 1000).client("b", Script.heartbeat(1L));

    assertThat(s.resumes(ResumeOutcome.TIMEOUT)).isEqualTo(1);
    assertThat(s.tally.resumesTotal()).isEqualTo(1);
  }

  @Test
  void reconnectLinksByTokenFingerprintWhenTheClientIdentifiesAgain() {
    Script s = sessionEndingWith(4009).session("b", "tok", "s2", 3000);

    assertThat(s.tally.reconnects()).containsExactly(2_050_000_000L);
    assertThat(s.timerCount("gateway.reconnect.duration", "via", "identify")).isEqualTo(1);
  }

  @Test
  void timestampsThatGoBackwardsMakeNoEpisode() {
    // the same session again at earlier times than its end: a capture posted to ingest twice
    Script s =
        sessionEndingWith(4009)
            .at(500)
            .open("b")
            .at(501)
            .server("b", Script.hello())
            .at(510)
            .client("b", Script.resume("tok", "s1", 1))
            .at(550)
            .server("b", Script.resumed(3));

    assertThat(s.tally.reconnects()).isEmpty();
    assertThat(s.timerCount("gateway.reconnect.duration", "via", "resume")).isZero();
  }

  @Test
  void anotherTokenIsAnotherClientAndNoReconnect() {
    Script s = sessionEndingWith(4009).session("b", "someone-else", "s2", 3000);

    assertThat(s.tally.reconnects()).isEmpty();
  }

  @Test
  void shardsOfOneTokenAreSeparateClients() {
    String shard0 = "{\"op\":2,\"d\":{\"token\":\"bot\",\"shard\":[0,2]}}";
    String shard1 = "{\"op\":2,\"d\":{\"token\":\"bot\",\"shard\":[1,2]}}";
    Script s =
        new Script()
            .at(0)
            .open("a")
            .client("a", shard0)
            .at(10)
            .server("a", Script.ready("s0"))
            .at(20)
            .open("b")
            .client("b", shard1)
            .at(30)
            .server("b", Script.ready("s1"))
            .at(1000)
            .close("a", 4009, "server")
            .at(1500)
            .open("c")
            .client("c", shard1.replace("[1,2]", "[0,2]"))
            .at(1600)
            .server("c", Script.ready("s2"));

    assertThat(s.tally.reconnects()).containsExactly(600_000_000L);
  }

  @Test
  void aSessionPastTheLinkWindowIsNotAReconnect() {
    Script s =
        new Script(TrackerSettings.DEFAULTS.withLinkWindow(Duration.ofSeconds(60)))
            .session("a", "tok", "s1", 0)
            .at(1000)
            .close("a", 4009, "server")
            .session("b", "tok", "s2", 1000 + 60_001);

    assertThat(s.tally.reconnects()).isEmpty();
    assertThat(s.tally.abandoned()).isEqualTo(1);
  }

  @Test
  void aSessionJustInsideTheLinkWindowIsAReconnect() {
    Script s =
        new Script(TrackerSettings.DEFAULTS.withLinkWindow(Duration.ofSeconds(60)))
            .session("a", "tok", "s1", 0)
            .at(1000)
            .close("a", 4009, "server")
            .session("b", "tok", "s2", 1000 + 59_950 - 50);

    assertThat(s.tally.reconnects()).containsExactly(59_950_000_000L);
  }

  @Test
  void aSecondConcurrentSessionOfTheSameTokenIsNoReconnect() {
    Script s = new Script().session("a", "tok", "s1", 0).session("b", "tok", "s2", 100);

    assertThat(s.tally.reconnects()).isEmpty();
    assertThat(s.series("gateway_sessions_active"))
        .containsExactly("gateway_sessions_active{gateway=\"test\",source=\"replay\"} 2.0");
  }

  @Test
  void twoSessionsOfOneTokenIdentifyingAtOnceAreTwoClients() {
    // both Identify before either gets READY (a bot opening two sessions together)
    Script s =
        new Script()
            .at(0)
            .open("a")
            .open("b")
            .server("a", Script.hello())
            .server("b", Script.hello())
            .at(10)
            .client("a", Script.identify("tok"))
            .at(20)
            .client("b", Script.identify("tok"))
            .at(60)
            .server("a", Script.ready("s1"))
            .at(70)
            .server("b", Script.ready("s2"));

    assertThat(s.tally.reconnects()).isEmpty();
    assertThat(s.count("gateway.ready", "via", "identify")).isEqualTo(2);
    assertThat(s.series("gateway_sessions_active"))
        .containsExactly("gateway_sessions_active{gateway=\"test\",source=\"replay\"} 2.0");
    s.assertNoViolations();
  }

  @Test
  void opSevenThenCloseFourThousandThenResume() {
    Script s =
        new Script()
            .session("a", "tok", "s1", 0)
            .at(5000)
            .server("a", Script.reconnect())
            .at(5001)
            .close("a", 4000, "server")
            .at(6001)
            .open("b")
            .client("b", Script.resume("tok", "s1", 1))
            .at(6100)
            .server("b", Script.resumed(2));

    assertThat(s.count("gateway.reconnect.requests")).isEqualTo(1);
    assertThat(s.tally.reconnects()).containsExactly(1_099_000_000L);
    assertThat(s.resumes(ResumeOutcome.SUCCESS)).isEqualTo(1);
  }

  // ---- episodes counted when they start (gateway_reconnect_started_total) ----

  private static double started(Script s) {
    return s.count("gateway.reconnect.started");
  }

  private static long finished(Script s) {
    return s.timerCount("gateway.reconnect.duration", "via", "resume")
        + s.timerCount("gateway.reconnect.duration", "via", "identify");
  }

  @Test
  void anEpisodeIsCountedWhenTheSessionSocketEndsBeforeAnyReconnect() {
    Script s = sessionEndingWith(1006);

    // a client that has not got back in (yet, or ever) already shows
    assertThat(started(s)).isEqualTo(1);
    assertThat(finished(s)).isZero();

    s.at(1200)
        .open("b")
        .client("b", Script.resume("tok", "s1", 1))
        .at(1300)
        .server("b", Script.resumed(2));

    assertThat(started(s)).isEqualTo(1);
    assertThat(finished(s)).isEqualTo(1);
  }

  @Test
  void socketsThatNeverHeldASessionStartNoEpisode() {
    Script s =
        new Script()
            .at(0)
            .open("a")
            .server("a", Script.hello())
            .at(10)
            .client("a", Script.identify("bad"))
            .at(20)
            .close("a", 4004, "server")
            .at(30)
            .open("b")
            .at(40)
            .close("b", 4012, "server");

    assertThat(started(s)).isZero();
  }

  @Test
  void theFailedAttemptsOfAnEpisodeStartNoFurtherEpisode() {
    Script s =
        sessionEndingWith(4009)
            .at(1500)
            .open("b")
            .client("b", Script.resume("tok", "s1", 99))
            .at(1520)
            .close("b", 4007, "server")
            .at(4000)
            .open("c")
            .client("c", Script.identify("tok"))
            .at(4500)
            .server("c", Script.ready("s2"));

    assertThat(started(s)).isEqualTo(1);
    assertThat(finished(s)).isEqualTo(1);
  }

  @Test
  void opNineOnASessionSocketStartsAnEpisodeAndItsCloseNoSecond() {
    Script s =
        new Script()
            .session("a", "tok", "s1", 0)
            .at(1000)
            .server("a", Script.invalidSession())
            .at(1100)
            .close("a", 4009, "server");

    assertThat(started(s)).isEqualTo(1);
    assertThat(finished(s)).isZero();
  }

  @Test
  void aSessionTakenOverByALaterSocketStartsAndFinishesOneEpisode() {
    // socket a still looks open when b resumes its session: b takes it over
    Script s =
        new Script()
            .session("a", "tok", "s1", 0)
            .at(2000)
            .open("b")
            .client("b", Script.resume("tok", "s1", 1))
            .at(2100)
            .server("b", Script.resumed(2))
            .at(2200)
            .close("a", 1006, "none");

    assertThat(started(s)).isEqualTo(1);
    assertThat(finished(s)).isEqualTo(1);
    assertThat(s.tally.reconnects()).containsExactly(100_000_000L);
  }

  @Test
  void aClientThatNeverReturnsStaysStartedAndIsGivenUpPastTheLinkWindow() {
    Script s =
        new Script(TrackerSettings.DEFAULTS.withLinkWindow(Duration.ofSeconds(60)))
            .session("a", "tok", "s1", 0)
            .at(1000)
            .close("a", 1000, "client")
            .session("b", "tok", "s2", 1000 + 60_001);

    assertThat(started(s)).isEqualTo(1);
    assertThat(finished(s)).isZero();
    assertThat(s.tally.abandoned()).isEqualTo(1);
  }
}
