package io.gatewatch.ops;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/** What the ops tests share: the dashboards, the rules, and the Prometheus tools. */
final class Ops {
  static final Path DASHBOARDS = Path.of("dashboards");
  static final Path RULES = Path.of("alerts/gatewatch.rules.yaml");
  static final Path RULE_TESTS = Path.of("alerts/tests");
  static final Path RUNBOOKS = Path.of("alerts/runbooks");
  static final String RUNBOOK_BASE =
      "https://github.com/gatewatch/gatewatch/blob/main/alerts/runbooks/";

  private Ops() {}

  /** Every dashboard file, by file name. */
  static Map<String, JsonNode> dashboards() throws IOException {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(DASHBOARDS)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        out.put(p.getFileName().toString(), new ObjectMapper().readTree(p.toFile()));
      }
    }
    return out;
  }

  /** Every panel of a dashboard, rows' nested panels included. */
  static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode p : dashboard.path("panels")) {
      out.add(p);
      p.path("panels").forEach(out::add);
    }
    return out;
  }

  /** The rules of every group, as maps (record or alert, expr, for, labels, annotations). */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> rules() throws IOException {
    List<Map<String, Object>> out = new ArrayList<>();
    Map<String, Object> doc = new Yaml().load(Files.readString(RULES));
    for (Map<String, Object> group : (List<Map<String, Object>>) doc.get("groups")) {
      out.addAll((List<Map<String, Object>>) group.get("rules"));
    }
    return out;
  }

  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
  private static final Pattern LABEL_LIST =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset");

  /** The metric names a PromQL expression selects (functions, labels and keywords left out). */
  static Set<String> metricNames(String expr) {
    String s = STRING.matcher(expr).replaceAll("\"\"");
    s = LABEL_LIST.matcher(s).replaceAll(" ");
    s = s.replaceAll("\\{[^}]*\\}", " ").replaceAll("\\[[^\\]]*\\]", " ");
    Set<String> out = new TreeSet<>();
    Matcher m = NAME.matcher(s);
    while (m.find()) {
      String rest = s.substring(m.end()).stripLeading();
      boolean number = m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1));
      if (!rest.startsWith("(") && !KEYWORDS.contains(m.group()) && !number) {
        out.add(m.group());
      }
    }
    return out;
  }

  /** Grafana's variables replaced by what a query with every value selected would use. */
  static String substitute(String expr) {
    return expr.replace("$__rate_interval", "20s")
        .replace("$__range", "1m")
        .replaceAll("\\$(job|instance|gateway|source)\\b", ".*");
  }

  /**
   * A tool of the Debian package {@code prometheus}; fails (never skips) when it is missing, since
   * .ci/run installs it.
   */
  static String tool(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return fail(
        name
            + " not found on PATH: install the Debian package prometheus"
            + " (apt-get install prometheus; .ci/run does it when missing)");
  }

  record Result(int exit, String output) {}

  /** Runs a command from the checkout's root, stdout and stderr together. */
  static Result run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output;
    try (InputStream in = p.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return fail("timed out: " + command);
    }
    return new Result(p.exitValue(), output);
  }
}
