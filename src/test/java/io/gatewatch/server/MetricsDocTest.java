package io.gatewatch.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** docs/metrics.md and the real /metrics output agree on every name, type and label set. */
public class MetricsDocTest {
  private static final Pattern ROW =
      Pattern.compile(
          "^\\| `([a-z_]+)` \\| (counter|gauge|histogram) \\|\\s*([^|]*?)\\s*\\|\\s*([^|]+?)\\s*\\|");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");

  public record Doc(String type, Set<String> labels, String exposedBy) {}

  public record Family(String type, Set<String> labels) {}

  private static final String JVM_SECTION = "## JVM and process metrics";
  private static final Pattern JVM_ROW =
      Pattern.compile("^\\| `((?:jvm|process|system)_[a-z0-9_]+)` \\|");

  /** The catalogue: the table above the JVM section. */
  public static Map<String, Doc> documented() throws Exception {
    Map<String, Doc> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Path.of("docs/metrics.md"))) {
      if (line.startsWith(JVM_SECTION)) {
        break;
      }
      Matcher m = ROW.matcher(line);
      if (m.find()) {
        Set<String> labels = new TreeSet<>();
        for (String l : m.group(3).split(",")) {
          if (!l.isBlank()) {
            labels.add(l.trim().replace("`", ""));
          }
        }
        out.put(m.group(1), new Doc(m.group(2), labels, m.group(4).trim()));
      }
    }
    return out;
  }

  /** The JVM and process families (Micrometer's binders) listed in their own section. */
  public static Set<String> documentedJvm() throws Exception {
    Set<String> out = new TreeSet<>();
    boolean in = false;
    for (String line : Files.readAllLines(Path.of("docs/metrics.md"))) {
      in = in || line.startsWith(JVM_SECTION);
      Matcher m = JVM_ROW.matcher(line);
      if (in && m.find()) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  static boolean isJvm(String family) {
    return family.startsWith("jvm_")
        || family.startsWith("process_")
        || family.startsWith("system_");
  }

  /** Families of a Prometheus text exposition: type from # TYPE, labels from the samples. */
  public static Map<String, Family> exposed(String text) {
    Map<String, String> types = new LinkedHashMap<>();
    Map<String, Set<String>> labels = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        String[] p = line.split(" ");
        types.put(p[2], p[3]);
        labels.put(p[2], new TreeSet<>());
      } else if (!line.startsWith("#") && !line.isBlank()) {
        String sample = line.substring(0, line.indexOf(line.contains("{") ? '{' : ' '));
        String family =
            types.containsKey(sample) ? sample : sample.replaceAll("_(bucket|count|sum)$", "");
        Matcher m = LABEL.matcher(line.contains("{") ? line.substring(line.indexOf('{')) : "");
        while (m.find()) {
          if (!m.group(1).equals("le")) {
            labels.get(family).add(m.group(1));
          }
        }
      }
    }
    Map<String, Family> out = new LinkedHashMap<>();
    types.forEach((name, type) -> out.put(name, new Family(type, labels.get(name))));
    return out;
  }

  @Test
  void theDocAndTheEndpointAgree(@TempDir Path dir) throws Exception {
    Path prom = dir.resolve("sample.prom");
    StringWriter sink = new StringWriter();
    int exit =
        new CommandLine(new Main())
            .setOut(new PrintWriter(sink))
            .setErr(new PrintWriter(sink))
            .execute("replay", "samples/fluxer-sample.ndjson", "--metrics-out", prom.toString());
    assertThat(exit).isZero();

    Map<String, Doc> doc = documented();
    Map<String, Family> exposed = exposed(Files.readString(prom));
    assertThat(doc).hasSize(38);
    Set<String> jvm = documentedJvm();
    assertThat(jvm).contains("jvm_memory_used_bytes", "process_uptime_seconds");

    for (Map.Entry<String, Family> e : exposed.entrySet()) {
      if (isJvm(e.getKey())) {
        assertThat(jvm).as("documented in the JVM section: " + e.getKey()).contains(e.getKey());
        continue;
      }
      assertThat(doc).as("documented: " + e.getKey()).containsKey(e.getKey());
      Doc d = doc.get(e.getKey());
      assertThat(e.getValue().type()).as("type of " + e.getKey()).isEqualTo(d.type());
      assertThat(e.getValue().labels()).as("labels of " + e.getKey()).isEqualTo(d.labels());
    }
    for (Map.Entry<String, Doc> e : doc.entrySet()) {
      String by = e.getValue().exposedBy();
      if (by.equals("every tap") || by.equals("agent")) {
        assertThat(exposed).as("replay exposes " + e.getKey()).containsKey(e.getKey());
      }
    }
  }
}
