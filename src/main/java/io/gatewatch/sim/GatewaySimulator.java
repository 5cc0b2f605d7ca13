package io.gatewatch.sim;

import io.gatewatch.config.ConfigException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Fluxer-style gateway over real WebSockets, for demos, tests and client developers: the chaos
 * gateway. It follows docs/protocol.md (Hello, Identify and READY, heartbeats with the server's op
 * 1 requests, Resume with replay, op 9, op 7 drains, zstd-stream compression, the close codes of
 * the active profile) and injects the faults {@link SimulatorSettings} asks for. It shares nothing
 * with gatewatch's observing core but the profile registries, so the two check each other.
 *
 * <pre>
 * try (GatewaySimulator sim = new GatewaySimulator(settings).start()) {
 *   URI uri = URI.create(sim.url());        // ws://127.0.0.1:PORT/?v=1&amp;encoding=json
 *   ...
 *   sim.drainAll();                         // op 7 + 4000 on every socket
 * }
 * </pre>
 *
 * <p>The on-demand faults ({@link #drainAll()}, {@link #dropAll()}, {@link #expireSessions()},
 * {@link #backpressureBurst()}, {@link #dispatchNow(int)}) return once every socket has carried
 * them out; do not call them from a Netty event loop.
 */
public final class GatewaySimulator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GatewaySimulator.class);
  private static final long AWAIT_SECONDS = 5;

  private final SimulatorSettings settings;
  private final GatewayCore core;
  private final Set<SimulatorChannel> connections = ConcurrentHashMap.newKeySet();
  private final Map<InetAddress, Integer> socketsPerIp = new ConcurrentHashMap<>();
  private final AtomicLong numbers = new AtomicLong();
  private EventLoopGroup boss;
  private EventLoopGroup workers;
  private ScheduledExecutorService faults;
  private Channel server;
  private volatile boolean closed;

  public GatewaySimulator(SimulatorSettings settings) {
    this.settings = settings;
    this.core = new GatewayCore(settings);
  }

  /**
   * Binds the listen address and starts the periodic faults.
   *
   * @return this
   * @throws IOException when the address cannot be bound
   * @throws IllegalStateException when already started
   */
  public synchronized GatewaySimulator start() throws IOException {
    if (server != null || closed) {
      throw new IllegalStateException("already started");
    }
    boss = new MultiThreadIoEventLoopGroup(1, threads("gatewatch-sim-accept"), ioHandler());
    workers =
        new MultiThreadIoEventLoopGroup(
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            threads("gatewatch-sim"),
            ioHandler());
    ServerBootstrap b =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel c) {
                    c.pipeline()
                        .addLast("http", new HttpServerCodec())
                        .addLast("http-aggregator", new HttpObjectAggregator(65_536))
                        .addLast(
                            "ws-aggregator",
                            new WebSocketFrameAggregator(SimulatorChannel.MAX_FRAME_BYTES))
                        .addLast(
                            "gateway",
                            new SimulatorChannel(GatewaySimulator.this, numbers.incrementAndGet()));
                  }
                });
    try {
      server = b.bind(settings.listen()).sync().channel();
    } catch (Exception e) {
      shutdownGroups();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IOException(
          "cannot listen on " + settings.listenHostPort() + ": " + ConfigException.describe(e), e);
    }
    faults =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gatewatch-sim-faults");
              t.setDaemon(true);
              return t;
            });
    every(settings.drainEvery(), this::drainAll);
    every(settings.dropEvery(), this::dropAll);
    every(settings.expireEvery(), this::expireSessions);
    every(settings.backpressureBurstEvery(), this::backpressureBurst);
    every(Duration.ofSeconds(1), () -> core.sessions().sweep());
    LOG.info(
        "gateway simulator listening on {} (profile {}, heartbeat interval {} ms, timeout {} ms,"
            + " retention {} ms, {} dispatches/s per session{})",
        url(),
        settings.profile().name(),
        settings.heartbeatInterval().toMillis(),
        settings.heartbeatTimeout().toMillis(),
        settings.sessionRetention().toMillis(),
        settings.dispatchRate(),
        describeFaults());
    return this;
  }

  private static IoHandlerFactory ioHandler() {
    return NioIoHandler.newFactory();
  }

  private static DefaultThreadFactory threads(String name) {
    return new DefaultThreadFactory(name, true);
  }

  private void every(Duration period, Runnable task) {
    if (period.isZero()) {
      return;
    }
    long ms = Math.max(1, period.toMillis());
    faults.scheduleAtFixedRate(
        () -> {
          try {
            task.run();
          } catch (RuntimeException e) {
            LOG.warn("periodic fault failed", e);
          }
        },
        ms,
        ms,
        TimeUnit.MILLISECONDS);
  }

  private String describeFaults() {
    List<String> f = new ArrayList<>();
    if (!settings.ackDelay().isNone()) {
      f.add("ACK delay " + settings.ackDelay());
    }
    if (settings.dropProbability() > 0) {
      f.add("drop probability " + settings.dropProbability() + " per interval");
    }
    if (!settings.dropEvery().isZero()) {
      f.add("drop every " + settings.dropEvery().toMillis() + " ms");
    }
    if (!settings.drainEvery().isZero()) {
      f.add("drain every " + settings.drainEvery().toMillis() + " ms");
    }
    if (!settings.expireEvery().isZero()) {
      f.add("expire sessions every " + settings.expireEvery().toMillis() + " ms");
    }
    if (!settings.backpressureBurstEvery().isZero()) {
      f.add("backpressure burst every " + settings.backpressureBurstEvery().toMillis() + " ms");
    }
    return f.isEmpty() ? "" : "; faults: " + String.join(", ", f);
  }

  /** The settings it runs with. */
  public SimulatorSettings settings() {
    return settings;
  }

  /** The protocol state shared by the sockets (session store, close table). */
  public GatewayCore core() {
    return core;
  }

  /** The bound address (the real port when the settings said 0). */
  public InetSocketAddress address() {
    Channel s = server;
    if (s == null) {
      throw new IllegalStateException("not started");
    }
    return (InetSocketAddress) s.localAddress();
  }

  /** The bound port. */
  public int port() {
    return address().getPort();
  }

  /**
   * The gateway URL: {@code ws://127.0.0.1:8765/?v=1&encoding=json}, with the profile's version
   * ({@code v=10} for discord; the loopback address when listening on a wildcard address).
   */
  public String url() {
    InetSocketAddress a = address();
    String host = settings.listen().getHostString();
    if (settings.listen().getAddress() != null
        && settings.listen().getAddress().isAnyLocalAddress()) {
      host = host.contains(":") ? "::1" : "127.0.0.1"; // a wildcard is not an address to dial
    }
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return "ws://" + host + ":" + a.getPort() + query();
  }

  /** The path and query of {@link #url()}: {@code /?v=1&encoding=json}, v the profile's. */
  public String query() {
    return "/?v=" + settings.profile().apiVersion() + "&encoding=json";
  }

  /** Sockets that got their Hello and are still open. */
  public int connectionCount() {
    return connections.size();
  }

  /** Sessions that are attached or still resumable. */
  public int sessionCount() {
    return core.sessions().size();
  }

  /** Sessions attached to a socket. */
  public int attachedSessionCount() {
    return core.sessions().attached();
  }

  /**
   * Drains every socket: op 7 Reconnect, then close 4000 {@code Session drain requested; reconnect
   * to continue}. Sessions stay resumable.
   *
   * @return the sockets drained
   */
  public int drainAll() {
    int n = onEvery(c -> c.ended() ? 0 : run(c::drain));
    log(n, "drain: {} sockets sent op 7 and closed with 4000");
    return n;
  }

  /**
   * Drops every socket's TCP connection without a close frame (a reset; clients see 1006). Sessions
   * stay resumable.
   *
   * @return the sockets dropped
   */
  public int dropAll() {
    int n = onEvery(c -> c.ended() ? 0 : run(c::drop));
    log(n, "drop: {} connections dropped without a close frame");
    return n;
  }

  /**
   * Forgets every session now (attached ones too: their sockets keep running, but no later Resume
   * finds them, it gets op 9).
   *
   * @return the sessions forgotten
   */
  public int expireSessions() {
    int n = core.sessions().forgetAll();
    log(n, "expiry: {} sessions forgotten");
    return n;
  }

  /**
   * Overflows the event buffer of every socket holding a session: a burst of {@code
   * backpressureBurstEvents} dispatches, then 4013 (4000 where the profile has no 4013).
   *
   * @return the sockets closed
   */
  public int backpressureBurst() {
    int n = onEvery(c -> c.backpressureBurst() ? 1 : 0);
    log(n, "backpressure burst: {} sockets closed");
    return n;
  }

  /**
   * Sends {@code count} MESSAGE_CREATE dispatches on every socket holding a session, now.
   *
   * @return the dispatches sent
   */
  public int dispatchNow(int count) {
    return onEvery(c -> c.dispatch(count));
  }

  /** Faults that hit something are notable (INFO); periodic ones that found nothing are not. */
  private static void log(int n, String message) {
    if (n > 0) {
      LOG.info(message, n);
    } else {
      LOG.debug(message, n);
    }
  }

  private static int run(Runnable r) {
    r.run();
    return 1;
  }

  /** Runs {@code action} on every open socket's event loop and sums the results. */
  private int onEvery(Function<GatewayConnection, Integer> action) {
    List<Future<Integer>> futures = new ArrayList<>();
    for (SimulatorChannel c : connections) {
      GatewayConnection gc = c.connection();
      if (gc == null) {
        continue;
      }
      if (c.channel().eventLoop().inEventLoop()) {
        throw new IllegalStateException("called from a simulator event loop");
      }
      futures.add(c.channel().eventLoop().submit(() -> action.apply(gc)));
    }
    int total = 0;
    for (Future<Integer> f : futures) {
      if (f.awaitUninterruptibly(AWAIT_SECONDS, TimeUnit.SECONDS) && f.isSuccess()) {
        total += f.getNow();
      }
    }
    return total;
  }

  boolean acquireIpSlot(InetAddress ip) {
    boolean[] ok = {false};
    socketsPerIp.compute(
        ip,
        (k, v) -> {
          int n = v == null ? 0 : v;
          if (n >= settings.maxSocketsPerIp()) {
            return v;
          }
          ok[0] = true;
          return n + 1;
        });
    return ok[0];
  }

  void releaseIpSlot(InetAddress ip) {
    socketsPerIp.computeIfPresent(ip, (k, v) -> v <= 1 ? null : v - 1);
  }

  void register(SimulatorChannel c) {
    connections.add(c);
  }

  void unregister(SimulatorChannel c) {
    connections.remove(c);
  }

  /**
   * Stops accepting, closes every socket with 1001 (waiting up to about a second for the clients'
   * replies) and stops the threads. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (server == null) {
      return;
    }
    faults.shutdownNow();
    server.close().syncUninterruptibly();
    int n = onEvery(c -> c.ended() ? 0 : run(c::goingAway));
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
    List<Future<?>> closing = new ArrayList<>();
    for (SimulatorChannel c : connections) {
      closing.add(c.channel().closeFuture());
    }
    for (Future<?> f : closing) {
      long left = deadline - System.nanoTime();
      if (left > 0) {
        f.awaitUninterruptibly(left, TimeUnit.NANOSECONDS);
      }
    }
    shutdownGroups();
    LOG.info("gateway simulator stopped ({} sockets closed with 1001)", n);
  }

  private void shutdownGroups() {
    List<Future<?>> done = new ArrayList<>();
    if (workers != null) {
      done.add(workers.shutdownGracefully(0, 1, TimeUnit.SECONDS));
    }
    if (boss != null) {
      done.add(boss.shutdownGracefully(0, 1, TimeUnit.SECONDS));
    }
    for (Future<?> f : done) {
      f.awaitUninterruptibly(AWAIT_SECONDS, TimeUnit.SECONDS);
    }
  }
}
