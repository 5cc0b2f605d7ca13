package io.gatewatch.track;

import static io.gatewatch.track.Script.hello;
import static io.gatewatch.track.Script.identifyAs;
import static io.gatewatch.track.Script.identifyWithoutProperties;
import static io.gatewatch.track.Script.invalidSession;
import static io.gatewatch.track.Script.ready;
import static io.gatewatch.track.Script.resume;
import static io.gatewatch.track.Script.resumed;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.track.Replicas.Late;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every number by client library lands on the library of the socket's Identify; a socket that only
 * Resumes takes the session's, from this tracker's Correlator or from another tracker through the
 * shared directory, and signals that wait for that answer go out once it came.
 */
class ClientAttributionTest {
  static final TrackerSettings SETTINGS = TrackerSettings.DEFAULTS;
  static final String VIOLATIONS = "gateway.client.violations";
  static final String RESUMES = "gateway.client.resume";
  static final String READY = "gateway.client.ready";
  static final String EPISODES = "gateway.client.reconnect.duration";

  /** A client frame over fluxer-seed's 4096 bytes. */
  static final String OVERSIZED = "{\"op\":1,\"d\":null,\"pad\":\"" + "x".repeat(5000) + "\"}";

  @Test
  void violationsLandOnTheClientOfTheSocketsIdentify() {
    Script s = new Script();
    s.session("a1", "valid-A", "S1", 0);
    s.at(60).client("a1", identifyAs("valid-A", "@discordjs/ws 2.0.4")); // named after READY
    s.at(100).open("b1").at(101).server("b1", hello());
    s.at(105).client("b1", identifyAs("valid-B", "@discordjs/ws 2.0.4"));
    s.at(150).server("b1", ready("S2")).at(160).client("b1", identifyAs("valid-B", "x"));
    s.at(200).open("c1").at(201).server("c1", hello());
    s.at(205).client("c1", identifyAs("valid-C", "Chromebook")).at(210).client("c1", OVERSIZED);
    s.at(300).open("d1").at(301).server("d1", hello());
    s.at(305).client("d1", identifyWithoutProperties("valid-D")).at(350).server("d1", ready("S4"));
    s.at(360).client("d1", identifyWithoutProperties("valid-D"));

    assertThat(s.byClient(VIOLATIONS, "rule"))
        .isEqualTo(
            Map.of(
                // a1's first Identify named no library it recognised: the second one names it
                "discord.js/identify_twice", 1.0,
                // b1 named discord.js first; its second Identify names "x" (other) and wins
                "other/identify_twice", 1.0,
                "other/payload_too_large", 1.0,
                "unknown/identify_twice", 1.0));
    assertThat(s.violations(PolicyRule.IDENTIFY_TWICE)).isEqualTo(3);
    assertThat(s.byClient(READY, "via"))
        .isEqualTo(
            Map.of("other/identify", 1.0, "discord.js/identify", 1.0, "unknown/identify", 1.0));
  }

  @Test
  void hostilePropertiesAreOtherAndNeverReachTheScrape() {
    String tokenLike = "MTA4NjQ5NzE2NjQ5OTk5MzYwMA.GhJk1a.secretsecretsecretsecret";
    Script s = new Script();
    s.at(0).open("a1").at(1).server("a1", hello());
    s.at(5).client("a1", identifyAs("valid-A", "Chrome" + "A".repeat(10 * 1024)));
    s.at(50).server("a1", ready("S1"));
    s.at(100).open("b1").at(101).server("b1", hello());
    s.at(105).client("b1", identifyAs("valid-B", "\\u0000\\u001b[31m\\r\\n" + tokenLike));
    s.at(150).server("b1", ready("S2"));

    // a1's Identify is over the payload limit too: that violation is its library's as well
    assertThat(s.byClient(READY, "via")).isEqualTo(Map.of("other/identify", 2.0));
    assertThat(s.byClient(VIOLATIONS, "rule")).isEqualTo(Map.of("other/payload_too_large", 1.0));
    String scrape = s.registry.scrape();
    assertThat(scrape).doesNotContain(tokenLike).doesNotContain("AAAAAAAA").doesNotContain("[31m");
  }

  @Test
  void aResumeItsOutcomeAndItsEpisodeAreTheLibraryOfTheSessionsIdentify() {
    Script s = new Script();
    s.at(0).open("a1").at(1).server("a1", hello()).at(5).client("a1", identifyAs("valid-A", "JDA"));
    s.at(50).server("a1", ready("S1")).at(1000).close("a1", 4000, "server");
    // the Resume names no library: the session's is inherited
    s.at(1001).open("a2").at(1002).server("a2", hello()).at(1010);
    s.client("a2", resume("valid-A", "S1", 1)).at(1100).server("a2", resumed(1));
    // a non-resumable close, a Resume anyway (op 9), then an Identify that names the library again
    s.at(2000).close("a2", 4013, "server");
    s.at(2010).open("a3").at(2011).server("a3", hello()).at(2020);
    s.client("a3", resume("valid-A", "S1", 1)).at(2030).server("a3", invalidSession());
    s.at(2040).client("a3", identifyAs("valid-A", "JDA")).at(2300).server("a3", ready("S2"));

    assertThat(s.byClient(RESUMES, "outcome"))
        .isEqualTo(Map.of("jda/success", 1.0, "jda/invalid_session", 1.0));
    assertThat(s.byClient(READY, "via")).isEqualTo(Map.of("jda/identify", 2.0, "jda/resume", 1.0));
    assertThat(s.byClient(VIOLATIONS, "rule"))
        .isEqualTo(Map.of("jda/resume_after_non_resumable", 1.0));
    assertThat(s.byClient(EPISODES, null)).isEqualTo(Map.of("jda", 2.0));
    assertThat(s.timerTotalMs(EPISODES, "client", "jda")).isEqualTo(100 + 300);
    // the families without the label count the same
    assertThat(s.resumes(ResumeOutcome.SUCCESS)).isEqualTo(1);
    assertThat(s.resumes(ResumeOutcome.INVALID_SESSION)).isEqualTo(1);
    assertThat(s.timerCount("gateway.reconnect.duration", "via", "resume")).isEqualTo(1);
    assertThat(s.timerCount("gateway.reconnect.duration", "via", "identify")).isEqualTo(1);
  }

  @Test
  void aResumeOfASessionNobodySawIsUnknown() {
    Script s = new Script();
    s.at(0).open("a1").at(1).server("a1", hello()).at(5).client("a1", resume("valid-A", "S9", 3));
    s.at(50).server("a1", resumed(3)).at(60).client("a1", OVERSIZED);
    s.at(100).open("b1").at(101).server("b1", hello()).at(105);
    s.client("b1", resume("valid-B", "S8", 3)).at(110).server("b1", invalidSession());

    assertThat(s.byClient(RESUMES, "outcome"))
        .isEqualTo(Map.of("unknown/success", 1.0, "unknown/invalid_session", 1.0));
    assertThat(s.byClient(READY, "via")).isEqualTo(Map.of("unknown/resume", 1.0));
    assertThat(s.byClient(VIOLATIONS, "rule")).isEqualTo(Map.of("unknown/payload_too_large", 1.0));
    assertThat(s.byClient(EPISODES, null)).isEmpty();
  }

  @Test
  void aResumeOnAnotherReplicaInheritsTheLibraryThroughTheSharedDirectory() {
    InProcessDirectory shared = new InProcessDirectory(SETTINGS);
    Script a = new Script(SETTINGS, shared.view());
    Script b = new Script(SETTINGS, shared.view());
    a.at(0).open("a1").at(1).server("a1", hello());
    a.at(5).client("a1", identifyAs("valid-A", "discord.py")).at(50).server("a1", ready("S1"));
    a.at(1000).close("a1", 4000, "server");
    b.at(1001).open("a2").at(1002).server("a2", hello()).at(1010);
    b.client("a2", resume("valid-A", "S1", 1)).at(1100).server("a2", resumed(1));
    // the session ends on b with a non-resumable close; a Resume back on a breaks the rule
    b.at(2000).close("a2", 4013, "server");
    a.at(2010).open("a3").at(2011).server("a3", hello()).at(2020);
    a.client("a3", resume("valid-A", "S1", 1)).at(2030).server("a3", invalidSession());

    assertThat(b.byClient(RESUMES, "outcome")).isEqualTo(Map.of("discord.py/success", 1.0));
    assertThat(b.byClient(READY, "via")).isEqualTo(Map.of("discord.py/resume", 1.0));
    assertThat(b.byClient(EPISODES, null)).isEqualTo(Map.of("discord.py", 1.0));
    assertThat(b.timerTotalMs(EPISODES, "client", "discord.py")).isEqualTo(100);
    assertThat(b.byClient(VIOLATIONS, "rule")).isEmpty();
    assertThat(a.byClient(READY, "via")).isEqualTo(Map.of("discord.py/identify", 1.0));
    assertThat(a.byClient(RESUMES, "outcome")).isEqualTo(Map.of("discord.py/invalid_session", 1.0));
    assertThat(a.byClient(VIOLATIONS, "rule"))
        .isEqualTo(Map.of("discord.py/resume_after_non_resumable", 1.0));
    assertThat(a.byClient(EPISODES, null)).isEmpty();
  }

  @Test
  void aResumeOnAnotherReplicaWhileTheFirstSocketStillLooksOpenInheritsTheLibrary() {
    // the client's network changed: it resumes on b before a sees its old socket end
    InProcessDirectory shared = new InProcessDirectory(SETTINGS);
    Script a = new Script(SETTINGS, shared.view());
    Script b = new Script(SETTINGS, shared.view());
    a.at(0).open("a1").at(1).server("a1", hello());
    a.at(5).client("a1", identifyAs("valid-A", "JDA")).at(50).server("a1", ready("S1"));
    b.at(1001).open("a2").at(1002).server("a2", hello()).at(1010);
    b.client("a2", resume("valid-A", "S1", 1)).at(1100).server("a2", resumed(1));
    b.at(1200).client("a2", OVERSIZED);
    a.at(5000).drop("a1");

    assertThat(b.byClient(RESUMES, "outcome")).isEqualTo(Map.of("jda/success", 1.0));
    assertThat(b.byClient(READY, "via")).isEqualTo(Map.of("jda/resume", 1.0));
    assertThat(b.byClient(VIOLATIONS, "rule")).isEqualTo(Map.of("jda/payload_too_large", 1.0));
  }

  @Test
  void signalsHeldForALateAnswerGoOutOnceItCame() {
    InProcessDirectory shared = new InProcessDirectory(SETTINGS);
    Script a = new Script(SETTINGS, shared.view());
    Late late = new Late(shared.view());
    Script b = new Script(SETTINGS, late);
    a.at(0).open("a1").at(1).server("a1", hello());
    a.at(5).client("a1", identifyAs("valid-A", "Discord4J")).at(50).server("a1", ready("S1"));
    a.at(1000).close("a1", 4000, "server");
    b.at(1001).open("a2").at(1002).server("a2", hello()).at(1010);
    b.client("a2", resume("valid-A", "S1", 1)).at(1050).client("a2", OVERSIZED);
    b.at(1100).server("a2", resumed(1));

    // nothing that names the library went out, in either family: it waits for the answer
    assertThat(b.byClient(RESUMES, "outcome")).isEmpty();
    assertThat(b.byClient(READY, "via")).isEmpty();
    assertThat(b.byClient(VIOLATIONS, "rule")).isEmpty();
    assertThat(b.resumes(ResumeOutcome.SUCCESS)).isZero();
    assertThat(b.violations(PolicyRule.PAYLOAD_TOO_LARGE)).isZero();
    assertThat(late.pending).isNotEmpty();

    late.answer();
    assertThat(b.byClient(RESUMES, "outcome")).isEqualTo(Map.of("discord4j/success", 1.0));
    assertThat(b.byClient(READY, "via")).isEqualTo(Map.of("discord4j/resume", 1.0));
    assertThat(b.byClient(VIOLATIONS, "rule"))
        .isEqualTo(Map.of("discord4j/payload_too_large", 1.0));
    assertThat(b.byClient(EPISODES, null)).isEqualTo(Map.of("discord4j", 1.0));
    assertThat(b.resumes(ResumeOutcome.SUCCESS)).isEqualTo(1);
    assertThat(b.violations(PolicyRule.PAYLOAD_TOO_LARGE)).isEqualTo(1);
    // once known, the socket's signals go out at once
    b.at(1200).client("a2", OVERSIZED);
    assertThat(b.byClient(VIOLATIONS, "rule"))
        .isEqualTo(Map.of("discord4j/payload_too_large", 2.0));
  }

  @Test
  void aLateAnswerThatKnowsNoLibraryReleasesTheHeldSignalsAsUnknown() {
    InProcessDirectory shared = new InProcessDirectory(SETTINGS);
    Late late = new Late(shared.view());
    Script b = new Script(SETTINGS, late);
    b.at(0).open("a1").at(1).server("a1", hello()).at(5).client("a1", resume("valid-A", "S9", 3));
    b.at(50).server("a1", resumed(3));
    assertThat(b.byClient(RESUMES, "outcome")).isEmpty();

    late.answer();
    assertThat(b.byClient(RESUMES, "outcome")).isEqualTo(Map.of("unknown/success", 1.0));
    assertThat(b.byClient(READY, "via")).isEqualTo(Map.of("unknown/resume", 1.0));
  }

  @Test
  void atMost64SignalsWaitForTheLibraryTheRestGoOutAsUnknown() {
    InProcessDirectory shared = new InProcessDirectory(SETTINGS);
    Script a = new Script(SETTINGS, shared.view());
    Late late = new Late(shared.view());
    Script b = new Script(SETTINGS, late);
    a.at(0).open("a1").at(1).server("a1", hello());
    a.at(5).client("a1", identifyAs("valid-A", "JDA")).at(50).server("a1", ready("S1"));
    a.at(1000).close("a1", 4000, "server");
    b.at(1001).open("a2").at(1002).server("a2", hello()).at(1010);
    b.client("a2", resume("valid-A", "S1", 1));
    for (int i = 0; i < 70; i++) {
      b.at(1020 + i).client("a2", OVERSIZED);
    }
    assertThat(b.byClient(VIOLATIONS, "rule")).isEqualTo(Map.of("unknown/payload_too_large", 6.0));

    late.answer();
    assertThat(b.byClient(VIOLATIONS, "rule"))
        .isEqualTo(Map.of("jda/payload_too_large", 64.0, "unknown/payload_too_large", 6.0));
  }
}
