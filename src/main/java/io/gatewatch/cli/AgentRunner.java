package io.gatewatch.cli;

import io.gatewatch.capture.CaptureWriter;
import io.gatewatch.config.ConfigException;
import io.gatewatch.config.HostPort;
import io.gatewatch.config.Sizes;
import io.gatewatch.correlation.RedisCorrelation;
import io.gatewatch.export.ActivityLog;
import io.gatewatch.export.Telemetry;
import io.gatewatch.metrics.Source;
import io.gatewatch.metrics.Watches;
import io.gatewatch.probe.JdkTransport;
import io.gatewatch.probe.Probe;
import io.gatewatch.probe.Scheduler;
import io.gatewatch.probe.SystemScheduler;
import io.gatewatch.probe.Transport;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.proxy.Drain;
import io.gatewatch.proxy.WatchedProxy;
import io.gatewatch.server.AgentServer;
import io.gatewatch.server.IngestEndpoint;
import io.gatewatch.server.MetricsExposition;
import io.gatewatch.server.ServerTls;
import io.gatewatch.track.EventClock;
import io.gatewatch.track.Signals;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs what an {@link AgentConfig} describes: every proxy, every probe, and the HTTP endpoints.
 * {@link #start} brings it all up (or nothing: a listener that cannot bind undoes what started).
 * Stopping first drains the proxies when a drain period is configured (docs/drain.md), then closes
 * every part even when one fails to close, under a deadline ({@link Shutdown}).
 */
final class AgentRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AgentRunner.class);

  private final Watches watches;
  private final List<WatchedProxy> proxies;
  private final List<Probe> probes;
  private final AgentServer server;
  private final AtomicBoolean ready;
  private final Drain drain;
  private final Shutdown shutdown;
  private final RedisCorrelation correlation;

  /** How long start-up waits for Redis (and the shared salt) before going on without it. */
  private static final java.time.Duration CORRELATION_START_WAIT = java.time.Duration.ofSeconds(3);

  private AgentRunner(
      Watches watches,
      List<WatchedProxy> proxies,
      List<Probe> probes,
      AgentServer server,
      AtomicBoolean ready,
      Drain drain,
      Shutdown shutdown,
      RedisCorrelation correlation) {
    this.correlation = correlation;
    this.watches = watches;
    this.proxies = proxies;
    this.probes = probes;
    this.server = server;
    this.ready = ready;
    this.drain = drain;
    this.shutdown = shutdown;
  }

  /** Start-up failed at one part: which one, for a command to name the flag that set it. */
  static final class StartFailure extends IOException {
    /** The part that could not start. */
    enum Part {
      /** a proxy: its listener or its capture */
      PROXY,
      /** the HTTP endpoints */
      HTTP
    }

    private final Part part;

    StartFailure(Part part, String message, IOException cause) {
      super(message, cause);
      this.part = part;
    }

    Part part() {
      return part;
    }

    /** The part's own failure, without the runner's words around it. */
    IOException partFailure() {
      return (IOException) getCause();
    }

    /**
     * How a command spells the settings a start-up failure names.
     *
     * @param oneProxy the command runs one proxy, so a proxy's failure need not name its gateway
     */
    record Settings(String httpListen, String proxyListen, String capture, boolean oneProxy) {
      /** {@code run}: the configuration file's keys. */
      static final Settings CONFIG = new Settings("http.listen", "listen", "capture", false);

      /** {@code proxy} and {@code probe}: their flags. */
      static final Settings FLAGS = new Settings("--http-listen", "--listen", "--capture", true);
    }

    /**
     * One line for the operator: {@code cannot listen on 127.0.0.1:9470: address already in use
     * (--http-listen)}, the setting as the command spells it.
     */
    String describe(Settings settings, InetSocketAddress httpListen) {
      IOException failure = partFailure();
      return switch (part) {
        case HTTP ->
            "cannot listen on "
                + HostPort.show(httpListen)
                + ": "
                + ConfigException.describe(failure)
                + " ("
                + settings.httpListen()
                + ")";
        case PROXY ->
            (settings.oneProxy() ? failure.getMessage() : getMessage())
                + " ("
                + (failure instanceof CaptureWriter.CannotWrite
                    ? settings.capture()
                    : settings.proxyListen())
                + ")";
      };
    }
  }

  /** What a stop says about its drain: the agent logs it, the demo prints it. */
  interface DrainReport {
    /** The drain has started: {@code drain.found()} sockets are asked over {@code period}. */
    void started(Drain drain, Duration period);

    /** The drain is over; {@code cutShort} when another stop request ended it early. */
    void ended(Drain drain, boolean cutShort);
  }

  /** The agent's own report of a drain, in its log. */
  static final DrainReport LOGGED =
      new DrainReport() {
        @Override
        public void started(Drain drain, Duration period) {
          log.info(
              "stopping: /-/ready answers 503; draining the proxies over {} (SIGTERM or Ctrl-C"
                  + " again closes at once)",
              period);
        }

        @Override
        public void ended(Drain drain, boolean cutShort) {
          if (cutShort) {
            log.info("stopping: asked again; closing the remaining sockets with 1001 now");
          }
        }
      };

  /** Starts everything, ready when it returns. */
  static AgentRunner start(AgentConfig config) throws StartFailure {
    return start(config, Signals.NONE);
  }

  /**
   * Starts everything, ready when it returns.
   *
   * @param proxySignals what every proxy's tracker also reports to (the demo's tally)
   */
  static AgentRunner start(AgentConfig config, Signals proxySignals) throws StartFailure {
    if (config.proxies().isEmpty() && config.probes().isEmpty() && config.ingest() == null) {
      log.warn(
          "nothing to watch: the configuration has no proxies, no probes and no ingest; only the"
              + " agent's own metrics are served (docs/config.md)");
    }
    Telemetry telemetry =
        Telemetry.start(config.otlp(), new ActivityLog(config.activityEvery()).start());
    Watches watches = telemetry.watches(TokenFingerprinter.withRandomSalt());
    EventClock clock = EventClock.system();
    List<WatchedProxy> proxies = new ArrayList<>();
    List<Probe> probes = new ArrayList<>();
    SystemScheduler probeScheduler = Scheduler.system();
    AtomicBoolean ready = new AtomicBoolean();
    // what runs, in the order it is closed: probes, proxies (relayed sockets get 1001, captures
    // are flushed), the endpoints, the shared state (after the proxies: their last socket ends are
    // stored), and telemetry last, so that pending spans and metrics go out
    Shutdown parts = new Shutdown();
    RedisCorrelation correlation = null;
    try {
      if (config.correlation() != null) {
        correlation = shareReconnectState(config, watches);
      }
      for (AgentConfig.ProxyConfig p : config.proxies()) {
        WatchedProxy proxy;
        try {
          proxy =
              WatchedProxy.start(
                  watches,
                  config.profile(),
                  config.tracker(),
                  p.gateway(),
                  p.settings(),
                  p.capture(),
                  p.compressedObservation(),
                  clock,
                  proxySignals);
        } catch (IOException e) {
          throw new StartFailure(
              StartFailure.Part.PROXY, "proxy " + p.gateway() + ": " + e.getMessage(), e);
        }
        proxies.add(proxy);
        parts.add("proxy " + p.gateway(), proxy);
        log.info(
            "proxy {}: {} -> {}{}",
            p.gateway(),
            proxy.url(""),
            p.upstream(),
            p.capture() == null ? "" : " (" + describe(p.capture()) + ")");
        checkUpstream(p);
      }
      for (AgentConfig.ProbeConfig p : config.probes()) {
        Probe probe =
            Probe.start(
                watches,
                config.profile(),
                config.tracker(),
                p.settings(),
                p.token(),
                probeScheduler,
                new JdkTransport(p.settings().connectTimeout()),
                () -> ThreadLocalRandom.current().nextDouble(),
                Signals.NONE);
        probes.add(probe);
        parts.addFirst("probe " + p.settings().gateway(), probe);
      }
      AgentServer server;
      try {
        server =
            new AgentServer(
                config.httpListen(),
                new MetricsExposition(watches.registry()),
                ready::get,
                new AgentServer.Security(
                    config.httpAuth(),
                    config.httpTls() == null
                        ? null
                        : ServerTls.fromPem(config.httpTls().cert(), config.httpTls().key())));
      } catch (IOException e) {
        throw new StartFailure(
            StartFailure.Part.HTTP,
            "cannot listen on " + config.httpListen() + ": " + e.getMessage(),
            e);
      }
      parts.add("HTTP server", server);
      addIngest(config, watches, server);
      server.start();
      if (!server.authenticates() && !config.httpListen().getAddress().isLoopbackAddress()) {
        log.warn(
            "HTTP endpoints on {} without authentication: anyone who reaches the port reads the"
                + " metrics and the status page; set http.auth (docs/config.md)",
            server.hostPort());
      }
      Drain drain = proxies.isEmpty() ? null : new Drain(proxies, watches.registry());
      lastParts(parts, probeScheduler, correlation, telemetry);
      ready.set(true);
      return new AgentRunner(watches, proxies, probes, server, ready, drain, parts, correlation);
    } catch (StartFailure | RuntimeException e) {
      lastParts(parts, probeScheduler, correlation, telemetry).closeAll();
      throw e;
    }
  }

  /** The parts closed last: the probes' scheduler, the shared state, then telemetry. */
  private static Shutdown lastParts(
      Shutdown parts,
      SystemScheduler probeScheduler,
      RedisCorrelation correlation,
      Telemetry telemetry) {
    parts.add("probe scheduler", probeScheduler);
    if (correlation != null) {
      parts.add("correlation", correlation);
    }
    return parts.add("telemetry", telemetry);
  }

  /**
   * Connects to the Redis server the replicas share and makes every tracker use it. Waits a few
   * seconds for it (and the fingerprint salt the replicas agree on), then starts anyway: the agent
   * relays and measures with its own state until Redis answers.
   */
  private static RedisCorrelation shareReconnectState(AgentConfig config, Watches watches) {
    RedisCorrelation correlation =
        new RedisCorrelation(
            config.correlation(),
            config.tracker().linkWindow(),
            watches.registry(),
            watches.fingerprinter());
    watches.shareThrough(correlation);
    try {
      if (!correlation.awaitSalt(CORRELATION_START_WAIT)) {
        log.warn(
            "correlation: {} does not answer yet; relaying and measuring with local state, and"
                + " sharing with the other replicas once it does",
            config.correlation().describe());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return correlation;
  }

  /**
   * Says in one line, at start, when a proxy's upstream does not accept a TCP connection. The proxy
   * still runs: a gateway that is down or restarting must not take its watcher down with it (its
   * clients get 1014, counted in {@code gatewatch_upstream_errors_total}); but a mistyped host is
   * seen now, not at the first client. Off the start-up path, on a thread of its own.
   */
  private static void checkUpstream(AgentConfig.ProxyConfig p) {
    URI upstream = p.upstream();
    int port =
        upstream.getPort() >= 0
            ? upstream.getPort()
            : "wss".equals(upstream.getScheme()) ? 443 : 80;
    int timeout = (int) Math.min(Integer.MAX_VALUE, p.settings().connectTimeout().toMillis());
    Thread check =
        new Thread(
            () -> {
              try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(upstream.getHost(), port), timeout);
              } catch (IOException e) {
                log.warn(
                    "proxy {}: upstream {} unreachable at start ({}); relaying anyway, clients get"
                        + " close 1014 until it answers",
                    p.gateway(),
                    upstream,
                    Transport.describe(e));
              }
            },
            "gatewatch-upstream-check");
    check.setDaemon(true);
    check.start();
  }

  /** One log line's worth of a capture's settings: what it holds and how much disk it takes. */
  static String describe(CaptureWriter.Settings c) {
    return "capture "
        + c.file()
        + (c.payloads() ? ": full payloads (user content)" : ": metadata only")
        + ", rotated at "
        + Sizes.format(c.maxFileBytes())
        + ", "
        + c.keep()
        + " rotated files kept, at most "
        + Sizes.format(c.maxDiskBytes())
        + " on disk";
  }

  /** {@code POST /v1/capture} on the agent's port, when the configuration enables it. */
  private static void addIngest(AgentConfig config, Watches watches, AgentServer server) {
    if (config.ingest() != null) {
      AgentConfig.IngestConfig in = config.ingest();
      IngestEndpoint endpoint =
          new IngestEndpoint(
              watches.add(
                  config.profile(), config.tracker(), Source.INGEST, in.gateway(), Signals.NONE),
              watches.fingerprinter(),
              watches.registry(),
              in.settings());
      // ingest's own token (posting clients) when it has one; otherwise the agent's http.auth
      if (in.settings().bearerToken() == null) {
        server.handleProtected(IngestEndpoint.PATH, AgentServer.Endpoint.CAPTURE, endpoint);
      } else {
        server.handle(IngestEndpoint.PATH, endpoint);
      }
      log.info(
          "ingest: POST {}://{}{} (gateway {}, {})",
          server.scheme(),
          server.hostPort(),
          IngestEndpoint.PATH,
          in.gateway(),
          in.settings().bearerToken() != null
              ? "ingest bearer token"
              : server.authenticates() ? "http.auth" : "no auth");
      if (in.settings().bearerToken() == null
          && !server.authenticates()
          && !config.httpListen().getAddress().isLoopbackAddress()) {
        log.warn(
            "ingest is open without a token on {}: anyone who reaches it can post captures;"
                + " set ingest.token_file or ingest.token_env",
            server.hostPort());
      }
    }
  }

  /** Starts, runs until SIGTERM or Ctrl-C, stops; the command's exit code. */
  static int runUntilStopped(
      String command, AgentConfig config, StartFailure.Settings settings, PrintWriter err)
      throws InterruptedException {
    // handled from before the start, so that a SIGTERM during it still stops the agent cleanly
    try (StopSignals signals =
        StopSignals.install(config.drainPeriod().plus(Shutdown.CLOSE_DEADLINE))) {
      AgentRunner agent;
      try {
        agent = start(config);
      } catch (StartFailure e) {
        Main.traceAtDebug(command, e);
        err.println("gatewatch " + command + ": " + e.describe(settings, config.httpListen()));
        return 1;
      }
      return agent.runUntilStopped(signals, config.drainPeriod(), Shutdown.CLOSE_DEADLINE);
    }
  }

  /**
   * Runs until the first SIGTERM or Ctrl-C, then stops as {@link #stop(StopSignals, Duration,
   * Duration, DrainReport)} says, the drain in the log.
   *
   * @return 0 after a clean stop, 1 when a part failed to close
   */
  int runUntilStopped(StopSignals signals, Duration drainPeriod, Duration closeDeadline)
      throws InterruptedException {
    unreadyWhenAsked(signals);
    try {
      signals.first().get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
    return stop(signals, drainPeriod, closeDeadline, LOGGED) ? 0 : Shutdown.FAILED_EXIT_CODE;
  }

  /** From the first stop request on, /-/ready answers 503: on the signal's own thread, at once. */
  void unreadyWhenAsked(StopSignals signals) {
    signals.first().thenRun(() -> ready.set(false));
  }

  /**
   * Stops: /-/ready answers 503, the proxies drain over {@code drainPeriod} (the next stop request
   * cuts it short), and every part is closed, all within {@code drainPeriod + closeDeadline} or the
   * process halts (status 1).
   *
   * @return true when the drain went through and every part closed without an error
   */
  boolean stop(
      StopSignals signals, Duration drainPeriod, Duration closeDeadline, DrainReport report) {
    ready.set(false);
    shutdown.deadline(drainPeriod.plus(closeDeadline));
    boolean drained = true;
    if (drain != null && !drainPeriod.isZero()) {
      shutdown.doing("draining the proxies");
      try {
        CompletableFuture<Void> cut = signals.next();
        CompletableFuture<Void> done = drain.start(drainPeriod, ThreadLocalRandom.current());
        report.started(drain, drainPeriod);
        CompletableFuture.anyOf(done, cut).join();
        report.ended(drain, !done.isDone());
        drain.finish();
      } catch (RuntimeException e) { // the parts must be closed all the same
        drained = false;
        log.error("stopping: the drain failed; closing the relayed sockets with 1001 now", e);
      }
    } else {
      log.info("stopping: closing relayed sockets with 1001");
    }
    return stop() && drained;
  }

  /**
   * Closes {@code resource} before every part of the agent when it stops (the demo's fleet; tests
   * break it).
   */
  void closeFirst(String name, AutoCloseable resource) {
    shutdown.addFirst(name, resource);
  }

  /** Closes {@code resource} after every part of the agent when it stops (the demo's gateway). */
  void closeLast(String name, AutoCloseable resource) {
    shutdown.add(name, resource);
  }

  Watches watches() {
    return watches;
  }

  List<WatchedProxy> proxies() {
    return proxies;
  }

  List<Probe> probes() {
    return probes;
  }

  AgentServer server() {
    return server;
  }

  /** The Redis session directory's connection, or null when reconnect state is not shared. */
  RedisCorrelation correlation() {
    return correlation;
  }

  /**
   * Closes every part, in order, each even when another failed: probes, proxies (relayed sockets
   * get 1001, captures are flushed), the endpoints, then telemetry (pending spans and metrics go
   * out).
   *
   * @return true when every part closed without an error
   */
  boolean stop() {
    ready.set(false);
    return shutdown.closeAll();
  }

  @Override
  public void close() {
    stop();
  }
}
