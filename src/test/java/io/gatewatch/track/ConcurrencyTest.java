package io.gatewatch.track;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.FrameScanner;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.report.Tally;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Phaser;
import org.junit.jupiter.api.Test;

/** Sockets fed from many threads at once still give exact totals. */
class ConcurrencyTest {
  private static final long MS = 1_000_000L;

  @Test
  void manyThreadsManySocketsExactTotals() throws Exception {
    Tally tally = new Tally();
    ConnectionTracker tracker =
        new ConnectionTracker(
            ProfileLoader.load("fluxer-seed"),
            TrackerSettings.DEFAULTS,
            new FrameScanner(new TokenFingerprinter(new byte[] {9})),
            tally);
    int threads = 8;
    int socketsPerThread = 500;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    // One tracker has one clock: the threads' event times may interleave but not drift apart by
    // more than 50 sockets (5 s), or a sweep from a thread far ahead would time out the pending
    // Resumes of one far behind (30 s), which no real tap can do.
    Phaser inStep = new Phaser(threads);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      done.add(
          pool.submit(
              () -> {
                for (int i = 0; i < socketsPerThread; i++) {
                  if (i % 50 == 0) {
                    inStep.arriveAndAwaitAdvance();
                  }
                  String token = "t" + thread + "-" + i;
                  long base = i * 100 * MS;
                  Connection a = tracker.open(token + "a", base);
                  send(a, base + MS, Direction.SERVER, Script.hello());
                  send(a, base + 2 * MS, Direction.CLIENT, Script.identify(token));
                  send(a, base + 3 * MS, Direction.SERVER, Script.ready("s-" + token));
                  send(a, base + 4 * MS, Direction.CLIENT, Script.heartbeat(1L));
                  send(a, base + 9 * MS, Direction.SERVER, Script.ack());
                  a.close(base + 10 * MS, 4009, Initiator.SERVER);
                  Connection b = tracker.open(token + "b", base + 20 * MS);
                  send(b, base + 21 * MS, Direction.CLIENT, Script.resume(token, "s-" + token, 1));
                  send(b, base + 30 * MS, Direction.SERVER, Script.resumed(2));
                  b.close(base + 40 * MS, 1000, Initiator.CLIENT);
                }
              }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();

    int n = threads * socketsPerThread;
    assertThat(tally.opened()).isEqualTo(2L * n);
    assertThat(tally.resumes(ResumeOutcome.SUCCESS)).isEqualTo(n);
    assertThat(tally.reconnects()).hasSize(n).containsOnly(20 * MS);
    assertThat(tally.rtts(RttKind.CLIENT)).hasSize(n).containsOnly(5 * MS);
    assertThat(tracker.activeConnections()).isZero();
    assertThat(tracker.activeSessions()).isZero();
  }

  private static void send(Connection c, long nanos, Direction from, String frame) {
    byte[] b = frame.getBytes(StandardCharsets.UTF_8);
    c.frame(nanos, from, b, 0, b.length);
  }
}
