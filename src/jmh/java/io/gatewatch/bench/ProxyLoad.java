package io.gatewatch.bench;

import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.proxy.GatewayProxy;
import io.gatewatch.proxy.ProxySettings;
import io.gatewatch.proxy.RelayObserver;
import io.gatewatch.proxy.WatchedProxy;
import io.gatewatch.sim.DispatchSize;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.RateLimit;
import io.gatewatch.sim.SimulatorSettings;
import io.gatewatch.track.EventClock;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
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
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A load tool (not a test, not JMH): gatewatch's observed proxy ({@link WatchedProxy}: relay,
 * ProxyTap, tracker, metrics) against a bare relay built from the same {@link GatewayProxy}
 * pipeline with a do-nothing observer, in one JVM, with a {@link GatewaySimulator} on loopback as
 * the upstream and a lean Netty WebSocket client fleet.
 *
 * <ol>
 *   <li>Throughput and latency: K clients Identify, heartbeat every P ms and time the op 11 ACK
 *       (client-side nanoTime) while the simulator streams MESSAGE_CREATE dispatches; bare and
 *       observed alternate for several rounds, the median round is reported.
 *   <li>Heap per idle connection: N Identified idle clients per variant, used heap (after GC)
 *       before and after, divided by N. The whole process is counted: clients and simulator
 *       sessions are the same in both variants, so the difference is the observation cost per
 *       socket.
 * </ol>
 *
 * <pre>
 * java -cp target/benchmarks.jar io.gatewatch.bench.ProxyLoad --connections 1000 --idle 10000
 * </pre>
 */
public final class ProxyLoad {

  enum Variant {
    BARE("bare relay"),
    OBSERVED("observed proxy");

    final String label;

    Variant(String label) {
      this.label = label;
    }
  }

  // ---- options ----
  private int connections = 1000;
  private int periodMs = 200;
  private int warmupS = 10;
  private int durationS = 30;
  private int rounds = 3;
  private int idle = 10_000;
  private int idleRounds = 1;
  private double dispatchRate = 10;
  private DispatchSize dispatchSize = new DispatchSize(1024, 4096);
  private int saturateConnections = 200;
  private int saturateS = 15;
  private int clientThreads = 2;
  private int proxyThreads = 0;

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
                + " [--client-threads T] [--proxy-threads T]");
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
        case "--proxy-threads" -> proxyThreads = Integer.parseInt(v);
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
        "ProxyLoad: %d processors, max heap %d MiB, fd limit %d%n",
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20,
        maxFds());

    List<LoadResult> bare = new ArrayList<>();
    List<LoadResult> observed = new ArrayList<>();
    if (connections > 0 && rounds > 0) {
      System.out.printf(
          Locale.ROOT,
          "%n== throughput and latency: %d connections, heartbeat every %d ms, %.1f dispatches/s"
              + " per session, warm-up %d s, measure %d s, %d rounds ==%n",
          connections,
          periodMs,
          dispatchRate,
          warmupS,
          durationS,
          rounds);
      for (int r = 1; r <= rounds; r++) {
        for (Variant v : Variant.values()) {
          LoadResult res = loadRound(v, r);
          (v == Variant.BARE ? bare : observed).add(res);
          System.out.println("  " + res);
        }
      }
    }

    List<LoadResult> satBare = new ArrayList<>();
    List<LoadResult> satObserved = new ArrayList<>();
    if (saturateConnections > 0 && rounds > 0) {
      System.out.printf(
          Locale.ROOT,
          "%n== saturated throughput: %d connections, the simulator dispatching as fast as each"
              + " socket drains (%s-byte dispatches), warm-up %d s, measure %d s, %d rounds ==%n",
          saturateConnections,
          dispatchSize,
          Math.min(warmupS, 5),
          saturateS,
          rounds);
      for (int r = 1; r <= rounds; r++) {
        for (Variant v : Variant.values()) {
          LoadResult res = saturatedRound(v, r);
          (v == Variant.BARE ? satBare : satObserved).add(res);
          System.out.println("  " + res);
        }
      }
    }

    List<Long> idleBare = new ArrayList<>();
    List<Long> idleObserved = new ArrayList<>();
    int idleCount = 0;
    if (idle > 0 && idleRounds > 0) {
      long fds = maxFds();
      long open = openFds();
      // client socket + proxy's accepted socket + proxy's upstream socket + simulator's socket
      long room = fds > 0 ? (fds - open - 500) / 4 : idle;
      idleCount = (int) Math.max(0, Math.min(idle, room));
      System.out.printf(
          Locale.ROOT,
          "%n== heap per idle connection: %d requested, %d used (fd limit %d, %d open,"
              + " 4 fds per relayed connection in this process) ==%n",
          idle,
          idleCount,
          fds,
          open);
      if (idleCount < idle) {
        System.out.printf(
            Locale.ROOT,
            "  NOTE: the fd limit allows only %d idle connections, not %d%n",
            idleCount,
            idle);
      }
      for (int r = 1; r <= idleRounds; r++) {
        for (Variant v : Variant.values()) {
          long perConn = idleRound(v, idleCount);
          (v == Variant.BARE ? idleBare : idleObserved).add(perConn);
        }
      }
    }

    printTable(bare, observed, satBare, satObserved, idleBare, idleObserved, idleCount);
    clientGroup
        .shutdownGracefully(0, 1, TimeUnit.SECONDS)
        .awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  // ---- the system under test ----

  private static final class Bench implements AutoCloseable {
    final GatewaySimulator sim;
    final AutoCloseable proxy;
    final int proxyPort;

    Bench(GatewaySimulator sim, AutoCloseable proxy, int proxyPort) {
      this.sim = sim;
      this.proxy = proxy;
      this.proxyPort = proxyPort;
    }

    @Override
    public void close() throws Exception {
      proxy.close();
      sim.close();
    }
  }

  private Bench startBench(Variant v, double rate, int expected) throws IOException {
    GatewaySimulator sim =
        new GatewaySimulator(
                SimulatorSettings.builder()
                    .listen("127.0.0.1:0")
                    .heartbeatInterval(Duration.ofSeconds(60))
                    .heartbeatTimeout(Duration.ofSeconds(66))
                    .dispatchRate(rate)
                    .dispatchSize(dispatchSize)
                    // a socket that does not drain skips dispatches instead of being closed: at
                    // saturation the simulator sends exactly as fast as the relay delivers
                    .backpressureGrace(Duration.ofHours(1))
                    .rateLimit(new RateLimit(100_000, Duration.ofSeconds(60)))
                    .maxSocketsPerIp(expected + 1000)
                    .replayBufferEvents(16)
                    .build())
            .start();
    ProxySettings settings =
        ProxySettings.builder("ws://127.0.0.1:" + sim.port())
            .listen(new InetSocketAddress("127.0.0.1", 0))
            .maxConnections(expected + 1000)
            .connectTimeout(Duration.ofSeconds(60))
            .eventLoopThreads(proxyThreads)
            .build();
    try {
      if (v == Variant.BARE) {
        GatewayProxy p = new GatewayProxy(settings, new BareObserver()).start();
        return new Bench(sim, p, p.port());
      }
      Watches watches = new Watches(TokenFingerprinter.withRandomSalt());
      WatchedProxy p =
          WatchedProxy.start(
              watches,
              ProfileLoader.defaultProfile(),
              TrackerSettings.DEFAULTS,
              "bench",
              settings,
              null,
              true,
              EventClock.system(),
              Signals.NONE);
      return new Bench(sim, p, p.proxy().port());
    } catch (IOException | RuntimeException e) {
      sim.close();
      throw e;
    }
  }

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
      double maxMs) {
    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "round %d %-14s ready %5d  %9.0f frames/s  %6.2f MB/s  rtt n=%d p50 %.3f ms p99 %.3f ms"
              + " max %.1f ms",
          round,
          variant.label,
          ready,
          framesPerSec,
          mbPerSec,
          samples,
          p50Ms,
          p99Ms,
          maxMs);
    }
  }

  private LoadResult loadRound(Variant v, int round) throws Exception {
    Fleet fleet = new Fleet(periodMs);
    try (Bench b = startBench(v, dispatchRate, connections)) {
      int ready = fleet.open(b.proxyPort, connections, "r" + round + v.ordinal());
      Thread.sleep(warmupS * 1000L);
      long f0 = fleet.frames.sum();
      long by0 = fleet.bytes.sum();
      long t0 = System.nanoTime();
      fleet.recording = true;
      Thread.sleep(durationS * 1000L);
      fleet.recording = false;
      long t1 = System.nanoTime();
      long f1 = fleet.frames.sum();
      long by1 = fleet.bytes.sum();
      long[] rtt = fleet.samples();
      Arrays.sort(rtt);
      double secs = (t1 - t0) / 1e9;
      fleet.close();
      return new LoadResult(
          v,
          round,
          ready,
          (f1 - f0) / secs,
          (by1 - by0) / secs / 1e6,
          rtt.length,
          pct(rtt, 0.50) / 1e6,
          pct(rtt, 0.99) / 1e6,
          rtt.length == 0 ? Double.NaN : rtt[rtt.length - 1] / 1e6);
    } finally {
      fleet.close();
    }
  }

  /**
   * The simulator dispatches at its highest rate; a socket that is not writable skips its turn, so
   * what the clients receive is what the relay (and the shared CPU) can carry.
   */
  private LoadResult saturatedRound(Variant v, int round) throws Exception {
    Fleet fleet = new Fleet(periodMs);
    try (Bench b = startBench(v, SimulatorSettings.MAX_DISPATCH_RATE, saturateConnections)) {
      int ready = fleet.open(b.proxyPort, saturateConnections, "s" + round + v.ordinal());
      Thread.sleep(Math.min(warmupS, 5) * 1000L);
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
          Double.NaN);
    } finally {
      fleet.close();
    }
  }

  private long idleRound(Variant v, int n) throws Exception {
    Fleet fleet = new Fleet(30_000);
    try (Bench b = startBench(v, 0, n)) {
      long before = usedHeapAfterGc();
      long t0 = System.nanoTime();
      int ready = fleet.open(b.proxyPort, n, "i" + v.ordinal());
      long openMs = (System.nanoTime() - t0) / 1_000_000;
      Thread.sleep(2000);
      long after = usedHeapAfterGc();
      long perConn = ready == 0 ? 0 : (after - before) / ready;
      System.out.printf(
          Locale.ROOT,
          "  %-14s %d idle connections ready (in %d ms); used heap %.1f MiB -> %.1f MiB:"
              + " %d bytes per connection%n",
          v.label,
          ready,
          openMs,
          before / 1048576.0,
          after / 1048576.0,
          perConn);
      fleet.close();
      return perConn;
    } finally {
      fleet.close();
    }
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    var mem = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(300);
    }
    return mem.getHeapMemoryUsage().getUsed();
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
    int open(int port, int n, String tag) throws InterruptedException {
      URI uri = URI.create("ws://127.0.0.1:" + port + "/?v=1&encoding=json");
      CountDownLatch done = new CountDownLatch(n);
      AtomicInteger ok = new AtomicInteger();
      Semaphore inFlight = new Semaphore(200);
      for (int i = 0; i < n; i++) {
        inFlight.acquire();
        String token = "valid-" + tag + "-" + i;
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

  private void printTable(
      List<LoadResult> bare,
      List<LoadResult> observed,
      List<LoadResult> satBare,
      List<LoadResult> satObserved,
      List<Long> idleBare,
      List<Long> idleObserved,
      int idleCount) {
    System.out.printf(Locale.ROOT, "%n== proxy against a bare relay (median of rounds) ==%n");
    System.out.println("| metric | bare relay | observed proxy | observed vs bare | target | |");
    System.out.println("|---|---:|---:|---:|---|---|");
    if (!bare.isEmpty() && !observed.isEmpty()) {
      double tb = median(bare.stream().mapToDouble(LoadResult::framesPerSec).toArray());
      double to = median(observed.stream().mapToDouble(LoadResult::framesPerSec).toArray());
      double p50b = median(bare.stream().mapToDouble(LoadResult::p50Ms).toArray());
      double p50o = median(observed.stream().mapToDouble(LoadResult::p50Ms).toArray());
      double p99b = median(bare.stream().mapToDouble(LoadResult::p99Ms).toArray());
      double p99o = median(observed.stream().mapToDouble(LoadResult::p99Ms).toArray());
      row(
          "offered load delivered, frames/s (" + connections + " conns)",
          String.format(Locale.ROOT, "%,.0f", tb),
          String.format(Locale.ROOT, "%,.0f", to),
          String.format(Locale.ROOT, "%.3fx", to / tb),
          "(info)",
          null);
      row(
          "heartbeat RTT p50, ms",
          String.format(Locale.ROOT, "%.3f", p50b),
          String.format(Locale.ROOT, "%.3f", p50o),
          String.format(Locale.ROOT, "%.3fx", p50o / p50b),
          "(info)",
          null);
      row(
          "heartbeat RTT p99, ms",
          String.format(Locale.ROOT, "%.3f", p99b),
          String.format(Locale.ROOT, "%.3f", p99o),
          String.format(Locale.ROOT, "%.3fx", p99o / p99b),
          "<= 1.1x",
          p99o / p99b <= 1.1);
    }
    if (!satBare.isEmpty() && !satObserved.isEmpty()) {
      double fb = median(satBare.stream().mapToDouble(LoadResult::framesPerSec).toArray());
      double fo = median(satObserved.stream().mapToDouble(LoadResult::framesPerSec).toArray());
      double mb = median(satBare.stream().mapToDouble(LoadResult::mbPerSec).toArray());
      double mo = median(satObserved.stream().mapToDouble(LoadResult::mbPerSec).toArray());
      row(
          "saturated throughput, frames/s (" + saturateConnections + " conns)",
          String.format(Locale.ROOT, "%,.0f", fb),
          String.format(Locale.ROOT, "%,.0f", fo),
          String.format(Locale.ROOT, "%.3fx", fo / fb),
          ">= 0.85x",
          fo / fb >= 0.85);
      row(
          "saturated throughput, MB/s",
          String.format(Locale.ROOT, "%.1f", mb),
          String.format(Locale.ROOT, "%.1f", mo),
          String.format(Locale.ROOT, "%.3fx", mo / mb),
          "(info)",
          null);
    }
    if (!idleBare.isEmpty() && !idleObserved.isEmpty()) {
      double hb = median(idleBare.stream().mapToDouble(Long::doubleValue).toArray());
      double ho = median(idleObserved.stream().mapToDouble(Long::doubleValue).toArray());
      row(
          "heap per idle connection, bytes (" + idleCount + " conns, whole process)",
          String.format(Locale.ROOT, "%,.0f", hb),
          String.format(Locale.ROOT, "%,.0f", ho),
          String.format(Locale.ROOT, "%+,.0f B", ho - hb),
          "<= +4,096 B",
          ho - hb <= 4096);
    }
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
