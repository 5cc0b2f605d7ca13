package io.gatewatch.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatewatch.metrics.Source;
import io.gatewatch.protocol.CloseCode;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.Signals;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LoggingTest {
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final GatewayProfile profile = ProfileLoader.load("fluxer-seed");

  @AfterEach
  void restore() {
    Logging.configure(LogFormat.TEXT, System.err);
  }

  List<String> lines() {
    return out.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void jsonFormatParsesLineByLine() throws Exception {
    Logging.configure(LogFormat.JSON, out);
    org.slf4j.Logger log = LoggerFactory.getLogger("io.gatewatch.test");
    log.info("agent started: http://127.0.0.1:9470/metrics");
    log.atWarn()
        .addKeyValue("reason", "timeout")
        .log("upstream failure: \"quoted\"\nand a newline");
    log.error("failed", new IllegalStateException("boom"));
    java.util.logging.Logger.getLogger("io.opentelemetry.test").warning("from java.util.logging");

    ObjectMapper json = new ObjectMapper();
    List<String> lines = lines();
    assertThat(lines).hasSize(4);
    for (String line : lines) {
      JsonNode n = json.readTree(line);
      assertThat(n.get("level").asText()).isIn("INFO", "WARN", "ERROR");
      assertThat(n.has("formattedMessage")).isTrue();
      assertThat(n.has("timestamp")).isTrue();
    }
    assertThat(json.readTree(lines.get(1)).get("formattedMessage").asText())
        .isEqualTo("upstream failure: \"quoted\"\nand a newline");
    assertThat(json.readTree(lines.get(1)).get("kvpList").get(0).get("reason").asText())
        .isEqualTo("timeout");
    assertThat(json.readTree(lines.get(3)).get("formattedMessage").asText())
        .isEqualTo("from java.util.logging");
  }

  @Test
  void textFormatIsOneReadableLine() {
    Logging.configure(LogFormat.TEXT, out);
    LoggerFactory.getLogger("io.gatewatch.Thing").info("hello {}", "there");
    assertThat(lines())
        .singleElement()
        .asString()
        .matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  Thing - hello there");
  }

  @Test
  void aStormOfTenThousandClosesIsOneLinePerInterval() throws Exception {
    Logging.configure(LogFormat.JSON, out);
    ActivityLog activity = new ActivityLog(Duration.ofSeconds(30)); // flushed by hand
    Telemetry telemetry = Telemetry.start(OtlpSettings.off(), activity);
    Signals tap = telemetry.around(Source.PROXY, "eu", Signals.NONE);
    CloseCode timeout = profile.closeCode(4009);
    for (int i = 0; i < 10_000; i++) {
      tap.connectionClosed(4009, timeout, Initiator.SERVER);
      if (i % 2 == 0) {
        tap.connectionClosed(1006, profile.closeCode(1006), Initiator.NONE);
      }
      tap.resume(
          i % 10 == 0 ? ResumeOutcome.INVALID_SESSION : ResumeOutcome.SUCCESS,
          profile.clients().unknown());
    }
    String line = activity.flush();
    assertThat(activity.flush()).isNull(); // nothing since
    telemetry.close(); // nothing left: no line

    assertThat(line).matches("last \\d+s: .*");
    assertThat(line.substring(line.indexOf(": ") + 2))
        .isEqualTo(
            "15000 closes (4009 session_timeout 10000, 1006 "
                + profile.closeCode(1006).label()
                + " 5000); 10000 resumes (success 9000, invalid_session 1000); 0 reconnects, 0"
                + " given up");
    assertThat(lines()).hasSize(1);
    JsonNode n = new ObjectMapper().readTree(lines().get(0));
    assertThat(n.get("loggerName").asText()).isEqualTo(ActivityLog.class.getName());
    assertThat(n.get("kvpList").toString()).contains("\"closes\":\"15000\"");
  }

  @Test
  void activityLogNamesAtMostAFewCodes() {
    ActivityLog activity = new ActivityLog(Duration.ofSeconds(60));
    int n = 0;
    for (CloseCode c : profile.closeCodes()) {
      activity.closed(c.code(), c);
      n++;
    }
    activity.closed(4999, null);
    String line = activity.flush();
    assertThat(line).contains("s: " + (n + 1) + " closes (");
    assertThat(line.split(", ").length).isLessThanOrEqualTo(ActivityLog.MAX_CODES + 3);
    if (n + 1 > ActivityLog.MAX_CODES) {
      assertThat(line).contains("others " + (n + 1 - ActivityLog.MAX_CODES));
    }
  }

  @Test
  void logFormatValues() {
    assertThat(LogFormat.parse("JSON")).isEqualTo(LogFormat.JSON);
    assertThat(LogFormat.parse("text")).isEqualTo(LogFormat.TEXT);
    assertThatThrownBy(() -> LogFormat.parse("xml"))
        .hasMessage("expected text or json, got \"xml\"");
  }
}
