package io.gatewatch.track;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.protocol.ProfileLoader;
import org.junit.jupiter.api.Test;

/**
 * What real clients do by the book, rule by rule, must raise no violation: timer drift and jitter,
 * the first heartbeat's random delay, requests crossing a heartbeat, drains right after a request,
 * Identify retried after a silent drop, shards of one bot identifying together, a client's own 1000
 * or an unknown close code before a Resume, profiles that ask for no wait after 4008. Each case is
 * what docs/metrics.md ("Policy rules") says does not fire.
 */
class PolicyFalsePositiveTest {
  private static final int INTERVAL = 41_250;

  private static Script discord() {
    return new Script(ProfileLoader.load("discord"), TrackerSettings.DEFAULTS);
  }

  // ---- heartbeat_late ----

  @Test
  void aSetIntervalTimerThatDriftsAFewMillisecondsPerBeatIsNeverLate() {
    Script s = new Script().session("c", "tok", "s1", 0);
    double t = 1 + INTERVAL * 0.37; // the first beat after a random jitter
    for (int beat = 0; beat < 30; beat++) {
      s.at(t).client("c", Script.heartbeat(1L)).at(t + 40).server("c", Script.ack());
      t += INTERVAL + 3 + (beat % 4); // setInterval fires 3-6 ms late every time
    }
    s.assertNoViolations();
  }

  @Test
  void jitterOfTenPercentEitherWayIsNotLate() {
    Script s = new Script().session("c", "tok", "s1", 0);
    double t = 1 + 1_000;
    for (int beat = 0; beat < 20; beat++) {
      s.at(t).client("c", Script.heartbeat(1L)).at(t + 30).server("c", Script.ack());
      t += INTERVAL * (beat % 2 == 0 ? 1.1 : 0.9);
    }
    s.assertNoViolations();
  }

  @Test
  void theFirstHeartbeatAfterHelloIsNeverLateHoweverLongItWaits() {
    Script s =
        new Script()
            .session("c", "tok", "s1", 0)
            .at(1 + 2.0 * INTERVAL)
            .client("c", Script.heartbeat(1L));
    s.assertNoViolations();
  }

  @Test
  void exactlyAtTheGraceIsNotLateOneMillisecondMoreIs() {
    Script s =
        new Script()
            .session("c", "tok", "s1", 0)
            .at(1_000)
            .client("c", Script.heartbeat(1L))
            .server("c", Script.ack())
            .at(1_000 + 1.25 * INTERVAL)
            .client("c", Script.heartbeat(1L))
            .server("c", Script.ack());
    s.assertNoViolations();
    s.at(1_000 + 2.5 * INTERVAL + 1).client("c", Script.heartbeat(1L));
    assertThat(s.violations(PolicyRule.HEARTBEAT_LATE)).isEqualTo(1);
  }

  @Test
  void aClientAnsweringTheServersRequestWithItsRegularBeatAFewMsLaterIsFine() {
    Script s =
        new Script()
            .session("c", "tok", "s1", 0)
            .at(1_000)
            .client("c", Script.heartbeat(1L))
            .server("c", Script.ack())
            .at(1_000 + 37_125)
            .server("c", Script.heartbeatRequest())
            .at(1_000 + 37_129) // not an answer: its own timer, which happened to fire now
            .client("c", Script.heartbeat(1L))
            .server("c", Script.ack());
    s.assertNoViolations();
    assertThat(s.timerCount("gateway.heartbeat.rtt", "kind", "server_request")).isEqualTo(1);
  }

  // ---- server_heartbeat_unanswered ----

  @Test
  void aRequestThatCrossedTheClientsHeartbeatOnTheWayIsAnsweredByIt() {
    Script s =
        new Script()
            .session("c", "tok", "s1", 0)
            .at(1_000)
            .client("c", Script.heartbeat(1L))
            .at(1_003) // the server asked before it had read the beat
            .server("c", Script.heartbeatRequest())
            .at(1_020)
            .server("c", Script.ack())
            .at(1_000 + INTERVAL)
            .client("c", Script.heartbeat(1L))
            .server("c", Script.ack())
            .at(1_000 + INTERVAL + 37_125)
            .server("c", Script.heartbeatRequest())
            .at(1_000 + INTERVAL + 37_130)
            .client("c", Script.heartbeat(1L))
            .server("c", Script.ack());
    s.assertNoViolations();
    // the crossed request has no answer time of its own: only the second one is measured
    assertThat(s.timerCount("gateway.heartbeat.rtt", "kind", "server_request")).isEqualTo(1);
    assertThat(s.timerTotalMs("gateway.heartbeat.rtt", "kind", "server_request")).isEqualTo(5);
  }

  @Test
  void aDrainRightAfterARequestLeavesNoTimeToAnswerIt() {
    Script s =
        new Script()
            .session("c", "tok", "s1", 0)
            .at(37_126)
            .server("c", Script.heartbeatRequest())
            .at(37_140)
            .server("c", Script.reconnect())
            .close("c", 4000, "server");
    s.assertNoViolations();
  }

  @Test
  void aClientClosingAtOnceAfterARequestIsNotUnanswered() {
    Script s =
        new Script()
            .session("c", "tok", "s1", 0)
            .at(37_126)
            .server("c", Script.heartbeatRequest())
            .at(37_226)
            .close("c", 1000, "client");
    s.assertNoViolations();
  }

  @Test
  void aRequestStillUnansweredAQuarterIntervalLaterAtTheCloseIs() {
    Script s =
        new Script()
            .session("c", "tok", "s1", 0)
            .at(37_126)
            .server("c", Script.heartbeatRequest())
            .at(37_126 + 0.25 * INTERVAL + 1)
            .close("c", 1000, "client");
    assertThat(s.violations(PolicyRule.SERVER_HEARTBEAT_UNANSWERED)).isEqualTo(1);
  }

  // ---- identify_twice ----

  @Test
  void identifyRetriedWhileReadyIsAwaitedIsNotTwice() {
    // a gateway over its Identify budget drops the Identify silently; the client tries again
    Script s =
        new Script()
            .at(0)
            .open("c")
            .at(1)
            .server("c", Script.hello())
            .at(5)
            .client("c", Script.identify("tok"))
            .at(5_005)
            .client("c", Script.identify("tok"))
            .at(5_050)
            .server("c", Script.ready("s1"));
    s.assertNoViolations();
  }

  @Test
  void identifyAfterAResumeSucceededIsTwice() {
    Script s =
        new Script()
            .session("a", "tok", "s1", 0)
            .at(1_000)
            .drop("a")
            .at(2_000)
            .open("b")
            .client("b", Script.resume("tok", "s1", 1))
            .at(2_050)
            .server("b", Script.resumed(2))
            .at(2_100)
            .client("b", Script.identify("tok"));
    assertThat(s.violations(PolicyRule.IDENTIFY_TWICE)).isEqualTo(1);
  }

  // ---- retry_unchanged_after_fatal ----

  @Test
  void shardsOfOneBotIdentifyingTogetherWithARevokedTokenAreNotRetrying() {
    Script s =
        new Script()
            .at(0)
            .open("shard0")
            .open("shard1")
            .client("shard0", identifyShard("revoked", 0, 2))
            .at(10)
            .close("shard0", 4004, "server")
            .at(12) // sent on a socket that was open before the first 4004 came back
            .client("shard1", identifyShard("revoked", 1, 2))
            .at(20)
            .close("shard1", 4004, "server");
    s.assertNoViolations();
  }

  @Test
  void identifyAfterA4004ThatRefusedAResumeIsTheCure() {
    // Fluxer: 4004 on a Resume may mean that the token does not own that session
    Script s =
        new Script()
            .session("a", "tok", "s1", 0)
            .at(1_000)
            .drop("a")
            .at(2_000)
            .open("b")
            .client("b", Script.resume("tok", "other-users-session", 1))
            .at(2_010)
            .close("b", 4004, "server")
            .session("c", "tok", "s2", 3_000);
    assertThat(s.violations(PolicyRule.RETRY_UNCHANGED_AFTER_FATAL)).isZero();
  }

  // ---- reconnect_too_soon_after_rate_limit ----

  @Test
  void discordAndCurrentFluxerAskForNoWaitAfter4008() {
    for (Script s :
        new Script[] {
          discord(), new Script(ProfileLoader.load("fluxer-current"), TrackerSettings.DEFAULTS)
        }) {
      s.session("a", "tok", "s1", 0)
          .at(1_000)
          .close("a", 4008, "server")
          .at(1_500)
          .open("b")
          .client("b", Script.resume("tok", "s1", 1))
          .at(1_550)
          .server("b", Script.resumed(2));
      s.assertNoViolations();
    }
  }

  @Test
  void aSocketOpenedBeforeThe4008IsNotAReconnectAfterIt() {
    Script s =
        new Script()
            .session("a", "tok", "s1", 0)
            .at(500)
            .open("b") // the client's next socket, opened while the old one still ran
            .at(1_000)
            .close("a", 4008, "server")
            .at(1_100)
            .client("b", Script.identify("tok"))
            .at(1_150)
            .server("b", Script.ready("s2"));
    s.assertNoViolations();
  }

  // ---- resume_after_non_resumable ----

  @Test
  void aClientsOwn1000ThenAResumeOnFluxerIsFine() {
    Script s =
        new Script()
            .session("a", "tok", "s1", 0)
            .at(1_000)
            .close("a", 1000, "client")
            .at(1_100)
            .open("b")
            .client("b", Script.resume("tok", "s1", 1))
            .at(1_150)
            .server("b", Script.resumed(2));
    s.assertNoViolations();
  }

  @Test
  void discordJsClosingWith4200ToResumeIsFine() {
    // @discordjs/ws closes with its own 4200 ("Resuming") when told to reconnect, then Resumes
    Script s =
        discord()
            .session("a", "tok", "s1", 0)
            .at(1_000)
            .server("a", Script.reconnect())
            .at(1_002)
            .close("a", 4200, "client")
            .at(1_100)
            .open("b")
            .client("b", Script.resume("tok", "s1", 1))
            .at(1_150)
            .server("b", Script.resumed(2));
    s.assertNoViolations();
  }

  @Test
  void discordClientClosingWith1000ThenResumingIsAnsweredNotFlagged() {
    // Discord: a client's own 1000 ends the session ("conditional"); the gateway's op 9 says so
    Script s =
        discord()
            .session("a", "tok", "s1", 0)
            .at(1_000)
            .close("a", 1000, "client")
            .at(1_100)
            .open("b")
            .client("b", Script.resume("tok", "s1", 1))
            .at(1_150)
            .server("b", Script.invalidSession());
    s.assertNoViolations();
  }

  private static String identifyShard(String token, int shard, int shards) {
    return "{\"op\":2,\"d\":{\"token\":\""
        + token
        + "\",\"shard\":["
        + shard
        + ","
        + shards
        + "],\"properties\":{\"os\":\"linux\",\"browser\":\"x\",\"device\":\"x\"}}}";
  }
}
