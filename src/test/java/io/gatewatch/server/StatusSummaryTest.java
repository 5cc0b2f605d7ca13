package io.gatewatch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatewatch.capture.CaptureParser;
import io.gatewatch.capture.CaptureTap;
import io.gatewatch.metrics.Source;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
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
                  + " class=\"tag\">ingest</span></th><td colspan=\"6\">ingest: waiting for"
                  + " captures, POST /v1/capture</td></tr>")
          .doesNotContain("<h2 id=\"g0\">") // no section of empty charts for it
          .contains("<h2 id=\"g1\">", "<h2 id=\"g2\">");
      // The overview comes first, before any gateway's section.
      assertThat(html.indexOf("<h2 id=\"overview\">")).isLessThan(html.indexOf("<h2 id=\"g1\">"));
    }
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
