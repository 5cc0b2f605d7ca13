package io.gatewatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigNodeTest {
  private static final String CONFIG =
      String.join(
          "\n",
          "gateway: fluxer", // 1
          "proxies:", // 2
          "  - listen: 0.0.0.0:8080", // 3
          "    upstream: wss://gateway.example", // 4
          "    timeouts:", // 5
          "      connect: 5s", // 6
          "  - listen: ':8081'", // 7
          "    upstream: ftp://example", // 8
          "    routes:", // 9
          "      - {path: /a, weight: 3}", // 10
          "      - {path: /b, weight: many}", // 11
          "port: 9470", // 12
          "enabled: yes", // 13
          "ratio: 0.25", // 14
          "missing:", // 15
          "");

  private static ConfigNode config() {
    return ConfigNode.parse("config.yaml", new StringReader(CONFIG));
  }

  private static ConfigNode doc(String text) {
    return ConfigNode.parse("t.yaml", text);
  }

  @Test
  void pathsAndLinesIntoNestedSequencesAndMappings() {
    ConfigNode root = config();
    assertThat(root.path()).isEmpty();
    assertThat(root.line()).isEqualTo(1);
    assertThat(root.keys())
        .containsExactly("gateway", "proxies", "port", "enabled", "ratio", "missing");

    List<ConfigNode> proxies = root.get("proxies").items();
    assertThat(proxies).hasSize(2);
    ConfigNode upstream = proxies.get(1).get("upstream");
    assertThat(upstream.path()).isEqualTo("proxies[1].upstream");
    assertThat(upstream.line()).isEqualTo(8);
    assertThat(upstream.text()).isEqualTo("ftp://example");
    assertThat(upstream.source()).isEqualTo("config.yaml");

    ConfigNode connect = proxies.get(0).get("timeouts").get("connect");
    assertThat(connect.path()).isEqualTo("proxies[0].timeouts.connect");
    assertThat(connect.line()).isEqualTo(6);

    ConfigNode weight = proxies.get(1).get("routes").items().get(1).get("weight");
    assertThat(weight.path()).isEqualTo("proxies[1].routes[1].weight");
    assertThat(weight.line()).isEqualTo(11);
    assertThat(proxies.get(1).get("routes").items().get(0).get("weight").intValue()).isEqualTo(3);
  }

  @Test
  void errorNamesSourcePathAndLine() {
    ConfigNode upstream = config().get("proxies").items().get(1).get("upstream");
    assertThat(upstream.error("not a ws:// or wss:// URL"))
        .hasMessage("config.yaml: proxies[1].upstream (line 8): not a ws:// or wss:// URL");
    assertThat(config().error("no taps configured"))
        .hasMessage("config.yaml (line 1): no taps configured");
  }

  @Test
  void requiredKeys() {
    ConfigNode root = config();
    assertThatThrownBy(() -> root.get("probes"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("config.yaml: probes: required");
    assertThatThrownBy(() -> root.get("proxies").items().get(0).get("name"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("config.yaml: proxies[0].name: required");
    assertThat(root.find("probes")).isEmpty();
    assertThat(root.find("gateway")).map(ConfigNode::text).contains("fluxer");
  }

  @Test
  void nullValuesArePresentButUnreadable() {
    ConfigNode missing = config().get("missing");
    assertThat(missing.isNull()).isTrue();
    assertThat(missing.isScalar()).isFalse();
    assertThatThrownBy(missing::text)
        .isInstanceOf(ConfigException.class)
        .hasMessage("config.yaml: missing (line 15): expected a string, got null");
  }

  @Test
  void typedReaders() {
    ConfigNode root = config();
    assertThat(root.get("port").intValue()).isEqualTo(9470);
    assertThat(root.get("port").longValue()).isEqualTo(9470L);
    assertThat(root.get("enabled").bool()).isTrue();
    assertThat(root.get("ratio").doubleValue()).isEqualTo(0.25);
    assertThat(doc("a: 4_096").get("a").intValue()).isEqualTo(4096);
    assertThat(doc("a: '42'").get("a").intValue()).isEqualTo(42);
    assertThat(doc("a: -7").get("a").intValue()).isEqualTo(-7);
    assertThat(doc("a: 9000000000").get("a").longValue()).isEqualTo(9_000_000_000L);
    assertThat(doc("a: 'false'").get("a").bool()).isFalse();
    assertThat(doc("a: Off").get("a").bool()).isFalse();
    assertThat(doc("a: 1e-3").get("a").doubleValue()).isEqualTo(0.001);
    assertThat(doc("a: 12").get("a").text()).isEqualTo("12");
    assertThat(doc("a: server").get("a").oneOf("server", "client", "both")).isEqualTo("server");
  }

  @Test
  void typedReaderErrors() {
    assertThatThrownBy(() -> doc("a: b\nport: abc").get("port").intValue())
        .isInstanceOf(ConfigException.class)
        .hasMessage("t.yaml: port (line 2): expected an integer, got \"abc\"");
    assertThatThrownBy(() -> doc("port: 1.5").get("port").intValue())
        .hasMessage("t.yaml: port (line 1): expected an integer, got \"1.5\"");
    assertThatThrownBy(() -> doc("port: 3000000000").get("port").intValue())
        .hasMessage(
            "t.yaml: port (line 1): expected an integer, got \"3000000000\" (out of range)");
    assertThatThrownBy(() -> doc("n: 99999999999999999999").get("n").longValue())
        .hasMessage(
            "t.yaml: n (line 1): expected an integer, got \"99999999999999999999\" (out of range)");
    assertThatThrownBy(() -> doc("port:\n  x: 1").get("port").intValue())
        .hasMessage("t.yaml: port (line 2): expected an integer, got a mapping");
    assertThatThrownBy(() -> doc("name: [a, b]").get("name").text())
        .hasMessage("t.yaml: name (line 1): expected a string, got a sequence");
    assertThatThrownBy(() -> doc("on: maybe").get("on").bool())
        .hasMessage("t.yaml: on (line 1): expected true or false, got \"maybe\"");
    assertThatThrownBy(() -> doc("r: half").get("r").doubleValue())
        .hasMessage("t.yaml: r (line 1): expected a number, got \"half\"");
    assertThatThrownBy(() -> doc("by: robot").get("by").oneOf("server", "client", "both"))
        .hasMessage("t.yaml: by (line 1): expected one of [server, client, both], got \"robot\"");
    assertThatThrownBy(() -> doc("s: \"a\\\"b\\n\"").get("s").intValue())
        .hasMessage("t.yaml: s (line 1): expected an integer, got \"a\\\"b\\n\"");
    assertThatThrownBy(() -> doc("s: " + "x".repeat(100)).get("s").intValue())
        .hasMessage("t.yaml: s (line 1): expected an integer, got \"" + "x".repeat(60) + "...\"");
  }

  @Test
  void readersWithRangesNameThePathAndTheLine(@TempDir Path dir) throws Exception {
    ConfigNode r =
        doc(
            "n: 0\nbig: 300\nratio: 2\nd: 0s\nlisten: nowhere\nport: 'h:99999'\n"
                + "url: http://x\nfile: /no/such/file\nheaders: [a]\nempty:\n");
    assertThatThrownBy(() -> r.get("n").positiveInt())
        .hasMessage("t.yaml: n (line 1): must be at least 1");
    assertThatThrownBy(() -> doc("n: -1").get("n").nonNegativeInt())
        .hasMessage("t.yaml: n (line 1): must not be negative");
    assertThatThrownBy(() -> r.get("big").intValue(0, 255))
        .hasMessage("t.yaml: big (line 2): must be from 0 to 255, got 300");
    assertThatThrownBy(() -> r.get("n").intValue(1, Integer.MAX_VALUE))
        .hasMessage("t.yaml: n (line 1): must be at least 1, got 0");
    assertThatThrownBy(() -> r.get("n").longValue(1, Long.MAX_VALUE))
        .hasMessage("t.yaml: n (line 1): must be at least 1, got 0");
    assertThatThrownBy(() -> r.get("ratio").doubleValue(0, 1))
        .hasMessage("t.yaml: ratio (line 3): must be from 0 to 1, got 2");
    assertThatThrownBy(() -> r.get("d").positiveDuration())
        .hasMessage("t.yaml: d (line 4): must be positive, got 0s");
    assertThatThrownBy(() -> r.get("listen").hostPort())
        .hasMessage("t.yaml: listen (line 5): expected HOST:PORT, got \"nowhere\"");
    assertThatThrownBy(() -> r.get("port").hostPort())
        .hasMessage(
            "t.yaml: port (line 6): port must be a number from 0 to 65535, got \"h:99999\"");
    assertThatThrownBy(() -> r.get("url").url("ws", "wss"))
        .hasMessage("t.yaml: url (line 7): not a ws:// or wss:// URL");
    assertThatThrownBy(() -> r.get("file").readableFile())
        .hasMessage("t.yaml: file (line 8): cannot read /no/such/file");
    assertThatThrownBy(() -> r.get("headers").textMap())
        .hasMessage("t.yaml: headers (line 9): expected a mapping of names to values");
    assertThatThrownBy(() -> r.get("big").as(t -> Integer.parseInt(t) < 100 ? t : fail("too big")))
        .hasMessage("t.yaml: big (line 2): too big");
    assertThatThrownBy(() -> r.get("big").check("300", v -> fail("over " + v)))
        .hasMessage("t.yaml: big (line 2): over 300");

    Path readable = Files.writeString(dir.resolve("ca.pem"), "pem");
    ConfigNode good =
        doc(
            "n: 5\nlisten: '[::1]:0'\nurl: WSS://gw\nfile: "
                + readable
                + "\nm: {a: x, b: y}\nz:\n");
    assertThat(good.get("n").positiveInt()).isEqualTo(5);
    assertThat(good.get("n").intValue(0, 5)).isEqualTo(5);
    assertThat(good.get("listen").hostPort().getPort()).isZero();
    assertThat(good.get("url").url("ws", "wss")).hasToString("WSS://gw");
    assertThat(good.get("file").readableFile()).isEqualTo(readable);
    assertThat(good.get("m").textMap()).containsExactly(Map.entry("a", "x"), Map.entry("b", "y"));
    assertThat(good.findValue("z")).isEmpty();
    assertThat(good.find("z")).isPresent();
    assertThat(good.findValue("n")).isPresent();
  }

  private static String fail(String message) {
    throw new IllegalArgumentException(message);
  }

  @Test
  void environmentVariablesOverrideByPathAndTheirErrorsNameThem() {
    ConfigNode file = doc("a:\n  n: 1\n  on: false\n  d: 1s\n  s: 1KiB\n  t: x\nlist: [1, 2]\n");
    ConfigNode root =
        file.withEnvironment(
            Map.of("V_A_N", "7", "V_A_ON", "1", "V_A_D", "2m", "V_A_T", "y", "V_LIST_1", "5"),
            path -> "V_" + path.replaceAll("[\\[\\].]+", "_").replaceAll("_+$", "").toUpperCase());
    ConfigNode a = root.get("a");
    assertThat(a.get("n").positiveInt()).isEqualTo(7);
    assertThat(a.get("on").bool()).isTrue();
    assertThat(a.get("d").duration()).isEqualTo(Duration.ofMinutes(2));
    assertThat(a.get("s").size()).isEqualTo(1024); // no variable: the file's value
    assertThat(a.get("t").text()).isEqualTo("y");
    assertThat(root.get("list").items().get(1).intValue()).isEqualTo(5);
    assertThat(file.get("a").get("n").intValue())
        .as("the document itself is unchanged")
        .isEqualTo(1);

    ConfigNode bad =
        file.withEnvironment(
            Map.of("V_N", "x", "V_ON", "maybe", "V_D", "90", "V_S", "big"),
            path -> "V_" + path.substring(path.lastIndexOf('.') + 1).toUpperCase());
    ConfigNode b = bad.get("a");
    assertThatThrownBy(() -> b.get("n").intValue())
        .hasMessage("t.yaml: a.n (line 2): V_N: expected an integer");
    assertThatThrownBy(() -> b.get("on").bool())
        .hasMessage("t.yaml: a.on (line 3): V_ON: expected true or false");
    assertThatThrownBy(() -> b.get("d").duration())
        .hasMessage(
            "t.yaml: a.d (line 4): V_D: \"90\" has no unit; add one, e.g. 90s (units: ms, s, m, h)");
    assertThatThrownBy(() -> b.get("s").size())
        .hasMessage(
            "t.yaml: a.s (line 5): V_S: expected a size such as 512KiB, 100MiB or 1GiB, got \"big\"");
  }

  @Test
  void durations() {
    assertThat(doc("d: 41250ms").get("d").duration()).isEqualTo(Duration.ofMillis(41_250));
    assertThat(doc("d: 45s").get("d").duration()).isEqualTo(Duration.ofSeconds(45));
    assertThat(doc("d: 10m").get("d").duration()).isEqualTo(Duration.ofMinutes(10));
    assertThat(doc("d: 1h").get("d").duration()).isEqualTo(Duration.ofHours(1));
    assertThat(doc("d: 0s").get("d").duration()).isEqualTo(Duration.ZERO);
    assertThat(doc("d: 0").get("d").duration()).isEqualTo(Duration.ZERO);
    assertThatThrownBy(() -> doc("d: 500").get("d").duration())
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "t.yaml: d (line 1): \"500\" has no unit; add one, e.g. 500s (units: ms, s, m, h)");
    for (String bad : List.of("abc", "45 s", "-1s", "1.5s", "10d", "s")) {
      assertThatThrownBy(() -> doc("d: " + bad).get("d").duration())
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "t.yaml: d (line 1): expected a duration such as 500ms, 45s, 10m or 1h, got \""
                  + bad
                  + "\"");
    }
    assertThatThrownBy(() -> doc("d: 9999999999999999h").get("d").duration())
        .hasMessage(
            "t.yaml: d (line 1): expected a duration such as 500ms, 45s, 10m or 1h, got"
                + " \"9999999999999999h\"");
  }

  @Test
  void rejectUnknownKeysCatchesTypos() {
    ConfigNode proxy = doc("proxies:\n  - listen: ':1'\n    upstram: wss://x\n").get("proxies");
    ConfigNode first = proxy.items().get(0);
    assertThatThrownBy(() -> first.rejectUnknownKeys("upstream", "listen", "timeouts"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "t.yaml: proxies[0].upstram (line 3): unknown key; expected one of [listen, timeouts,"
                + " upstream]");
    first.rejectUnknownKeys("upstream", "listen", "upstram");
    assertThatThrownBy(() -> doc("x: 1").rejectUnknownKeys("y"))
        .hasMessage("t.yaml: x (line 1): unknown key; expected one of [y]");
  }

  @Test
  void wrongShapeForNavigation() {
    ConfigNode root = doc("list: [a, b]\nscalar: x");
    assertThatThrownBy(() -> root.get("scalar").items())
        .hasMessage("t.yaml: scalar (line 2): expected a sequence, got \"x\"");
    assertThatThrownBy(() -> root.get("list").get("a"))
        .hasMessage("t.yaml: list (line 1): expected a mapping, got a sequence");
    assertThatThrownBy(() -> doc("- a\n- b").get("a"))
        .hasMessage("t.yaml (line 1): expected a mapping, got a sequence");
    assertThat(root.get("list").items().get(1).path()).isEqualTo("list[1]");
    assertThat(root.get("list").isSequence()).isTrue();
    assertThat(root.isMapping()).isTrue();
  }

  @Test
  void unusualKeysAreQuotedInPaths() {
    ConfigNode root = doc("labels:\n  app.kubernetes.io/name: x\n  plain_key-1: y");
    ConfigNode odd = root.get("labels").get("app.kubernetes.io/name");
    assertThat(odd.path()).isEqualTo("labels[\"app.kubernetes.io/name\"]");
    assertThat(root.get("labels").get("plain_key-1").path()).isEqualTo("labels.plain_key-1");
    assertThat(doc("4000: x").get("4000").path()).isEqualTo("4000");
  }

  @Test
  void emptyDocumentsAreEmptyMappings() {
    for (String text : List.of("", "# only a comment\n", "---\n", "~")) {
      ConfigNode root = doc(text);
      assertThat(root.isMapping()).as(text).isTrue();
      assertThat(root.keys()).as(text).isEmpty();
      assertThat(root.line()).isEqualTo(1);
      assertThat(root.find("anything")).isEmpty();
    }
  }

  @Test
  void syntaxErrorsNameSourceLineAndProblem() {
    assertThatThrownBy(() -> ConfigNode.parse("bad.yaml", "a: [1, 2\nb: 3"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "bad.yaml (line 2, column 2): invalid YAML: while parsing a flow sequence (line 1),"
                + " expected ',' or ']', but got :");
    assertThatThrownBy(() -> ConfigNode.parse("bad.yaml", "a: b: c"))
        .hasMessage(
            "bad.yaml (line 1, column 5): invalid YAML: mapping values are not allowed here");
    assertThatThrownBy(() -> ConfigNode.parse("bad.yaml", "a: b\n\tc: d"))
        .hasMessage(
            "bad.yaml (line 2, column 1): invalid YAML: while scanning for the next token, found"
                + " character '\\t(TAB)' that cannot start any token. (Do not use \\t(TAB) for"
                + " indentation)");
    assertThatThrownBy(() -> ConfigNode.parse("bad.yaml", "a: 1\n---\nb: 2"))
        .hasMessage(
            "bad.yaml (line 2, column 1): invalid YAML: expected a single document in the stream"
                + " (line 1), but found another document");
  }

  @Test
  void duplicateAndNonScalarKeysAreRejected() {
    assertThatThrownBy(() -> doc("a: 1\nb:\n  c: 1\n  c: 2"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("t.yaml: b.c (line 4): duplicate key (first defined at line 3)");
    assertThatThrownBy(() -> doc("list:\n  - {x: 1, x: 2}"))
        .hasMessage("t.yaml: list[0].x (line 2): duplicate key (first defined at line 2)");
    assertThatThrownBy(() -> doc("m:\n  ? [a]\n  : 1"))
        .hasMessage("t.yaml: m (line 2): mapping keys must be scalars");
  }

  @Test
  void aliasesAreBoundedAndMergeKeysWork() {
    ConfigNode root =
        doc(
            String.join(
                "\n",
                "defaults: &defaults",
                "  timeout: 5s",
                "  retries: 3",
                "proxies:",
                "  - <<: *defaults",
                "    retries: 5",
                "  - *defaults"));
    ConfigNode first = root.get("proxies").items().get(0);
    assertThat(first.keys()).containsExactlyInAnyOrder("timeout", "retries");
    assertThat(first.get("retries").intValue()).isEqualTo(5);
    assertThat(first.get("timeout").duration()).isEqualTo(Duration.ofSeconds(5));
    ConfigNode second = root.get("proxies").items().get(1);
    assertThat(second.get("retries").path()).isEqualTo("proxies[1].retries");
    assertThat(second.get("retries").line()).isEqualTo(3);

    assertThatThrownBy(() -> doc("a: &a [*a]"))
        .hasMessage("t.yaml: a[0] (line 1): recursive alias: a node cannot contain itself");

    StringBuilder bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: [");
    for (int i = 0; i < 60; i++) {
      bomb.append("*a, ");
    }
    bomb.append("*a]\n");
    assertThatThrownBy(() -> ConfigNode.parse("bomb.yaml", bomb.toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "bomb.yaml: invalid YAML: Number of aliases for non-scalar nodes exceeds the specified"
                + " max=50");
  }

  @Test
  void oversizedDocumentsAreRejected() {
    String big = "a: " + "x".repeat(ConfigNode.MAX_CODE_POINTS + 10);
    assertThatThrownBy(() -> ConfigNode.parse("big.yaml", big))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "big.yaml: invalid YAML: The incoming YAML document exceeds the limit: 1048576 code"
                + " points.");
  }

  @Test
  void globalTagsAreRejected() {
    assertThatThrownBy(() -> doc("a: !!javax.script.ScriptEngineManager [x]"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "t.yaml (line 1, column 4): invalid YAML: Global tag is not allowed:"
                + " tag:yaml.org,2002:javax.script.ScriptEngineManager");
    assertThat(doc("a: !local x").get("a").text()).isEqualTo("x");
  }

  @Test
  void filesAreReadAndNamedAsGiven(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, "port: 9470\nname: café\n", StandardCharsets.UTF_8);
    ConfigNode root = ConfigNode.parse(file);
    assertThat(root.source()).isEqualTo(file.toString());
    assertThat(root.get("name").text()).isEqualTo("café");
    assertThat(root.get("port").error("taken")).hasMessage(file + ": port (line 1): taken");

    Path missing = dir.resolve("missing.yaml");
    assertThatThrownBy(() -> ConfigNode.parse(missing))
        .isInstanceOf(ConfigException.class)
        .hasMessage("cannot read " + missing + ": no such file");
    assertThatThrownBy(() -> ConfigNode.parse(dir))
        .hasMessage("cannot read " + dir + ": is a directory");
    Path latin1 = dir.resolve("latin1.yaml");
    Files.write(latin1, new byte[] {'a', ':', ' ', (byte) 0xE9});
    assertThatThrownBy(() -> ConfigNode.parse(latin1))
        .hasMessage("cannot read " + latin1 + ": not valid UTF-8");
  }
}
