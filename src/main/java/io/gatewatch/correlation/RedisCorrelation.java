package io.gatewatch.correlation;

import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.track.SessionDirectory;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.MaintNotificationsConfig;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's connection to the Redis server that its replicas share: one asynchronous Lettuce
 * connection (Netty; commands are pipelined, never awaited on a relay thread), the directories of
 * its trackers, and the count of everything that went wrong ({@code
 * gatewatch_correlation_errors_total{reason}}). While the server cannot be reached, every call
 * fails at once and the trackers use what they know themselves; the connection is retried in the
 * background and, once made, re-established by Lettuce after a drop.
 */
public final class RedisCorrelation implements SessionDirectory.Factory, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedisCorrelation.class);

  /** Failures are logged at most once per this (the counter has every one). */
  static final long LOG_EVERY_NANOS = 30_000_000_000L;

  private static final Duration RETRY_FIRST = Duration.ofMillis(500);
  private static final Duration RETRY_MAX = Duration.ofSeconds(2);

  /** Why a call failed: the {@code reason} label. */
  enum Reason {
    UNAVAILABLE("unavailable"),
    TIMEOUT("timeout"),
    ERROR("error"),
    CLOCK_SKEW("clock_skew");

    final String label;

    Reason(String label) {
      this.label = label;
    }
  }

  private final CorrelationSettings settings;
  private final TokenFingerprinter fingerprinter;
  private final CountDownLatch salted = new CountDownLatch(1);
  private final long ttlMillis;
  private final ClientResources resources;
  private final RedisClient client;
  private final RedisURI uri;
  private final ScheduledExecutorService retry;
  private final AtomicReference<StatefulRedisConnection<String, String>> connection =
      new AtomicReference<>();
  private final Counter[] errors = new Counter[Reason.values().length];
  private final AtomicLong loggedAt = new AtomicLong();
  private final AtomicLong inFlight = new AtomicLong();
  private final AtomicLong unlogged = new AtomicLong();
  private volatile boolean closed;
  private long retryDelayMs = RETRY_FIRST.toMillis();

  /**
   * Starts connecting; returns at once (see {@link #awaitConnected}).
   *
   * @param linkWindow the trackers' link window: entries expire a minute after it
   * @param fingerprinter takes the salt the replicas share (see {@link #awaitSalt}), or null
   */
  public RedisCorrelation(
      CorrelationSettings settings,
      Duration linkWindow,
      MeterRegistry registry,
      TokenFingerprinter fingerprinter) {
    this.settings = settings;
    this.fingerprinter = fingerprinter;
    this.ttlMillis = linkWindow.toMillis() + 60_000;
    for (Reason r : Reason.values()) {
      errors[r.ordinal()] =
          Counter.builder("gatewatch.correlation.errors")
              .description(
                  "Session directory calls that failed or answers dropped (the tracker went on"
                      + " with its own state)")
              .tag("reason", r.label)
              .register(registry);
    }
    this.uri = RedisURI.create(settings.url());
    if (settings.password() != null) {
      String user = settings.url().getUserInfo();
      if (user == null || user.isEmpty()) {
        uri.setAuthentication(settings.password().toCharArray());
      } else {
        uri.setAuthentication(user, settings.password().toCharArray());
      }
    }
    uri.setTimeout(settings.timeout());
    this.resources =
        DefaultClientResources.builder()
            .ioThreadPoolSize(1)
            .computationThreadPoolSize(1)
            // after a drop: retry soon, then every 2 s at most, so recovery follows the server
            .reconnectDelay(
                Delay.exponential(Duration.ofMillis(100), RETRY_MAX, 2, TimeUnit.MILLISECONDS))
            .build();
    this.client = RedisClient.create(resources);
    ClientOptions.Builder options =
        ClientOptions.builder()
            .autoReconnect(true)
            // while disconnected, fail at once: nothing waits in a queue for the server
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .requestQueueSize(10_000)
            .maintNotificationsConfig(MaintNotificationsConfig.disabled())
            .timeoutOptions(TimeoutOptions.enabled(settings.timeout()))
            .socketOptions(
                SocketOptions.builder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .keepAlive(true)
                    .build());
    if (settings.caFile() != null) {
      options.sslOptions(
          SslOptions.builder().jdkSslProvider().trustManager(settings.caFile().toFile()).build());
    }
    client.setOptions(options.build());
    client.addListener(
        new RedisConnectionStateListener() {
          @Override
          public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {
            // after a reconnect (the server may have restarted empty): agree on the salt again
            if (connection.get() != null) {
              retry.execute(RedisCorrelation.this::shareSalt);
            }
          }
        });
    this.retry =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gatewatch-correlation-connect");
              t.setDaemon(true);
              return t;
            });
    connect();
  }

  private void connect() {
    if (closed) {
      return;
    }
    client
        .connectAsync(StringCodec.UTF8, uri)
        .whenComplete(
            (conn, error) -> {
              if (error != null) {
                failed(Reason.UNAVAILABLE, error);
                if (!closed) {
                  retry.schedule(this::connect, nextDelay(), TimeUnit.MILLISECONDS);
                }
                return;
              }
              if (closed) {
                conn.closeAsync();
                return;
              }
              connection.set(conn);
              shareSalt();
              log.info(
                  "correlation: sharing reconnect state through {} (keys {}*)",
                  settings.describe(),
                  settings.keyPrefix());
            });
  }

  private synchronized long nextDelay() {
    long d = retryDelayMs;
    retryDelayMs = Math.min(RETRY_MAX.toMillis(), retryDelayMs * 2);
    return d;
  }

  /** Waits up to {@code timeout} for the first connection; true when it is made. */
  public boolean awaitConnected(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (connection.get() == null && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    return connection.get() != null;
  }

  /** Whether the server answers now. */
  public boolean connected() {
    StatefulRedisConnection<String, String> c = connection.get();
    return c != null && c.isOpen();
  }

  /**
   * Makes the token-fingerprint salt the same on every replica, so that they link a client's
   * Identifies alike: the first agent's salt is stored, every other one takes it. Offers the salt
   * in use, so an agent that stored it keeps it when the server comes back empty.
   */
  private void shareSalt() {
    if (fingerprinter == null || closed) {
      return;
    }
    this.<String>run(
            Scripts.SALT,
            ScriptOutputType.VALUE,
            settings.keyPrefix() + "salt",
            HexFormat.of().formatHex(fingerprinter.salt()))
        .whenComplete(
            (salt, error) -> {
              if (error != null) {
                if (connected() && !closed) { // a call sent while the connection came up
                  retry.schedule(this::shareSalt, 200, TimeUnit.MILLISECONDS);
                }
                return;
              }
              try {
                fingerprinter.rekey(HexFormat.of().parseHex(salt));
                salted.countDown();
              } catch (IllegalArgumentException e) {
                failed(Reason.ERROR, e); // not a salt gatewatch wrote
              }
            });
  }

  /** Waits up to {@code timeout} until the shared salt is in use; true when it is. */
  public boolean awaitSalt(Duration timeout) throws InterruptedException {
    return salted.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public SessionDirectory forTap(String source, String gateway) {
    return new RedisDirectory(this, settings.keyPrefix() + source + ":" + gateway + ":");
  }

  long ttlMillis() {
    return ttlMillis;
  }

  /**
   * Runs a script; fails at once when there is no connection. Each call carries its script (EVAL,
   * which Redis caches by its text), never EVALSHA with a fallback: after Redis restarts empty, a
   * call re-sent with its script would run after later calls that found theirs (a claim after the
   * socket end that follows it), and one agent's calls must run in the order they are made.
   */
  <T> CompletionStage<T> run(String script, ScriptOutputType type, String... args) {
    StatefulRedisConnection<String, String> c = connection.get();
    if (c == null || closed) {
      CompletableFuture<T> f = new CompletableFuture<>();
      f.completeExceptionally(new RedisConnectionException("not connected"));
      return counted(f);
    }
    return counted(c.async().<T>eval(script, type, new String[0], args).toCompletableFuture());
  }

  /**
   * Counts a call in flight until its answer has been handled: the stage returned completes from
   * inside the answer's callback, which runs the caller's dependent stages (the tracker recording
   * an episode) before the count goes down. A stop that waits for no call in flight thus also waits
   * for what the answers record.
   */
  private <T> CompletionStage<T> counted(CompletableFuture<T> f) {
    inFlight.incrementAndGet();
    CompletableFuture<T> handled = new CompletableFuture<>();
    f.whenComplete(
        (v, error) -> {
          try {
            countFailure(error);
          } finally {
            try {
              if (error != null) {
                handled.completeExceptionally(error);
              } else {
                handled.complete(v);
              }
            } finally {
              inFlight.decrementAndGet();
            }
          }
        });
    return handled;
  }

  private void countFailure(Throwable error) {
    if (error == null) {
      return;
    }
    Throwable c = cause(error);
    failed(
        c instanceof RedisCommandTimeoutException
            ? Reason.TIMEOUT
            : c instanceof RedisCommandExecutionException
                ? Reason.ERROR // the server answered with an error
                : Reason.UNAVAILABLE, // not connected, refused, dropped
        c);
  }

  void clockSkew() {
    failed(Reason.CLOCK_SKEW, null);
  }

  private void failed(Reason reason, Throwable error) {
    errors[reason.ordinal()].increment();
    long now = System.nanoTime();
    long last = loggedAt.get();
    long n = unlogged.incrementAndGet();
    if ((last == 0 || now - last >= LOG_EVERY_NANOS)
        && loggedAt.compareAndSet(last, now == 0 ? 1 : now)) {
      unlogged.addAndGet(-n);
      log.atWarn()
          .addKeyValue("reason", reason.label)
          .addKeyValue("failures", n)
          .log(
              "correlation: {} ({}{}); the trackers go on with their own state ({} since the last"
                  + " such line; at most one line per {} s)",
              reason.label,
              settings.describe(),
              error == null ? "" : ": " + describe(error),
              n,
              LOG_EVERY_NANOS / 1_000_000_000L);
    }
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : " " + m.lines().findFirst().orElse(""));
  }

  private static Throwable cause(Throwable e) {
    while ((e instanceof CompletionException
            || e instanceof java.util.concurrent.ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  /** Calls sent whose answers have not been handled yet. */
  public long callsInFlight() {
    return inFlight.get();
  }

  /** Waits up to {@code timeout} for the calls under way (the last socket ends) to be answered. */
  private void drain(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public void close() {
    drain(Duration.ofSeconds(1));
    closed = true;
    retry.shutdownNow();
    StatefulRedisConnection<String, String> c = connection.getAndSet(null);
    if (c != null) {
      c.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }
}
