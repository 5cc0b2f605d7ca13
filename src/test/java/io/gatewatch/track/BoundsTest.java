package io.gatewatch.track;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.FrameScanner;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.report.Tally;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Tracker state stays under its bounds; what is dropped is counted. */
class BoundsTest {
  private static final long MS = 1_000_000L;

  private static ConnectionTracker tracker(TrackerSettings settings, Tally tally) {
    return new ConnectionTracker(
        ProfileLoader.load("fluxer-seed"),
        settings,
        new FrameScanner(new TokenFingerprinter(new byte[] {1, 2, 3})),
        tally);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aMillionConnectionsOpenedAndClosedKeepStateBounded() {
    TrackerSettings settings =
        TrackerSettings.DEFAULTS.withMaxConnections(10_000).withMaxClients(10_000);
    Tally tally = new Tally();
    ConnectionTracker t = tracker(settings, tally);
    byte[] hello = utf8(Script.hello());
    byte[] ready = utf8(Script.ready("s"));
    long maxTracked = 0;
    for (int i = 0; i < 1_000_000; i++) {
      long now = i * MS;
      Connection c = t.open("c" + i, now);
      c.frame(now, Direction.SERVER, hello, 0, hello.length);
      byte[] identify = utf8(Script.identify("token-" + i));
      c.frame(now, Direction.CLIENT, identify, 0, identify.length);
      c.frame(now, Direction.SERVER, ready, 0, ready.length);
      c.close(now, 4009, Initiator.SERVER);
      if ((i & 1023) == 0) {
        maxTracked = Math.max(maxTracked, t.trackedEntries());
      }
    }
    assertThat(tally.opened()).isEqualTo(1_000_000);
    assertThat(t.activeConnections()).isZero();
    assertThat(t.activeSessions()).isZero();
    assertThat(maxTracked).isLessThanOrEqualTo(10_000);
    assertThat(t.trackedEntries()).isLessThanOrEqualTo(10_000);
    assertThat(tally.evictions()).isGreaterThan(900_000);
  }

  @Test
  void sessionsOfIdleConnectionsPastTheirTtlAreEvicted() {
    Tally tally = new Tally();
    ConnectionTracker t =
        tracker(TrackerSettings.DEFAULTS.withIdleTtl(Duration.ofMinutes(5)), tally);
    for (int i = 0; i < 100; i++) {
      t.open("c" + i, 0);
    }
    t.advance(5 * 60_000 * MS);
    assertThat(t.activeConnections()).isEqualTo(100);

    t.advance(5 * 60_000 * MS + 2_000 * MS);
    assertThat(t.activeConnections()).isZero();
    assertThat(tally.evictions()).isEqualTo(100);
  }

  @Test
  void atCapacityTheLeastRecentlyActiveSixteenthIsDropped() {
    Tally tally = new Tally();
    ConnectionTracker t = tracker(TrackerSettings.DEFAULTS.withMaxConnections(160), tally);
    byte[] hb = utf8(Script.heartbeat(1L));
    for (int i = 0; i < 160; i++) {
      t.open("c" + i, i * MS);
    }
    // c0..c9 are active again at 500 ms; c10..c19 are now the least recently active.
    for (int i = 0; i < 10; i++) {
      t.connection("c" + i).frame(500 * MS, Direction.CLIENT, hb, 0, hb.length);
    }
    t.open("new", 600 * MS);

    assertThat(t.activeConnections()).isEqualTo(151);
    assertThat(tally.evictions()).isEqualTo(10);
    for (int i = 0; i < 10; i++) {
      assertThat(t.connection("c" + i)).isNotNull();
      assertThat(t.connection("c" + (10 + i))).isNull();
    }
  }

  @Test
  void eventsAfterEvictionAreIgnored() {
    Tally tally = new Tally();
    ConnectionTracker t = tracker(TrackerSettings.DEFAULTS.withMaxConnections(1), tally);
    Connection first = t.open("a", 0);
    t.open("b", MS);
    first.close(2 * MS, 4000, Initiator.SERVER);

    assertThat(tally.closes()).isEmpty();
    assertThat(t.activeConnections()).isEqualTo(1);
  }
}
