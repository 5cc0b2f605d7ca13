package io.gatewatch.bench;

import io.gatewatch.correlation.CorrelationSettings;
import io.gatewatch.correlation.RedisCorrelation;
import io.gatewatch.track.SessionDirectory;
import io.gatewatch.track.SessionDirectory.Key;
import io.gatewatch.track.SessionDirectory.SocketEnd;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What sharing reconnect state costs per event, against a real redis-server on loopback (started
 * here: {@code GATEWATCH_REDIS_SERVER} or redis-server on the PATH): one script and one round trip
 * per session socket end, per Identify or Resume (the lookup), per READY or RESUMED (an end and its
 * claim: two). Measured to the answer; the relay's thread only sends and never waits, so this is
 * the latency of the answer, not time taken from the relay.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CorrelationBenchmark {
  private Process redis;
  private RedisCorrelation correlation;
  private SessionDirectory directory;
  private long at = 1_732_790_000_000_000_000L;
  private int session;

  @Setup
  public void setUp() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    redis =
        new ProcessBuilder(
                redisServer(),
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
    correlation =
        new RedisCorrelation(
            new CorrelationSettings(
                URI.create("redis://127.0.0.1:" + port),
                null,
                null,
                "bench:",
                Duration.ofSeconds(5)),
            Duration.ofMinutes(10),
            new SimpleMeterRegistry(),
            null);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!correlation.awaitConnected(Duration.ofMillis(200))) {
      if (System.nanoTime() > deadline) {
        throw new IOException("redis-server did not answer on port " + port);
      }
    }
    directory = correlation.forTap("proxy", "bench");
  }

  static String redisServer() throws IOException {
    String env = System.getenv("GATEWATCH_REDIS_SERVER");
    if (env != null && !env.isBlank()) {
      return env;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, "redis-server");
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    throw new IOException("the correlation rows need redis-server (apt-get install redis-server)");
  }

  @TearDown
  public void tearDown() throws InterruptedException {
    correlation.close();
    redis.destroy();
    redis.waitFor(10, TimeUnit.SECONDS);
  }

  private Key next() {
    session = (session + 1) % 100_000;
    return new Key("s" + session, session);
  }

  /** A session socket's end: stored for the replica that sees the client next. */
  @Benchmark
  public Object socketEnd() {
    return directory
        .ended(new SocketEnd(next(), at++, 4000, true, true, -1, "discord.js"))
        .toCompletableFuture()
        .join();
  }

  /** An Identify or a Resume: what the other replicas know of the client. */
  @Benchmark
  public Object resumeLookup() {
    return directory.lookup(next(), 42, true).toCompletableFuture().join();
  }

  /** A session's end, then READY or RESUMED on another socket taking its episode. */
  @Benchmark
  public Object endAndClaim() {
    Key key = next();
    directory
        .ended(new SocketEnd(key, at++, 4000, true, true, -1, "discord.js"))
        .toCompletableFuture()
        .join();
    return directory.claim(key, key, at++).toCompletableFuture().join();
  }
}
