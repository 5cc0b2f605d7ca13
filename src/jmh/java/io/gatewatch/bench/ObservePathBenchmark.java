package io.gatewatch.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.gatewatch.export.ActivityLog;
import io.gatewatch.export.OtlpSettings;
import io.gatewatch.export.Telemetry;
import io.gatewatch.metrics.Source;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.FrameScanner;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.ScannedFrame;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.proxy.ProxyTap;
import io.gatewatch.proxy.RelayObserver;
import io.gatewatch.track.ConnectionTracker;
import io.gatewatch.track.EventClock;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The whole observe path as the proxy runs it by default (OTLP off, the activity log on) against
 * scanning alone, per frame kind.
 *
 * <p>{@code observe*} feeds frames to the {@link ProxyTap}'s socket listener exactly as the relay
 * does (a Netty {@code ByteBuf} per message): copy out of the buffer, the tracker's clock and state
 * machine, and the metric catalogue on a {@code PrometheusMeterRegistry}. {@code scan*} is {@link
 * FrameScanner#scan} on the same bytes into a reused {@link ScannedFrame}.
 *
 * <p>Control frames go as a pair, a client heartbeat then the server's ACK, so that the socket
 * stays in its steady state (every heartbeat answered, an RTT recorded per pair); the score is per
 * frame ({@code @OperationsPerInvocation(2)}). The socket is Identified and READY first. Run with
 * {@code -prof gc}: {@code gc.alloc.rate.norm} is the allocation per frame.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ObservePathBenchmark {
  private static final String HELLO = "{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}";
  private static final String IDENTIFY =
      "{\"op\":2,\"d\":{\"token\":\"valid-bench\",\"properties\":{\"os\":\"linux\","
          + "\"browser\":\"bench\",\"device\":\"bench\"},\"shard\":[0,1]}}";
  private static final String READY =
      "{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"v\":1,\"session_id\":\"5b1c9d\","
          + "\"user\":{\"id\":\"1\"}}}";

  private final ScannedFrame out = new ScannedFrame();
  private FrameScanner scanner;
  private Telemetry telemetry;
  private Watches watches;
  private RelayObserver.SocketListener socket;
  private RelayObserver.SocketListener unmeteredSocket;
  private EventClock clock;
  private byte[] heartbeat;
  private byte[] ack;
  private byte[] dispatch;
  private ByteBuf heartbeatBuf;
  private ByteBuf ackBuf;
  private ByteBuf dispatchBuf;

  @Setup
  public void setUp() {
    TokenFingerprinter fp = TokenFingerprinter.withRandomSalt();
    scanner = new FrameScanner(fp);
    telemetry = Telemetry.start(OtlpSettings.off(), new ActivityLog(Duration.ofMinutes(1)).start());
    watches = telemetry.watches(fp);
    ConnectionTracker tracker =
        watches.add(
            ProfileLoader.defaultProfile(),
            TrackerSettings.DEFAULTS,
            Source.PROXY,
            "bench",
            Signals.NONE);
    clock = EventClock.system();
    socket = readySocket(tracker);
    // The same tap and state machine with every signal going nowhere: what the metrics cost.
    ConnectionTracker unmetered =
        new ConnectionTracker(
            ProfileLoader.defaultProfile(), TrackerSettings.DEFAULTS, scanner, Signals.NONE);
    unmeteredSocket = readySocket(unmetered);
    heartbeat = "{\"op\":1,\"d\":251}".getBytes(UTF_8);
    ack = "{\"op\":11}".getBytes(UTF_8);
    dispatch = ScannerBenchmark.Corpus.frame("dispatch4k_dFirst").getBytes(UTF_8);
    heartbeatBuf = Unpooled.wrappedBuffer(heartbeat);
    ackBuf = Unpooled.wrappedBuffer(ack);
    dispatchBuf = Unpooled.wrappedBuffer(dispatch);
    if (tracker.activeSessions() != 1 || unmetered.activeSessions() != 1) {
      throw new IllegalStateException("the socket did not reach READY");
    }
  }

  private RelayObserver.SocketListener readySocket(ConnectionTracker tracker) {
    ProxyTap tap = new ProxyTap(tracker, clock, watches.registry(), null, true, 1 << 20);
    RelayObserver.SocketListener s = tap.opened("/?v=1&encoding=json");
    s.frame(Direction.SERVER, buf(HELLO), true, true);
    s.frame(Direction.CLIENT, buf(IDENTIFY), true, true);
    s.frame(Direction.SERVER, buf(READY), true, true);
    return s;
  }

  private static ByteBuf buf(String s) {
    return Unpooled.wrappedBuffer(s.getBytes(UTF_8));
  }

  @TearDown
  public void tearDown() {
    watches.close();
    telemetry.close();
  }

  @Benchmark
  @OperationsPerInvocation(2)
  public void scanControl(Blackhole bh) {
    bh.consume(scanner.scan(heartbeat, 0, heartbeat.length, out));
    bh.consume(out.heartbeatSeq());
    bh.consume(scanner.scan(ack, 0, ack.length, out));
    bh.consume(out.op());
  }

  @Benchmark
  @OperationsPerInvocation(2)
  public void observeControl() {
    socket.frame(Direction.CLIENT, heartbeatBuf, true, true);
    socket.frame(Direction.SERVER, ackBuf, true, true);
  }

  /**
   * {@link #observeControl} with the tracker's signals going nowhere: the tap, the clock, the lock,
   * the scan and the state machine, without a single metric. Not a target; the difference to {@code
   * observeControl} is what the metric catalogue costs per frame.
   */
  @Benchmark
  @OperationsPerInvocation(2)
  public void unmeteredControl() {
    unmeteredSocket.frame(Direction.CLIENT, heartbeatBuf, true, true);
    unmeteredSocket.frame(Direction.SERVER, ackBuf, true, true);
  }

  /**
   * The event clock the proxy reads once per frame ({@link EventClock#system()}: {@code
   * System.nanoTime()} underneath). Not a target: on a virtual machine whose clock source is {@code
   * kvm-clock} it alone costs about as much as scanning a control frame.
   */
  @Benchmark
  @OperationsPerInvocation(2)
  public long clockControl() {
    return clock.nowNanos() + clock.nowNanos();
  }

  /**
   * What any observe path must add to the scan before a single metric is recorded: a timestamp per
   * frame ({@code System.nanoTime()}, for round trips) and the socket's monitor (the tracker's
   * sweep runs on another thread). Not a target; it explains the floor under {@code
   * observeControl}.
   */
  @Benchmark
  @OperationsPerInvocation(2)
  public void floorControl(Blackhole bh) {
    long t1 = System.nanoTime();
    synchronized (out) {
      bh.consume(scanner.scan(heartbeat, 0, heartbeat.length, out));
      bh.consume(out.heartbeatSeq());
    }
    long t2 = System.nanoTime();
    synchronized (out) {
      bh.consume(scanner.scan(ack, 0, ack.length, out));
      bh.consume(out.op());
    }
    bh.consume(t2 - t1);
  }

  @Benchmark
  public void scanDispatch4k(Blackhole bh) {
    bh.consume(scanner.scan(dispatch, 0, dispatch.length, out));
    bh.consume(out.event());
  }

  @Benchmark
  public void observeDispatch4k() {
    socket.frame(Direction.SERVER, dispatchBuf, true, true);
  }
}
