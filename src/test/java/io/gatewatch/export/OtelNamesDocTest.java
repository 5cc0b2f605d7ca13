package io.gatewatch.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.server.MetricsDocTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/metrics.md's OpenTelemetry table names every catalogue metric as the exporter does. */
class OtelNamesDocTest {
  private static final Pattern ROW =
      Pattern.compile("^\\| `([a-z_]+)` \\| `([a-z.]+)` \\| `([^`]+)` \\| ([a-z ()]+?) \\|$");

  @Test
  void everyCatalogueMetricHasItsOtelNameUnitAndType() throws Exception {
    Map<String, String[]> otel = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Path.of("docs/metrics.md"))) {
      Matcher m = ROW.matcher(line);
      if (m.find()) {
        otel.put(m.group(1), new String[] {m.group(2), m.group(3), m.group(4)});
      }
    }
    Map<String, MetricsDocTest.Doc> catalogue = MetricsDocTest.documented();
    assertThat(otel.keySet()).containsExactlyElementsOf(catalogue.keySet());
    catalogue.forEach(
        (name, doc) -> {
          String[] row = otel.get(name);
          OtelNames.Name n = OtelNames.of(name);
          assertThat(row[0]).as(name).isEqualTo(n.name());
          assertThat(row[1]).as(name).isEqualTo(n.unit());
          assertThat(row[2])
              .as(name)
              .isEqualTo(
                  switch (doc.type()) {
                    case "counter" -> "sum (monotonic)";
                    case "gauge" -> "gauge";
                    default -> "histogram";
                  });
        });
  }
}
