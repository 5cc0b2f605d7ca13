package io.gatewatch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatewatch.capture.CaptureParser;
import io.gatewatch.capture.CaptureTap;
import io.gatewatch.metrics.GatewayMetrics;
import io.gatewatch.metrics.Source;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.track.PolicyRule;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import io.gatewatch.track.Via;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * /api/summary after the bundled sample: the counts the registry holds (as /metrics writes them),
 * the report's known numbers, and percentiles from the buckets worked out by hand.
 */
class StatusSummaryTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode summary(StatusFixture f) throws Exception {
    return JSON.readTree(f.page.summary().toJson());
  }

  /** A sample's value in the Prometheus text that /metrics serves. */
  private static long scraped(StatusFixture f, String series) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    f.exposition.write(out, f.exposition.writerFor(null));
    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    String line =
        lines.stream()
            .filter(l -> l.startsWith(series + " "))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no " + series + " in /metrics"));
    return Math.round(Double.parseDouble(line.substring(series.length() + 1)));
  }

  @Test
  void theSamplesNumbersAreTheRegistrysNumbers() throws Exception {
    try (StatusFixture f = new StatusFixture().replayInSteps()) {
      JsonNode s = summary(f);
      JsonNode g = s.at("/gateways/0");
      String labels = "gateway=\"replay\",";

      assertThat(s.at("/generatedAt").asLong()).isEqualTo(StatusFixture.T0 + 20_000);
      assertThat(g.at("/source").asText()).isEqualTo("replay");
      assertThat(g.at("/gateway").asText()).isEqualTo("replay");

      // The report's numbers (ReplayCommandTest), and the registry's.
      assertThat(g.at("/resume/attempts").asLong()).isEqualTo(10);
      assertThat(g.at("/resume/successes").asLong())
          .isEqualTo(4)
          .isEqualTo(
              scraped(
                  f, "gateway_resume_total{" + labels + "outcome=\"success\",source=\"replay\"}"));
      assertThat(g.at("/resume/successRate").asDouble()).isEqualTo(0.4);
      assertThat(g.at("/resume/outcomes").toString())
          .isEqualTo(
              "{\"success\":4,\"auth_failed\":1,\"closed\":1,\"invalid_sequence\":2,"
                  + "\"invalid_session\":1,\"timeout\":1}");
      assertThat(g.at("/closes/total").asLong()).isEqualTo(21);
      assertThat(g.at("/closes/codes").toString())
          .contains(
              "{\"code\":\"4009\",\"name\":\"session_timeout\",\"resumable\":\"true\",\"server\":2,"
                  + "\"client\":0,\"none\":0,\"total\":2}",
              "{\"code\":\"4004\",\"name\":\"authentication_failed\",\"resumable\":\"false\","
                  + "\"server\":3,\"client\":0,\"none\":0,\"total\":3}",
              "{\"code\":\"1006\",\"name\":\"abnormal_closure\",\"resumable\":\"true\",\"server\":0,"
                  + "\"client\":0,\"none\":3,\"total\":3}");
      assertThat(g.at("/closes/codes/0/code").asText()).isEqualTo("1000"); // numeric order
      assertThat(g.at("/closes/codes/12/total").asLong())
          .isEqualTo(
              scraped(
                  f,
                  "gateway_close_total{code=\"4009\","
                      + labels
                      + "initiator=\"server\",name=\"session_timeout\",resumable=\"true\","
                      + "source=\"replay\"}"));

      assertThat(g.at("/reconnect/episodes").asLong()).isEqualTo(8);
      assertThat(g.at("/reconnect/viaIdentify").asLong()).isEqualTo(4);
      assertThat(g.at("/reconnect/viaResume").asLong())
          .isEqualTo(4)
          .isEqualTo(
              scraped(
                  f,
                  "gateway_reconnect_duration_seconds_count{"
                      + labels
                      + "source=\"replay\",via=\"resume\"}"));
      // Buckets 1:1 2:3 3:4 5:6 10:7 15:8 (cumulative). p50: rank 4 ends (2, 3] -> 3.0;
      // p95: rank 7.6 is 0.6 of the way through (10, 15] -> 13.0.
      assertThat(g.at("/reconnect/p50Seconds").asDouble()).isEqualTo(3.0);
      assertThat(g.at("/reconnect/p95Seconds").asDouble()).isEqualTo(13.0);
      assertThat(g.at("/reconnect/buckets/3").toString()).isEqualTo("{\"le\":\"1.0\",\"count\":1}");
      assertThat(g.at("/reconnect/buckets/13").toString())
          .isEqualTo("{\"le\":\"+Inf\",\"count\":0}");

      // Client round trips: 10 in (25, 50] ms, 3 in (50, 75] ms.
      // p50: rank 6.5 -> 25 + 25 * 6.5/10 = 41.25 ms; p95: rank 12.35 -> 50 + 25 * 2.35/3;
      // p99: rank 12.87 -> 50 + 25 * 2.87/3 (to the microsecond).
      assertThat(g.at("/heartbeat/count").asLong())
          .isEqualTo(13)
          .isEqualTo(
              scraped(
                  f,
                  "gateway_heartbeat_rtt_seconds_count{"
                      + labels
                      + "kind=\"client\",source=\"replay\"}"));
      assertThat(g.at("/heartbeat/p50Seconds").asDouble()).isEqualTo(0.04125);
      assertThat(g.at("/heartbeat/p95Seconds").asDouble()).isEqualTo(0.069583);
      assertThat(g.at("/heartbeat/p99Seconds").asDouble()).isEqualTo(0.073917);
      assertThat(g.at("/heartbeat/missed").asLong()).isEqualTo(1);
      assertThat(g.at("/heartbeat/serverRequestCount").asLong()).isEqualTo(1);

      assertThat(g.at("/violations/total").asLong()).isEqualTo(9);
      assertThat(g.at("/violations/rules/retry_unchanged_after_fatal").asLong()).isEqualTo(2);
      assertThat(g.at("/violations/rules/server_heartbeat_unanswered").asLong()).isEqualTo(2);

      // Every Identify of the sample names browser "gatewatch-sample": other. Carol's Resume of
      // sess-carol-0, a session the capture never saw established, names no library: unknown.
      assertThat(g.at("/clients").findValuesAsText("client")).containsExactly("other", "unknown");
      assertThat(g.at("/clients/0/sessions").asLong()).isEqualTo(14);
      assertThat(g.at("/clients/0/violations").asLong()).isEqualTo(8);
      assertThat(g.at("/clients/0/violationsPerSession").asDouble()).isEqualTo(8.0 / 14);
      assertThat(g.at("/clients/0/topRule").asText()).isEqualTo("server_heartbeat_unanswered");
      assertThat(g.at("/clients/0/resumeAttempts").asLong()).isEqualTo(9);
      assertThat(g.at("/clients/0/resumeFailures").asLong()).isEqualTo(5);
      assertThat(g.at("/clients/1/rules").toString())
          .isEqualTo("{\"retry_unchanged_after_fatal\":1}");
      assertThat(g.at("/clients/1/resumeFailures").asLong()).isEqualTo(1);
      assertThat(g.at("/worstClient").asInt()).isEqualTo(0); // unknown is never the worst

      assertThat(s.at("/agent/ready").asBoolean()).isTrue();
      assertThat(s.at("/agent/uptimeSeconds").asLong()).isEqualTo(20);
      assertThat(s.at("/agent/decodeErrors").asLong())
          .isEqualTo(1)
          .isEqualTo(scraped(f, "gatewatch_decode_errors_total{source=\"replay\"}"));
      assertThat(s.at("/agent/historyPoints").asInt()).isEqualTo(4);
      assertThat(s.at("/agent/historyCapacity").asInt()).isEqualTo(180);
    }
  }

  @Test
  void seriesAreDifferencesBetweenReadingsFromAZeroStart() throws Exception {
    try (StatusFixture f = new StatusFixture().replayInSteps()) {
      JsonNode series = summary(f).at("/gateways/0/series");

      assertThat(series.at("/t").toString())
          .isEqualTo("[1800000005000,1800000010000,1800000015000,1800000020000]");
      assertThat(series.at("/closes/4004").toString()).isEqualTo("[0,3,0,0]");
      assertThat(series.at("/closes/1006").toString()).isEqualTo("[0,1,1,1]");
      long total = 0;
      for (JsonNode code : series.at("/closes")) {
        for (JsonNode n : code) {
          total += n.asLong();
        }
      }
      assertThat(total).isEqualTo(21); // every close since the start, in some interval
      assertThat(series.at("/heartbeatP50Seconds/0").isNull()).isTrue(); // none before any
      assertThat(series.at("/heartbeatP50Seconds/3").asDouble()).isEqualTo(0.04125);
      assertThat(series.at("/sessionsActive").toString()).isEqualTo("[0,5,1,1]");
    }
  }

  @Test
  void percentilesOverTimeForgetWhatIsOlderThanTheWindow() throws Exception {
    try (StatusFixture f = new StatusFixture().replayInSteps()) {
      for (int i = 0; i < 12; i++) {
        f.tick(); // one minute of readings with no heartbeat
      }
      JsonNode p50 = summary(f).at("/gateways/0/series/heartbeatP50Seconds");

      assertThat(p50.size()).isEqualTo(16);
      assertThat(p50.get(14).isNull()).isFalse(); // its minute still holds the last samples
      assertThat(p50.get(15).isNull()).isTrue();
      assertThat(summary(f).at("/gateways/0/heartbeat/p50Seconds").asDouble()).isEqualTo(0.04125);
    }
  }

  @Test
  void theRingIsBoundedAndThenCountsFromItsOldestReading() throws Exception {
    try (StatusFixture f = new StatusFixture(3).replayInSteps()) {
      f.tick();
      JsonNode s = summary(f);

      assertThat(f.history.readings()).hasSize(3);
      assertThat(f.history.fromStart()).isFalse();
      assertThat(s.at("/agent/historyPoints").asInt()).isEqualTo(3);
      // The oldest reading held is the baseline: two intervals remain.
      assertThat(s.at("/gateways/0/series/t").size()).isEqualTo(2);
      assertThat(s.at("/gateways/0/series/closes/1000").toString()).isEqualTo("[1,0]");
      // Totals still come from the newest reading.
      assertThat(s.at("/gateways/0/closes/total").asLong()).isEqualTo(21);
    }
  }

  /** One session that drops and resumes: a resume success rate of 100%. */
  private static final String[] ONE_GOOD_RESUME = {
    "{\"ts\":1732790000000,\"conn\":\"r1\",\"type\":\"open\",\"url\":\"/?v=1\"}",
    "{\"ts\":1732790000001,\"conn\":\"r1\",\"type\":\"frame\",\"from\":\"server\","
        + "\"frame\":{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}}",
    "{\"ts\":1732790000005,\"conn\":\"r1\",\"type\":\"frame\",\"from\":\"client\","
        + "\"frame\":{\"op\":2,\"d\":{\"token\":\"<redacted:1234>\"}}}",
    "{\"ts\":1732790000040,\"conn\":\"r1\",\"type\":\"frame\",\"from\":\"server\","
        + "\"frame\":{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"session_id\":\"s-1\"}}}",
    "{\"ts\":1732790001000,\"conn\":\"r1\",\"type\":\"close\",\"code\":4000,\"by\":\"server\"}",
    "{\"ts\":1732790001500,\"conn\":\"r2\",\"type\":\"open\",\"url\":\"/?v=1\"}",
    "{\"ts\":1732790001501,\"conn\":\"r2\",\"type\":\"frame\",\"from\":\"server\","
        + "\"frame\":{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}}",
    "{\"ts\":1732790001505,\"conn\":\"r2\",\"type\":\"frame\",\"from\":\"client\","
        + "\"frame\":{\"op\":6,\"d\":{\"token\":\"<redacted:1234>\",\"session_id\":\"s-1\","
        + "\"seq\":1}}}",
    "{\"ts\":1732790001540,\"conn\":\"r2\",\"type\":\"frame\",\"from\":\"server\","
        + "\"frame\":{\"op\":0,\"s\":2,\"t\":\"RESUMED\",\"d\":{}}}"
  };

  @Test
  void theOverviewListsTheWorstFirstAndWhatHasSeenNothingLast() throws Exception {
    try (StatusFixture f = new StatusFixture().replayInSteps()) {
      // Label order: a-quiet, b-good, replay. A source that saw nothing, one whose every resume
      // succeeded, and the sample's 40%.
      f.watches.add(
          ProfileLoader.load("fluxer-seed"),
          TrackerSettings.DEFAULTS,
          Source.INGEST,
          "a-quiet",
          Signals.NONE);
      CaptureTap good =
          new CaptureTap(
              f.watches.add(
                  ProfileLoader.load("fluxer-seed"),
                  TrackerSettings.DEFAULTS,
                  Source.PROXY,
                  "b-good",
                  Signals.NONE));
      for (String line : ONE_GOOD_RESUME) {
        good.accept(new CaptureParser().parse(line.getBytes(StandardCharsets.UTF_8)));
      }
      f.tick();
      JsonNode s = summary(f);

      assertThat(s.at("/gateways").findValuesAsText("gateway"))
          .containsExactly("a-quiet", "b-good", "replay");
      assertThat(s.at("/gateways/1/resume/successRate").asDouble()).isEqualTo(1.0);
      assertThat(s.at("/gateways/2/resume/successRate").asDouble()).isEqualTo(0.4);
      assertThat(s.at("/overview").toString()).isEqualTo("[2,1,0]");
      assertThat(s.at("/gateways/0/waiting").asBoolean()).isTrue();
      assertThat(s.at("/gateways/1/waiting").asBoolean()).isFalse();

      String html = StatusPage.render(f.page.summary());
      assertThat(html.indexOf("<tr data-gateway=\"2\">"))
          .isPositive()
          .isLessThan(html.indexOf("<tr data-gateway=\"1\">"));
      assertThat(html)
          .contains(
              "<tr class=\"waiting\" data-gateway=\"0\"><th scope=\"row\">a-quiet <span"
                  + " class=\"tag\">ingest</span></th><td colspan=\"7\">ingest: waiting for"
                  + " captures, POST /v1/capture</td></tr>")
          .doesNotContain("<h2 id=\"g0\">") // no section of empty charts for it
          .contains("<h2 id=\"g1\">", "<h2 id=\"g2\">");
      // The overview comes first, before any gateway's section.
      assertThat(html.indexOf("<h2 id=\"overview\">")).isLessThan(html.indexOf("<h2 id=\"g1\">"));
    }
  }

  @Test
  void theWorstClientPerGatewayComesFromTheClientFamilies() throws Exception {
    try (StatusFixture f = new StatusFixture()) {
      ClientScript.record(f.watches.registry());
      f.tick();
      JsonNode s = summary(f);

      assertThat(s.at("/gateways").findValuesAsText("gateway"))
          .containsExactly("eu", "replay", "us");
      JsonNode eu = s.at("/gateways/0");
      assertThat(eu.at("/clients").toString())
          .isEqualTo(
              "[{\"client\":\"discord.js\",\"sessions\":4,\"violations\":2,"
                  + "\"violationsPerSession\":0.5,\"rules\":{\"heartbeat_late\":2},"
                  + "\"topRule\":\"heartbeat_late\",\"resumeAttempts\":2,\"resumeFailures\":1,"
                  + "\"resumeFailureRate\":0.5},"
                  + "{\"client\":\"discord.py\",\"sessions\":2,\"violations\":1,"
                  + "\"violationsPerSession\":0.5,\"rules\":{\"identify_twice\":1},"
                  + "\"topRule\":\"identify_twice\",\"resumeAttempts\":1,\"resumeFailures\":1,"
                  + "\"resumeFailureRate\":1.0},"
                  + "{\"client\":\"jda\",\"sessions\":10,\"violations\":3,"
                  + "\"violationsPerSession\":0.3,"
                  + "\"rules\":{\"heartbeat_late\":1,\"payload_too_large\":2},"
                  + "\"topRule\":\"payload_too_large\",\"resumeAttempts\":0,\"resumeFailures\":0,"
                  + "\"resumeFailureRate\":null},"
                  + "{\"client\":\"unknown\",\"sessions\":1,\"violations\":5,"
                  + "\"violationsPerSession\":5.0,\"rules\":{\"heartbeat_late\":5},"
                  + "\"topRule\":\"heartbeat_late\",\"resumeAttempts\":0,\"resumeFailures\":0,"
                  + "\"resumeFailureRate\":null}]");
      // discord.js and discord.py tie at 0.5 per session: discord.py failed every resume.
      // unknown breaks the most rules per session, but names no library.
      assertThat(eu.at("/worstClient").asInt()).isEqualTo(1);
      // The same violations as the family without the client label.
      assertThat(eu.at("/violations/total").asLong()).isEqualTo(2 + 1 + 3 + 5);

      JsonNode replay = s.at("/gateways/1");
      assertThat(replay.at("/waiting").asBoolean()).isTrue();
      assertThat(replay.at("/clients").size()).isZero();
      assertThat(replay.at("/worstClient").isNull()).isTrue();

      JsonNode us = s.at("/gateways/2");
      assertThat(us.at("/clients").findValuesAsText("client"))
          .containsExactly("discord.js", "discord.py", "jda");
      assertThat(us.at("/clients/0/resumeFailureRate").asDouble()).isEqualTo(0.25);
      assertThat(us.at("/clients/1/resumeFailureRate").isNull()).isTrue();
      assertThat(us.at("/clients/2/resumeFailureRate").asDouble()).isEqualTo(0.0);
      assertThat(us.at("/clients/0/topRule").isNull()).isTrue();
      // Nobody broke a rule: the share of failed resumes decides.
      assertThat(us.at("/worstClient").asInt()).isEqualTo(0);

      String html = StatusPage.render(f.page.summary());
      assertThat(html)
          .contains(
              "<td data-label=\"Worst client\" class=\"worst\"><span title=\""
                  + Html.esc(Overview.WORST_CLIENT_MEANS)
                  + "\"><span class=\"client\"><span class=\"v\""
                  + " data-json=\"/gateways/0/clients/1/client\" data-value=\"discord.py\">"
                  + "discord.py</span></span> <span class=\"v\""
                  + " data-json=\"/gateways/0/clients/1/violationsPerSession\""
                  + " data-value=\"0.5\">0.50</span> <span class=\"of\">per session, most"
                  + " <span class=\"v\" data-json=\"/gateways/0/clients/1/topRule\""
                  + " data-value=\"identify_twice\">identify_twice</span></span></span></td>")
          .contains(
              "<span class=\"client\"><span class=\"v\" data-json=\"/gateways/2/clients/0/client\""
                  + " data-value=\"discord.js\">discord.js</span></span> <span class=\"v\""
                  + " data-json=\"/gateways/2/clients/0/resumeFailureRate\" data-value=\"0.25\">"
                  + "25.0%</span> <span class=\"of\">of resumes failed</span>");
    }
  }

  @Test
  void noWorstClientWithoutClientTrafficOrWhenEveryClientIsClean() throws Exception {
    try (StatusFixture f = new StatusFixture()) {
      GatewayProfile profile = ProfileLoader.load("fluxer-seed");
      GatewayMetrics calm = new GatewayMetrics(profile, Source.PROXY, "calm");
      calm.bindTo(f.watches.registry());
      calm.ready(Via.IDENTIFY, profile.clients().byLabel("jda"));
      calm.resume(ResumeOutcome.SUCCESS, profile.clients().byLabel("jda"));
      GatewayMetrics early = new GatewayMetrics(profile, Source.PROXY, "early");
      early.bindTo(f.watches.registry());
      early.connectionOpened(); // a socket, no session yet
      GatewayMetrics blind = new GatewayMetrics(profile, Source.INGEST, "blind");
      blind.bindTo(f.watches.registry());
      blind.violation(PolicyRule.HEARTBEAT_LATE, profile.clients().unknown());
      f.tick();
      JsonNode s = summary(f);

      assertThat(s.at("/gateways").findValuesAsText("gateway"))
          .containsExactly("blind", "calm", "early", "replay");
      assertThat(s.at("/gateways/0/clients/0/client").asText()).isEqualTo("unknown");
      assertThat(s.at("/gateways/1/clients").findValuesAsText("client")).containsExactly("jda");
      assertThat(s.at("/gateways/2/clients").size()).isZero();
      for (int i = 0; i < 3; i++) {
        assertThat(s.at("/gateways/" + i + "/waiting").asBoolean()).isFalse();
        assertThat(s.at("/gateways/" + i + "/worstClient").isNull()).as("gateway " + i).isTrue();
      }
      String html = StatusPage.render(f.page.summary());
      String none =
          "<span class=\"v\" data-json=\"/gateways/%d/worstClient\" data-value=\"\">–</span>"
              + " <span class=\"of\">%s</span>";
      assertThat(html)
          .contains(String.format(none, 0, "none"))
          .contains(String.format(none, 1, "none"))
          .contains(String.format(none, 2, "no client traffic"));
    }
  }

  @Test
  void tiedClientsKeepTheLabelOrder() {
    Summary.Client a =
        new Summary.Client(
            "discord.js", 2, 1, 0.5, Map.of("heartbeat_late", 1L), "heartbeat_late", 2, 1, 0.5);
    Summary.Client b =
        new Summary.Client(
            "jda", 2, 1, 0.5, Map.of("heartbeat_late", 1L), "heartbeat_late", 2, 1, 0.5);
    Summary.Client more =
        new Summary.Client(
            "web", 4, 2, 0.5, Map.of("heartbeat_late", 2L), "heartbeat_late", 2, 1, 0.5);
    Summary.Client unknown =
        new Summary.Client(
            "unknown", 1, 9, 9.0, Map.of("heartbeat_late", 9L), "heartbeat_late", 0, 0, null);

    assertThat(Summary.worstClient(List.of(a, b))).isEqualTo(0);
    assertThat(Summary.worstClient(List.of(a, b, more))).isEqualTo(2); // more violations at 0.5
    assertThat(Summary.worstClient(List.of(unknown, b))).isEqualTo(1);
    assertThat(Summary.worstClient(List.of(unknown))).isNull();
    assertThat(Summary.worstClient(List.of())).isNull();
  }

  @Test
  void beforeTheFirstReadingThereIsNothingToShow() throws Exception {
    try (StatusFixture f = new StatusFixture()) {
      JsonNode s = summary(f);
      assertThat(s.at("/generatedAt").isNull()).isTrue();
      assertThat(s.at("/gateways").size()).isZero();
      assertThat(StatusPage.render(f.page.summary())).contains("Waiting for the first reading");
    }
  }
}
