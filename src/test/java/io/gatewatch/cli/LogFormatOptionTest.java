package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatewatch.export.LogFormat;
import io.gatewatch.export.Logging;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --log-format json} is a global option: accepted after any command, JSON on stderr. */
class LogFormatOptionTest {

  @Test
  void jsonLinesOnStderrAfterTheCommand() throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      exit = Main.run("replay", "--log-format", "json", "samples/fluxer-sample.ndjson");
    } finally {
      System.setErr(original);
      Logging.configure(LogFormat.TEXT, System.err);
    }
    assertThat(exit).isZero();
    List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines).isNotEmpty();
    ObjectMapper json = new ObjectMapper();
    for (String line : lines) {
      assertThat(json.readTree(line).get("level").asText()).isEqualTo("INFO");
    }
    assertThat(lines)
        .anySatisfy(l -> assertThat(l).contains("ActivityLog").contains("21 closes ("));
  }
}
