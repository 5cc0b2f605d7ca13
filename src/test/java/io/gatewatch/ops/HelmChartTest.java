package io.gatewatch.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.gatewatch.capture.CaptureWriter;
import io.gatewatch.cli.AgentConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * helm/gatewatch through the real Helm (helm-java bundles Helm's Go library): strict lint and
 * template for every scenario under {@code ci/}, then assertions on the rendered objects.
 */
class HelmChartTest {
  private static final Path CHART = Path.of("helm/gatewatch");
  private static final String KUBE_VERSION = "1.30.0";
  private static final String SECRETS_DIR = "/var/run/secrets/gatewatch";
  private static final String CAPTURES_DIR = "/var/lib/gatewatch/captures";
  private static final Map<String, List<Map<String, Object>>> RENDERED = new LinkedHashMap<>();

  @BeforeAll
  static void render() {
    for (String scenario : scenarios().toList()) {
      String out =
          new Helm(CHART)
              .template()
              .withName("gw")
              .withNamespace("obs")
              .withKubeVersion(KUBE_VERSION)
              .withValuesFile(CHART.resolve("ci/" + scenario + "-values.yaml"))
              .call();
      List<Map<String, Object>> objects = new ArrayList<>();
      for (Object doc : yaml().loadAll(out)) {
        if (doc != null) {
          objects.add(map(doc));
        }
      }
      RENDERED.put(scenario, objects);
    }
  }

  static Stream<String> scenarios() {
    try (Stream<Path> files = Files.list(CHART.resolve("ci"))) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith("-values.yaml"))
          .map(n -> n.substring(0, n.length() - "-values.yaml".length()))
          .sorted()
          .toList()
          .stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void everyScenarioIsThere() {
    assertThat(scenarios()).containsExactly("all", "defaults", "probe", "proxy");
  }

  /**
   * {@code helm lint --strict} with the scenario's values. helm-java's lint takes no values file,
   * so the scenario's values are merged onto the defaults in a copy of the chart.
   */
  @ParameterizedTest
  @MethodSource("scenarios")
  void lintsStrictly(String scenario, @TempDir Path tmp) throws IOException {
    Path chart = tmp.resolve("gatewatch");
    copyTree(CHART, chart);
    Map<String, Object> values = map(yaml().load(Files.readString(CHART.resolve("values.yaml"))));
    Object overrides =
        yaml().load(Files.readString(CHART.resolve("ci/" + scenario + "-values.yaml")));
    if (overrides != null) {
      deepMerge(values, map(overrides));
    }
    Files.writeString(chart.resolve("values.yaml"), yaml().dump(values));
    LintResult lint = new Helm(chart).lint().strict().call();
    assertThat(lint.isFailed()).as("%s", lint.getMessages()).isFalse();
    assertThat(lint.getMessages())
        .as("only the icon hint may remain")
        .allMatch(m -> m.startsWith("[INFO] Chart.yaml: icon is recommended"));
  }

  @Test
  void eachScenarioRendersItsKinds() {
    assertThat(kinds("defaults"))
        .containsExactly(
            "ConfigMap gw-gatewatch",
            "Deployment gw-gatewatch",
            "Service gw-gatewatch",
            "ServiceAccount gw-gatewatch");
    assertThat(kinds("proxy"))
        .containsExactly(
            "ConfigMap gw-gatewatch",
            "Deployment gw-gatewatch",
            "HorizontalPodAutoscaler gw-gatewatch",
            "PodDisruptionBudget gw-gatewatch",
            "Service gw-gatewatch",
            "ServiceAccount gw-gatewatch");
    // the token comes from an existing Secret: the chart makes none
    assertThat(kinds("probe"))
        .containsExactly(
            "ConfigMap gw-gatewatch",
            "ConfigMap gw-gatewatch-probe",
            "Deployment gw-gatewatch",
            "Deployment gw-gatewatch-probe",
            "Service gw-gatewatch",
            "Service gw-gatewatch-probe",
            "ServiceAccount gw-gatewatch");
    List<String> all =
        new ArrayList<>(
            List.of(
                "ConfigMap gw-gatewatch",
                "ConfigMap gw-gatewatch-probe",
                "Deployment gw-gatewatch",
                "Deployment gw-gatewatch-probe",
                "NetworkPolicy gw-gatewatch",
                "PodDisruptionBudget gw-gatewatch",
                "PrometheusRule gw-gatewatch",
                "Secret gw-gatewatch-ingest-token",
                "Secret gw-gatewatch-probe-token",
                "Service gw-gatewatch",
                "Service gw-gatewatch-probe",
                "ServiceAccount gw-gatewatch",
                "ServiceMonitor gw-gatewatch"));
    for (String dashboard : dashboardNames()) {
      all.add("ConfigMap gw-gatewatch-dashboard-" + dashboard);
    }
    assertThat(kinds("all")).containsExactlyElementsOf(new TreeSet<>(all));
  }

  @Test
  void everyObjectCarriesTheStandardLabels() {
    RENDERED.forEach(
        (scenario, objects) -> {
          for (Map<String, Object> o : objects) {
            Map<String, Object> labels = map(path(o, "metadata", "labels"));
            assertThat(labels)
                .as("%s: %s", scenario, name(o))
                .containsEntry("app.kubernetes.io/name", "gatewatch")
                .containsEntry("app.kubernetes.io/instance", "gw")
                .containsEntry("app.kubernetes.io/version", "0.1.0")
                .containsEntry("app.kubernetes.io/managed-by", "Helm")
                .containsEntry("helm.sh/chart", "gatewatch-0.1.0");
          }
        });
  }

  @Test
  void selectorsHoldNoVersion() {
    RENDERED.forEach(
        (scenario, objects) -> {
          for (Map<String, Object> o : objects) {
            Object selector =
                switch (String.valueOf(o.get("kind"))) {
                  case "Deployment", "PodDisruptionBudget" ->
                      path(o, "spec", "selector", "matchLabels");
                  case "Service" -> path(o, "spec", "selector");
                  case "ServiceMonitor" -> path(o, "spec", "selector", "matchLabels");
                  case "NetworkPolicy" -> path(o, "spec", "podSelector", "matchLabels");
                  default -> null;
                };
            if (selector == null) {
              continue;
            }
            assertThat(map(selector).keySet())
                .as("%s: %s", scenario, name(o))
                .contains("app.kubernetes.io/name", "app.kubernetes.io/instance")
                .doesNotContain("helm.sh/chart", "app.kubernetes.io/version");
          }
        });
  }

  @Test
  void podsAreHardenedAndProbed() {
    for (Map<String, Object> d : objects("all", "Deployment")) {
      Map<String, Object> pod = map(path(d, "spec", "template", "spec"));
      assertThat(map(pod.get("securityContext")))
          .containsEntry("runAsNonRoot", true)
          .containsEntry("runAsUser", 10001);
      assertThat(pod.get("automountServiceAccountToken")).isEqualTo(false);
      Map<String, Object> c = map(list(pod.get("containers")).get(0));
      Map<String, Object> sc = map(c.get("securityContext"));
      assertThat(sc)
          .containsEntry("readOnlyRootFilesystem", true)
          .containsEntry("allowPrivilegeEscalation", false);
      assertThat(path(sc, "capabilities", "drop")).isEqualTo(List.of("ALL"));
      // the "all" scenario serves HTTPS (http.tls): the kubelet probes with https, unauthenticated
      assertThat(path(c, "livenessProbe", "httpGet"))
          .isEqualTo(Map.of("path", "/-/healthy", "port", "http", "scheme", "HTTPS"));
      assertThat(path(c, "readinessProbe", "httpGet"))
          .isEqualTo(Map.of("path", "/-/ready", "port", "http", "scheme", "HTTPS"));
      assertThat(c.get("args")).isEqualTo(List.of("run", "--config", "/etc/gatewatch/config.yaml"));
      assertThat(pod.get("nodeSelector")).isEqualTo(Map.of("kubernetes.io/os", "linux"));
      assertThat(list(pod.get("tolerations"))).hasSize(1);
    }
  }

  @Test
  void podsRunWithTheImagesJvmSettings() throws IOException {
    // docs/performance.md: the JVM settings the benchmarks chose, the same in the image and the pod
    String image =
        Files.readString(Path.of("Dockerfile"))
            .lines()
            .filter(l -> l.startsWith("ENV JAVA_TOOL_OPTIONS="))
            .map(l -> l.substring("ENV JAVA_TOOL_OPTIONS=".length()).replace("\"", ""))
            .findFirst()
            .orElseThrow();
    assertThat(image).isEqualTo("-XX:+UseSerialGC -XX:MaxRAMPercentage=60");
    for (Map<String, Object> d : objects("proxy", "Deployment")) {
      Map<String, Object> c = map(list(path(d, "spec", "template", "spec", "containers")).get(0));
      assertThat(list(c.get("env"))).contains(Map.of("name", "JAVA_TOOL_OPTIONS", "value", image));
    }
  }

  @Test
  void everyAlertHasItsConfiguredRunbook() throws IOException {
    Map<String, Object> rule = objects("all", "PrometheusRule").get(0);
    Map<String, Object> source =
        map(yaml().load(Files.readString(Path.of("alerts/gatewatch.rules.yaml"))));
    int alerts = 0;
    for (Object group : list(path(rule, "spec", "groups"))) {
      for (Object r : list(map(group).get("rules"))) {
        Map<String, Object> rr = map(r);
        if (rr.containsKey("alert")) {
          alerts++;
          assertThat(path(rr, "annotations", "runbook_url"))
              .isEqualTo("https://runbooks.example.com/gatewatch/" + rr.get("alert") + ".md");
        }
      }
    }
    assertThat(alerts).isEqualTo(alertCount(source)).isPositive();
    // the objective of the scenario's values replaces the file's 0.99, in its one rule
    assertThat(objectiveExpr(path(rule, "spec", "groups"))).isEqualTo("vector(0.995)");
    assertThat(objectiveExpr(source.get("groups"))).isEqualTo("vector(0.99)");
    // apart from the runbook base and the objective, the groups are alerts/gatewatch.rules.yaml
    String base = "https://runbooks.example.com/gatewatch";
    String rendered =
        yaml()
            .dump(path(rule, "spec", "groups"))
            .replace(base, "BASE")
            .replace("vector(0.995)", "OBJECTIVE");
    String expected =
        yaml()
            .dump(source.get("groups"))
            .replace(defaultRunbookBase(), "BASE")
            .replace("vector(0.99)", "OBJECTIVE");
    assertThat(rendered).isEqualTo(expected);
  }

  /** gatewatch publishes no image: an install must say where it was pushed, and is told so. */
  @Test
  void theImageIsWhereTheValuesSayAtTheChartsVersion() {
    for (String scenario : scenarios().toList()) {
      for (Map<String, Object> d : objects(scenario, "Deployment")) {
        Map<String, Object> c = map(list(path(d, "spec", "template", "spec", "containers")).get(0));
        assertThat(c.get("image")).as(scenario).isEqualTo("registry.example.com/gatewatch:0.1.0");
      }
    }
    assertThatThrownBy(
            () ->
                new Helm(CHART)
                    .template()
                    .withName("gw")
                    .withNamespace("obs")
                    .withKubeVersion(KUBE_VERSION)
                    .call())
        .hasMessageContaining(
            "image.repository: set it to the registry and name you pushed the gatewatch image to");
  }

  /** README's Kubernetes quick start renders as written: its values file, as the README has it. */
  @Test
  void theReadmesQuickStartInstalls(@TempDir Path tmp) throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    Matcher m =
        Pattern.compile("cat > my-values.yaml <<'YAML'\n(.*?)\nYAML\n", Pattern.DOTALL)
            .matcher(readme);
    assertThat(m.find()).isTrue();
    Path values = tmp.resolve("my-values.yaml");
    Files.writeString(values, m.group(1));
    List<Map<String, Object>> objects = new ArrayList<>();
    for (Object doc :
        yaml()
            .loadAll(
                new Helm(CHART)
                    .template()
                    .withName("gw")
                    .withKubeVersion(KUBE_VERSION)
                    .withValuesFile(values)
                    .call())) {
      if (doc != null) {
        objects.add(map(doc));
      }
    }
    assertThat(objects.stream().map(o -> o.get("kind")))
        .contains("Deployment", "Service", "ServiceMonitor", "ConfigMap");
    List<Map<String, Object>> deployments =
        objects.stream().filter(o -> "Deployment".equals(o.get("kind"))).toList();
    assertThat(deployments).hasSize(1);
    Map<String, Object> c =
        map(list(path(deployments.get(0), "spec", "template", "spec", "containers")).get(0));
    assertThat(c.get("image")).isEqualTo("registry.example.com/gatewatch:0.1.0");
    assertThat(list(c.get("ports")))
        .anySatisfy(p -> assertThat(map(p)).containsEntry("containerPort", 8766));
  }

  @Test
  void anObjectiveOutsideZeroToOneFailsNamingItsValue() {
    for (String bad : List.of("1", "0", "99")) {
      assertThatThrownBy(
              () ->
                  new Helm(CHART)
                      .template()
                      .withName("gw")
                      .withNamespace("obs")
                      .withKubeVersion(KUBE_VERSION)
                      .withValuesFile(CHART.resolve("ci/all-values.yaml"))
                      .set("prometheusRule.resumeSuccessObjective", bad)
                      .call())
          .as(bad)
          .hasMessageContaining(
              "prometheusRule.resumeSuccessObjective: "
                  + bad
                  + " is not between 0 and 1 (exclusive)");
    }
  }

  /** The expression of the rule recording slo:gateway_resume_success:objective. */
  private static String objectiveExpr(Object groups) {
    List<String> exprs = new ArrayList<>();
    for (Object group : list(groups)) {
      for (Object r : list(map(group).get("rules"))) {
        if ("slo:gateway_resume_success:objective".equals(map(r).get("record"))) {
          exprs.add(String.valueOf(map(r).get("expr")));
        }
      }
    }
    assertThat(exprs).hasSize(1);
    return exprs.get(0);
  }

  @Test
  void dashboardsCarryTheSidecarLabelAndTheirContent() throws IOException {
    List<Map<String, Object>> maps = objects("all", "ConfigMap");
    Set<String> seen = new TreeSet<>();
    for (Map<String, Object> cm : maps) {
      String n = name(cm);
      if (!n.startsWith("gw-gatewatch-dashboard-")) {
        continue;
      }
      assertThat(map(path(cm, "metadata", "labels"))).containsEntry("grafana_dashboard", "1");
      Map<String, Object> data = map(cm.get("data"));
      assertThat(data).hasSize(1);
      String file = data.keySet().iterator().next();
      assertThat(data.get(file)).isEqualTo(Files.readString(Path.of("dashboards", file)));
      seen.add(file);
    }
    assertThat(seen)
        .containsExactlyElementsOf(
            dashboardNames().stream()
                .map(n -> n + ".json")
                .collect(Collectors.toCollection(TreeSet::new)));
  }

  @Test
  void theChartCarriesExactlyTheDashboardsAndAlerts() throws IOException {
    Path files = CHART.resolve("files");
    assertThat(listNames(files.resolve("dashboards")))
        .as("helm/gatewatch/files/dashboards against dashboards/ (run scripts/sync-chart.sh)")
        .isEqualTo(listNames(Path.of("dashboards")));
    for (String n : listNames(Path.of("dashboards"))) {
      assertThat(files.resolve("dashboards").resolve(n))
          .as("%s differs from dashboards/%s (run scripts/sync-chart.sh)", n, n)
          .hasSameBinaryContentAs(Path.of("dashboards", n));
    }
    assertThat(listNames(files.resolve("alerts"))).containsExactly("gatewatch.rules.yaml");
    assertThat(files.resolve("alerts/gatewatch.rules.yaml"))
        .as("differs from alerts/gatewatch.rules.yaml (run scripts/sync-chart.sh)")
        .hasSameBinaryContentAs(Path.of("alerts/gatewatch.rules.yaml"));
  }

  @Test
  void theRenderedConfigsPassGatewatchsOwnValidation(@TempDir Path tmp) throws IOException {
    int checked = 0;
    for (var e : RENDERED.entrySet()) {
      for (Map<String, Object> cm : e.getValue()) {
        if (!"ConfigMap".equals(cm.get("kind")) || name(cm).contains("-dashboard-")) {
          continue;
        }
        AgentConfig config = load(tmp, e.getKey() + "-" + name(cm), cm);
        assertThat(config.httpListen().getPort()).isEqualTo(9470);
        checked++;
      }
    }
    assertThat(checked).isEqualTo(6); // defaults 1, proxy 1, probe 2, all 2
    AgentConfig proxy = config("proxy", "gw-gatewatch", tmp);
    assertThat(proxy.proxies()).hasSize(2);
    assertThat(proxy.proxies().get(1).gateway()).isEqualTo("us-east");
    assertThat(proxy.proxies().get(1).compressedObservation()).isFalse();
    assertThat(proxy.proxies().get(1).settings().maxConnections()).isEqualTo(20000);
    AgentConfig all = config("all", "gw-gatewatch", tmp);
    assertThat(all.ingest().gateway()).isEqualTo("default");
    assertThat(all.ingest().settings().bearerToken()).isEqualTo("secret-from-ingest");
    assertThat(all.httpAuth().permits("Bearer secret-from-http-auth")).isTrue();
    assertThat(all.httpTls().cert().toString()).endsWith("/http-tls/tls.crt");
    assertThat(config("all", "gw-gatewatch-probe", tmp).httpAuth().required()).isTrue();
    assertThat(proxy.httpAuth().required()).isFalse();
    assertThat(proxy.correlation()).isNull();
    assertThat(all.correlation().url()).hasToString("rediss://redis.redis.svc:6380/2");
    assertThat(all.correlation().password()).isEqualTo("secret-from-redis");
    assertThat(all.correlation().keyPrefix()).isEqualTo("gatewatch:");
    assertThat(all.correlation().timeout()).isEqualTo(java.time.Duration.ofMillis(50));
    assertThat(config("all", "gw-gatewatch-probe", tmp).correlation()).isNull();
    assertThat(proxy.httpTls()).isNull();
    // captures: one file per gateway in the captures volume, with the chart's bound
    CaptureWriter.Settings usCapture = proxy.proxies().get(1).capture();
    assertThat(usCapture.file().getFileName().toString()).isEqualTo("us-east.ndjson");
    assertThat(usCapture.payloads()).isTrue();
    assertThat(usCapture.maxFileBytes()).isEqualTo(1L << 30);
    assertThat(usCapture.keep()).isEqualTo(4);
    CaptureWriter.Settings euCapture = all.proxies().get(0).capture();
    assertThat(euCapture.file().getFileName().toString()).isEqualTo("eu-west.ndjson");
    assertThat(euCapture.payloads()).isFalse(); // metadata only unless asked
    assertThat(euCapture.maxFileBytes()).isEqualTo(100L << 20);
    assertThat(euCapture.keep()).isEqualTo(10);
    assertThat(config("defaults", "gw-gatewatch", tmp).proxies()).isEmpty();
    Map<String, Object> endpoint =
        map(list(path(objects("all", "ServiceMonitor").get(0), "spec", "endpoints")).get(0));
    assertThat(endpoint)
        .containsEntry("scheme", "https")
        .containsEntry("tlsConfig", Map.of("serverName", "gw-gatewatch.default.svc"))
        .containsEntry(
            "authorization",
            Map.of(
                "type",
                "Bearer",
                "credentials",
                Map.of("name", "gatewatch-http-token", "key", "token")));
  }

  @Test
  void aStoppingProxyPodDrainsWithinItsGracePeriodOneAtATime(@TempDir Path tmp) throws IOException {
    // proxy: the defaults, 10 s pause + 30 s drain; all: 5 s + 45 s
    for (List<Integer> s : List.of(List.of(10, 30), List.of(5, 45))) {
      String scenario = s.get(1) == 30 ? "proxy" : "all";
      int pause = s.get(0);
      int drain = s.get(1);
      Map<String, Object> d = deployment(scenario, "gw-gatewatch");
      Map<String, Object> pod = map(path(d, "spec", "template", "spec"));
      assertThat(pod.get("terminationGracePeriodSeconds"))
          .as("%s: the pause, the drain, the agent's stop deadline and 5 s", scenario)
          .isEqualTo(pause + drain + 20);
      Map<String, Object> c = map(list(pod.get("containers")).get(0));
      assertThat(path(c, "lifecycle", "preStop", "exec", "command"))
          .isEqualTo(List.of("sleep", String.valueOf(pause)));
      assertThat(path(d, "spec", "minReadySeconds")).isEqualTo(pause + drain);
      assertThat(path(d, "spec", "strategy", "rollingUpdate"))
          .isEqualTo(Map.of("maxSurge", 1, "maxUnavailable", 0));
      assertThat(config(scenario, "gw-gatewatch", tmp).drainPeriod())
          .isEqualTo(java.time.Duration.ofSeconds(drain));
      Map<String, Object> pdb = objects(scenario, "PodDisruptionBudget").get(0);
      assertThat(map(pdb.get("spec")))
          .containsEntry("maxUnavailable", 1)
          .doesNotContainKey("minAvailable");
    }
    Map<String, Object> hpa = objects("proxy", "HorizontalPodAutoscaler").get(0);
    assertThat(path(hpa, "spec", "behavior", "scaleDown"))
        .isEqualTo(
            Map.of(
                "selectPolicy",
                "Min",
                "policies",
                List.of(Map.of("type", "Pods", "value", 1, "periodSeconds", 60))));
    // no proxy, nothing to drain: the agent without a proxy and the probe stop at once
    for (Map<String, Object> d :
        List.of(
            deployment("defaults", "gw-gatewatch"), deployment("probe", "gw-gatewatch-probe"))) {
      Map<String, Object> pod = map(path(d, "spec", "template", "spec"));
      assertThat(pod).doesNotContainKey("terminationGracePeriodSeconds");
      assertThat(map(list(pod.get("containers")).get(0))).doesNotContainKey("lifecycle");
      assertThat(map(d.get("spec"))).doesNotContainKey("minReadySeconds");
    }
  }

  @Test
  void theNotesExplainTheDrainNumbers() {
    String notes =
        new Helm(CHART)
            .install()
            .withName("gw")
            .withNamespace("obs")
            .withKubeVersion(KUBE_VERSION)
            .withValuesFile(CHART.resolve("ci/all-values.yaml"))
            .clientOnly()
            .dryRun()
            .call()
            .getOutput();
    assertThat(notes)
        .contains("a stopping pod keeps serving 5 s (preStop)")
        .contains("spread over 45 s")
        .contains("terminationGracePeriodSeconds 70 = 5 + 45 + 20")
        .contains("waits\nminReadySeconds 50 before the next")
        .contains("gatewatch_drain_remaining");
  }

  @Test
  void theRedisPasswordIsMountedFromItsSecretOnTheProxyOnly() {
    Map<String, Object> pod =
        map(path(deployment("all", "gw-gatewatch"), "spec", "template", "spec"));
    assertThat(list(pod.get("volumes")))
        .contains(
            Map.of(
                "name",
                "redis",
                "secret",
                Map.of(
                    "secretName",
                    "gatewatch-redis",
                    "items",
                    List.of(Map.of("key", "password", "path", "password")))));
    assertThat(list(map(list(pod.get("containers")).get(0)).get("volumeMounts")))
        .contains(Map.of("name", "redis", "mountPath", SECRETS_DIR + "/redis", "readOnly", true));
    Map<String, Object> probe =
        map(path(deployment("all", "gw-gatewatch-probe"), "spec", "template", "spec"));
    assertThat(list(probe.get("volumes"))).noneMatch(v -> "redis".equals(map(v).get("name")));
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void theNotesWarnWhenReplicasShareNoReconnectState(String scenario) {
    String notes =
        new Helm(CHART)
            .install()
            .withName("gw")
            .withNamespace("obs")
            .withKubeVersion(KUBE_VERSION)
            .withValuesFile(CHART.resolve("ci/" + scenario + "-values.yaml"))
            .clientOnly()
            .dryRun()
            .call()
            .getOutput();
    String warning =
        "WARNING: the proxy runs autoscaled (up to 10 replicas) without correlation.redis.url";
    if (scenario.equals("proxy")) { // autoscaled, no Redis
      assertThat(notes).contains(warning);
    } else { // all: three replicas with Redis; the others run no proxy
      assertThat(notes).doesNotContain("without correlation.redis.url");
    }
  }

  private static Map<String, Object> deployment(String scenario, String name) {
    return objects(scenario, "Deployment").stream()
        .filter(d -> name(d).equals(name))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void capturesGetAVolumeSizedToTheirBoundOnlyWhenAsked() {
    // all: one gateway, defaults (keep 10, 100 MiB): an emptyDir of (10 + 2) x 100 Mi
    Map<String, Object> all = podSpec("all", "gw-gatewatch");
    assertThat(volume(all, "captures"))
        .isEqualTo(Map.of("name", "captures", "emptyDir", Map.of("sizeLimit", "1200Mi")));
    assertThat(mount(all, "captures"))
        .isEqualTo(Map.of("name", "captures", "mountPath", CAPTURES_DIR));
    // proxy: an existing claim, each pod in a directory of its own name
    Map<String, Object> proxy = podSpec("proxy", "gw-gatewatch");
    assertThat(volume(proxy, "captures"))
        .isEqualTo(
            Map.of(
                "name",
                "captures",
                "persistentVolumeClaim",
                Map.of("claimName", "gatewatch-captures")));
    assertThat(mount(proxy, "captures"))
        .isEqualTo(
            Map.of("name", "captures", "mountPath", CAPTURES_DIR, "subPathExpr", "$(POD_NAME)"));
    assertThat(list(map(list(proxy.get("containers")).get(0)).get("env")))
        .contains(
            Map.of(
                "name",
                "POD_NAME",
                "valueFrom",
                Map.of("fieldRef", Map.of("fieldPath", "metadata.name"))));
    // off by default, and never on the probe
    assertThat(volume(podSpec("defaults", "gw-gatewatch"), "captures")).isNull();
    assertThat(volume(podSpec("all", "gw-gatewatch-probe"), "captures")).isNull();
  }

  // ---- helpers ----

  private static Map<String, Object> podSpec(String scenario, String deployment) {
    for (Map<String, Object> d : objects(scenario, "Deployment")) {
      if (name(d).equals(deployment)) {
        return map(path(d, "spec", "template", "spec"));
      }
    }
    throw new AssertionError("no Deployment " + deployment + " in " + scenario);
  }

  private static Map<String, Object> volume(Map<String, Object> pod, String name) {
    for (Object v : list(pod.get("volumes"))) {
      if (name.equals(map(v).get("name"))) {
        return map(v);
      }
    }
    return null;
  }

  private static Map<String, Object> mount(Map<String, Object> pod, String name) {
    for (Object m : list(map(list(pod.get("containers")).get(0)).get("volumeMounts"))) {
      if (name.equals(map(m).get("name"))) {
        return map(m);
      }
    }
    return null;
  }

  private static AgentConfig config(String scenario, String configMap, Path tmp)
      throws IOException {
    for (Map<String, Object> cm : objects(scenario, "ConfigMap")) {
      if (name(cm).equals(configMap)) {
        return load(tmp, "one-" + scenario, cm);
      }
    }
    throw new AssertionError("no ConfigMap " + configMap + " in " + scenario);
  }

  /**
   * Loads a rendered config as the agent would, with the chart's Secrets "mounted" under {@code
   * tmp} (gatewatch reads token files at start-up).
   */
  private static AgentConfig load(Path tmp, String name, Map<String, Object> configMap)
      throws IOException {
    Path secrets = tmp.resolve(name + "-secrets");
    for (String dir : List.of("probe", "ingest", "http-auth")) {
      Files.createDirectories(secrets.resolve(dir));
      Files.writeString(secrets.resolve(dir).resolve("token"), "secret-from-" + dir + "\n");
    }
    Files.createDirectories(secrets.resolve("redis"));
    Files.writeString(secrets.resolve("redis").resolve("password"), "secret-from-redis\n");
    Files.createDirectories(secrets.resolve("http-tls"));
    Files.writeString(secrets.resolve("http-tls").resolve("tls.crt"), "pem");
    Files.writeString(secrets.resolve("http-tls").resolve("tls.key"), "pem");
    Path captures = Files.createDirectories(tmp.resolve(name + "-captures"));
    String text = (String) map(configMap.get("data")).get("config.yaml");
    Path file = tmp.resolve(name + ".yaml");
    Files.writeString(
        file,
        text.replace(SECRETS_DIR, secrets.toString()).replace(CAPTURES_DIR, captures.toString()));
    return AgentConfig.load(file, Map.of());
  }

  private static int alertCount(Map<String, Object> rules) {
    int n = 0;
    for (Object group : list(rules.get("groups"))) {
      for (Object r : list(map(group).get("rules"))) {
        if (map(r).containsKey("alert")) {
          n++;
        }
      }
    }
    return n;
  }

  /** The base of runbook_url in alerts/gatewatch.rules.yaml, as the chart's helper names it. */
  private static String defaultRunbookBase() throws IOException {
    String helpers = Files.readString(CHART.resolve("templates/_helpers.tpl"));
    int at = helpers.indexOf("define \"gatewatch.defaultRunbookBase\" -}}");
    String rest = helpers.substring(at + "define \"gatewatch.defaultRunbookBase\" -}}".length());
    return rest.substring(0, rest.indexOf("{{"));
  }

  private static List<String> dashboardNames() {
    return listNames(Path.of("dashboards")).stream()
        .filter(n -> n.endsWith(".json"))
        .map(n -> n.substring(0, n.length() - ".json".length()))
        .toList();
  }

  private static List<String> listNames(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Set<String> kinds(String scenario) {
    return RENDERED.get(scenario).stream()
        .map(o -> o.get("kind") + " " + name(o))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static List<Map<String, Object>> objects(String scenario, String kind) {
    return RENDERED.get(scenario).stream().filter(o -> kind.equals(o.get("kind"))).toList();
  }

  private static String name(Map<String, Object> o) {
    return String.valueOf(path(o, "metadata", "name"));
  }

  private static Object path(Map<String, Object> o, String... keys) {
    Object at = o;
    for (String k : keys) {
      if (!(at instanceof Map<?, ?> m)) {
        return null;
      }
      at = m.get(k);
    }
    return at;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    assertThat(o).isInstanceOf(Map.class);
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    assertThat(o).isInstanceOf(List.class);
    return (List<Object>) o;
  }

  private static void deepMerge(Map<String, Object> into, Map<String, Object> from) {
    from.forEach(
        (k, v) -> {
          if (v instanceof Map<?, ?> && into.get(k) instanceof Map<?, ?>) {
            deepMerge(map(into.get(k)), map(v));
          } else {
            into.put(k, v);
          }
        });
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.sorted(Comparator.naturalOrder()).toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private static Yaml yaml() {
    return new Yaml(new SafeConstructor(new LoaderOptions()));
  }
}
