package io.gatewatch.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.sim.Session.SeqCheck;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Retention, expiry, the replay buffer and its floor, ownership; with an injected clock. */
class SessionStoreTest {
  static final long MS = 1_000_000L;
  final AtomicLong now = new AtomicLong(5_000 * MS);
  final Object socketA = new Object();
  final Object socketB = new Object();

  SessionStore store(int replayEvents) {
    return new SessionStore(Duration.ofMillis(60_000), replayEvents, 16L << 20, now::get);
  }

  static String event(long seq) {
    return "{\"s\":" + seq + "}";
  }

  static void dispatch(Session s, Object owner, int n) {
    for (int i = 0; i < n; i++) {
      assertThat(s.dispatch(owner, SessionStoreTest::event)).isNotNull();
    }
  }

  @Test
  void aNewSessionIsAtSequenceOneWithTheFloorAtOne() {
    SessionStore st = store(4096);
    Session s = st.create("key", 3, socketA);
    assertThat(s.id()).matches("[0-9a-f]{32}");
    assertThat(s.seq()).isEqualTo(1);
    assertThat(s.floor()).isEqualTo(1);
    assertThat(s.owner()).isSameAs(socketA);
    assertThat(st.find(s.id())).contains(s);
    assertThat(st.size()).isEqualTo(1);
    assertThat(st.attached()).isEqualTo(1);
  }

  @Test
  void aDetachedSessionIsKeptForExactlyTheRetentionWindow() {
    SessionStore st = store(4096);
    Session s = st.create("key", 3, socketA);
    now.addAndGet(1_000_000 * MS); // attached sessions never expire
    assertThat(st.find(s.id())).isPresent();
    st.socketEnded(s, socketA, true);
    long ended = now.get();
    now.set(ended + 60_000 * MS);
    assertThat(st.find(s.id())).isPresent();
    assertThat(st.size()).isEqualTo(1);
    now.set(ended + 60_000 * MS + 1);
    assertThat(st.size()).isZero();
    assertThat(st.find(s.id())).isEmpty();
  }

  @Test
  void sweepFreesExpiredSessionsOnly() {
    SessionStore st = store(4096);
    Session a = st.create("a", 1, socketA);
    Session b = st.create("b", 1, socketB);
    st.socketEnded(a, socketA, true);
    now.addAndGet(60_001 * MS);
    assertThat(st.sweep()).isEqualTo(1);
    assertThat(st.find(b.id())).isPresent();
  }

  @Test
  void aNonResumableEndForgetsTheSessionAtOnce() {
    SessionStore st = store(4096);
    Session s = st.create("key", 3, socketA);
    st.socketEnded(s, socketA, false);
    assertThat(st.find(s.id())).isEmpty();
  }

  @Test
  void onlyTheOwningSocketDetaches() {
    SessionStore st = store(4096);
    Session s = st.create("key", 3, socketA);
    st.socketEnded(s, socketB, false);
    assertThat(s.owner()).isSameAs(socketA);
    assertThat(st.find(s.id())).isPresent();
    assertThat(s.dispatch(socketB, SessionStoreTest::event)).isNull();
    assertThat(s.seq()).isEqualTo(1);
  }

  @Test
  void theReplayBufferKeepsTheLatestEventsAndRaisesTheFloor() {
    SessionStore st = store(4);
    Session s = st.create("key", 3, socketA);
    dispatch(s, socketA, 10); // seq 2..11
    assertThat(s.seq()).isEqualTo(11);
    assertThat(s.retained()).isEqualTo(4);
    assertThat(s.floor()).isEqualTo(7);
    assertThat(s.check(6)).isEqualTo(SeqCheck.BELOW_FLOOR);
    assertThat(s.check(7)).isEqualTo(SeqCheck.OK);
    assertThat(s.check(11)).isEqualTo(SeqCheck.OK);
    assertThat(s.check(12)).isEqualTo(SeqCheck.AHEAD);
  }

  @Test
  void theByteBoundAlsoEvicts() {
    SessionStore st = new SessionStore(Duration.ofSeconds(60), 4096, 20, now::get);
    Session s = st.create("key", 3, socketA);
    dispatch(s, socketA, 5); // each event is 7 characters: 2 fit in 20
    assertThat(s.retained()).isEqualTo(2);
    assertThat(s.floor()).isEqualTo(4);
  }

  @Test
  void acknowledgedSequencesBoundTheResumeFromBelow() {
    SessionStore st = store(4096);
    Session s = st.create("key", 3, socketA);
    dispatch(s, socketA, 5); // seq 6
    s.ack(4);
    assertThat(s.check(3)).isEqualTo(SeqCheck.BEHIND_ACK);
    assertThat(s.check(4)).isEqualTo(SeqCheck.OK);
    s.ack(100); // clamped to the current sequence
    assertThat(s.acked()).isEqualTo(6);
    s.ack(2); // never lowered
    assertThat(s.acked()).isEqualTo(6);
  }

  @Test
  void resumeReplaysAboveTheSequenceAndAppendsResumed() {
    SessionStore st = store(4096);
    Session s = st.create("key", 3, socketA);
    dispatch(s, socketA, 4); // seq 2..5
    st.socketEnded(s, socketA, true);
    Session.Resumed r = s.resume(socketB, 3, seq -> "RESUMED " + seq);
    assertThat(r.check()).isEqualTo(SeqCheck.OK);
    assertThat(r.replay()).containsExactly(event(4), event(5));
    assertThat(r.resumed()).isEqualTo("RESUMED 6");
    assertThat(r.previousOwner()).isNull();
    assertThat(s.owner()).isSameAs(socketB);
    assertThat(s.seq()).isEqualTo(6);
    // RESUMED is retained like any dispatch
    assertThat(s.resume(socketA, 5, seq -> "again").replay()).containsExactly("RESUMED 6");
  }

  @Test
  void aRefusedResumeChangesNothing() {
    SessionStore st = store(4096);
    Session s = st.create("key", 3, socketA);
    Session.Resumed r = s.resume(socketB, 2, seq -> "x");
    assertThat(r.check()).isEqualTo(SeqCheck.AHEAD);
    assertThat(r.replay()).isEmpty();
    assertThat(s.owner()).isSameAs(socketA);
    assertThat(s.seq()).isEqualTo(1);
  }

  @Test
  void forgetAllDropsAttachedSessionsToo() {
    SessionStore st = store(4096);
    Session a = st.create("a", 1, socketA);
    Session b = st.create("b", 1, socketB);
    st.socketEnded(b, socketB, true);
    assertThat(st.forgetAll()).isEqualTo(2);
    assertThat(st.find(a.id())).isEmpty();
    assertThat(st.find(b.id())).isEmpty();
  }

  @Test
  void sessionsPerTokenAreCapped() {
    SessionStore st = store(4096);
    assertThat(st.createIfUnder("k", 2, 1, socketA)).isNotNull();
    Session second = st.createIfUnder("k", 2, 1, socketB);
    assertThat(second).isNotNull();
    assertThat(st.createIfUnder("k", 2, 1, new Object())).isNull();
    assertThat(st.createIfUnder("other", 2, 1, new Object())).isNotNull();
    st.socketEnded(second, socketB, false);
    assertThat(st.countForToken("k")).isEqualTo(1);
    assertThat(st.createIfUnder("k", 2, 1, new Object())).isNotNull();
  }

  @Test
  void idsAreUnique() {
    SessionStore st = store(1);
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (int i = 0; i < 1000; i++) {
      ids.add(st.create("k", 1, new Object()).id());
    }
    assertThat(ids).hasSize(1000);
    assertThat(List.copyOf(ids).get(0)).hasSize(32);
  }
}
