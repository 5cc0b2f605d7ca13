package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatewatch.config.ConfigException;
import io.gatewatch.config.ConfigNode;
import io.gatewatch.server.IngestEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentConfigTest {
  static final String GOOD =
      """
      http:
        listen: 127.0.0.1:9471
      profile: fluxer-current
      tracker:
        link_window: 5m
      proxies:
        - gateway: eu-west
          listen: 0.0.0.0:8766
          upstream: wss://gateway.example.com/
          capture: /tmp/eu.ndjson
          compressed_observation: false
        - gateway: us-east
          listen: 0.0.0.0:8767
          upstream: ws://10.0.0.2:8080
          idle_timeout: 90s
      """;

  static AgentConfig read(String yaml, Map<String, String> env) {
    return AgentConfig.read(ConfigNode.parse("agent.yaml", yaml), env);
  }

  @Test
  void aFullFileReadsWithDefaultsForWhatItLeavesOut() {
    AgentConfig c = read(GOOD, Map.of());

    assertThat(c.httpListen().getPort()).isEqualTo(9471);
    assertThat(c.profile().name()).isEqualTo("fluxer-current");
    assertThat(c.tracker().linkWindow()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.proxies()).hasSize(2);
    AgentConfig.ProxyConfig eu = c.proxies().get(0);
    assertThat(eu.gateway()).isEqualTo("eu-west");
    assertThat(eu.upstream().toString()).isEqualTo("wss://gateway.example.com"); // normalized
    assertThat(eu.compressedObservation()).isFalse();
    assertThat(eu.capture().file().toString()).isEqualTo("/tmp/eu.ndjson");
    assertThat(eu.capture().payloads()).isFalse(); // metadata only unless asked
    assertThat(eu.capture().maxFileBytes()).isEqualTo(100L << 20);
    assertThat(eu.capture().keep()).isEqualTo(10);
    AgentConfig.ProxyConfig us = c.proxies().get(1);
    assertThat(us.compressedObservation()).isTrue();
    assertThat(us.settings().idleTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(us.settings().connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(us.settings().maxConnections()).isEqualTo(10_000);
  }

  @Test
  void anEmptyFileIsTheDefaults() {
    AgentConfig c = read("", Map.of());
    assertThat(c.httpListen().getPort()).isEqualTo(9470);
    assertThat(c.httpListen().getHostString()).isEqualTo("127.0.0.1");
    assertThat(c.profile().name()).isEqualTo("fluxer-seed");
    assertThat(c.proxies()).isEmpty();
  }

  @Test
  void environmentVariablesOverrideByPath() {
    AgentConfig c =
        read(
            GOOD,
            Map.of(
                "GATEWATCH_PROXIES_0_UPSTREAM", "ws://127.0.0.1:1",
                "GATEWATCH_PROXIES_1_IDLE_TIMEOUT", "30s",
                "GATEWATCH_HTTP_LISTEN", "127.0.0.1:9999"));
    assertThat(c.proxies().get(0).upstream().toString()).isEqualTo("ws://127.0.0.1:1");
    assertThat(c.proxies().get(1).settings().idleTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.httpListen().getPort()).isEqualTo(9999);
    assertThat(AgentConfig.envName("proxies[0].upstream"))
        .isEqualTo("GATEWATCH_PROXIES_0_UPSTREAM");
  }

  @Test
  void theDrainPeriodIsAgentWideFromTheFileOrTheEnvironment() {
    assertThat(read(GOOD, Map.of()).drainPeriod()).isEqualTo(Duration.ofSeconds(30));
    assertThat(read("drain_period: 45s\n" + GOOD, Map.of()).drainPeriod())
        .isEqualTo(Duration.ofSeconds(45));
    assertThat(read("drain_period: 0\n", Map.of()).drainPeriod()).isZero();
    // the variable also when the file says nothing, as for the profile
    assertThat(read(GOOD, Map.of("GATEWATCH_DRAIN_PERIOD", "2m")).drainPeriod())
        .isEqualTo(Duration.ofMinutes(2));
    assertThat(read("drain_period: 45s\n", Map.of("GATEWATCH_DRAIN_PERIOD", "0")).drainPeriod())
        .isZero();
    assertThat(read(GOOD, Map.of()).withDrainPeriod(Duration.ofSeconds(5)).drainPeriod())
        .isEqualTo(Duration.ofSeconds(5));

    assertThatThrownBy(() -> read("drain_period: soon\n", Map.of()))
        .hasMessage(
            "agent.yaml: drain_period (line 1): expected a duration such as 500ms, 45s, 10m or"
                + " 1h, got \"soon\"");
    assertThatThrownBy(() -> read("drain_period: 2h\n", Map.of()))
        .hasMessage("agent.yaml: drain_period (line 1): must be at most 60m");
    assertThatThrownBy(() -> read("drain_period: 45s\n", Map.of("GATEWATCH_DRAIN_PERIOD", "x")))
        .hasMessage(
            "agent.yaml: drain_period (line 1): GATEWATCH_DRAIN_PERIOD: expected a duration such"
                + " as 500ms, 45s, 10m or 1h, got \"x\"");
    assertThatThrownBy(() -> read(GOOD, Map.of("GATEWATCH_DRAIN_PERIOD", "3h")))
        .hasMessageEndingWith("GATEWATCH_DRAIN_PERIOD: must be at most 60m, got \"3h\"");
  }

  @Test
  void aCapturesContentAndDiskBoundAreSettings() {
    String yaml =
        GOOD.replace(
            "capture: /tmp/eu.ndjson",
            "capture: /tmp/eu.ndjson\n    capture_payloads: true\n    capture_max_size: 512MiB\n"
                + "    capture_keep: 0");
    AgentConfig.ProxyConfig eu = read(yaml, Map.of()).proxies().get(0);
    assertThat(eu.capture().payloads()).isTrue();
    assertThat(eu.capture().maxFileBytes()).isEqualTo(512L << 20);
    assertThat(eu.capture().keep()).isZero();
    assertThat(read(GOOD, Map.of()).proxies().get(1).capture()).isNull();

    AgentConfig.ProxyConfig env =
        read(
                yaml,
                Map.of(
                    "GATEWATCH_PROXIES_0_CAPTURE_MAX_SIZE", "1GiB",
                    "GATEWATCH_PROXIES_0_CAPTURE_KEEP", "3",
                    "GATEWATCH_PROXIES_0_CAPTURE_PAYLOADS", "false"))
            .proxies()
            .get(0);
    assertThat(env.capture().maxFileBytes()).isEqualTo(1L << 30);
    assertThat(env.capture().keep()).isEqualTo(3);
    assertThat(env.capture().payloads()).isFalse();

    assertThatThrownBy(() -> read(yaml.replace("512MiB", "512MB"), Map.of()))
        .hasMessage(
            "agent.yaml: proxies[0].capture_max_size (line 12): expected a size such as 512KiB,"
                + " 100MiB or 1GiB, got \"512MB\"");
    assertThatThrownBy(() -> read(yaml.replace("512MiB", "100"), Map.of()))
        .hasMessage(
            "agent.yaml: proxies[0].capture_max_size (line 12): \"100\" has no unit; add one, e.g."
                + " 100MiB (units: B, KiB, MiB, GiB, TiB)");
    assertThatThrownBy(() -> read(yaml.replace("512MiB", "512B"), Map.of()))
        .hasMessage("agent.yaml: proxies[0].capture_max_size (line 12): must be at least 1KiB");
    assertThatThrownBy(() -> read(yaml, Map.of("GATEWATCH_PROXIES_0_CAPTURE_MAX_SIZE", "big")))
        .hasMessage(
            "agent.yaml: proxies[0].capture_max_size (line 12): GATEWATCH_PROXIES_0_CAPTURE_MAX_SIZE:"
                + " expected a size such as 512KiB, 100MiB or 1GiB, got \"big\"");
    assertThatThrownBy(() -> read(yaml.replace("capture_keep: 0", "capture_keep: -1"), Map.of()))
        .hasMessage("agent.yaml: proxies[0].capture_keep (line 13): must not be negative");
    assertThatThrownBy(
            () ->
                read(
                    GOOD.replace("idle_timeout: 90s", "idle_timeout: 90s\n    capture_keep: 2"),
                    Map.of()))
        .hasMessage(
            "agent.yaml: proxies[1].capture_keep (line 16): needs capture (the file to write)");
  }

  @Test
  void aDurationWithoutAUnitIsRefusedInTheFileAndInTheEnvironment() {
    assertThatThrownBy(() -> read(GOOD.replace("idle_timeout: 90s", "idle_timeout: 90"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "agent.yaml: proxies[1].idle_timeout (line 15): \"90\" has no unit; add one, e.g. 90s"
                + " (units: ms, s, m, h)");
    assertThatThrownBy(() -> read(GOOD, Map.of("GATEWATCH_PROXIES_1_IDLE_TIMEOUT", "120")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "agent.yaml: proxies[1].idle_timeout (line 15): GATEWATCH_PROXIES_1_IDLE_TIMEOUT:"
                + " \"120\" has no unit; add one, e.g. 120s (units: ms, s, m, h)");
    assertThat(read(GOOD, Map.of("GATEWATCH_PROXIES_1_IDLE_TIMEOUT", "0")).proxies().get(1))
        .extracting(p -> p.settings().idleTimeout())
        .isEqualTo(Duration.ZERO);
  }

  @Test
  void errorsNameTheFileThePathAndTheLine() {
    assertThatThrownBy(
            () -> read(GOOD.replace("wss://gateway.example.com/", "https://x"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("agent.yaml: proxies[0].upstream (line 9): not a ws:// or wss:// URL");
    assertThatThrownBy(() -> read(GOOD.replace("idle_timeout: 90s", "idle_timout: 90s"), Map.of()))
        .hasMessageStartingWith("agent.yaml: proxies[1].idle_timout (line 15): unknown key");
    assertThatThrownBy(() -> read(GOOD.replace("us-east", "eu-west"), Map.of()))
        .hasMessage("agent.yaml: proxies[1].gateway (line 12): gateway \"eu-west\" is used twice");
    assertThatThrownBy(() -> read(GOOD.replace("0.0.0.0:8767", "0.0.0.0:8766"), Map.of()))
        .hasMessage(
            "agent.yaml: proxies[1].listen (line 13): address already used by another listener");
    assertThatThrownBy(
            () -> read(GOOD.replace("listen: 127.0.0.1:9471", "listen: nowhere"), Map.of()))
        .hasMessage("agent.yaml: http.listen (line 2): expected HOST:PORT, got \"nowhere\"");
    assertThatThrownBy(() -> read(GOOD.replace("eu-west", "eu west"), Map.of()))
        .hasMessageStartingWith(
            "agent.yaml: proxies[0].gateway (line 7): expected 1-64 of letters");
    assertThatThrownBy(
            () ->
                read(
                    GOOD.replace("wss://gateway.example.com/", "wss://gw.example.com/gateway"),
                    Map.of()))
        .hasMessage(
            "agent.yaml: proxies[0].upstream (line 9): must not have a path (clients' paths are"
                + " passed on unchanged): wss://gw.example.com/gateway");
    assertThatThrownBy(() -> read(GOOD, Map.of("GATEWATCH_PROXIES_0_UPSTREAM", "nope")))
        .hasMessage(
            "agent.yaml: proxies[0].upstream (line 9): GATEWATCH_PROXIES_0_UPSTREAM: not a ws:// or"
                + " wss:// URL");
  }

  @Test
  void correlationReadsItsPasswordFromAFileOrTheEnvironmentAndNeverShowsIt(@TempDir Path dir)
      throws Exception {
    assertThat(read(GOOD, Map.of()).correlation()).isNull();
    Path secret = dir.resolve("redis-password");
    Files.writeString(secret, "hunter2-redis\n");
    AgentConfig c =
        read(
            GOOD
                + """
                correlation:
                  url: rediss://gw@redis.example.com:6380/3
                  password_file: %s
                  key_prefix: "gw1:"
                  timeout: 20ms
                """
                    .formatted(secret),
            Map.of());
    assertThat(c.correlation().url()).hasToString("rediss://gw@redis.example.com:6380/3");
    assertThat(c.correlation().tls()).isTrue();
    assertThat(c.correlation().password()).isEqualTo("hunter2-redis");
    assertThat(c.correlation().keyPrefix()).isEqualTo("gw1:");
    assertThat(c.correlation().timeout()).isEqualTo(Duration.ofMillis(20));
    assertThat(c.toString()).doesNotContain("hunter2");

    // turned on by variables alone, as the Helm chart or a flag does
    AgentConfig e =
        read(
            GOOD,
            Map.of(
                "GATEWATCH_CORRELATION_URL", "redis://127.0.0.1:6379",
                "GATEWATCH_CORRELATION_PASSWORD_ENV", "REDIS_PW",
                "REDIS_PW", "from-env"));
    assertThat(e.correlation().url()).hasToString("redis://127.0.0.1:6379");
    assertThat(e.correlation().password()).isEqualTo("from-env");
    assertThat(e.correlation().keyPrefix()).isEqualTo("gatewatch:");
    assertThat(e.correlation().timeout()).isEqualTo(Duration.ofMillis(50));
  }

  @Test
  void correlationErrorsNameThePathAndNeverThePassword() {
    String file = GOOD + "correlation:\n  url: %s\n";
    assertThatThrownBy(() -> read(file.formatted("http://redis:6379"), Map.of()))
        .hasMessage("agent.yaml: correlation.url (line 17): not a redis:// or rediss:// URL");
    assertThatThrownBy(() -> read(file.formatted("redis://:hunter2@redis:6379"), Map.of()))
        .hasMessage(
            "agent.yaml: correlation.url (line 17): the URL holds a password; give it in a file or"
                + " an environment variable instead")
        .message()
        .doesNotContain("hunter2");
    assertThatThrownBy(() -> read(file.formatted("redis://redis:6379/x"), Map.of()))
        .hasMessage(
            "agent.yaml: correlation.url (line 17): the path may only be a database number (/0"
                + " to /99)");
    assertThatThrownBy(
            () -> read(file.formatted("redis://redis:6379") + "  password_env: NOPE\n", Map.of()))
        .hasMessage(
            "agent.yaml: correlation.password_env (line 18): environment variable NOPE is not set"
                + " or empty");
    assertThatThrownBy(
            () -> read(file.formatted("redis://redis:6379") + "  timeout: 10s\n", Map.of()))
        .hasMessage("agent.yaml: correlation.timeout (line 18): must be above 0 and at most 5s");
    assertThatThrownBy(
            () ->
                read(file.formatted("redis://redis:6379") + "  ca_file: /etc/hostname\n", Map.of()))
        .hasMessage("agent.yaml: correlation.ca_file (line 18): needs a rediss:// url (TLS)");
    assertThatThrownBy(() -> read(file.formatted("redis://redis:6379") + "  db: 2\n", Map.of()))
        .hasMessageStartingWith("agent.yaml: correlation.db (line 18): unknown key");
    assertThatThrownBy(() -> read(GOOD, Map.of("GATEWATCH_CORRELATION_URL", "redis:/nohost")))
        .hasMessageContaining("correlation.url")
        .hasMessageEndingWith("a redis:// URL needs a host");
  }

  @Test
  void theIngestSectionReadsItsTokenFromAFileOrTheEnvironment(@TempDir Path dir) throws Exception {
    assertThat(read(GOOD, Map.of()).ingest()).isNull();
    assertThat(read("ingest:\n  enabled: false\n", Map.of()).ingest()).isNull();

    AgentConfig.IngestConfig open = read("ingest:\n  enabled: true\n", Map.of()).ingest();
    assertThat(open.gateway()).isEqualTo("default");
    assertThat(open.settings()).isEqualTo(IngestEndpoint.Settings.OPEN);

    Path token = dir.resolve("token");
    Files.writeString(token, "s3cret\n");
    AgentConfig.IngestConfig fromFile =
        read(
                "ingest:\n  enabled: true\n  gateway: bots\n  token_file: "
                    + token
                    + "\n  max_body_bytes: 2048\n  max_line_bytes: 512\n",
                Map.of())
            .ingest();
    assertThat(fromFile.gateway()).isEqualTo("bots");
    assertThat(fromFile.settings()).isEqualTo(new IngestEndpoint.Settings("s3cret", 2048, 512));
    assertThat(fromFile.settings().toString()).doesNotContain("s3cret");

    AgentConfig.IngestConfig fromEnv =
        read("ingest:\n  enabled: true\n  token_env: INGEST_TOKEN\n", Map.of("INGEST_TOKEN", "t0k"))
            .ingest();
    assertThat(fromEnv.settings().bearerToken()).isEqualTo("t0k");
    assertThat(
            read("ingest:\n  enabled: false\n", Map.of("GATEWATCH_INGEST_ENABLED", "true"))
                .ingest())
        .isNotNull();
  }

  @Test
  void ingestErrorsNameThePathAndNeverTheToken(@TempDir Path dir) {
    assertThatThrownBy(() -> read("ingest:\n  enabled: true\n  token_env: NOPE\n", Map.of()))
        .hasMessage(
            "agent.yaml: ingest.token_env (line 3): environment variable NOPE is not set or empty");
    assertThatThrownBy(
            () ->
                read(
                    "ingest:\n  enabled: true\n  token_file: " + dir.resolve("missing") + "\n",
                    Map.of()))
        .hasMessage(
            "agent.yaml: ingest.token_file (line 3): cannot read "
                + dir.resolve("missing")
                + ": no such file");
    assertThatThrownBy(
            () -> read("ingest:\n  enabled: true\n  token_file: /x\n  token_env: Y\n", Map.of()))
        .hasMessage(
            "agent.yaml: ingest.token_env (line 4): give token_file or token_env, not both");
    assertThatThrownBy(() -> read("ingest:\n  enabled: true\n  gateway: a b\n", Map.of()))
        .hasMessageStartingWith("agent.yaml: ingest.gateway (line 3): expected 1-64 of letters");
    assertThatThrownBy(() -> read("ingest:\n  enabled: true\n  max_line_bytes: 0\n", Map.of()))
        .hasMessage("agent.yaml: ingest.max_line_bytes (line 3): must be at least 1");
    assertThatThrownBy(() -> read("ingest:\n  enable: true\n", Map.of()))
        .hasMessageStartingWith("agent.yaml: ingest.enable (line 2): unknown key");
  }

  @Test
  void httpAuthAndTlsRead(@TempDir Path dir) throws Exception {
    Path token = Files.writeString(dir.resolve("http-token"), "  metrics-s3cret\n");
    Path cert = Files.writeString(dir.resolve("tls.crt"), "pem");
    Path key = Files.writeString(dir.resolve("tls.key"), "pem");
    AgentConfig c =
        read(
            "http:\n  auth:\n    bearer_token_file: "
                + token
                + "\n  tls:\n    cert: "
                + cert
                + "\n    key: "
                + key
                + "\n",
            Map.of());
    assertThat(c.httpAuth().permits("Bearer metrics-s3cret")).isTrue();
    assertThat(c.httpAuth().permits(null)).isFalse();
    assertThat(c.httpTls()).isEqualTo(new AgentConfig.HttpTls(cert, key));
    assertThat(c.toString()).doesNotContain("metrics-s3cret");

    AgentConfig env =
        read("http:\n  auth:\n    bearer_token_env: TOK\n", Map.of("TOK", "from-env"));
    assertThat(env.httpAuth().permits("Bearer from-env")).isTrue();
    String hash = "a".repeat(64);
    AgentConfig basic =
        read(
            "http:\n  auth:\n    basic:\n      user: prom\n      password_sha256: " + hash + "\n",
            Map.of());
    assertThat(basic.httpAuth().toString()).isEqualTo("HttpAuth[basic]");
    assertThat(basic.toString()).doesNotContain(hash);
    assertThat(read("", Map.of()).httpAuth().required()).isFalse();
    assertThat(read("", Map.of()).httpTls()).isNull();
  }

  @Test
  void httpAuthErrorsNameThePathAndNeverTheSecret(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> read("http:\n  auth: {}\n", Map.of()))
        .hasMessage(
            "agent.yaml: http.auth (line 2): exactly one of bearer_token_file, bearer_token_env"
                + " and basic is required");
    assertThatThrownBy(
            () ->
                read(
                    "http:\n  auth:\n    bearer_token_env: A\n    bearer_token_file: /x\n",
                    Map.of("A", "b")))
        .hasMessageStartingWith("agent.yaml: http.auth (line 3): exactly one of")
        .hasMessageEndingWith("got [bearer_token_file, bearer_token_env]");
    assertThatThrownBy(() -> read("http:\n  auth:\n    bearer_token_env: NOPE\n", Map.of()))
        .hasMessage(
            "agent.yaml: http.auth.bearer_token_env (line 3): environment variable NOPE is not"
                + " set or empty");
    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    assertThatThrownBy(() -> read("http:\n  auth:\n    bearer_token_file: " + empty, Map.of()))
        .hasMessage(
            "agent.yaml: http.auth.bearer_token_file (line 3): "
                + empty
                + " is empty; it must hold the token");
    String plain = "my-plain-password";
    assertThatThrownBy(
            () ->
                read(
                    "http:\n  auth:\n    basic:\n      user: prom\n      password_sha256: "
                        + plain
                        + "\n",
                    Map.of()))
        .hasMessage(
            "agent.yaml: http.auth.basic.password_sha256 (line 5): expected the password's"
                + " SHA-256 as 64 hex digits (sha256sum of the password)")
        .message()
        .doesNotContain(plain);
    assertThatThrownBy(
            () ->
                read(
                    "http:\n  auth:\n    basic:\n      user: a:b\n      password_sha256: x\n",
                    Map.of()))
        .hasMessage("agent.yaml: http.auth.basic.user (line 4): must be non-empty and hold no ':'");
    assertThatThrownBy(
            () -> read("http:\n  tls:\n    cert: " + dir.resolve("no.crt") + "\n", Map.of()))
        .hasMessage("agent.yaml: http.tls.cert (line 3): cannot read " + dir.resolve("no.crt"));
    assertThatThrownBy(() -> read("http:\n  tsl: {}\n", Map.of()))
        .hasMessageStartingWith("agent.yaml: http.tsl (line 2): unknown key");
  }

  static final String PROBES =
      """
      probes:
        - gateway: eu-west
          url: wss://gateway.example.com
          token_file: %s
          sessions: 2
          resume_every: 2m
        - gateway: us-east
          url: wss://us.example.com/?v=1&encoding=json
          token_env: PROBE_TOKEN
      """;

  @Test
  void probesReadWithTheirTokensFromAFileOrTheEnvironment(@TempDir Path dir) throws Exception {
    Path token = dir.resolve("token");
    Files.writeString(token, "secret-from-file\n");
    AgentConfig c = read(PROBES.formatted(token), Map.of("PROBE_TOKEN", "secret-from-env"));

    assertThat(c.probes()).hasSize(2);
    AgentConfig.ProbeConfig eu = c.probes().get(0);
    assertThat(eu.settings().gateway()).isEqualTo("eu-west");
    assertThat(eu.settings().url().toString())
        .isEqualTo("wss://gateway.example.com/?v=1&encoding=json");
    assertThat(eu.settings().sessions()).isEqualTo(2);
    assertThat(eu.settings().resumeEvery()).isEqualTo(Duration.ofMinutes(2));
    assertThat(eu.token().toString()).isEqualTo("token from file " + token);
    AgentConfig.ProbeConfig us = c.probes().get(1);
    assertThat(us.settings().sessions()).isEqualTo(1);
    assertThat(us.settings().resumeEvery()).isEqualTo(Duration.ofMinutes(5));
    assertThat(us.token().toString()).isEqualTo("token from environment variable PROBE_TOKEN");
    assertThat(c.toString()).doesNotContain("secret-from");
  }

  @Test
  void probeErrorsNameThePath(@TempDir Path dir) throws Exception {
    Path token = dir.resolve("token");
    Files.writeString(token, "t");
    String good = PROBES.formatted(token);
    Map<String, String> env = Map.of("PROBE_TOKEN", "t");
    assertThatThrownBy(() -> read(good.replace("wss://gateway.example.com", "http://x"), env))
        .hasMessage("agent.yaml: probes[0].url (line 3): not a ws:// or wss:// URL");
    assertThatThrownBy(() -> read(good, Map.of()))
        .hasMessage(
            "agent.yaml: probes[1].token_env (line 9): environment variable PROBE_TOKEN is not"
                + " set");
    assertThatThrownBy(() -> read(good.replace(token.toString(), "/nonexistent/t"), env))
        .hasMessage(
            "agent.yaml: probes[0].token_file (line 4): cannot read token file /nonexistent/t: no"
                + " such file");
    assertThatThrownBy(() -> read(good.replace("token_env: PROBE_TOKEN", "token: secret"), env))
        .hasMessageStartingWith("agent.yaml: probes[1].token (line 9): unknown key");
    assertThatThrownBy(() -> read(good.replace("us-east", "eu-west"), env))
        .hasMessage("agent.yaml: probes[1].gateway (line 7): gateway \"eu-west\" is probed twice");
    assertThatThrownBy(
            () -> read(good.replace("encoding=json", "encoding=json&compress=zstd-stream"), env))
        .hasMessage(
            "agent.yaml: probes[1].url (line 8): the probe speaks plain JSON; remove compress=");
    assertThatThrownBy(() -> read(good.replace("sessions: 2", "sessions: 0"), env))
        .hasMessage("agent.yaml: probes[0].sessions (line 5): must be at least 1");
  }
}
