package io.gatewatch.track;

import static io.gatewatch.track.Script.hello;
import static io.gatewatch.track.Script.identify;
import static io.gatewatch.track.Script.invalidSession;
import static io.gatewatch.track.Script.ready;
import static io.gatewatch.track.Script.reconnect;
import static io.gatewatch.track.Script.resume;
import static io.gatewatch.track.Script.resumed;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** Replicas behind a round-robin balancer, scripted: what the replica tests share. */
final class Replicas {
  static final TrackerSettings SETTINGS = TrackerSettings.DEFAULTS;
  private static final long MINUTE_MS = 60_000;

  /** The episodes {@link #play} makes, in nanoseconds, in any order. */
  static final Long[] EPISODES = {
    100_000_000L, 100_000_000L, 99_000_000L, 300_000_000L, 1_050_000_000L
  };

  private Replicas() {}

  /** The same events into one tracker and into the replica the balancer picks for the socket. */
  static final class Balanced {
    final Script single = new Script(SETTINGS);
    final List<Script> replicas = new ArrayList<>();
    private final Map<String, Script> byConn = new HashMap<>();
    private int next;

    /** Runs after every event: lets a remote directory's answers in. */
    Runnable afterEach = () -> {};

    Balanced(int n, Supplier<SessionDirectory> directories) {
      for (int i = 0; i < n; i++) {
        replicas.add(new Script(SETTINGS, directories.get()));
      }
    }

    Balanced at(double ms) {
      single.at(ms);
      replicas.forEach(r -> r.at(ms));
      return this;
    }

    Balanced open(String conn) {
      Script r = replicas.get(next++ % replicas.size());
      byConn.put(conn, r);
      single.open(conn);
      r.open(conn);
      afterEach.run();
      return this;
    }

    /** Opens a socket on every replica (to move each one's event time). */
    Balanced tick(String conn) {
      for (int i = 0; i < replicas.size(); i++) {
        open(conn + i).close(conn + i, 1000, "client");
      }
      return this;
    }

    Balanced server(String conn, String frame) {
      single.server(conn, frame);
      byConn.get(conn).server(conn, frame);
      afterEach.run();
      return this;
    }

    Balanced client(String conn, String frame) {
      single.client(conn, frame);
      byConn.get(conn).client(conn, frame);
      afterEach.run();
      return this;
    }

    Balanced close(String conn, int code, String by) {
      single.close(conn, code, by);
      byConn.get(conn).close(conn, code, by);
      afterEach.run();
      return this;
    }

    Balanced drop(String conn) {
      single.drop(conn);
      byConn.get(conn).drop(conn);
      afterEach.run();
      return this;
    }

    Map<String, Double> summed() {
      Map<String, Double> sum = new TreeMap<>();
      for (Script r : replicas) {
        snapshot(r.registry).forEach((k, v) -> sum.merge(k, v, Double::sum));
      }
      return sum;
    }
  }

  /**
   * A client whose sockets alternate between the replicas: resumes, op 7, a non-resumable close
   * followed by a Resume, a 4004 retry, a reconnect too soon after 4008, an episode given up.
   */
  static void play(Balanced b) {
    b.at(0).open("a1").at(1).server("a1", hello()).at(5).client("a1", identify("valid-A"));
    b.at(50).server("a1", ready("S1"));
    b.at(1000).close("a1", 4000, "server");
    // a Resume on the other replica: 100 ms
    b.at(1001).open("a2").at(1002).server("a2", hello()).at(1010);
    b.client("a2", resume("valid-A", "S1", 1)).at(1100).server("a2", resumed(1));
    b.at(4300).drop("a2");
    // back on the first replica, which still remembers the end at 1000: 100 ms, not 3.4 s
    b.at(4310).open("a3").at(4311).server("a3", hello()).at(4320);
    b.client("a3", resume("valid-A", "S1", 1)).at(4400).server("a3", resumed(1));
    // op 7, then a Resume on the other replica: 99 ms
    b.at(5000).server("a3", reconnect()).at(5001).close("a3", 4000, "server");
    b.at(5010).open("a4").at(5011).server("a4", hello()).at(5020);
    b.client("a4", resume("valid-A", "S1", 1)).at(5100).server("a4", resumed(1));
    // a non-resumable close, then a Resume anyway (op 9), then Identify: 300 ms
    b.at(6000).close("a4", 4013, "server");
    b.at(6010).open("a5").at(6011).server("a5", hello()).at(6020);
    b.client("a5", resume("valid-A", "S1", 1)).at(6030).server("a5", invalidSession());
    b.at(6040).client("a5", identify("valid-A")).at(6300).server("a5", ready("S2"));
    // a token rejected with 4004, retried unchanged on the other replica
    b.at(7000).open("b1").at(7001).server("b1", hello()).at(7002).client("b1", identify("bad-B"));
    b.at(7003).close("b1", 4004, "server");
    b.at(7100).open("b2").at(7101).server("b2", hello()).at(7102).client("b2", identify("bad-B"));
    b.at(7103).close("b2", 4004, "server");
    // rate limited, back on the other replica after 1 s instead of 60: 1,050 ms
    b.at(7500).open("c1").at(7501).server("c1", hello()).at(7502).client("c1", identify("valid-C"));
    b.at(7550).server("c1", ready("S3")).at(8000).close("c1", 4008, "server");
    b.at(9000).open("c2").at(9001).server("c2", hello()).at(9005).client("c2", identify("valid-C"));
    b.at(9050).server("c2", ready("S4"));
    // the first client goes away for good: given up once, past the link window
    b.at(10_000).close("a5", 1001, "client");
    b.at(10_000 + 11 * MINUTE_MS).tick("t1").at(10_000 + 12 * MINUTE_MS).tick("t2");
  }

  /**
   * A directory whose answers reach the tracker only when told (a remote store's round trip), on
   * the thread that tells it: after the events that followed them, or (answering after each event)
   * in a fixed order whatever thread the store answered on.
   */
  static final class Late implements SessionDirectory {
    private final SessionDirectory store;
    final List<Runnable> pending = new ArrayList<>();

    Late(SessionDirectory store) {
      this.store = store;
    }

    private <T> CompletionStage<T> later(CompletionStage<T> answer) {
      CompletableFuture<T> late = new CompletableFuture<>();
      pending.add(
          () -> {
            try {
              late.complete(answer.toCompletableFuture().get(10, TimeUnit.SECONDS));
            } catch (ExecutionException e) {
              late.completeExceptionally(e.getCause());
            } catch (Exception e) {
              late.completeExceptionally(e);
            }
          });
      return late;
    }

    /** Answers every call made so far, in the order they were made. */
    void answer() {
      while (!pending.isEmpty()) {
        List<Runnable> now = new ArrayList<>(pending);
        pending.clear();
        now.forEach(Runnable::run);
      }
    }

    @Override
    public boolean shared() {
      return true;
    }

    @Override
    public CompletionStage<Boolean> ended(SocketEnd end) {
      return later(store.ended(end));
    }

    @Override
    public CompletionStage<Facts> lookup(Key key, long fingerprint, boolean attempt) {
      return later(store.lookup(key, fingerprint, attempt));
    }

    @Override
    public void resumeFailed(Key key, ResumeOutcome outcome) {
      store.resumeFailed(key, outcome);
    }

    /** Episodes from another replica dropped because they ended before they started. */
    int clockSkews;

    @Override
    public void clockSkew() {
      clockSkews++;
      store.clockSkew();
    }

    @Override
    public CompletionStage<Episode> claim(Key key, Key next, long at) {
      return later(store.claim(key, next, at));
    }

    @Override
    public CompletionStage<Boolean> release(Key key, long endedAt) {
      return later(store.release(key, endedAt));
    }

    @Override
    public void expire(long now) {
      store.expire(now);
    }
  }

  /**
   * Every counter, timer (count and total) and gauge of the gateway, by name and tags; the agent's
   * own (gatewatch_*: state each replica holds and forgets) are not measurements to sum.
   */
  static Map<String, Double> snapshot(PrometheusMeterRegistry registry) {
    Map<String, Double> out = new TreeMap<>();
    for (Meter m : registry.getMeters()) {
      if (!m.getId().getName().startsWith("gateway.")) {
        continue;
      }
      String id =
          m.getId().getName()
              + m.getId().getTags().stream()
                  .map(Tag::toString)
                  .collect(Collectors.joining(",", "{", "}"));
      if (m instanceof Counter c) {
        out.put(id, c.count());
      } else if (m instanceof Timer t) {
        out.put(id + ".count", (double) t.count());
        out.put(id + ".total_ms", t.totalTime(TimeUnit.MILLISECONDS));
      } else if (m instanceof Gauge g) {
        out.put(id, g.value());
      }
    }
    return out;
  }
}
