package io.gatewatch.bench;

import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.proxy.GatewayProxy;
import io.gatewatch.proxy.RelayObserver;
import io.gatewatch.proxy.WatchedProxy;
import io.gatewatch.sim.DispatchSize;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleBinaryOperator;
import java.util.function.ToDoubleFunction;

/**
 * A load tool (not a test, not JMH): gatewatch's observed proxy ({@link WatchedProxy}: relay,
 * ProxyTap, tracker, metrics, /metrics served) against a bare relay built from the same {@link
 * GatewayProxy} pipeline with a do-nothing observer. The proxy under test and the {@link
 * GatewaySimulator} upstream each run in their own JVM ({@link BenchNode}, started per round); this
 * JVM holds the lean Netty WebSocket client fleet (and the /metrics scraper), all on loopback.
 *
 * <ol>
 *   <li>Offered load: K clients Identify, heartbeat every P ms and time the op 11 ACK (client-side
 *       nanoTime) while the simulator streams 1-4 KB MESSAGE_CREATE dispatches; bare, observed,
 *       observed with /metrics scraped every second, and observed with Redis correlation on (a
 *       redis-server started here), and nginx (with {@code --nginx}) run side by side (one fleet
 *       and one proxy process each, one simulator), so that every round measures them in the same
 *       window; medians of the rounds and of the per-round ratios are reported, with each proxy's
 *       CPU seconds per million relayed frames.
 *   <li>Saturated throughput: the simulator dispatches as fast as each socket drains (the bare
 *       relay, the observed proxy and nginx, one after the other).
 *   <li>Memory per idle connection: N Identified idle clients per variant, the proxy processes'
 *       used heap (after GC) and resident memory before and after, divided by N. Only the proxies
 *       are counted; with 2 sockets per relayed connection, N = 10,000 is split over two proxy
 *       processes (two nginx instances for nginx) when the open-file limit is 20,000.
 * </ol>
 *
 * <p>Every proxy under test is pinned with {@code taskset -c} to {@code --proxy-cpus} and runs as
 * many event loops (nginx: worker processes) as that list has CPUs; each is measured once its JIT
 * compilers are quiet.
 *
 * <pre>
 * java -cp target/benchmarks.jar io.gatewatch.bench.ProxyLoad --connections 1000 --idle 10000
 * </pre>
 */
public final class ProxyLoad {

  enum Variant {
    BARE("bare relay"),
    OBSERVED("observed proxy"),
    SCRAPED("observed + /metrics 1/s"),
    CORRELATED("observed + Redis correlation"),
    /** nginx, as operators run it in front of a WebSocket gateway (only with --nginx). */
    NGINX("nginx"),
    /** An experiment (only with --ab): the bare relay with other JVM options, side by side. */
    BARE_B("bare relay, --ab options");

    final String label;

    Variant(String label) {
      this.label = label;
    }
  }

  // ---- options ----
  /** Offered load: clients per variant (the variants run side by side). */
  private int connections = 1000;

  private int periodMs = 500;
  private int warmupS = 10;
  private int durationS = 30;
  private int rounds = 3;
  private int idle = 10_000;
  private int idleRounds = 1;
  private double dispatchRate = 1;
  private DispatchSize dispatchSize = new DispatchSize(1024, 4096);
  private int saturateConnections = 200;
  private int saturateS = 15;
  private int saturateRounds = 3;
  private int clientThreads = 2;
  private List<String> nodeJavaOpts = List.of("-Xms768m", "-Xmx768m");
  private String resultsFile;

  /** The nginx binary; null: no nginx rows. */
  private Path nginx;

  /** Where each nginx gets its prefix (configuration, logs, temporary files). */
  private Path workDir = Path.of("target", "bench", "nginx");

  /** CPUs for every proxy under test ({@code taskset -c} list); null: not pinned. */
  private String proxyCpus;

  /** gatewatch's event loops and nginx's workers; 0: one per CPU of proxyCpus (or machine). */
  private int eventLoops;

  /**
   * JVM options of the gatewatch proxies under test instead of {@link #nodeJavaOpts}
   * (scripts/bench: the Dockerfile's, in a 1 GiB container); null: the node options.
   */
  private List<String> proxyJavaOpts;

  /** Saturation and memory: only these variants (null: all); for experiments. */
  private List<Variant> only;

  /** JVM options of the BARE_B variant; null: no such variant. */
  private List<String> abJavaOpts;

  private static final int SATURATE_WARMUP_S = 5;

  /** After the warm-up, how long to wait at most for the proxies' JIT compilers to settle. */
  private int jitWaitS = 30;

  /** A JVM whose compiler threads used less than this share of a core over a second is warm. */
  private static final double JIT_QUIET = 0.05;

  private EventLoopGroup clientGroup;

  public static void main(String[] args) throws Exception {
    ProxyLoad load = new ProxyLoad();
    load.parse(args);
    load.run();
    System.exit(0);
  }

  private void parse(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--help") || a.equals("-h")) {
        System.out.println(
            "ProxyLoad [--connections K] [--period-ms P] [--warmup-s W] [--duration-s D]"
                + " [--rounds R] [--idle N] [--idle-rounds R] [--dispatch-rate PER_SESSION_PER_S]"
                + " [--dispatch-bytes N|MIN..MAX] [--saturate-connections K] [--saturate-s D]"
                + " [--saturate-rounds R] [--client-threads T] [--node-java-opts 'OPTS']"
                + " [--nginx PATH] [--work-dir DIR] [--proxy-cpus LIST] [--event-loops N]"
                + " [--proxy-java-opts 'OPTS'] [--only bare,observed,nginx] [--jit-wait-s S]"
                + " [--results FILE]\n  --connections K: offered-load clients per variant;"
                + " the variants run side by side, so K times their number in all\n"
                + "  --nginx PATH: add nginx (that binary) as a variant of every part\n"
                + "  --proxy-cpus LIST: pin every proxy under test to these CPUs (taskset -c)\n"
                + "  --event-loops N: gatewatch's event loops and nginx's workers (default: one"
                + " per CPU of --proxy-cpus)\n"
                + "  --proxy-java-opts 'OPTS': JVM options of the gatewatch proxies (instead of"
                + " --node-java-opts, which the simulator keeps)\n"
                + "  --only LIST: saturation and memory measure only these variants\n"
                + "  --ab 'OPTS': an experiment: a second bare relay with these JVM options added"
                + " (the last of a repeated option wins), in every part, side by side\n"
                + "  --jit-wait-s S: after each warm-up, wait up to S seconds (default 30) until"
                + " the proxies' JIT compilers are quiet");
        System.exit(0);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value for " + a);
      }
      String v = args[++i];
      switch (a) {
        case "--connections" -> connections = Integer.parseInt(v);
        case "--period-ms" -> periodMs = Integer.parseInt(v);
        case "--warmup-s" -> warmupS = Integer.parseInt(v);
        case "--duration-s" -> durationS = Integer.parseInt(v);
        case "--rounds" -> rounds = Integer.parseInt(v);
        case "--idle" -> idle = Integer.parseInt(v);
        case "--idle-rounds" -> idleRounds = Integer.parseInt(v);
        case "--dispatch-rate" -> dispatchRate = Double.parseDouble(v);
        case "--dispatch-bytes" -> dispatchSize = DispatchSize.parse(v);
        case "--saturate-connections" -> saturateConnections = Integer.parseInt(v);
        case "--saturate-s" -> saturateS = Integer.parseInt(v);
        case "--client-threads" -> clientThreads = Integer.parseInt(v);
        case "--saturate-rounds" -> saturateRounds = Integer.parseInt(v);
        case "--node-java-opts" -> nodeJavaOpts = List.of(v.trim().split("\\s+"));
        case "--results" -> resultsFile = v;
        case "--nginx" -> nginx = Path.of(v);
        case "--work-dir" -> workDir = Path.of(v);
        case "--proxy-cpus" -> proxyCpus = v;
        case "--event-loops" -> eventLoops = Integer.parseInt(v);
        case "--jit-wait-s" -> jitWaitS = Integer.parseInt(v);
        case "--ab" -> abJavaOpts = List.of(v.trim().split("\\s+"));
        case "--proxy-java-opts" -> proxyJavaOpts = List.of(v.trim().split("\\s+"));
        case "--only" ->
            only =
                Arrays.stream(v.split(","))
                    .map(x -> Variant.valueOf(x.trim().toUpperCase(Locale.ROOT)))
                    .toList();
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
  }

  private void run() throws Exception {
    if (eventLoops <= 0) {
      eventLoops =
          proxyCpus != null ? cpuCount(proxyCpus) : Runtime.getRuntime().availableProcessors();
    }
    clientGroup =
        new MultiThreadIoEventLoopGroup(
            clientThreads,
            new DefaultThreadFactory("bench-client", true),
            NioIoHandler.newFactory());
    System.out.printf(
        Locale.ROOT,
        "ProxyLoad: %d processors, client fleet max heap %d MiB, fd limit %d,"
            + " simulator JVM options: %s, proxy JVM options: %s%s%n",
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20,
        maxFds(),
        String.join(" ", nodeJavaOpts),
        String.join(" ", proxyJavaOpts != null ? proxyJavaOpts : nodeJavaOpts),
        abJavaOpts == null ? "" : ", --ab adds " + String.join(" ", abJavaOpts));
    System.out.printf(
        Locale.ROOT,
        "proxies under test: %s, %d event loop(s) each (nginx: %d worker process(es)); nginx: %s%n",
        proxyCpus == null ? "not pinned" : "pinned to CPUs " + proxyCpus + " (taskset -c)",
        eventLoops,
        eventLoops,
        nginx == null ? "not measured (no --nginx)" : nginx);

    List<LoadResult> load = new ArrayList<>();
    if (connections > 0 && rounds > 0) {
      System.out.printf(
          Locale.ROOT,
          "%n== offered load: %d connections, heartbeat every %d ms, %.1f dispatches/s per"
              + " session (%s bytes) through each of %s, side by side on one simulator (measured"
              + " in the same window), warm-up %d s, measure %d s, %d rounds ==%n",
          connections,
          periodMs,
          dispatchRate,
          dispatchSize,
          String.join(" / ", loadVariants().stream().map(v -> v.label).toList()),
          warmupS,
          durationS,
          rounds);
      for (int r = 1; r <= rounds; r++) {
        for (LoadResult res : loadRound(r)) {
          load.add(res);
          System.out.println("  " + res);
        }
      }
    }

    List<LoadResult> sat = new ArrayList<>();
    if (saturateConnections > 0 && saturateRounds > 0) {
      System.out.printf(
          Locale.ROOT,
          "%n== saturated throughput: %d connections, the simulator dispatching as fast as each"
              + " socket drains (%s-byte dispatches), warm-up %d s, measure %d s, %d rounds ==%n",
          saturateConnections,
          dispatchSize,
          SATURATE_WARMUP_S,
          saturateS,
          saturateRounds);
      for (int r = 1; r <= saturateRounds; r++) {
        for (Variant v : proxyVariants()) {
          LoadResult res = saturatedRound(v, r);
          sat.add(res);
          System.out.println("  " + res);
        }
      }
    }

    List<IdleResult> idleResults = new ArrayList<>();
    if (idle > 0 && idleRounds > 0) {
      long fds = maxFds();
      long open = openFds();
      // This process holds the client sockets only; the simulator has its own process, and the
      // proxy sockets (2 per relayed connection) are split over enough proxy processes.
      int count = (int) Math.max(0, Math.min(idle, fds > 0 ? fds - open - 500 : idle));
      int perNode = (int) Math.max(1, fds > 0 ? (fds - 1000) / 2 : count);
      int nodes = (count + perNode - 1) / perNode;
      System.out.printf(
          Locale.ROOT,
          "%n== memory per idle connection: %d connections (fd limit %d per process: %d proxy"
              + " process(es) of up to %d sockets pairs each) ==%n",
          count,
          fds,
          nodes,
          perNode);
      for (int r = 1; r <= idleRounds; r++) {
        for (Variant v : proxyVariants()) {
          idleResults.add(idleRound(v, count, nodes));
        }
      }
    }

    Map<String, String> results = new TreeMap<>();
    printTable(load, sat, idleResults, results);
    if (resultsFile != null) {
      StringBuilder sb = new StringBuilder();
      results.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
      Files.writeString(Path.of(resultsFile), sb.toString());
      System.out.println("results written to " + resultsFile);
    }
    clientGroup
        .shutdownGracefully(0, 1, TimeUnit.SECONDS)
        .awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  // ---- the system under test: child JVMs ----

  /**
   * A {@link BenchNode} in its own JVM. A proxy under test is pinned to the proxies' CPUs and runs
   * as many event loops as nginx runs workers.
   */
  private final class Node implements ProxyProcess {
    final Process process;
    final BufferedReader out;
    final PrintWriter in;
    final int port;
    final int metricsPort;

    Node(boolean underTest, String... args) throws IOException {
      this(underTest, List.of(), args);
    }

    Node(boolean underTest, List<String> extraJavaOpts, String... args) throws IOException {
      List<String> cmd = new ArrayList<>();
      if (underTest) {
        cmd.addAll(taskset());
      }
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(underTest && proxyJavaOpts != null ? proxyJavaOpts : nodeJavaOpts);
      if (underTest) {
        cmd.add("-D" + BenchNode.EVENT_LOOPS_PROPERTY + "=" + eventLoops);
        cmd.addAll(extraJavaOpts);
      }
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(BenchNode.class.getName());
      cmd.addAll(List.of(args));
      process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      in =
          new PrintWriter(
              new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
      String[] ready = expect("READY ").split(" ");
      port = Integer.parseInt(ready[1]);
      metricsPort = ready.length > 2 ? Integer.parseInt(ready[2]) : -1;
    }

    /** The next line starting with prefix (other lines are the node's own logging). */
    String expect(String prefix) throws IOException {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith(prefix)) {
          return line;
        }
      }
      throw new IOException("bench node exited before " + prefix.trim());
    }

    @Override
    public int port() {
      return port;
    }

    @Override
    public ProcessHandle handle() {
      return process.toHandle();
    }

    @Override
    public long heap() throws IOException {
      in.println("heap");
      return Long.parseLong(expect("HEAP ").substring(5).trim());
    }

    @Override
    public void close() throws InterruptedException {
      in.println("quit");
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  private Node simNode(double rate, int expected) throws IOException {
    return new Node(
        false, "sim", Integer.toString(expected), Double.toString(rate), dispatchSize.toString());
  }

  private int nginxCount;

  private ProxyProcess proxyNode(Variant v, Node sim, int expected) throws IOException {
    if (v == Variant.NGINX) {
      return new NginxNode(
          nginx,
          workDir.resolve("nginx-" + ++nginxCount),
          sim.port,
          eventLoops,
          taskset(),
          maxFds());
    }
    if (v == Variant.BARE_B) {
      return new Node(
          true, abJavaOpts, "bare", "ws://127.0.0.1:" + sim.port, Integer.toString(expected));
    }
    if (v == Variant.CORRELATED) {
      return new Node(
          true, "correlated", "ws://127.0.0.1:" + sim.port, Integer.toString(expected), redisUrl());
    }
    return new Node(
        true,
        v == Variant.BARE ? "bare" : "observed",
        "ws://127.0.0.1:" + sim.port,
        Integer.toString(expected));
  }

  /** Every variant of the offered load (side by side): nginx only when it was given. */
  private List<Variant> loadVariants() {
    return Arrays.stream(Variant.values())
        .filter(v -> v != Variant.NGINX || nginx != null)
        .filter(v -> v != Variant.BARE_B || abJavaOpts != null)
        .toList();
  }

  /** The proxies measured alone (saturation, memory): the bare relay, gatewatch, nginx. */
  private List<Variant> proxyVariants() {
    return loadVariants().stream()
        .filter(v -> v != Variant.SCRAPED && v != Variant.CORRELATED)
        .filter(v -> only == null || only.contains(v))
        .toList();
  }

  /** The command prefix that pins a proxy under test to its CPUs. */
  private List<String> taskset() {
    return proxyCpus == null ? List.of() : List.of("taskset", "-c", proxyCpus);
  }

  /** How many CPUs a {@code taskset -c} list names ("0-3,6" is 5). */
  static int cpuCount(String list) {
    int n = 0;
    for (String part : list.split(",")) {
      String[] range = part.trim().split("-");
      n +=
          range.length == 1
              ? 1
              : Integer.parseInt(range[1].trim()) - Integer.parseInt(range[0].trim()) + 1;
    }
    return n;
  }

  /**
   * Waits, at most {@link #jitWaitS} seconds, until no proxy JVM's compiler threads used more than
   * {@link #JIT_QUIET} of a core in each of the last two seconds: a JVM is measured in its steady
   * state, as it runs for days in production, not while C2 still compiles the relay's paths (which
   * on this 2-core machine took half the proxy's CPU in the first 40 s at saturation). Returns the
   * seconds waited.
   */
  private double awaitJitQuiet(Collection<ProxyProcess> proxies) throws InterruptedException {
    long t0 = System.nanoTime();
    Map<ProxyProcess, Double> last = new HashMap<>();
    proxies.forEach(p -> last.put(p, p.compilerCpuSeconds()));
    int quiet = 0;
    while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(jitWaitS)) {
      Thread.sleep(1000);
      double busiest = 0;
      for (ProxyProcess p : proxies) {
        double now = p.compilerCpuSeconds();
        busiest = Math.max(busiest, now - last.get(p));
        last.put(p, now);
      }
      // two quiet seconds in a row: C2 pauses between bursts of compilations
      quiet = busiest <= JIT_QUIET ? quiet + 1 : 0;
      if (quiet == 2) {
        break;
      }
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  /** The redis-server the correlated proxy shares its state through, started on first use. */
  private String redisUrl() throws IOException {
    if (redis == null) {
      int port;
      try (java.net.ServerSocket s =
          new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      }
      redis =
          new ProcessBuilder(
                  CorrelationBenchmark.redisServer(),
                  "--port",
                  Integer.toString(port),
                  "--bind",
                  "127.0.0.1",
                  "--save",
                  "",
                  "--appendonly",
                  "no")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      redisPort = port;
      Runtime.getRuntime().addShutdownHook(new Thread(redis::destroy));
    }
    return "redis://127.0.0.1:" + redisPort;
  }

  private Process redis;
  private int redisPort;

  /** The bare relay's observer: does nothing at all. */
  static final class BareObserver implements RelayObserver {
    private static final SocketListener NOTHING =
        new SocketListener() {
          @Override
          public void frame(Direction from, ByteBuf payload, boolean text, boolean finalFragment) {}

          @Override
          public void closed(int code, String reason, Initiator by) {}
        };

    @Override
    public SocketListener opened(String pathAndQuery) {
      return NOTHING;
    }

    @Override
    public void upstreamError(UpstreamError reason) {}

    @Override
    public void observerFailed(Throwable error) {}
  }

  /** Scrapes /metrics every second, as Prometheus would, from this process. */
  private static final class Scraper implements AutoCloseable {
    final ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "bench-scraper");
              t.setDaemon(true);
              return t;
            });
    final HttpClient http = HttpClient.newHttpClient();
    final AtomicInteger scrapes = new AtomicInteger();
    final AtomicInteger failures = new AtomicInteger();
    volatile int bytes;
    volatile int series;
    volatile long lastMillis;

    Scraper(int port) {
      HttpRequest req =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build();
      timer.scheduleAtFixedRate(
          () -> {
            try {
              long t0 = System.nanoTime();
              String body = http.send(req, HttpResponse.BodyHandlers.ofString()).body();
              lastMillis = (System.nanoTime() - t0) / 1_000_000;
              bytes = body.length();
              series = (int) body.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).count();
              scrapes.incrementAndGet();
            } catch (IOException | RuntimeException e) {
              failures.incrementAndGet();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          },
          0,
          1,
          TimeUnit.SECONDS);
    }

    @Override
    public void close() {
      timer.shutdownNow();
    }
  }

  // ---- rounds ----

  record LoadResult(
      Variant variant,
      int round,
      int ready,
      double framesPerSec,
      double mbPerSec,
      long samples,
      double p50Ms,
      double p99Ms,
      double maxMs,
      double cpuPerMillion,
      String note) {
    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "round %d %-24s ready %5d  %9.0f frames/s  %6.2f MB/s  rtt n=%d p50 %.3f ms p99 %.3f ms"
              + " max %.1f ms  CPU %.2f s per million relayed frames%s",
          round,
          variant.label,
          ready,
          framesPerSec,
          mbPerSec,
          samples,
          p50Ms,
          p99Ms,
          maxMs,
          cpuPerMillion,
          note);
    }
  }

  /**
   * The proxy processes' used heap (after full GCs; -1 for nginx) and resident memory, before and
   * after {@code ready} idle connections opened.
   */
  record IdleResult(
      Variant variant, int ready, long before, long after, long rssBefore, long rssAfter) {
    long perConnection() {
      return ready == 0 ? 0 : (after - before) / ready;
    }

    long rssPerConnection() {
      return ready == 0 ? 0 : (rssAfter - rssBefore) / ready;
    }
  }

  /** CPU seconds of a proxy over a window, per million frames it relayed (both directions). */
  private static double cpuPerMillion(double cpuSeconds, long relayedFrames) {
    return relayedFrames <= 0 ? Double.NaN : cpuSeconds / (relayedFrames / 1e6);
  }

  /**
   * One round of offered load: the variants run side by side, each proxy in its own JVM with its
   * own fleet of {@code connections} clients, all on one simulator and measured in the same window.
   * Whatever else stalls the machine (the client fleet's or the simulator's garbage collections,
   * other processes) then delays all of them alike, and the per-round ratios compare the proxies
   * alone.
   */
  private List<LoadResult> loadRound(int round) throws Exception {
    Map<Variant, ProxyProcess> proxies = new EnumMap<>(Variant.class);
    Map<Variant, Fleet> fleets = new EnumMap<>(Variant.class);
    Scraper scraper = null;
    Node sim = null;
    List<Variant> variants = loadVariants();
    try {
      sim = simNode(dispatchRate, connections * variants.size());
      for (Variant v : variants) {
        proxies.put(v, proxyNode(v, sim, connections));
      }
      Map<Variant, Integer> ready = new EnumMap<>(Variant.class);
      for (Variant v : variants) {
        Fleet fleet = new Fleet(periodMs);
        fleets.put(v, fleet);
        ready.put(
            v,
            fleet.open(new int[] {proxies.get(v).port()}, connections, "r" + round + v.ordinal()));
      }
      scraper = new Scraper(((Node) proxies.get(Variant.SCRAPED)).metricsPort);
      Thread.sleep(warmupS * 1000L);
      double jitWait = awaitJitQuiet(proxies.values());
      int scrapes0 = scraper.scrapes.get();
      Map<Variant, long[]> before = new EnumMap<>(Variant.class);
      Map<Variant, Double> cpuBefore = new EnumMap<>(Variant.class);
      Map<Variant, Double> jitBefore = new EnumMap<>(Variant.class);
      proxies.forEach((v, p) -> jitBefore.put(v, p.compilerCpuSeconds()));
      fleets.forEach(
          (v, f) -> before.put(v, new long[] {f.frames.sum(), f.bytes.sum(), f.sent.sum()}));
      proxies.forEach((v, p) -> cpuBefore.put(v, p.cpuSeconds()));
      long t0 = System.nanoTime();
      fleets.values().forEach(f -> f.recording = true);
      Thread.sleep(durationS * 1000L);
      fleets.values().forEach(f -> f.recording = false);
      long t1 = System.nanoTime();
      Map<Variant, long[]> after = new EnumMap<>(Variant.class);
      Map<Variant, Double> cpuAfter = new EnumMap<>(Variant.class);
      proxies.forEach((v, p) -> cpuAfter.put(v, p.cpuSeconds()));
      Map<Variant, Double> jitAfter = new EnumMap<>(Variant.class);
      proxies.forEach((v, p) -> jitAfter.put(v, p.compilerCpuSeconds()));
      fleets.forEach(
          (v, f) -> after.put(v, new long[] {f.frames.sum(), f.bytes.sum(), f.sent.sum()}));
      double secs = (t1 - t0) / 1e9;
      lastScrapeSeries = scraper.series;
      lastScrapeBytes = scraper.bytes;
      List<LoadResult> out = new ArrayList<>();
      for (Variant v : variants) {
        Fleet fleet = fleets.get(v);
        long[] rtt = fleet.samples();
        Arrays.sort(rtt);
        String jit =
            String.format(
                Locale.ROOT,
                "  [JIT quiet after %.0f s more, then %.2f s compiling while measured]",
                jitWait,
                jitAfter.get(v) - jitBefore.get(v));
        String note =
            v != Variant.SCRAPED
                ? jit
                : jit
                    + String.format(
                        Locale.ROOT,
                        "  [%d scrapes while measuring, %d series, %,d bytes, last took %d ms, %d"
                            + " failed]",
                        scraper.scrapes.get() - scrapes0,
                        scraper.series,
                        scraper.bytes,
                        scraper.lastMillis,
                        scraper.failures.get());
        out.add(
            new LoadResult(
                v,
                round,
                ready.get(v),
                (after.get(v)[0] - before.get(v)[0]) / secs,
                (after.get(v)[1] - before.get(v)[1]) / secs / 1e6,
                rtt.length,
                pct(rtt, 0.50) / 1e6,
                pct(rtt, 0.99) / 1e6,
                rtt.length == 0 ? Double.NaN : rtt[rtt.length - 1] / 1e6,
                cpuPerMillion(
                    cpuAfter.get(v) - cpuBefore.get(v),
                    after.get(v)[0] - before.get(v)[0] + after.get(v)[2] - before.get(v)[2]),
                note));
      }
      return out;
    } finally {
      if (scraper != null) {
        scraper.close();
      }
      fleets.values().forEach(Fleet::close);
      for (ProxyProcess proxy : proxies.values()) {
        proxy.close();
      }
      if (sim != null) {
        sim.close(); // last: the proxies' upstream sockets go with it
      }
    }
  }

  private volatile int lastScrapeSeries;
  private volatile int lastScrapeBytes;

  /**
   * The simulator dispatches at its highest rate; a socket that is not writable skips its turn, so
   * what the clients receive is what the relay (and the shared CPU) can carry.
   */
  private LoadResult saturatedRound(Variant v, int round) throws Exception {
    Fleet fleet = new Fleet(periodMs);
    try (Node sim = simNode(SimulatorSettings.MAX_DISPATCH_RATE, saturateConnections);
        ProxyProcess proxy = proxyNode(v, sim, saturateConnections)) {
      int ready =
          fleet.open(new int[] {proxy.port()}, saturateConnections, "s" + round + v.ordinal());
      Thread.sleep(SATURATE_WARMUP_S * 1000L);
      double jitWait = awaitJitQuiet(List.of(proxy));
      double jit0 = proxy.compilerCpuSeconds();
      long f0 = fleet.frames.sum();
      long by0 = fleet.bytes.sum();
      long s0 = fleet.sent.sum();
      double cpu0 = proxy.cpuSeconds();
      long t0 = System.nanoTime();
      Thread.sleep(saturateS * 1000L);
      long t1 = System.nanoTime();
      double cpu1 = proxy.cpuSeconds();
      double jit1 = proxy.compilerCpuSeconds();
      long f1 = fleet.frames.sum();
      long by1 = fleet.bytes.sum();
      long s1 = fleet.sent.sum();
      double secs = (t1 - t0) / 1e9;
      fleet.close();
      return new LoadResult(
          v,
          round,
          ready,
          (f1 - f0) / secs,
          (by1 - by0) / secs / 1e6,
          0,
          Double.NaN,
          Double.NaN,
          Double.NaN,
          cpuPerMillion(cpu1 - cpu0, f1 - f0 + s1 - s0),
          String.format(
              Locale.ROOT,
              "  [proxy CPU %.0f%%; JIT quiet after %.0f s more, then %.2f s compiling]",
              100 * (cpu1 - cpu0) / secs,
              jitWait,
              jit1 - jit0));
    } finally {
      fleet.close();
    }
  }

  /**
   * n idle Identified clients over `nodes` proxy processes; heap and resident memory are read in
   * the proxies only (both after the JVM's full GCs, so a JVM's and nginx's readings are taken at
   * rest).
   */
  private IdleResult idleRound(Variant v, int n, int nodes) throws Exception {
    Fleet fleet = new Fleet(30_000);
    List<ProxyProcess> proxies = new ArrayList<>();
    try (Node sim = simNode(0, n)) {
      int[] ports = new int[nodes];
      for (int i = 0; i < nodes; i++) {
        ProxyProcess p = proxyNode(v, sim, n / nodes + 1);
        proxies.add(p);
        ports[i] = p.port();
      }
      long[] before = heapAndRss(proxies);
      long t0 = System.nanoTime();
      int ready = fleet.open(ports, n, "i" + v.ordinal());
      long openMs = (System.nanoTime() - t0) / 1_000_000;
      Thread.sleep(2000);
      long[] after = heapAndRss(proxies);
      IdleResult res = new IdleResult(v, ready, before[0], after[0], before[1], after[1]);
      String heap =
          before[0] < 0
              ? "no Java heap"
              : String.format(
                  Locale.ROOT,
                  "proxy heap (sum) %.1f MiB -> %.1f MiB: %d bytes per connection",
                  before[0] / 1048576.0,
                  after[0] / 1048576.0,
                  res.perConnection());
      System.out.printf(
          Locale.ROOT,
          "  %-14s %d idle connections ready (in %d ms) over %d proxy process(es); %s; RSS (sum)"
              + " %.1f MiB -> %.1f MiB: %d bytes per connection%n",
          v.label,
          ready,
          openMs,
          nodes,
          heap,
          before[1] / 1048576.0,
          after[1] / 1048576.0,
          res.rssPerConnection());
      fleet.close();
      return res;
    } finally {
      fleet.close();
      for (ProxyProcess p : proxies) {
        p.close();
      }
    }
  }

  /** Summed used heap (after GC; -1 without a Java heap) and resident memory of the proxies. */
  private static long[] heapAndRss(List<ProxyProcess> proxies) throws IOException {
    long heap = 0;
    long rss = 0;
    for (ProxyProcess p : proxies) {
      long h = p.heap();
      heap = h < 0 || heap < 0 ? -1 : heap + h;
      rss += p.rss();
    }
    return new long[] {heap, rss};
  }

  private static long pct(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  // ---- the client fleet ----

  private final class Fleet {
    final int period;
    final LongAdder frames = new LongAdder();
    final LongAdder bytes = new LongAdder();

    /** Frames the clients sent (Identify, heartbeats): the proxies relay these too. */
    final LongAdder sent = new LongAdder();

    final List<Channel> channels = new ArrayList<>();
    volatile boolean recording;
    private long[] rtt = new long[1 << 16];
    private int rttCount;
    private boolean closed;

    Fleet(int period) {
      this.period = period;
    }

    synchronized void record(long nanos) {
      if (rttCount == rtt.length) {
        rtt = Arrays.copyOf(rtt, rtt.length * 2);
      }
      rtt[rttCount++] = nanos;
    }

    synchronized long[] samples() {
      return Arrays.copyOf(rtt, rttCount);
    }

    /** Opens n clients and waits until they all got READY (or failed); returns the ready count. */
    int open(int[] ports, int n, String tag) throws InterruptedException {
      CountDownLatch done = new CountDownLatch(n);
      AtomicInteger ok = new AtomicInteger();
      Semaphore inFlight = new Semaphore(200);
      for (int i = 0; i < n; i++) {
        inFlight.acquire();
        String token = "valid-" + tag + "-" + i;
        int port = ports[i % ports.length];
        URI uri = URI.create("ws://127.0.0.1:" + port + "/?v=1&encoding=json");
        Runnable finished =
            new Runnable() {
              boolean once;

              @Override
              public synchronized void run() {
                if (!once) {
                  once = true;
                  inFlight.release();
                  done.countDown();
                }
              }
            };
        Bootstrap bs =
            new Bootstrap()
                .group(clientGroup)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .handler(
                    new ChannelInitializer<SocketChannel>() {
                      @Override
                      protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                            .addLast(new HttpClientCodec())
                            .addLast(new HttpObjectAggregator(65536))
                            .addLast(
                                new WebSocketClientProtocolHandler(
                                    WebSocketClientProtocolConfig.newBuilder()
                                        .webSocketUri(uri)
                                        .version(WebSocketVersion.V13)
                                        .absoluteUpgradeUrl(false)
                                        .handshakeTimeoutMillis(120_000)
                                        .maxFramePayloadLength(1 << 20)
                                        .build()))
                            .addLast(new Client(Fleet.this, token, ok, finished));
                      }
                    });
        ChannelFuture f = bs.connect(new InetSocketAddress("127.0.0.1", port));
        synchronized (this) {
          channels.add(f.channel());
        }
        f.addListener(
            cf -> {
              if (!cf.isSuccess()) {
                finished.run();
              }
            });
        f.channel().closeFuture().addListener(cf -> finished.run());
      }
      if (!done.await(10, TimeUnit.MINUTES)) {
        System.out.println("  WARNING: not every client finished connecting in 10 minutes");
      }
      if (ok.get() < n) {
        System.out.printf(Locale.ROOT, "  WARNING: only %d of %d clients are ready%n", ok.get(), n);
      }
      return ok.get();
    }

    void close() {
      List<Channel> all;
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        all = new ArrayList<>(channels);
        channels.clear();
      }
      for (Channel c : all) {
        c.close();
      }
      for (Channel c : all) {
        c.closeFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
      }
    }
  }

  /** One client: Identify on Hello, heartbeat every period once READY, time the op 11s. */
  private static final class Client extends SimpleChannelInboundHandler<WebSocketFrame> {
    private final Fleet fleet;
    private final String token;
    private final AtomicInteger ok;
    private final Runnable finished;
    private boolean ready;
    private long beats;
    private final long[] pending = new long[64];
    private int head;
    private int tail;
    private java.util.concurrent.ScheduledFuture<?> timer;

    Client(Fleet fleet, String token, AtomicInteger ok, Runnable finished) {
      this.fleet = fleet;
      this.token = token;
      this.ok = ok;
      this.finished = finished;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
      if (!(frame instanceof TextWebSocketFrame)) {
        return;
      }
      ByteBuf c = frame.content();
      int len = c.readableBytes();
      fleet.frames.increment();
      fleet.bytes.add(len);
      if (!ready) {
        String s = c.toString(StandardCharsets.UTF_8);
        if (s.contains("\"op\":10")) {
          fleet.sent.increment();
          ctx.writeAndFlush(
              new TextWebSocketFrame(
                  "{\"op\":2,\"d\":{\"token\":\""
                      + token
                      + "\",\"properties\":{\"os\":\"linux\",\"browser\":\"gatewatch-bench\","
                      + "\"device\":\"gatewatch-bench\"}}}"));
        } else if (s.contains("\"t\":\"READY\"")) {
          ready = true;
          ok.incrementAndGet();
          finished.run();
          long first = ThreadLocalRandom.current().nextLong(fleet.period) + 1;
          timer =
              ctx.channel()
                  .eventLoop()
                  .scheduleAtFixedRate(() -> beat(ctx), first, fleet.period, TimeUnit.MILLISECONDS);
        }
        return;
      }
      if (len < 64) {
        String s = c.toString(StandardCharsets.UTF_8);
        if (s.contains("\"op\":11")) {
          long now = System.nanoTime();
          if (head != tail) {
            long sent = pending[head];
            head = (head + 1) % pending.length;
            if (fleet.recording) {
              fleet.record(now - sent);
            }
          }
        } else if (s.contains("\"op\":1,") || s.contains("\"op\":1}")) {
          beat(ctx); // the server asked for a heartbeat
        }
      }
    }

    private void beat(ChannelHandlerContext ctx) {
      if (!ctx.channel().isActive()) {
        return;
      }
      int next = (tail + 1) % pending.length;
      if (next == head) {
        head = (head + 1) % pending.length; // far behind: forget the oldest
      }
      pending[tail] = System.nanoTime();
      tail = next;
      fleet.sent.increment();
      ctx.writeAndFlush(new TextWebSocketFrame("{\"op\":1,\"d\":" + (++beats) + "}"));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      if (timer != null) {
        timer.cancel(false);
      }
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  // ---- the table ----

  private static double[] column(List<LoadResult> rs, Variant v, ToDoubleFunction<LoadResult> f) {
    return rs.stream().filter(r -> r.variant() == v).mapToDouble(f).toArray();
  }

  /** Per-round ratios num/den (round r of one variant is paired with round r of the other). */
  private static double[] ratios(
      List<LoadResult> rs, Variant num, Variant den, ToDoubleFunction<LoadResult> f) {
    return perRound(rs, num, den, f, (x, y) -> x / y);
  }

  /** Per-round differences num - den. */
  private static double[] differences(
      List<LoadResult> rs, Variant num, Variant den, ToDoubleFunction<LoadResult> f) {
    return perRound(rs, num, den, f, (x, y) -> x - y);
  }

  private static double[] perRound(
      List<LoadResult> rs,
      Variant num,
      Variant den,
      ToDoubleFunction<LoadResult> f,
      DoubleBinaryOperator op) {
    double[] a = column(rs, num, f);
    double[] b = column(rs, den, f);
    double[] out = new double[Math.min(a.length, b.length)];
    for (int i = 0; i < out.length; i++) {
      out[i] = op.applyAsDouble(a[i], b[i]);
    }
    return out;
  }

  private static void put(Map<String, String> m, String key, double v) {
    m.put(key, String.format(Locale.ROOT, "%.6g", v));
  }

  private static void putRatios(Map<String, String> m, String key, double[] r) {
    put(m, key, median(r));
    put(m, key + ".min", Arrays.stream(r).min().orElse(Double.NaN));
    put(m, key + ".max", Arrays.stream(r).max().orElse(Double.NaN));
    m.put(
        key + ".rounds",
        String.join(
            " ", Arrays.stream(r).mapToObj(x -> String.format(Locale.ROOT, "%.2f", x)).toList()));
  }

  private void printTable(
      List<LoadResult> load, List<LoadResult> sat, List<IdleResult> idleRs, Map<String, String> m) {
    System.out.printf(Locale.ROOT, "%n== proxy against a bare relay (medians of rounds) ==%n");
    if (!load.isEmpty()) {
      m.put("load.connections", Integer.toString(connections));
      m.put("load.rounds", Integer.toString(rounds));
      m.put("load.period_ms", Integer.toString(periodMs));
      put(m, "load.dispatch_rate", dispatchRate);
      m.put("load.dispatch_bytes", dispatchSize.toString());
      m.put("load.measure_s", Integer.toString(durationS));
      for (Variant v : loadVariants()) {
        String k = key(v);
        put(m, "load.fps." + k, median(column(load, v, LoadResult::framesPerSec)));
        put(m, "load.p50." + k, median(column(load, v, LoadResult::p50Ms)));
        put(m, "load.p99." + k, median(column(load, v, LoadResult::p99Ms)));
        put(m, "load.cpu." + k, median(column(load, v, LoadResult::cpuPerMillion)));
      }
      putRatios(
          m,
          "load.ratio.cpu",
          ratios(load, Variant.OBSERVED, Variant.BARE, LoadResult::cpuPerMillion));
      if (abJavaOpts != null) {
        putRatios(
            m,
            "ab.load.ratio.cpu",
            ratios(load, Variant.BARE_B, Variant.BARE, LoadResult::cpuPerMillion));
        putRatios(
            m, "ab.load.ratio.p50", ratios(load, Variant.BARE_B, Variant.BARE, LoadResult::p50Ms));
        putRatios(
            m, "ab.load.ratio.p99", ratios(load, Variant.BARE_B, Variant.BARE, LoadResult::p99Ms));
      }
      if (nginx != null) {
        // gatewatch and the bare relay each against nginx, in the same window
        for (Variant v : List.of(Variant.OBSERVED, Variant.BARE)) {
          String k = key(v) + "_nginx";
          putRatios(
              m, "load.ratio.fps." + k, ratios(load, v, Variant.NGINX, LoadResult::framesPerSec));
          putRatios(m, "load.ratio.p50." + k, ratios(load, v, Variant.NGINX, LoadResult::p50Ms));
          putRatios(m, "load.ratio.p99." + k, ratios(load, v, Variant.NGINX, LoadResult::p99Ms));
          putRatios(
              m, "load.ratio.cpu." + k, ratios(load, v, Variant.NGINX, LoadResult::cpuPerMillion));
        }
      }
      putRatios(
          m,
          "load.ratio.fps",
          ratios(load, Variant.OBSERVED, Variant.BARE, LoadResult::framesPerSec));
      putRatios(
          m, "load.ratio.p50", ratios(load, Variant.OBSERVED, Variant.BARE, LoadResult::p50Ms));
      putRatios(
          m, "load.ratio.p99", ratios(load, Variant.OBSERVED, Variant.BARE, LoadResult::p99Ms));
      double[] diff = differences(load, Variant.OBSERVED, Variant.BARE, LoadResult::p99Ms);
      put(m, "load.p99.diff_ms", median(diff));
      m.put(
          "load.p99.diff_ms.rounds",
          String.join(
              " ",
              Arrays.stream(diff).mapToObj(x -> String.format(Locale.ROOT, "%+.2f", x)).toList()));
      putRatios(
          m,
          "load.ratio.fps_correlation",
          ratios(load, Variant.CORRELATED, Variant.OBSERVED, LoadResult::framesPerSec));
      putRatios(
          m,
          "load.ratio.p99_correlation",
          ratios(load, Variant.CORRELATED, Variant.OBSERVED, LoadResult::p99Ms));
      putRatios(
          m,
          "load.ratio.p99_scrape",
          ratios(load, Variant.SCRAPED, Variant.OBSERVED, LoadResult::p99Ms));
      m.put("scrape.series", Integer.toString(lastScrapeSeries));
      m.put("scrape.bytes", Integer.toString(lastScrapeBytes));
    }
    if (!sat.isEmpty()) {
      m.put("sat.connections", Integer.toString(saturateConnections));
      m.put("sat.rounds", Integer.toString(saturateRounds));
      for (Variant v : proxyVariants()) {
        String k = key(v);
        put(m, "sat.fps." + k, median(column(sat, v, LoadResult::framesPerSec)));
        put(m, "sat.mbps." + k, median(column(sat, v, LoadResult::mbPerSec)));
        put(m, "sat.cpu." + k, median(column(sat, v, LoadResult::cpuPerMillion)));
      }
      putRatios(
          m,
          "sat.ratio.fps",
          ratios(sat, Variant.OBSERVED, Variant.BARE, LoadResult::framesPerSec));
      if (abJavaOpts != null) {
        putRatios(
            m,
            "ab.sat.ratio.fps",
            ratios(sat, Variant.BARE_B, Variant.BARE, LoadResult::framesPerSec));
        putRatios(
            m,
            "ab.sat.ratio.cpu",
            ratios(sat, Variant.BARE_B, Variant.BARE, LoadResult::cpuPerMillion));
      }
      if (nginx != null) {
        for (Variant v : List.of(Variant.OBSERVED, Variant.BARE)) {
          putRatios(
              m,
              "sat.ratio.fps." + key(v) + "_nginx",
              ratios(sat, v, Variant.NGINX, LoadResult::framesPerSec));
        }
      }
    }
    if (!idleRs.isEmpty()) {
      double hb =
          median(
              idleRs.stream()
                  .filter(r -> r.variant() == Variant.BARE)
                  .mapToDouble(r -> r.perConnection())
                  .toArray());
      double ho =
          median(
              idleRs.stream()
                  .filter(r -> r.variant() == Variant.OBSERVED)
                  .mapToDouble(r -> r.perConnection())
                  .toArray());
      m.put("idle.connections", Integer.toString(idleRs.get(0).ready()));
      put(m, "idle.bare", hb);
      put(m, "idle.observed", ho);
      put(m, "idle.delta", ho - hb);
      for (Variant v : proxyVariants()) {
        IdleResult[] rs = idleRs.stream().filter(r -> r.variant() == v).toArray(IdleResult[]::new);
        String k = key(v);
        put(
            m,
            "idle.rss." + k,
            median(Arrays.stream(rs).mapToDouble(r -> r.rssPerConnection()).toArray()));
        put(
            m,
            "idle.rss_before_mib." + k,
            median(Arrays.stream(rs).mapToDouble(r -> r.rssBefore() / 1048576.0).toArray()));
        put(
            m,
            "idle.rss_after_mib." + k,
            median(Arrays.stream(rs).mapToDouble(r -> r.rssAfter() / 1048576.0).toArray()));
      }
      if (proxyVariants().contains(Variant.NGINX)) {
        for (Variant v : List.of(Variant.OBSERVED, Variant.BARE)) {
          if (!proxyVariants().contains(v)) {
            continue;
          }
          put(
              m,
              "idle.rss.ratio." + key(v) + "_nginx",
              Double.parseDouble(m.get("idle.rss." + key(v)))
                  / Double.parseDouble(m.get("idle.rss.nginx")));
        }
      }
    }
    m.forEach((k, v) -> System.out.println("  " + k + " = " + v));
  }

  private static String key(Variant v) {
    return v.name().toLowerCase(Locale.ROOT);
  }

  private static void row(
      String metric, String bare, String obs, String ratio, String target, Boolean pass) {
    System.out.printf(
        Locale.ROOT,
        "| %s | %s | %s | %s | %s | %s |%n",
        metric,
        bare,
        obs,
        ratio,
        target,
        pass == null ? "" : pass ? "PASS" : "FAIL");
  }

  private static double median(double[] v) {
    if (v.length == 0) {
      return Double.NaN;
    }
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  // ---- file descriptors ----

  private static long maxFds() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.UnixOperatingSystemMXBean u) {
      return u.getMaxFileDescriptorCount();
    }
    return -1;
  }

  private static long openFds() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.UnixOperatingSystemMXBean u) {
      return u.getOpenFileDescriptorCount();
    }
    return 0;
  }
}
