package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatewatch.capture.CaptureParser;
import io.gatewatch.capture.CaptureTap;
import io.gatewatch.config.ConfigNode;
import io.gatewatch.metrics.Source;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.sim.Behaviour;
import io.gatewatch.sim.Fleet;
import io.gatewatch.sim.FleetObserver;
import io.gatewatch.sim.FleetSettings;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import io.gatewatch.track.ConnectionTracker;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code gatewatch run --config}: proxies from a file, and what their captures replay to. */
class RunCommandTest {

  @Test
  void aProxyFromTheFileRelaysWatchesAndCapturesWhatReplayThenAgreesWith(@TempDir Path dir)
      throws Exception {
    Path capture = dir.resolve("eu.ndjson");
    try (GatewaySimulator sim =
        new GatewaySimulator(
                SimulatorSettings.builder()
                    .listen("127.0.0.1:0")
                    .heartbeatInterval(Duration.ofMillis(500))
                    .heartbeatTimeout(Duration.ofMillis(545))
                    .build())
            .start()) {
      String yaml =
          "http: {listen: 127.0.0.1:0}\n"
              + "proxies:\n"
              + "  - gateway: eu-west\n"
              + "    listen: 127.0.0.1:0\n"
              + "    upstream: ws://127.0.0.1:"
              + sim.port()
              + "\n"
              + "    capture: "
              + capture
              + "\n";
      AgentConfig config = AgentConfig.read(ConfigNode.parse("agent.yaml", yaml), Map.of());
      List<String> live;
      AgentRunner agent = AgentRunner.start(config);
      try {
        String url = agent.proxies().get(0).url("/?v=1&encoding=json");
        try (Fleet fleet =
            new Fleet(
                new FleetSettings(
                    URI.create(url),
                    4,
                    Map.of(Behaviour.GOOD, 2, Behaviour.DEAF, 1, Behaviour.BAD_TOKEN, 1),
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(2),
                    5),
                ProfileLoader.load("fluxer-seed"),
                FleetObserver.NONE)) {
          fleet.start();
          String metrics = "http://" + agent.server().hostPort() + "/metrics";
          await()
              .atMost(Duration.ofSeconds(20))
              .until(
                  () ->
                      scrape(metrics)
                          .contains(
                              "gateway_close_total{code=\"4009\",gateway=\"eu-west\","
                                  + "initiator=\"server\",name=\"session_timeout\","
                                  + "resumable=\"true\",source=\"proxy\"}"));
        }
      } finally {
        agent.close();
      }
      live = gatewaySeries(agent.watches());
      assertThat(live).anyMatch(l -> l.startsWith("gateway_ready_total{gateway=\"eu-west\""));

      // The capture holds no token and replays to exactly the same gateway_* series.
      String text = Files.readString(capture);
      assertThat(text).doesNotContain("valid-fleet-").doesNotContain("revoked-fleet-");
      Watches replayed = new Watches(TokenFingerprinter.withRandomSalt());
      ConnectionTracker tracker =
          replayed.add(
              ProfileLoader.load("fluxer-seed"),
              TrackerSettings.DEFAULTS,
              Source.PROXY,
              "eu-west",
              Signals.NONE);
      CaptureTap tap = new CaptureTap(tracker);
      CaptureParser parser = new CaptureParser();
      for (String line : text.split("\n")) {
        tap.accept(parser.parse(line.getBytes(StandardCharsets.UTF_8)));
      }
      assertThat(gatewaySeries(replayed)).isEqualTo(live);
    }
  }

  @Test
  void probesFromTheFileHoldSessionsEachUnderItsGatewayLabel(@TempDir Path dir) throws Exception {
    Path token = dir.resolve("token");
    Files.writeString(token, "valid-run-probe");
    try (GatewaySimulator sim =
        new GatewaySimulator(
                SimulatorSettings.builder()
                    .listen("127.0.0.1:0")
                    .dispatchRate(0)
                    .heartbeatInterval(Duration.ofMillis(500))
                    .heartbeatTimeout(Duration.ofMillis(2_000))
                    .build())
            .start()) {
      String yaml =
          "http: {listen: 127.0.0.1:0}\n"
              + "probes:\n"
              + "  - {gateway: eu-west, url: \"ws://127.0.0.1:"
              + sim.port()
              + "\", token_file: \""
              + token
              + "\"}\n"
              + "  - {gateway: us-east, url: \"ws://127.0.0.1:"
              + sim.port()
              + "\", token_file: \""
              + token
              + "\", sessions: 2}\n";
      AgentConfig config = AgentConfig.read(ConfigNode.parse("agent.yaml", yaml), Map.of());
      AgentRunner agent = AgentRunner.start(config);
      try {
        String metrics = "http://" + agent.server().hostPort() + "/metrics";
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    scrape(metrics)
                        .contains(
                            "gateway_ready_total{gateway=\"us-east\",source=\"probe\","
                                + "via=\"identify\"} 2"));
        String text = scrape(metrics);
        assertThat(text)
            .contains(
                "gateway_probe_up{gateway=\"eu-west\",source=\"probe\"} 1",
                "gateway_probe_up{gateway=\"us-east\",source=\"probe\"} 1",
                "gateway_probe_ready_duration_seconds_count{gateway=\"eu-west\",source=\"probe\"}"
                    + " 1")
            .doesNotContain("valid-run-probe");
      } finally {
        agent.close();
      }
    }
  }

  @Test
  void aBrokenFileStopsStartUpWithThePathAndLine(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("agent.yaml");
    Files.writeString(
        file, "proxies:\n  - gateway: eu\n    listen: 127.0.0.1:0\n    upstream: http://x\n");
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(new Main())
            .setErr(new PrintWriter(err, true))
            .execute("run", "--config", file.toString());

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "gatewatch run: "
                + file
                + ": proxies[0].upstream (line 4): not a ws:// or wss:// URL\n");
  }

  @Test
  void proxyFlagErrorsNameTheFlag() {
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(new Main())
            .setErr(new PrintWriter(err, true))
            .execute("proxy", "--upstream", "gateway.example.com", "--idle-timeout", "2m");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo("gatewatch proxy: --upstream: not a ws:// or wss:// URL\n");
  }

  @Test
  void drainPeriodFlagErrorsNameTheFlag(@TempDir Path dir) throws Exception {
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(new Main())
            .setErr(new PrintWriter(err, true))
            .execute("proxy", "--upstream", "ws://127.0.0.1:1", "--drain-period", "soon");
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "gatewatch proxy: --drain-period: expected a duration such as 500ms, 45s, 10m or 1h,"
                + " got \"soon\"\n");

    Path file = dir.resolve("agent.yaml");
    Files.writeString(file, "drain_period: 10s\n");
    StringWriter runErr = new StringWriter();
    exit =
        new CommandLine(new Main())
            .setErr(new PrintWriter(runErr, true))
            .execute("run", "--config", file.toString(), "--drain-period", "2h");
    assertThat(exit).isEqualTo(2);
    assertThat(runErr.toString())
        .isEqualTo("gatewatch run: --drain-period: must be at most 60m, got \"2h\"\n");
  }

  @Test
  void captureFlagErrorsNameTheFlag(@TempDir Path dir) {
    String capture = dir.resolve("c.ndjson").toString();
    String[][] cases = {
      {"--capture", capture, "--capture-max-size", "10MB"},
      {"--capture", capture, "--capture-keep", "-2"},
      {"--capture-keep", "2"},
      {"--capture", dir.resolve("no/such/dir/c.ndjson").toString()},
      {"--capture", dir.toString()},
    };
    String[] expected = {
      "gatewatch proxy: --capture-max-size: expected a size such as 512KiB, 100MiB or 1GiB, got"
          + " \"10MB\"\n",
      "gatewatch proxy: --capture-keep: must not be negative\n",
      "gatewatch proxy: --capture-keep: needs capture (the file to write)\n",
      "gatewatch proxy: --capture: no such directory: " + dir.resolve("no/such/dir") + "\n",
      "gatewatch proxy: --capture: is a directory; name a file in it\n",
    };
    for (int i = 0; i < cases.length; i++) {
      StringWriter err = new StringWriter();
      List<String> args =
          new ArrayList<>(
              List.of(
                  "proxy",
                  "--upstream",
                  "ws://127.0.0.1:1",
                  "--listen",
                  "127.0.0.1:0",
                  "--http-listen",
                  "127.0.0.1:0"));
      args.addAll(List.of(cases[i]));
      int exit =
          new CommandLine(new Main())
              .setErr(new PrintWriter(err, true))
              .execute(args.toArray(String[]::new));
      assertThat(err.toString()).isEqualTo(expected[i]);
      assertThat(exit).isEqualTo(2);
    }
  }

  static String scrape(String url) throws Exception {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  static List<String> gatewaySeries(Watches w) {
    List<String> out = new ArrayList<>();
    for (String l : w.registry().scrape().split("\n")) {
      if (l.startsWith("gateway_") && !l.contains("_seconds_max")) {
        out.add(l);
      }
    }
    return out;
  }
}
