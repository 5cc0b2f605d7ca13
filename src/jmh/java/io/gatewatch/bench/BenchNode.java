package io.gatewatch.bench;

import io.gatewatch.correlation.CorrelationSettings;
import io.gatewatch.correlation.RedisCorrelation;
import io.gatewatch.export.ActivityLog;
import io.gatewatch.export.OtlpSettings;
import io.gatewatch.export.Telemetry;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.CloseCode;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.proxy.GatewayProxy;
import io.gatewatch.proxy.ProxySettings;
import io.gatewatch.proxy.WatchedProxy;
import io.gatewatch.server.AgentServer;
import io.gatewatch.server.MetricsExposition;
import io.gatewatch.sim.DispatchSize;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.RateLimit;
import io.gatewatch.sim.SimulatorSettings;
import io.gatewatch.track.Connection;
import io.gatewatch.track.ConnectionTracker;
import io.gatewatch.track.EventClock;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One part of {@link ProxyLoad} in its own JVM, so that the process being measured holds only what
 * is measured (and so that 10,000 relayed sockets fit the open-file limit): the gateway simulator,
 * or one proxy (bare relay or observed agent). It prints {@code READY <port> [<metrics port>]} on
 * stdout, then answers commands on stdin, one a line: {@code heap} (prints {@code HEAP <bytes>},
 * used heap after four full GCs) and {@code quit} (or end of input).
 *
 * <pre>
 * BenchNode sim &lt;expected sockets&gt; &lt;dispatches/s per session&gt; &lt;MIN..MAX bytes&gt;
 * BenchNode bare|observed &lt;upstream url&gt; &lt;expected sockets&gt; [scrape]
 * BenchNode correlated &lt;upstream url&gt; &lt;expected sockets&gt; &lt;redis url&gt;
 * </pre>
 */
public final class BenchNode {
  /** System property: a proxy's event loop count (0 or absent: the proxy's default). */
  static final String EVENT_LOOPS_PROPERTY = "gatewatch.bench.eventLoops";

  private BenchNode() {}

  public static void main(String[] args) throws Exception {
    List<AutoCloseable> open = new ArrayList<>();
    String ready;
    switch (args[0]) {
      case "sim" -> {
        int expected = Integer.parseInt(args[1]);
        GatewaySimulator sim =
            new GatewaySimulator(
                    SimulatorSettings.builder()
                        .listen("127.0.0.1:0")
                        .heartbeatInterval(Duration.ofSeconds(60))
                        .heartbeatTimeout(Duration.ofSeconds(66))
                        .dispatchRate(Double.parseDouble(args[2]))
                        .dispatchSize(DispatchSize.parse(args[3]))
                        // a socket that does not drain skips dispatches instead of being closed:
                        // at saturation the simulator sends exactly as fast as the relay delivers
                        .backpressureGrace(Duration.ofHours(1))
                        .rateLimit(new RateLimit(100_000, Duration.ofSeconds(60)))
                        .maxSocketsPerIp(expected + 1000)
                        .replayBufferEvents(16)
                        .build())
                .start();
        open.add(sim);
        ready = "READY " + sim.port();
      }
      case "bare", "observed", "correlated" -> {
        int expected = Integer.parseInt(args[2]);
        ProxySettings settings =
            ProxySettings.builder(args[1])
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .maxConnections(expected + 1000)
                .connectTimeout(Duration.ofSeconds(60))
                .eventLoopThreads(Integer.getInteger(EVENT_LOOPS_PROPERTY, 0))
                .build();
        if (args[0].equals("bare")) {
          GatewayProxy p = new GatewayProxy(settings, new ProxyLoad.BareObserver()).start();
          open.add(p);
          ready = "READY " + p.port();
        } else {
          // As AgentRunner starts the agent: OTLP off, the activity log on, /metrics served.
          Telemetry telemetry =
              Telemetry.start(OtlpSettings.off(), new ActivityLog(Duration.ofSeconds(60)).start());
          Watches watches = telemetry.watches(TokenFingerprinter.withRandomSalt());
          if (args[0].equals("correlated")) {
            // as AgentRunner does with correlation: configured: Redis answers before clients come
            RedisCorrelation correlation =
                new RedisCorrelation(
                    new CorrelationSettings(
                        URI.create(args[3]),
                        null,
                        null,
                        CorrelationSettings.DEFAULT_KEY_PREFIX,
                        CorrelationSettings.DEFAULT_TIMEOUT),
                    TrackerSettings.DEFAULTS.linkWindow(),
                    watches.registry(),
                    watches.fingerprinter());
            watches.shareThrough(correlation);
            correlation.awaitSalt(Duration.ofSeconds(10));
            open.add(correlation);
          }
          GatewayProfile profile = ProfileLoader.defaultProfile();
          WatchedProxy p =
              WatchedProxy.start(
                  watches,
                  profile,
                  TrackerSettings.DEFAULTS,
                  "bench",
                  settings,
                  null,
                  true,
                  EventClock.system(),
                  Signals.NONE);
          AgentServer server =
              new AgentServer(
                  new InetSocketAddress("127.0.0.1", 0),
                  new MetricsExposition(watches.registry()),
                  () -> true);
          server.start();
          populate(p.tracker(), profile);
          open.add(server);
          open.add(p);
          open.add(telemetry);
          ready = "READY " + p.proxy().port() + " " + server.port();
        }
      }
      default -> throw new IllegalArgumentException("unknown role " + args[0]);
    }
    System.out.println(ready);
    System.out.flush();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null && !line.equals("quit")) {
      if (line.equals("heap")) {
        System.out.println("HEAP " + usedHeapAfterGc());
        System.out.flush();
      }
    }
    for (AutoCloseable c : open) {
      try {
        c.close();
      } catch (Exception e) {
        // exiting anyway
      }
    }
    System.exit(0);
  }

  /**
   * Fills the catalogue's series that appear on first sight: every close code of the profile, an
   * unknown one and a dropped socket, by both sides; so that /metrics is as long as a busy agent's.
   */
  static void populate(ConnectionTracker tracker, GatewayProfile profile) {
    long now = System.nanoTime();
    int i = 0;
    List<Integer> codes = new ArrayList<>();
    for (CloseCode c : profile.closeCodes()) {
      codes.add(c.code());
    }
    codes.add(4999);
    for (int code : codes) {
      for (Initiator by : Initiator.values()) {
        Connection c = tracker.open("populate-" + i++, now);
        c.close(now, code, by);
      }
    }
  }

  static long usedHeapAfterGc() throws InterruptedException {
    var mem = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(250);
    }
    return mem.getHeapMemoryUsage().getUsed();
  }
}
