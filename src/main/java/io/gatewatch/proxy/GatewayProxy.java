package io.gatewatch.proxy;

import io.gatewatch.config.HostPort;
import io.gatewatch.metrics.DrainMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transparent WebSocket relay: clients connect here as they would to the gateway, and every
 * socket is relayed to the upstream unchanged (every frame byte for byte, both ways, fragmentation,
 * ping/pong and close codes included) while a {@link RelayObserver} watches.
 *
 * <pre>
 * try (GatewayProxy proxy = new GatewayProxy(ProxySettings.of(URI.create("wss://gw.example")),
 *     observer).start()) {
 *   ... clients connect to ws://127.0.0.1:8766/?v=1&amp;encoding=json ...
 * }
 * </pre>
 *
 * <p><b>Threads.</b> One Netty event loop group serves the listener and every socket; a socket's
 * upstream connection is registered on its client connection's event loop, so both directions of a
 * socket run on one thread, in order, without locks. Every {@link RelayObserver} call for a socket
 * is made on that thread, in the order the frames were relayed: {@code opened}, then {@code
 * frame}s, then one {@code closed}. Calls for different sockets may run on different threads at
 * once.
 *
 * <p><b>Observation</b> is fail-open: whatever an observer throws is caught, reported through
 * {@link RelayObserver#observerFailed}, and the frame goes on unchanged. The observer is called
 * before the frame is written on; it runs on the I/O thread, so what it costs is added to the
 * frame's latency (and nothing else).
 *
 * <p><b>Bounds.</b> Frames are never aggregated: at most one frame ({@code maxFrameBytes}) is
 * buffered per direction while it arrives. A side that cannot keep up (its outbound buffer over
 * {@link #WATER_MARK}'s high mark) stops the reading of the other side until it drained below the
 * low mark, so a client that never reads costs the proxy a bounded amount of memory while its
 * upstream simply stops being read.
 */
public final class GatewayProxy implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayProxy.class);

  /** Per-channel outbound buffer bounds that drive backpressure: 32 KiB low, 64 KiB high. */
  static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

  /** Largest upgrade request body read (upgrade requests have none). */
  private static final int MAX_REQUEST_BYTES = 8192;

  /** Upstream failures are logged at most this often, with the count since the last line. */
  private static final long FAILURE_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final ProxySettings settings;
  private final FailOpenObserver observer;
  private final java.util.concurrent.atomic.AtomicLong refused =
      new java.util.concurrent.atomic.AtomicLong();
  private final WebSocketDecoderConfig clientDecoderConfig;
  private final Set<Relay> relays = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connections = new AtomicInteger();
  private final Map<RelayObserver.UpstreamError, AtomicLong> failures =
      new EnumMap<>(RelayObserver.UpstreamError.class);
  private final AtomicLong lastFailureLog = new AtomicLong(System.nanoTime() - (1L << 62));
  private final AtomicLong failuresNotLogged = new AtomicLong();
  private final Transport transport = Transport.best();
  private EventLoopGroup group;
  private Channel server;
  private SslContext upstreamSsl;
  private DnsAddressResolverGroup resolver;
  private SslContext listenerSsl;
  private volatile boolean closed;
  private volatile boolean draining;
  private final Set<Relay> drainWaiting = ConcurrentHashMap.newKeySet();
  private final CompletableFuture<Void> drained = new CompletableFuture<>();

  /**
   * @param settings where to listen, where to relay to, limits
   * @param observer told about every socket, frame, close and upstream failure; see {@link
   *     RelayObserver} and the threading notes above
   */
  public GatewayProxy(ProxySettings settings, RelayObserver observer) {
    if (settings == null || observer == null) {
      throw new IllegalArgumentException("settings and observer are required");
    }
    this.settings = settings;
    this.observer = new FailOpenObserver(observer);
    // No extensions are negotiated with the client (nor with the upstream), so no
    // permessage-deflate: frames and their RSV bits pass unchanged. Pings are not answered here
    // and nothing is aggregated: the relay sees every frame as it came.
    this.clientDecoderConfig =
        WebSocketDecoderConfig.newBuilder()
            .expectMaskedFrames(true)
            .allowMaskMismatch(false)
            .allowExtensions(false)
            .maxFramePayloadLength(settings.maxFrameBytes())
            .closeOnProtocolViolation(false)
            .withUTF8Validator(false)
            .build();
    for (RelayObserver.UpstreamError e : RelayObserver.UpstreamError.values()) {
      failures.put(e, new AtomicLong());
    }
  }

  /**
   * Binds the listen address.
   *
   * @return this
   * @throws IOException when the address cannot be bound or a TLS file cannot be used
   * @throws IllegalStateException when already started or closed
   */
  public synchronized GatewayProxy start() throws IOException {
    if (server != null || closed) {
      throw new IllegalStateException(closed ? "closed" : "already started");
    }
    upstreamSsl = settings.upstreamTls() ? ProxyTls.upstream(settings.upstreamCa()) : null;
    listenerSsl = settings.listenerTls() != null ? ProxyTls.listener(settings.listenerTls()) : null;
    // one event loop per processor: more threads than cores only add context switches (Netty's
    // default is twice the processors; docs/performance.md has the figures)
    int threads =
        settings.eventLoopThreads() > 0
            ? settings.eventLoopThreads()
            : Runtime.getRuntime().availableProcessors();
    group =
        new MultiThreadIoEventLoopGroup(
            threads,
            new DefaultThreadFactory("gatewatch-proxy", true),
            transport.ioHandler().get());
    // asynchronous DNS (hosts file first, then resolv.conf), cached per proxy: a slow name server
    // delays that socket's connect, never the other sockets of its event loop
    resolver =
        new DnsAddressResolverGroup(
            new DnsNameResolverBuilder()
                .datagramChannelType(transport.datagramChannel())
                .socketChannelType(transport.socketChannel()));
    SslContext tls = listenerSsl;
    ServerBootstrap b =
        new ServerBootstrap()
            .group(group)
            .channel(transport.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (tls != null) {
                      ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
                    }
                    ch.pipeline()
                        .addLast("http", new HttpServerCodec())
                        .addLast("http-aggregator", new HttpObjectAggregator(MAX_REQUEST_BYTES))
                        .addLast("relay", new ClientHandler(GatewayProxy.this));
                  }
                });
    try {
      server = b.bind(settings.listen()).sync().channel();
    } catch (Exception e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
      group = null;
      resolver.close();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IOException(
          "cannot listen on "
              + settings.listen().getHostString()
              + ":"
              + settings.listen().getPort()
              + ": "
              + Transport.describe(e),
          e);
    }
    LOG.info(
        "proxy listening on {}{} for {} (max {} connections, max frame {} bytes, {} event loops,"
            + " {} transport)",
        HostPort.show(address()),
        tls != null ? " (TLS)" : "",
        settings.upstream(),
        settings.maxConnections(),
        settings.maxFrameBytes(),
        threads,
        transport.name());
    return this;
  }

  /** The settings it runs with. */
  public ProxySettings settings() {
    return settings;
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

  /** Client connections upgrading or relayed now (what {@code maxConnections} limits). */
  public int activeConnections() {
    return connections.get();
  }

  /** Upgrades refused with 503 over {@code maxConnections} so far (also told to the observer). */
  public long refusedConnections() {
    return refused.get();
  }

  /** Counts a refusal and tells the observer. */
  void refusedOne() {
    refused.incrementAndGet();
    observer.refused();
  }

  /** Upstream failures so far, by reason (also reported to the observer one by one). */
  public long upstreamFailures(RelayObserver.UpstreamError reason) {
    return failures.get(reason).get();
  }

  /**
   * Starts a drain and returns at once. The listener stops accepting (its port is released; an
   * upgrade already on its way gets 503), and every relayed socket is asked to reconnect at its own
   * moment of the period ({@link DrainSchedule}): the profile's reconnect frame where the socket's
   * stream allows it, then the profile's resumable close ({@link Relay#drain}). Sockets that end by
   * themselves meanwhile are simply gone; {@link #close()} ends what is left with 1001.
   *
   * @param asked told, on the socket's event loop, how each socket was asked
   * @return how many sockets the drain found, and a future that completes when none of them is left
   *     or the period is over, whichever comes first
   * @throws IllegalStateException when not started, closed, or already draining
   */
  public Draining drain(
      Duration period,
      ReconnectNotice how,
      RandomGenerator random,
      Consumer<DrainMetrics.Notice> asked) {
    if (period.isZero() || period.isNegative()) {
      throw new IllegalArgumentException("the drain period must be positive");
    }
    Channel s;
    synchronized (this) {
      if (server == null || closed || draining) {
        throw new IllegalStateException(
            server == null ? "not started" : closed ? "closed" : "already draining");
      }
      notOnEventLoop("drain()");
      draining = true; // from now on acquire() refuses: no socket joins the drain late
      s = server;
    }
    s.close().syncUninterruptibly();
    List<Relay> sockets = new ArrayList<>(relays);
    drainWaiting.addAll(sockets);
    long[] offsets = DrainSchedule.offsetsNanos(sockets.size(), period, random);
    for (int i = 0; i < sockets.size(); i++) {
      Relay r = sockets.get(i);
      r.eventLoop()
          .schedule(
              () -> {
                if (drainWaiting.remove(r)) {
                  DrainMetrics.Notice notice = r.drain(how);
                  if (notice != null) {
                    asked.accept(notice);
                  }
                }
              },
              offsets[i],
              TimeUnit.NANOSECONDS);
    }
    group.schedule(() -> drained.complete(null), period.toNanos(), TimeUnit.NANOSECONDS);
    if (relays.isEmpty()) {
      drained.complete(null);
    }
    return new Draining(sockets.size(), drained);
  }

  /**
   * A running drain.
   *
   * @param sockets the relayed sockets it found when it started
   * @param done completes when none of them is left or the period is over
   */
  public record Draining(int sockets, CompletableFuture<Void> done) {}

  /** Relayed sockets a running drain has not asked to reconnect yet (0 when none runs). */
  public int drainRemaining() {
    return drainWaiting.size();
  }

  /**
   * Stops accepting, closes every relayed socket with 1001 both ways (waiting up to about two
   * seconds for the peers' answers), and stops the threads. Idempotent. Do not call it from an
   * observer (it waits for the event loops).
   */
  @Override
  public void close() {
    Channel s;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      s = server;
      if (s == null) {
        return;
      }
    }
    drainWaiting.clear(); // a drain's pending requests are moot: what is left gets 1001 now
    notOnEventLoop("close()");
    s.close().syncUninterruptibly();
    List<Future<?>> ends = new ArrayList<>();
    for (Relay r : relays) {
      r.eventLoop().execute(r::shutdown);
      ends.add(r.clientChannel().closeFuture());
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Relay.CLOSE_GRACE_MILLIS);
    for (Future<?> f : ends) {
      long left = deadline - System.nanoTime();
      if (left > 0) {
        f.awaitUninterruptibly(left, TimeUnit.NANOSECONDS);
      }
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    resolver.close();
    LOG.info(
        "proxy on {} stopped ({} sockets were open)",
        HostPort.show((InetSocketAddress) s.localAddress()),
        ends.size());
  }

  /** Relayed sockets neither closed nor closing: what {@link #close()} would end with 1001. */
  public int openSockets() {
    return (int) relayStats().stream().filter(st -> !st.state().equals("DONE")).count();
  }

  /** Waiting for the event loops from one of them would never end. */
  private void notOnEventLoop(String what) {
    for (EventExecutor e : group) {
      if (e.inEventLoop()) {
        throw new IllegalStateException(what + " called from a proxy event loop");
      }
    }
  }

  /** What every relayed socket holds now (buffers, readability); for diagnostics and tests. */
  List<Relay.Stats> relayStats() {
    List<Future<Relay.Stats>> futures = new ArrayList<>();
    for (Relay r : relays) {
      futures.add(r.eventLoop().submit(r::stats));
    }
    List<Relay.Stats> out = new ArrayList<>();
    for (Future<Relay.Stats> f : futures) {
      if (f.awaitUninterruptibly(5, TimeUnit.SECONDS) && f.isSuccess()) {
        out.add(f.getNow());
      }
    }
    return out;
  }

  // ---- for the relay ----

  FailOpenObserver observer() {
    return observer;
  }

  Transport transport() {
    return transport;
  }

  SslContext upstreamSsl() {
    return upstreamSsl;
  }

  DnsAddressResolverGroup resolver() {
    return resolver;
  }

  WebSocketDecoderConfig clientDecoderConfig() {
    return clientDecoderConfig;
  }

  /** Draining or closed: new sockets are refused (not counted as over capacity). */
  boolean stopping() {
    return closed || draining;
  }

  /** Takes a connection slot; false when the limit is reached or the proxy is stopping. */
  boolean acquire() {
    if (stopping()) {
      return false;
    }
    if (connections.incrementAndGet() > settings.maxConnections()) {
      connections.decrementAndGet();
      return false;
    }
    return true;
  }

  void register(Relay r) {
    relays.add(r);
  }

  /** The relay's client connection closed: its slot is free. */
  void release(Relay r) {
    if (relays.remove(r)) {
      connections.decrementAndGet();
    }
    drainWaiting.remove(r);
    if (draining && relays.isEmpty()) {
      drained.complete(null);
    }
  }

  /** Counts, tells the observer, and logs (at most every 30 s, with the number not logged). */
  void upstreamFailed(RelayObserver.UpstreamError reason, Throwable cause) {
    failures.get(reason).incrementAndGet();
    observer.upstreamError(reason);
    long now = System.nanoTime();
    long last = lastFailureLog.get();
    if (now - last >= FAILURE_LOG_INTERVAL_NANOS && lastFailureLog.compareAndSet(last, now)) {
      long skipped = failuresNotLogged.getAndSet(0);
      LOG.atWarn()
          .addKeyValue("reason", reason.label())
          .addKeyValue("failures", skipped + 1)
          .log(
              "upstream {} failed: {} ({}){}",
              settings.upstream(),
              reason.label(),
              cause == null ? "connection closed" : Transport.describe(cause),
              skipped > 0 ? "; " + skipped + " more since the last such line" : "");
    } else {
      failuresNotLogged.incrementAndGet();
    }
  }
}
