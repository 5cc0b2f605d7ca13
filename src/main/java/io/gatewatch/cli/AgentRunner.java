package io.gatewatch.cli;

import io.gatewatch.capture.CaptureWriter;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs what an {@link AgentConfig} describes: every proxy, every probe, and the HTTP endpoints.
 * {@link #start} brings it all up (or nothing: a listener that cannot bind undoes what started);
 * closing stops accepting, closes relayed sockets with 1001 and flushes captures.
 */
final class AgentRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AgentRunner.class);

  private final Watches watches;
  private final List<WatchedProxy> proxies;
  private final List<Probe> probes;
  private final SystemScheduler probeScheduler;
  private final AgentServer server;
  private final AtomicBoolean ready;
  private final Telemetry telemetry;
  private final RedisCorrelation correlation;

  /** How long start-up waits for Redis (and the shared salt) before going on without it. */
  private static final java.time.Duration CORRELATION_START_WAIT = java.time.Duration.ofSeconds(3);

  private AgentRunner(
      Watches watches,
      List<WatchedProxy> proxies,
      List<Probe> probes,
      SystemScheduler probeScheduler,
      AgentServer server,
      AtomicBoolean ready,
      Telemetry telemetry,
      RedisCorrelation correlation) {
    this.telemetry = telemetry;
    this.correlation = correlation;
    this.watches = watches;
    this.proxies = proxies;
    this.probes = probes;
    this.probeScheduler = probeScheduler;
    this.server = server;
    this.ready = ready;
  }

  /** Starts everything, ready when it returns. */
  static AgentRunner start(AgentConfig config) throws IOException {
    Telemetry telemetry =
        Telemetry.start(config.otlp(), new ActivityLog(config.activityEvery()).start());
    Watches watches = telemetry.watches(TokenFingerprinter.withRandomSalt());
    EventClock clock = EventClock.system();
    List<WatchedProxy> proxies = new ArrayList<>();
    List<Probe> probes = new ArrayList<>();
    SystemScheduler probeScheduler = Scheduler.system();
    AtomicBoolean ready = new AtomicBoolean();
    RedisCorrelation correlation = null;
    try {
      if (config.correlation() != null) {
        correlation = shareReconnectState(config, watches);
      }
      for (AgentConfig.ProxyConfig p : config.proxies()) {
        try {
          proxies.add(
              WatchedProxy.start(
                  watches,
                  config.profile(),
                  config.tracker(),
                  p.gateway(),
                  p.settings(),
                  p.capture(),
                  p.compressedObservation(),
                  clock,
                  Signals.NONE));
        } catch (IOException e) {
          throw new IOException("proxy " + p.gateway() + ": " + e.getMessage(), e);
        }
        log.info(
            "proxy {}: {} -> {}{}",
            p.gateway(),
            proxies.get(proxies.size() - 1).url(""),
            p.upstream(),
            p.capture() == null ? "" : " (" + describe(p.capture()) + ")");
        checkUpstream(p);
      }
      for (AgentConfig.ProbeConfig p : config.probes()) {
        probes.add(
            Probe.start(
                watches,
                config.profile(),
                config.tracker(),
                p.settings(),
                p.token(),
                probeScheduler,
                new JdkTransport(p.settings().connectTimeout()),
                () -> ThreadLocalRandom.current().nextDouble(),
                Signals.NONE));
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
        throw new IOException("cannot listen on " + config.httpListen() + ": " + e.getMessage(), e);
      }
      try {
        addIngest(config, watches, server);
      } catch (RuntimeException e) {
        server.close();
        throw e;
      }
      server.start();
      if (!server.authenticates() && !config.httpListen().getAddress().isLoopbackAddress()) {
        log.warn(
            "HTTP endpoints on {} without authentication: anyone who reaches the port reads the"
                + " metrics and the status page; set http.auth (docs/config.md)",
            server.hostPort());
      }
      ready.set(true);
      return new AgentRunner(
          watches, proxies, probes, probeScheduler, server, ready, telemetry, correlation);
    } catch (IOException | RuntimeException e) {
      probes.forEach(Probe::close);
      probeScheduler.close();
      proxies.forEach(WatchedProxy::close);
      if (correlation != null) {
        correlation.close();
      }
      telemetry.close();
      throw e;
    }
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

  /** {@code POST /v1/capture} on the agent's port, when the configuration enables it. */
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

  /** Starts, runs until SIGTERM or Ctrl-C, stops cleanly; the command's exit code. */
  static int runUntilStopped(String command, AgentConfig config, PrintWriter err)
      throws InterruptedException {
    AgentRunner agent;
    try {
      agent = start(config);
    } catch (IOException e) {
      Main.traceAtDebug(command, e);
      err.println("gatewatch " + command + ": " + e.getMessage());
      return 1;
    }
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    // SIGTERM and Ctrl-C stop the agent without starting the JVM's shutdown, so the command's
    // own exit code (0 after a clean stop) is the process's, not 128 + the signal's number. The
    // hook stays for any other way the JVM ends (System.exit elsewhere, or a JVM run with -Xrs).
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), s -> stop.countDown());
      } catch (IllegalArgumentException e) { // the VM keeps the signal (-Xrs)
        log.debug(
            "cannot handle SIG{} ({}); the shutdown hook stops the agent", name, e.toString());
      }
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stop.countDown();
                  try {
                    stopped.await(); // the main thread closes everything before the JVM exits
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "gatewatch-stop"));
    try {
      stop.await();
      log.info("stopping: closing relayed sockets with 1001");
      return 0;
    } finally {
      agent.close();
      stopped.countDown();
    }
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

  @Override
  public void close() {
    ready.set(false);
    probes.forEach(Probe::close);
    proxies.forEach(WatchedProxy::close);
    server.close();
    probeScheduler.close();
    if (correlation != null) {
      correlation.close(); // after the proxies: their last socket ends are stored
    }
    telemetry.close(); // the last closes, then pending spans and metrics go out
  }
}
