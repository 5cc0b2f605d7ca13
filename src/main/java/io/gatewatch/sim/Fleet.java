package io.gatewatch.sim;

import io.gatewatch.protocol.ClientTable;
import io.gatewatch.protocol.GatewayProfile;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet of simulated clients against one gateway, each with a {@link Behaviour}: load for the
 * demo, and a way for client developers to see what each kind of client does to a gateway's
 * numbers. Uses the JDK's WebSocket client; two timer threads and a small pool serve every client.
 */
public final class Fleet implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Fleet.class);

  private final FleetSettings settings;
  private final GatewayProfile profile;
  private final FleetObserver observer;
  private final ScheduledExecutorService timers;
  private final ExecutorService io;
  private final HttpClient http;
  private final List<FleetClient> clients = new ArrayList<>();

  /**
   * @param profile the gateway's close codes: the good strategy resumes after resumable ones
   * @param observer sees every socket's frames and closes (the demo's in-process tap)
   */
  public Fleet(FleetSettings settings, GatewayProfile profile, FleetObserver observer) {
    this.settings = settings;
    this.profile = profile;
    this.observer = observer;
    ScheduledThreadPoolExecutor t =
        new ScheduledThreadPoolExecutor(2, daemon("gatewatch-fleet-timer"));
    t.setRemoveOnCancelPolicy(true);
    this.timers = t;
    this.io = Executors.newFixedThreadPool(2, daemon("gatewatch-fleet-io"));
    this.http = HttpClient.newBuilder().executor(io).build();
  }

  /**
   * The client table's entries that name each behaviour: {@code fleet-bad-token} for an Identify
   * from {@code gatewatch-fleet-bad-token}, and so on. The demo adds them to its agent's profile so
   * that its metrics show which behaviour breaks which rule; production profiles do not carry them,
   * and there the fleet's clients are {@code other}.
   */
  public static List<ClientTable.Entry> clientEntries() {
    List<ClientTable.Entry> entries = new ArrayList<>();
    for (Behaviour b : Behaviour.values()) {
      entries.add(ClientTable.Entry.browser(b.clientLabel(), b.clientName()));
    }
    return List.copyOf(entries);
  }

  /** Starts every client, spread over the first second so they do not all connect at once. */
  public synchronized void start() {
    List<Behaviour> behaviours = settings.assignments();
    for (int i = 0; i < behaviours.size(); i++) {
      FleetClient c = new FleetClient(this, i, behaviours.get(i), settings.seed() * 1_000_003L + i);
      clients.add(c);
      c.start(behaviours.size() <= 1 ? 0 : 1_000L * i / behaviours.size());
    }
    log.info("fleet of {} clients against {}: {}", clients.size(), settings.url(), counts());
  }

  /** How many clients of each behaviour. */
  public synchronized Map<Behaviour, Integer> counts() {
    Map<Behaviour, Integer> out = new EnumMap<>(Behaviour.class);
    for (FleetClient c : clients) {
      out.merge(c.behaviour(), 1, Integer::sum);
    }
    return out;
  }

  /** Stops every client: open sockets are closed with 1000. */
  @Override
  public synchronized void close() {
    for (FleetClient c : clients) {
      c.stop();
    }
    timers.shutdownNow();
    io.shutdown();
    try {
      io.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    io.shutdownNow();
  }

  FleetSettings settings() {
    return settings;
  }

  GatewayProfile profile() {
    return profile;
  }

  FleetObserver observer() {
    return observer;
  }

  HttpClient http() {
    return http;
  }

  /** Runs the task later; null once the fleet is closed. */
  ScheduledFuture<?> schedule(Runnable task, long delayMs) {
    try {
      return timers.schedule(guard(task), Math.max(0, delayMs), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closed) {
      return null;
    }
  }

  ScheduledFuture<?> scheduleAtFixedRate(Runnable task, long firstMs, long periodMs) {
    try {
      return timers.scheduleAtFixedRate(
          guard(task), Math.max(0, firstMs), Math.max(1, periodMs), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closed) {
      return null;
    }
  }

  /** A failing task is logged, never allowed to kill the timer or the repetition. */
  private static Runnable guard(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.warn("fleet task failed", e);
      }
    };
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
