package io.gatewatch.track;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Each policy rule fires once where it should and not where it should not. */
class PolicyTest {

  private static void assertOnly(Script s, PolicyRule rule, double times) {
    for (PolicyRule r : PolicyRule.values()) {
      assertThat(s.violations(r)).as(r.label()).isEqualTo(r == rule ? times : 0.0);
    }
  }

  @Test
  void resumeAfterNonResumableClose() {
    Script s =
        new Script()
            .session("a", "tok", "s1", 0)
            .at(1000)
            .close("a", 4007, "server")
            .at(2000)
            .open("b")
            .client("b", Script.resume("tok", "s1", 1));
    assertOnly(s, PolicyRule.RESUME_AFTER_NON_RESUMABLE, 1);
  }

  @Test
  void resumeAfterResumableCloseIsFine() {
    Script s =
        new Script()
            .session("a", "tok", "s1", 0)
            .at(1000)
            .close("a", 4009, "server")
            .at(2000)
            .open("b")
            .client("b", Script.resume("tok", "s1", 1));
    s.assertNoViolations();
  }

  @Test
  void resumeAfterAFailedResumeWith4007IsAViolation() {
    Script s =
        new Script()
            .session("a", "tok", "s1", 0)
            .at(1000)
            .close("a", 4009, "server")
            .at(2000)
            .open("b")
            .client("b", Script.resume("tok", "s1", 99))
            .at(2010)
            .close("b", 4007, "server")
            .at(3000)
            .open("c")
            .client("c", Script.resume("tok", "s1", 99));
    assertOnly(s, PolicyRule.RESUME_AFTER_NON_RESUMABLE, 1);
  }

  @Test
  void reconnectWithinSixtySecondsOfRateLimit() {
    Script s =
        new Script()
            .session("a", "tok", "s1", 0)
            .at(1000)
            .close("a", 4008, "server")
            .session("b", "tok", "s2", 1000 + 59_999);
    assertOnly(s, PolicyRule.RECONNECT_TOO_SOON_AFTER_RATE_LIMIT, 1);
  }

  @Test
  void reconnectSixtySecondsAfterRateLimitIsFine() {
    Script s =
        new Script()
            .session("a", "tok", "s1", 0)
            .at(1000)
            .close("a", 4008, "server")
            .session("b", "tok", "s2", 1000 + 60_000);
    s.assertNoViolations();
  }

  @Test
  void identifyWithTheSameTokenAfter4004() {
    Script s =
        new Script()
            .at(0)
            .open("a")
            .client("a", Script.identify("bad"))
            .at(10)
            .close("a", 4004, "server")
            .at(1000)
            .open("b")
            .client("b", Script.identify("bad"))
            .at(1010)
            .close("b", 4004, "server");
    assertOnly(s, PolicyRule.RETRY_UNCHANGED_AFTER_FATAL, 1);
  }

  @Test
  void identifyWithANewTokenAfter4004IsFine() {
    Script s =
        new Script()
            .at(0)
            .open("a")
            .client("a", Script.identify("bad"))
            .at(10)
            .close("a", 4004, "server")
            .session("b", "good", "s1", 1000);
    s.assertNoViolations();
  }

  @Test
  void heartbeatMoreThanAQuarterIntervalLate() {
    // fluxer-seed: heartbeat_grace 0.25, so late means more than 51,562.5 ms after the last one
    Script s =
        new Script()
            .session("c", "tok", "s1", 0)
            .at(1 + 41_250)
            .client("c", Script.heartbeat(1L))
            .server("c", Script.ack())
            .at(1 + 41_250 + 51_562)
            .client("c", Script.heartbeat(1L))
            .server("c", Script.ack())
            .at(1 + 41_250 + 51_562 + 51_563)
            .client("c", Script.heartbeat(1L));
    assertOnly(s, PolicyRule.HEARTBEAT_LATE, 1);
  }

  @Test
  void serverHeartbeatRequestUnansweredBeforeTheNextRequestAndBeforeTheClose() {
    Script s =
        new Script()
            .session("c", "tok", "s1", 0)
            .at(37_125)
            .server("c", Script.heartbeatRequest())
            .at(37_125 + 13_750)
            .server("c", Script.heartbeatRequest())
            .at(55_000)
            .close("c", 4009, "server");
    assertOnly(s, PolicyRule.SERVER_HEARTBEAT_UNANSWERED, 2);
  }

  @Test
  void answeredServerHeartbeatRequestIsFine() {
    Script s =
        new Script()
            .session("c", "tok", "s1", 0)
            .at(37_125)
            .server("c", Script.heartbeatRequest())
            .at(37_130)
            .client("c", Script.heartbeat(1L))
            .at(37_140)
            .server("c", Script.ack())
            .at(40_000)
            .close("c", 1000, "client");
    s.assertNoViolations();
  }

  @Test
  void identifyTwiceOnOneSocket() {
    Script s =
        new Script().session("c", "tok", "s1", 0).at(100).client("c", Script.identify("tok"));
    assertOnly(s, PolicyRule.IDENTIFY_TWICE, 1);
  }

  @Test
  void identifyAgainAfterInvalidSessionIsFine() {
    Script s =
        new Script()
            .at(0)
            .open("c")
            .client("c", Script.identify("tok"))
            .at(10)
            .server("c", Script.invalidSession())
            .at(3000)
            .client("c", Script.identify("tok"))
            .at(3050)
            .server("c", Script.ready("s1"));
    s.assertNoViolations();
  }

  @Test
  void clientPayloadOverTheLimit() {
    String big = "{\"op\":3,\"d\":{\"status\":\"" + "x".repeat(4096) + "\"}}";
    String justUnder = "{\"op\":3,\"d\":{\"s\":\"" + "x".repeat(4096 - 21) + "\"}}";
    assertThat(justUnder.length()).isEqualTo(4096);
    Script s =
        new Script()
            .session("c", "tok", "s1", 0)
            .at(100)
            .client("c", big)
            .client("c", justUnder)
            .server(
                "c", "{\"op\":0,\"s\":2,\"t\":\"X\",\"d\":{\"a\":\"" + "y".repeat(9000) + "\"}}");
    assertOnly(s, PolicyRule.PAYLOAD_TOO_LARGE, 1);
  }
}
