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
import java.util.EnumMap;
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
 *       redis-server started here) run side by side (one fleet and one proxy JVM each, one
 *       simulator), so that every round measures the four in the same window; medians of the rounds
 *       and of the per-round ratios are reported.
 *   <li>Saturated throughput: the simulator dispatches as fast as each socket drains.
 *   <li>Heap per idle connection: N Identified idle clients per variant, the proxy processes' used
 *       heap (after GC) before and after, divided by N. Only the proxies are counted; with 2
 *       sockets per relayed connection, N = 10,000 is split over two proxy processes when the
 *       open-file limit is 20,000.
 * </ol>
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
    CORRELATED("observed + Redis correlation");

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

  private static final int SATURATE_WARMUP_S = 5;

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
                + " [--results FILE]\n  --connections K: offered-load clients per variant;"
                + " the four variants run side by side, so 4 x K in all");
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
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
  }

  private void run() throws Exception {
    clientGroup =
        new MultiThreadIoEventLoopGroup(
            clientThreads,
            new DefaultThreadFactory("bench-client", true),
            NioIoHandler.newFactory());
    System.out.printf(
        Locale.ROOT,
        "ProxyLoad: %d processors, client fleet max heap %d MiB, fd limit %d,"
            + " node JVM options: %s%n",
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20,
        maxFds(),
        String.join(" ", nodeJavaOpts));

    List<LoadResult> load = new ArrayList<>();
    if (connections > 0 && rounds > 0) {
      System.out.printf(
          Locale.ROOT,
          "%n== offered load: %d connections, heartbeat every %d ms, %.1f dispatches/s per"
              + " session (%s bytes) through each of bare / observed / observed + /metrics"
              + " scraped every second / observed + Redis correlation, side by side on one"
              + " simulator (measured in the same window), warm-up %d s, measure %d s, %d rounds ==%n",
          connections,
          periodMs,
          dispatchRate,
          dispatchSize,
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
        for (Variant v : List.of(Variant.BARE, Variant.OBSERVED)) {
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
          "%n== heap per idle connection: %d connections (fd limit %d per process: %d proxy"
              + " process(es) of up to %d sockets pairs each) ==%n",
          count,
          fds,
          nodes,
          perNode);
      for (int r = 1; r <= idleRounds; r++) {
        for (Variant v : List.of(Variant.BARE, Variant.OBSERVED)) {
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

  /** A {@link BenchNode} in its own JVM. */
  private final class Node implements AutoCloseable {
    final Process process;
    final BufferedReader out;
    final PrintWriter in;
    final int port;
    final int metricsPort;

    Node(String... args) throws IOException {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(nodeJavaOpts);
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

    long heap() throws IOException {
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
        "sim", Integer.toString(expected), Double.toString(rate), dispatchSize.toString());
  }

  private Node proxyNode(Variant v, Node sim, int expected) throws IOException {
    if (v == Variant.CORRELATED) {
      return new Node(
          "correlated", "ws://127.0.0.1:" + sim.port, Integer.toString(expected), redisUrl());
    }
    return new Node(
        v == Variant.BARE ? "bare" : "observed",
        "ws://127.0.0.1:" + sim.port,
        Integer.toString(expected));
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
      String note) {
    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "round %d %-24s ready %5d  %9.0f frames/s  %6.2f MB/s  rtt n=%d p50 %.3f ms p99 %.3f ms"
              + " max %.1f ms%s",
          round,
          variant.label,
          ready,
          framesPerSec,
          mbPerSec,
          samples,
          p50Ms,
          p99Ms,
          maxMs,
          note);
    }
  }

  record IdleResult(Variant variant, int ready, long before, long after) {
    long perConnection() {
      return ready == 0 ? 0 : (after - before) / ready;
    }
  }

  /**
   * One round of offered load: the variants run side by side, each proxy in its own JVM with its
   * own fleet of {@code connections} clients, all on one simulator and measured in the same window.
   * Whatever else stalls the machine (the client fleet's or the simulator's garbage collections,
   * other processes) then delays all of them alike, and the per-round ratios compare the proxies
   * alone.
   */
  private List<LoadResult> loadRound(int round) throws Exception {
    Map<Variant, Node> proxies = new EnumMap<>(Variant.class);
    Map<Variant, Fleet> fleets = new EnumMap<>(Variant.class);
    Scraper scraper = null;
    Node sim = null;
    try {
      sim = simNode(dispatchRate, connections * Variant.values().length);
      for (Variant v : Variant.values()) {
        proxies.put(v, proxyNode(v, sim, connections));
      }
      Map<Variant, Integer> ready = new EnumMap<>(Variant.class);
      for (Variant v : Variant.values()) {
        Fleet fleet = new Fleet(periodMs);
        fleets.put(v, fleet);
        ready.put(
            v, fleet.open(new int[] {proxies.get(v).port}, connections, "r" + round + v.ordinal()));
      }
      scraper = new Scraper(proxies.get(Variant.SCRAPED).metricsPort);
      Thread.sleep(warmupS * 1000L);
      int scrapes0 = scraper.scrapes.get();
      Map<Variant, long[]> before = new EnumMap<>(Variant.class);
      fleets.forEach((v, f) -> before.put(v, new long[] {f.frames.sum(), f.bytes.sum()}));
      long t0 = System.nanoTime();
      fleets.values().forEach(f -> f.recording = true);
      Thread.sleep(durationS * 1000L);
      fleets.values().forEach(f -> f.recording = false);
      long t1 = System.nanoTime();
      Map<Variant, long[]> after = new EnumMap<>(Variant.class);
      fleets.forEach((v, f) -> after.put(v, new long[] {f.frames.sum(), f.bytes.sum()}));
      double secs = (t1 - t0) / 1e9;
      lastScrapeSeries = scraper.series;
      lastScrapeBytes = scraper.bytes;
      List<LoadResult> out = new ArrayList<>();
      for (Variant v : Variant.values()) {
        Fleet fleet = fleets.get(v);
        long[] rtt = fleet.samples();
        Arrays.sort(rtt);
        String note =
            v != Variant.SCRAPED
                ? ""
                : String.format(
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
                note));
      }
      return out;
    } finally {
      if (scraper != null) {
        scraper.close();
      }
      fleets.values().forEach(Fleet::close);
      for (Node proxy : proxies.values()) {
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
        Node proxy = proxyNode(v, sim, saturateConnections)) {
      int ready =
          fleet.open(new int[] {proxy.port}, saturateConnections, "s" + round + v.ordinal());
      Thread.sleep(SATURATE_WARMUP_S * 1000L);
      long f0 = fleet.frames.sum();
      long by0 = fleet.bytes.sum();
      long t0 = System.nanoTime();
      Thread.sleep(saturateS * 1000L);
      long t1 = System.nanoTime();
      long f1 = fleet.frames.sum();
      long by1 = fleet.bytes.sum();
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
          "");
    } finally {
      fleet.close();
    }
  }

  /** n idle Identified clients over `nodes` proxy processes; heap is read in the proxies only. */
  private IdleResult idleRound(Variant v, int n, int nodes) throws Exception {
    Fleet fleet = new Fleet(30_000);
    List<Node> proxies = new ArrayList<>();
    try (Node sim = simNode(0, n)) {
      int[] ports = new int[nodes];
      long before = 0;
      for (int i = 0; i < nodes; i++) {
        Node p = proxyNode(v, sim, n / nodes + 1);
        proxies.add(p);
        ports[i] = p.port;
      }
      for (Node p : proxies) {
        before += p.heap();
      }
      long t0 = System.nanoTime();
      int ready = fleet.open(ports, n, "i" + v.ordinal());
      long openMs = (System.nanoTime() - t0) / 1_000_000;
      Thread.sleep(2000);
      long after = 0;
      for (Node p : proxies) {
        after += p.heap();
      }
      IdleResult res = new IdleResult(v, ready, before, after);
      System.out.printf(
          Locale.ROOT,
          "  %-14s %d idle connections ready (in %d ms) over %d proxy process(es); proxy heap"
              + " (sum) %.1f MiB -> %.1f MiB: %d bytes per connection%n",
          v.label,
          ready,
          openMs,
          nodes,
          before / 1048576.0,
          after / 1048576.0,
          res.perConnection());
      fleet.close();
      return res;
    } finally {
      fleet.close();
      for (Node p : proxies) {
        p.close();
      }
    }
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
      for (Variant v : Variant.values()) {
        String k = v.name().toLowerCase(Locale.ROOT);
        put(m, "load.fps." + k, median(column(load, v, LoadResult::framesPerSec)));
        put(m, "load.p50." + k, median(column(load, v, LoadResult::p50Ms)));
        put(m, "load.p99." + k, median(column(load, v, LoadResult::p99Ms)));
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
      for (Variant v : List.of(Variant.BARE, Variant.OBSERVED)) {
        String k = v.name().toLowerCase(Locale.ROOT);
        put(m, "sat.fps." + k, median(column(sat, v, LoadResult::framesPerSec)));
        put(m, "sat.mbps." + k, median(column(sat, v, LoadResult::mbPerSec)));
      }
      putRatios(
          m,
          "sat.ratio.fps",
          ratios(sat, Variant.OBSERVED, Variant.BARE, LoadResult::framesPerSec));
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
    }
    m.forEach((k, v) -> System.out.println("  " + k + " = " + v));
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
