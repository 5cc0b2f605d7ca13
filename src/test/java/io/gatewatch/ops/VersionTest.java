package io.gatewatch.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.metrics.AgentMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * One version string, the build's: {@code --version} and {@code gatewatch_build_info} read what
 * Maven stamped into the jar, and the chart, the image tag the docs build and the changelog say the
 * same.
 */
class VersionTest {
  private static final String VERSION = AgentMetrics.version();

  @Test
  void theBuildStampsAReleaseVersion() {
    assertThat(VERSION).matches("\\d+\\.\\d+\\.\\d+");
  }

  @Test
  void theChartCarriesIt() throws Exception {
    String chart = Files.readString(Path.of("helm/gatewatch/Chart.yaml"));
    assertThat(field(chart, "^version: (\\S+)$")).isEqualTo(VERSION);
    assertThat(field(chart, "^appVersion: \"(\\S+)\"$")).isEqualTo(VERSION);
  }

  @Test
  void theImageTagTheDocsBuildIsIt() throws Exception {
    for (String file : new String[] {"Dockerfile", "README.md"}) {
      Matcher m =
          Pattern.compile("docker build -t gatewatch:(\\S+) \\.")
              .matcher(Files.readString(Path.of(file)));
      assertThat(m.find()).as(file).isTrue();
      assertThat(m.group(1)).as(file).isEqualTo(VERSION);
    }
  }

  @Test
  void theChangelogNamesIt() throws Exception {
    assertThat(Files.readString(Path.of("CHANGELOG.md"))).contains(VERSION);
  }

  private static String field(String yaml, String regex) {
    Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(yaml);
    assertThat(m.find()).as(regex).isTrue();
    return m.group(1);
  }
}
