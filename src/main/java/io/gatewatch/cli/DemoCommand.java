package io.gatewatch.cli;

import io.gatewatch.capture.CaptureWriter;
import io.gatewatch.config.ConfigException;
import io.gatewatch.config.GatewayLabel;
import io.gatewatch.export.OtlpSettings;
import io.gatewatch.metrics.Watches;
import io.gatewatch.probe.Probe;
import io.gatewatch.probe.ProbeSettings;
import io.gatewatch.probe.ProbeToken;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.proxy.Drain;
import io.gatewatch.proxy.ProxySettings;
import io.gatewatch.proxy.WatchedProxy;
import io.gatewatch.report.Headline;
import io.gatewatch.report.ReplayReport;
import io.gatewatch.report.Tally;
import io.gatewatch.server.HttpAuth;
import io.gatewatch.server.IngestEndpoint;
import io.gatewatch.server.MetricsExposition;
import io.gatewatch.sim.AckDelay;
import io.gatewatch.sim.Behaviour;
import io.gatewatch.sim.Fleet;
import io.gatewatch.sim.FleetObserver;
import io.gatewatch.sim.FleetSettings;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import io.gatewatch.sim.Wire;
import io.gatewatch.track.TrackerSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gatewatch demo}: the embedded default. A gateway simulator with short timings and faults,
 * a fleet of clients of every behaviour observed through the core, and the metrics endpoint; every
 * catalogue metric the mix can produce moves within the first minute.
 */
@Command(
    name = "demo",
    description = {
      "Run everything in one process: a gateway simulator (short timings: 4 s heartbeat"
          + " interval; drains every 15 s, session expiry every 25 s, a backpressure burst every"
          + " 40 s, random drops), gatewatch's proxy in front of it, a fleet of clients of every"
          + " behaviour connecting through the proxy, a probe holding a session against the"
          + " simulator (source=\"probe\"), /metrics, and POST /v1/capture for posting your own"
          + " captures (source=\"ingest\").",
      "Prints where things run, one line of headline numbers every few seconds, and the final"
          + " report when --duration ends it (or on Ctrl-C)."
    })
public final class DemoCommand extends GatewatchCommand implements Callable<Integer> {
  static final String DEFAULT_MIX =
      "good=14,slow=3,deaf=3,bad-token=2,flooder=2,stale-resumer=3,sloppy=3";

  /** The demo's flags for what may fail to start. */
  private static final AgentRunner.StartFailure.Settings FLAGS =
      new AgentRunner.StartFailure.Settings("--http-listen", "--proxy-listen", "--capture", true);

  @Spec CommandSpec spec;

  @Option(
      names = "--http-listen",
      paramLabel = "HOST:PORT",
      defaultValue = AgentConfig.DEFAULT_HTTP_LISTEN,
      description =
          "HTTP endpoints: /metrics, /-/healthy, /-/ready, the status page /, and POST"
              + " /v1/capture (open, without auth, when this is a loopback address) (default:"
              + " ${DEFAULT-VALUE}).")
  InetSocketAddress httpListen;

  @Option(
      names = "--gateway-listen",
      paramLabel = "HOST:PORT",
      defaultValue = SimulatorSettings.DEFAULT_LISTEN,
      description =
          "Where the simulated gateway listens for WebSocket clients (default: ${DEFAULT-VALUE}).")
  InetSocketAddress gatewayListen;

  @Option(
      names = "--proxy-listen",
      paramLabel = "HOST:PORT",
      defaultValue = ProxySettings.DEFAULT_LISTEN,
      description =
          "Where the watching proxy listens for WebSocket clients (default: ${DEFAULT-VALUE}).")
  InetSocketAddress proxyListen;

  @Option(
      names = "--clients",
      paramLabel = "N",
      defaultValue = "30",
      description = "Fleet size (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(
      names = "--mix",
      paramLabel = "SPEC",
      defaultValue = DEFAULT_MIX,
      description = "Fleet behaviours and weights (default: ${DEFAULT-VALUE}).")
  String mix;

  @Option(
      names = "--wire",
      paramLabel = "SPEC",
      defaultValue = "json",
      description =
          "How the fleet speaks unless --mix names a behaviour's own wire (good:etf=5): json or"
              + " etf, and none, zlib-stream or zstd-stream, joined with + (etf+zlib-stream); etf"
              + " and zlib-stream need --profile discord (default: ${DEFAULT-VALUE}).")
  Wire wire;

  @Mixin ProfileOption profile;

  @Mixin RunForOption runFor;

  @Option(
      names = "--every",
      paramLabel = "DURATION",
      defaultValue = "5s",
      description = "How often to print the headline numbers (default: ${DEFAULT-VALUE}).")
  Duration every;

  @Option(
      names = "--drain-period",
      paramLabel = "DURATION",
      defaultValue = "5s",
      converter = Converters.DrainPeriod.class,
      description =
          "When the demo ends (--duration or Ctrl-C), ask the proxy's clients to reconnect spread"
              + " over this long (op 7, then 4000), as a deploy would; 0 closes at once; Ctrl-C"
              + " again cuts it short (default: ${DEFAULT-VALUE}; docs/drain.md).")
  Duration drainPeriod;

  @Option(
      names = "--random-seed",
      paramLabel = "N",
      defaultValue = "1",
      description = "Seed of the random faults and jitter (default: ${DEFAULT-VALUE}).")
  long randomSeed;

  @Option(
      names = "--metrics-out",
      paramLabel = "FILE",
      description =
          "At the end, write the metrics as the run ended (before shutdown) in the Prometheus"
              + " text format to FILE.")
  Path metricsOut;

  @Option(
      names = "--capture",
      paramLabel = "FILE",
      description =
          "Write the proxy's capture to FILE (metadata only, rotated at 100MiB), to replay later.")
  Path capture;

  @Option(
      names = "--capture-payloads",
      description = "Capture every payload in full (the demo's made-up content).")
  boolean capturePayloads;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    GatewayProfile gatewayProfile;
    Map<Behaviour, Wire> wires = new EnumMap<>(Behaviour.class);
    OtlpSettings otlp;
    try {
      gatewayProfile = withFleetNames(profile.load());
      FleetSettings.parseMix(mix, wires);
      String refused = wire.unsupportedBy(gatewayProfile.transport(), gatewayProfile.name());
      if (refused != null) {
        throw new IllegalArgumentException("--wire: " + refused);
      }
      for (Map.Entry<Behaviour, Wire> w : wires.entrySet()) {
        refused = w.getValue().unsupportedBy(gatewayProfile.transport(), gatewayProfile.name());
        if (refused != null) {
          throw new IllegalArgumentException("--mix: " + w.getKey().spelling() + ": " + refused);
        }
      }
      otlp =
          OtlpSettings.fromEnv(System.getenv())
              .withDefaultAttribute("gateway.name", GatewayLabel.DEFAULT);
      if (clients < 0) {
        throw new IllegalArgumentException("--clients must not be negative");
      }
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("gatewatch demo: " + e.getMessage());
      return BAD_USAGE;
    }
    // handled from before the start, so that Ctrl-C during it still ends the demo cleanly
    try (StopSignals signals = StopSignals.install(drainPeriod.plus(Shutdown.CLOSE_DEADLINE))) {
      return run(gatewayProfile, wires, otlp, signals, spec.commandLine().getOut(), err);
    }
  }

  private int run(
      GatewayProfile gatewayProfile,
      Map<Behaviour, Wire> wires,
      OtlpSettings otlp,
      StopSignals signals,
      PrintWriter out,
      PrintWriter err)
      throws Exception {
    GatewaySimulator simulator =
        new GatewaySimulator(simulatorSettings(gatewayListen, gatewayProfile));
    try {
      simulator.start();
    } catch (IOException e) {
      Main.traceAtDebug("demo", e);
      err.println("gatewatch demo: " + e.getMessage() + " (--gateway-listen)");
      return FAILED;
    }
    Tally tally = new Tally(); // the proxy's numbers, for the headlines and the final report
    AgentConfig config = agentConfig(simulator, gatewayProfile, otlp);
    AgentRunner agent;
    try {
      agent = AgentRunner.start(config, tally);
    } catch (AgentRunner.StartFailure e) {
      Main.traceAtDebug("demo", e);
      simulator.close();
      err.println("gatewatch demo: " + e.describe(FLAGS, httpListen));
      return FAILED;
    } catch (RuntimeException e) {
      simulator.close();
      throw e;
    }
    // From here on the agent's stop closes every part, each even when another fails, within its
    // deadline: the fleet first (the proxy's sockets end with the clients' closes), then the
    // agent's parts (telemetry last, so that pending OTLP spans and metrics go out), the simulator
    // after them.
    agent.closeLast("simulator", simulator);
    agent.unreadyWhenAsked(signals);
    boolean closedCleanly;
    byte[] finalMetrics;
    String finalReport;
    try {
      WatchedProxy proxy = agent.proxies().get(0);
      FleetSettings fleetSettings =
          new FleetSettings(
              wire.applyTo(URI.create(proxy.url(simulator.query()))),
              clients,
              FleetSettings.parseMix(mix),
              Duration.ofSeconds(60),
              Duration.ofSeconds(10),
              randomSeed,
              wires);
      Fleet fleet = new Fleet(fleetSettings, gatewayProfile, FleetObserver.NONE);
      agent.closeFirst("fleet", fleet);
      fleet.start();
      String at = agent.server().hostPort();
      out.println("gatewatch demo");
      out.println("  gateway (simulated)  " + simulator.url());
      out.println("  proxy (watched)      " + fleetSettings.url());
      out.println("  metrics              http://" + at + "/metrics");
      out.println("  status page          http://" + at + "/");
      out.println(
          "  ingest               "
              + (config.ingest() != null
                  ? "POST http://" + at + IngestEndpoint.PATH + " (source=\"ingest\")"
                  : "off (--http-listen is not a loopback address)"));
      if (otlp.enabled()) {
        out.println(
            "  OTLP                 metrics "
                + otlp.metricsEndpoint()
                + ", traces "
                + otlp.tracesEndpoint());
      }
      out.println("  fleet                " + fleet.counts());
      out.println(
          "  probe                "
              + config.probes().get(0).settings().url()
              + " (source=\"probe\")");
      out.println(
          "  the fleet connects through the proxy (source=\"proxy\", gateway=\""
              + GatewayLabel.DEFAULT
              + "\")"
              + (runFor.given == null
                  ? "; Ctrl-C ends"
                  : "; ending after " + Converters.show(runFor.given)));
      out.flush();
      printHeadlines(out, signals, tally, proxy, agent.probes().get(0));
      // the report and --metrics-out both as the run ended: the drain and shutdown that follow
      // close every socket on purpose, which is not what the run measured
      finalReport =
          ReplayReport.format(
              "gatewatch demo: final report (source=\"proxy\", as the run ended, before the"
                  + " drain)",
              tally);
      finalMetrics = snapshot(agent.watches());
      closedCleanly =
          agent.stop(
              signals, drainPeriod, Shutdown.CLOSE_DEADLINE, drainReport(out, gatewayProfile));
    } finally {
      agent.close(); // after a stop, nothing more; after a failure, every part all the same
    }
    out.println();
    out.print(finalReport);
    out.flush();
    if (metricsOut != null) {
      try {
        Files.write(metricsOut, finalMetrics);
      } catch (IOException e) {
        Main.traceAtDebug("demo", e);
        err.println(
            "gatewatch demo: cannot write " + metricsOut + ": " + ConfigException.describe(e));
        return FAILED;
      }
    }
    return closedCleanly ? 0 : Shutdown.FAILED_EXIT_CODE;
  }

  /**
   * The agent the demo runs: its proxy in front of the simulator, a probe at the simulator, and
   * ingest when the endpoints are on loopback.
   */
  private AgentConfig agentConfig(
      GatewaySimulator simulator, GatewayProfile gatewayProfile, OtlpSettings otlp) {
    URI upstream =
        URI.create("ws://" + simulator.address().getHostString() + ":" + simulator.port());
    AgentConfig.ProxyConfig proxy =
        new AgentConfig.ProxyConfig(
            GatewayLabel.DEFAULT,
            ProxySettings.builder(upstream).listen(proxyListen).build(),
            capture == null
                ? null
                : CaptureWriter.Settings.of(capture).withPayloads(capturePayloads),
            true);
    // Sessions held the way a client lives them (source="probe"), with a deliberate Resume every
    // 10 s so that the resume and reconnect numbers move quickly.
    AgentConfig.ProbeConfig probe =
        new AgentConfig.ProbeConfig(
            ProbeSettings.of(URI.create(simulator.url()), GatewayLabel.DEFAULT)
                .withResumeEvery(Duration.ofSeconds(10)),
            ProbeToken.of("valid-demo-probe", "the demo"));
    // Ingest without auth is only for a newcomer's own machine: on loopback, never beyond.
    boolean loopback =
        httpListen.getAddress() != null && httpListen.getAddress().isLoopbackAddress();
    return new AgentConfig(
        httpListen,
        HttpAuth.NONE,
        null, // plain HTTP
        gatewayProfile,
        TrackerSettings.DEFAULTS,
        List.of(proxy),
        List.of(probe),
        loopback
            ? new AgentConfig.IngestConfig(GatewayLabel.DEFAULT, IngestEndpoint.Settings.OPEN)
            : null,
        otlp,
        null, // the log format stays as --log-format says
        Duration.ofSeconds(30), // close and resume activity in the log
        drainPeriod,
        null); // one process: no reconnect state to share
  }

  /**
   * The profile with the fleet's client names after its own table, so that the demo's {@code
   * client} label tells the behaviours apart ({@code fleet-bad-token} breaks {@code
   * retry_unchanged_after_fatal}); the simulator and the fleet do not read the table.
   */
  private static GatewayProfile withFleetNames(GatewayProfile loaded) {
    try {
      return loaded.withClients(Fleet.clientEntries());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--profile: "
              + e.getMessage()
              + " (the demo adds the fleet's "
              + Fleet.clientEntries().size()
              + ")",
          e);
    }
  }

  /** One line of headline numbers every --every, until --duration ends or a stop is asked. */
  private void printHeadlines(
      PrintWriter out, StopSignals signals, Tally tally, WatchedProxy proxy, Probe probe)
      throws InterruptedException {
    long started = System.nanoTime();
    long end = runFor.endNanos(started);
    long nextHeadline = started + every.toNanos();
    while (System.nanoTime() < end && !stopRequested(signals)) {
      if (System.nanoTime() >= nextHeadline) {
        nextHeadline += every.toNanos();
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        out.printf(
            "[%3ds] %s | sessions %d | probe %s%n",
            seconds,
            Headline.of(tally),
            proxy.tracker().activeSessions(),
            probe.isUp() ? "up" : "down");
        out.flush();
      }
    }
  }

  /** The drain, said on stdout as the demo goes. */
  private static AgentRunner.DrainReport drainReport(PrintWriter out, GatewayProfile profile) {
    return new AgentRunner.DrainReport() {
      @Override
      public void started(Drain drain, Duration period) {
        out.println(
            "stopping: asking the proxy's "
                + drain.found()
                + " sockets to reconnect over "
                + Converters.show(period)
                + " ("
                + Drain.describe(profile.drain())
                + "); Ctrl-C again closes at once");
        out.flush();
      }

      @Override
      public void ended(Drain drain, boolean cutShort) {
        out.println(
            "stopping: "
                + drain.asked()
                + " of "
                + drain.found()
                + " sockets asked to reconnect; closing the rest with 1001");
        out.flush();
      }
    };
  }

  /** Waits a little for a stop request; true once there was one. */
  private static boolean stopRequested(StopSignals signals) throws InterruptedException {
    try {
      signals.first().get(250, TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The metrics as the run ends, before shutdown closes every socket. */
  private static byte[] snapshot(Watches watches) throws IOException {
    MetricsExposition exposition = new MetricsExposition(watches.registry());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    exposition.write(out, exposition.writerFor(null));
    return out.toByteArray();
  }

  /** The simulator with demo timings: everything happens within a minute. */
  static SimulatorSettings simulatorSettings(InetSocketAddress listen, GatewayProfile profile) {
    return SimulatorSettings.builder()
        .listen(listen)
        .profile(profile)
        .heartbeatInterval(Duration.ofSeconds(4))
        .heartbeatTimeout(Duration.ofMillis(4_364)) // the real 45,000 / 41,250 ratio
        .sessionRetention(Duration.ofSeconds(15))
        .dispatchRate(2)
        .ackDelay(AckDelay.uniform(Duration.ofMillis(5), Duration.ofMillis(80)))
        .dropProbability(0.02)
        .drainEvery(Duration.ofSeconds(15))
        .expireEvery(Duration.ofSeconds(25))
        .backpressureBurstEvery(Duration.ofSeconds(40))
        .build();
  }
}
