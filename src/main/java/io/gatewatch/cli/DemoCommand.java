package io.gatewatch.cli;

import io.gatewatch.capture.CaptureWriter;
import io.gatewatch.config.ConfigException;
import io.gatewatch.export.ActivityLog;
import io.gatewatch.export.OtlpSettings;
import io.gatewatch.export.Telemetry;
import io.gatewatch.metrics.Source;
import io.gatewatch.metrics.Watches;
import io.gatewatch.probe.JdkTransport;
import io.gatewatch.probe.Probe;
import io.gatewatch.probe.ProbeSettings;
import io.gatewatch.probe.ProbeToken;
import io.gatewatch.probe.Scheduler;
import io.gatewatch.probe.SystemScheduler;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.proxy.Drain;
import io.gatewatch.proxy.ProxySettings;
import io.gatewatch.proxy.WatchedProxy;
import io.gatewatch.report.Headline;
import io.gatewatch.report.ReplayReport;
import io.gatewatch.report.Tally;
import io.gatewatch.server.AgentServer;
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
import io.gatewatch.track.ConnectionTracker;
import io.gatewatch.track.EventClock;
import io.gatewatch.track.Signals;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
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

  @Spec CommandSpec spec;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      defaultValue = AgentConfig.DEFAULT_HTTP_LISTEN,
      description =
          "HTTP endpoints: /metrics, /-/healthy, /-/ready, the status page /, and POST"
              + " /v1/capture (open, without auth, when this is a loopback address) (default:"
              + " ${DEFAULT-VALUE}).")
  InetSocketAddress listen;

  @Option(
      names = "--gateway-listen",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:8765",
      description = "Where the simulated gateway listens (default: ${DEFAULT-VALUE}).")
  InetSocketAddress gatewayListen;

  @Option(
      names = "--proxy-listen",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:8766",
      description = "Where the watching proxy listens (default: ${DEFAULT-VALUE}).")
  InetSocketAddress proxyListen;

  @Option(names = "--clients", defaultValue = "30", description = "Fleet size (default 30).")
  int clients;

  @Option(
      names = "--mix",
      defaultValue = DEFAULT_MIX,
      description = "Fleet behaviours and weights (default: ${DEFAULT-VALUE}).")
  String mix;

  @Option(
      names = "--wire",
      paramLabel = "WIRE",
      defaultValue = "json",
      description =
          "How the fleet speaks unless --mix names a behaviour's own wire (good:etf=5): json or"
              + " etf, and none, zlib-stream or zstd-stream, joined with + (etf+zlib-stream); etf"
              + " and zlib-stream need --profile discord (default: ${DEFAULT-VALUE}).")
  Wire wire;

  @Mixin ProfileOption profile;

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      description = "Stop after this long: 90s, 10m, 2h.")
  Duration duration;

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

  @Option(names = "--seed", defaultValue = "1", description = "Seed for faults and jitter.")
  long seed;

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

  /** The options, parsed and checked. */
  private record Parsed(
      InetSocketAddress httpAddress,
      InetSocketAddress gatewayAddress,
      InetSocketAddress proxyAddress,
      GatewayProfile gatewayProfile,
      Duration runFor,
      Duration headlineEvery,
      Duration drainFor,
      OtlpSettings otlp,
      Wire fleetWire,
      Map<Behaviour, Wire> wires) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    Parsed parsed;
    try {
      GatewayProfile gatewayProfile = profile.load();
      Wire fleetWire = wire;
      Map<Behaviour, Wire> wires = new EnumMap<>(Behaviour.class);
      FleetSettings.parseMix(mix, wires);
      String refused = fleetWire.unsupportedBy(gatewayProfile.transport(), gatewayProfile.name());
      if (refused != null) {
        throw new IllegalArgumentException("--wire: " + refused);
      }
      for (Map.Entry<Behaviour, Wire> w : wires.entrySet()) {
        refused = w.getValue().unsupportedBy(gatewayProfile.transport(), gatewayProfile.name());
        if (refused != null) {
          throw new IllegalArgumentException("--mix: " + w.getKey().spelling() + ": " + refused);
        }
      }
      parsed =
          new Parsed(
              listen,
              gatewayListen,
              proxyListen,
              gatewayProfile,
              duration,
              every,
              drainPeriod,
              OtlpSettings.fromEnv(System.getenv()).withDefaultAttribute("gateway.name", "demo"),
              fleetWire,
              wires);
      if (clients < 0) {
        throw new IllegalArgumentException("--clients must not be negative");
      }
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("gatewatch demo: " + e.getMessage());
      return 2;
    }
    // handled from before the start, so that Ctrl-C during it still ends the demo cleanly
    try (StopSignals signals =
        StopSignals.install(parsed.drainFor().plus(Shutdown.CLOSE_DEADLINE))) {
      return run(parsed, signals, spec.commandLine().getOut(), err);
    }
  }

  private int run(Parsed parsed, StopSignals signals, PrintWriter out, PrintWriter err)
      throws Exception {
    InetSocketAddress httpAddress = parsed.httpAddress();
    InetSocketAddress gatewayAddress = parsed.gatewayAddress();
    InetSocketAddress proxyAddress = parsed.proxyAddress();
    GatewayProfile gatewayProfile = parsed.gatewayProfile();
    Duration runFor = parsed.runFor();
    Duration headlineEvery = parsed.headlineEvery();
    Duration drainFor = parsed.drainFor();
    OtlpSettings otlp = parsed.otlp();
    Wire fleetWire = parsed.fleetWire();
    Map<Behaviour, Wire> wires = parsed.wires();
    EventClock clock = EventClock.system();
    Telemetry telemetry = Telemetry.start(otlp, new ActivityLog(Duration.ofSeconds(30)).start());
    Watches watches = telemetry.watches(TokenFingerprinter.withRandomSalt());
    Tally tally = new Tally();
    AtomicBoolean ready = new AtomicBoolean();
    GatewaySimulator simulator =
        new GatewaySimulator(simulatorSettings(gatewayAddress, gatewayProfile));
    try {
      simulator.start();
    } catch (IOException e) {
      Main.traceAtDebug("demo", e);
      telemetry.close();
      err.println("gatewatch demo: " + e.getMessage() + " (--gateway-listen)");
      return 1;
    }
    WatchedProxy proxy;
    try {
      proxy =
          WatchedProxy.start(
              watches,
              gatewayProfile,
              TrackerSettings.DEFAULTS,
              "demo",
              new ProxySettings(
                  proxyAddress,
                  URI.create(
                      "ws://" + simulator.address().getHostString() + ":" + simulator.port()),
                  ProxySettings.DEFAULT_MAX_CONNECTIONS,
                  ProxySettings.DEFAULT_CONNECT_TIMEOUT,
                  ProxySettings.DEFAULT_IDLE_TIMEOUT,
                  ProxySettings.DEFAULT_MAX_FRAME_BYTES,
                  null,
                  null,
                  0),
              capture == null
                  ? null
                  : CaptureWriter.Settings.of(capture).withPayloads(capturePayloads),
              true,
              clock,
              tally);
    } catch (IOException e) {
      Main.traceAtDebug("demo", e);
      new Shutdown().add("simulator", simulator).add("telemetry", telemetry).closeAll();
      String flag =
          e.getMessage().startsWith("cannot write the capture") ? "--capture" : "--proxy-listen";
      err.println("gatewatch demo: " + e.getMessage() + " (" + flag + ")");
      return 1;
    }
    // A probe straight at the simulator (source="probe"): sessions held the way a client lives
    // them, with a deliberate Resume every 10 s so resume and reconnect numbers move quickly.
    SystemScheduler probeScheduler = Scheduler.system();
    ProbeSettings probeSettings =
        ProbeSettings.of(URI.create(simulator.url()), "demo")
            .withResumeEvery(Duration.ofSeconds(10));
    Probe probe =
        Probe.start(
            watches,
            gatewayProfile,
            TrackerSettings.DEFAULTS,
            probeSettings,
            ProbeToken.of("valid-demo-probe", "the demo"),
            probeScheduler,
            new JdkTransport(probeSettings.connectTimeout()),
            () -> ThreadLocalRandom.current().nextDouble(),
            Signals.NONE);
    ConnectionTracker tracker = proxy.tracker();
    MetricsExposition exposition = new MetricsExposition(watches.registry());
    AgentServer server;
    try {
      server = new AgentServer(httpAddress, exposition, ready::get);
    } catch (IOException e) {
      Main.traceAtDebug("demo", e);
      new Shutdown()
          .add("probe", probe)
          .add("probe scheduler", probeScheduler)
          .add("proxy", proxy)
          .add("simulator", simulator)
          .add("telemetry", telemetry)
          .closeAll();
      err.println(
          "gatewatch demo: cannot listen on "
              + Converters.show(httpAddress)
              + ": "
              + ConfigException.describe(e)
              + " (--listen)");
      return 1;
    }
    // Ingest without auth is only for a newcomer's own machine: on loopback, never beyond.
    boolean ingest =
        httpAddress.getAddress() != null && httpAddress.getAddress().isLoopbackAddress();
    if (ingest) {
      server.handle(
          IngestEndpoint.PATH,
          new IngestEndpoint(
              watches.add(
                  gatewayProfile, TrackerSettings.DEFAULTS, Source.INGEST, "demo", Signals.NONE),
              watches.fingerprinter(),
              watches.registry(),
              IngestEndpoint.Settings.OPEN));
    }
    FleetSettings fleetSettings =
        new FleetSettings(
            fleetWire.applyTo(URI.create(proxy.url(simulator.query()))),
            clients,
            FleetSettings.parseMix(mix),
            Duration.ofSeconds(60),
            Duration.ofSeconds(10),
            seed,
            wires);
    Fleet fleet = new Fleet(fleetSettings, gatewayProfile, FleetObserver.NONE);
    // every part, in the order it is closed (each even when another fails): the fleet before the
    // proxy, so that the proxy's sockets end with the clients' closes; telemetry last, so that
    // pending OTLP spans and metrics go out
    Shutdown parts =
        new Shutdown()
            .add("probe", probe)
            .add("probe scheduler", probeScheduler)
            .add("fleet", fleet)
            .add("proxy", proxy)
            .add("HTTP server", server)
            .add("simulator", simulator)
            .add("telemetry", telemetry);
    Drain drain = new Drain(List.of(proxy), watches.registry());
    Duration deadline = drainFor.plus(Shutdown.CLOSE_DEADLINE);
    byte[] finalMetrics = null;
    boolean closedCleanly;
    signals.first().thenRun(() -> ready.set(false));
    try {
      server.start();
      fleet.start();
      ready.set(!signals.first().isDone());
      out.println("gatewatch demo");
      out.println("  gateway (simulated)  " + simulator.url());
      out.println("  proxy (watched)      " + fleetSettings.url());
      out.println("  metrics              http://" + server.hostPort() + "/metrics");
      out.println("  status page          http://" + server.hostPort() + "/");
      out.println(
          "  ingest               "
              + (ingest
                  ? "POST http://"
                      + server.hostPort()
                      + IngestEndpoint.PATH
                      + " (source=\"ingest\")"
                  : "off (--listen is not a loopback address)"));
      if (otlp.enabled()) {
        out.println(
            "  OTLP                 metrics "
                + otlp.metricsEndpoint()
                + ", traces "
                + otlp.tracesEndpoint());
      }
      out.println("  fleet                " + fleet.counts());
      out.println("  probe                " + probeSettings.url() + " (source=\"probe\")");
      out.println(
          "  the fleet connects through the proxy (source=\"proxy\", gateway=\"demo\")"
              + (runFor == null ? "; Ctrl-C ends" : "; ending after " + Converters.show(runFor)));
      out.flush();
      long started = System.nanoTime();
      long end = runFor == null ? Long.MAX_VALUE : started + runFor.toNanos();
      long nextHeadline = started + headlineEvery.toNanos();
      while (System.nanoTime() < end && !stopRequested(signals)) {
        if (System.nanoTime() >= nextHeadline) {
          nextHeadline += headlineEvery.toNanos();
          long seconds = (System.nanoTime() - started) / 1_000_000_000L;
          out.printf(
              "[%3ds] %s | sessions %d | probe %s%n",
              seconds, Headline.of(tally), tracker.activeSessions(), probe.isUp() ? "up" : "down");
          out.flush();
        }
      }
      finalMetrics = snapshot(exposition);
      ready.set(false);
      parts.deadline(deadline);
      if (!drainFor.isZero()) {
        CompletableFuture<Void> cut = signals.next();
        parts.doing("draining the proxy");
        CompletableFuture<Void> done = drain.start(drainFor, ThreadLocalRandom.current());
        out.println(
            "stopping: asking the proxy's "
                + drain.found()
                + " sockets to reconnect over "
                + Converters.show(drainFor)
                + " ("
                + Drain.describe(gatewayProfile.drain())
                + "); Ctrl-C again closes at once");
        out.flush();
        CompletableFuture.anyOf(done, cut).join();
        drain.finish();
        out.println(
            "stopping: "
                + drain.asked()
                + " of "
                + drain.found()
                + " sockets asked to reconnect; closing the rest with 1001");
        out.flush();
      }
    } finally {
      ready.set(false);
      closedCleanly = parts.closeAll();
    }
    out.println();
    out.print(ReplayReport.format("gatewatch demo: final report", tally));
    out.flush();
    if (metricsOut != null && finalMetrics != null) {
      try {
        Files.write(metricsOut, finalMetrics);
      } catch (IOException e) {
        Main.traceAtDebug("demo", e);
        err.println(
            "gatewatch demo: cannot write " + metricsOut + ": " + ConfigException.describe(e));
        return 1;
      }
    }
    return closedCleanly ? 0 : Shutdown.FAILED_EXIT_CODE;
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
  private static byte[] snapshot(MetricsExposition exposition) throws IOException {
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
