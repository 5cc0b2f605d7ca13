package io.gatewatch.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Resume over real sockets: replay, RESUMED, op 9, the 4007 bounds, 4004, 4002, retention. */
class ResumeTest extends SimTestSupport {
  static final String TOKEN = "valid-resumer";
  static final String INVALID_SESSION = "{\"d\":false,\"op\":9}";

  /** Identifies on a new socket, sends {@code dispatches} events, returns the session id. */
  private String sessionWith(GatewaySimulator sim, WsClient c, int dispatches) {
    String id = c.identify(TOKEN).get("d").get("session_id").asText();
    assertThat(sim.dispatchNow(dispatches)).isEqualTo(dispatches);
    for (int i = 0; i < dispatches; i++) {
      assertThat(c.expectDispatch("MESSAGE_CREATE").get("s").asLong()).isEqualTo(2 + i);
    }
    return id;
  }

  private static void endAndAwaitDetach(GatewaySimulator sim, WsClient c) {
    c.closeNormally();
    await().atMost(Duration.ofSeconds(5)).until(() -> sim.attachedSessionCount() == 0);
  }

  private static List<Long> sequences(List<JsonNode> frames) {
    List<Long> s = new ArrayList<>();
    for (JsonNode f : frames) {
      s.add(f.get("s").asLong());
    }
    return s;
  }

  @Test
  void resumeReplaysTheMissedDispatchesThenResumed() {
    GatewaySimulator sim = start(base());
    WsClient first = connect(sim.url());
    String id = sessionWith(sim, first, 5); // READY s=1, events s=2..6
    endAndAwaitDetach(sim, first);

    WsClient second = connect(sim.url());
    second.expect(10);
    second.send(WsClient.resumePayload(TOKEN, id, 3));
    List<JsonNode> replay = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      replay.add(second.expectDispatch("MESSAGE_CREATE"));
    }
    assertThat(sequences(replay)).containsExactly(4L, 5L, 6L);
    WsClient.Frame resumed = second.next();
    assertThat(resumed.text()).isEqualTo("{\"d\":{},\"op\":0,\"s\":7,\"t\":\"RESUMED\"}");

    // the stream goes on from there on the new socket
    assertThat(sim.dispatchNow(1)).isEqualTo(1);
    assertThat(second.expectDispatch("MESSAGE_CREATE").get("s").asLong()).isEqualTo(8);
  }

  @Test
  void resumeAtTheCurrentSequenceReplaysNothing() {
    GatewaySimulator sim = start(base());
    WsClient first = connect(sim.url());
    String id = sessionWith(sim, first, 2);
    endAndAwaitDetach(sim, first);

    WsClient second = connect(sim.url());
    second.expect(10);
    second.send(WsClient.resumePayload(TOKEN, id, 3));
    assertThat(second.next().text()).isEqualTo("{\"d\":{},\"op\":0,\"s\":4,\"t\":\"RESUMED\"}");
  }

  @Test
  void resumeWorksAfterADroppedConnectionAndADrain() {
    GatewaySimulator sim = start(base());
    WsClient first = connect(sim.url());
    String id = sessionWith(sim, first, 1);
    sim.dropAll();
    assertThat(first.awaitClose().code()).isEqualTo(1006);
    await().atMost(Duration.ofSeconds(5)).until(() -> sim.attachedSessionCount() == 0);

    WsClient second = connect(sim.url());
    second.expect(10);
    second.send(WsClient.resumePayload(TOKEN, id, 2));
    assertThat(second.expectDispatch("RESUMED").get("s").asLong()).isEqualTo(3);

    sim.drainAll();
    assertThat(second.expect(7).toString()).isEqualTo("{\"op\":7}");
    assertThat(second.awaitClose().code()).isEqualTo(4000);
    await().atMost(Duration.ofSeconds(5)).until(() -> sim.attachedSessionCount() == 0);

    WsClient third = connect(sim.url());
    third.expect(10);
    third.send(WsClient.resumePayload(TOKEN, id, 3));
    assertThat(third.expectDispatch("RESUMED").get("s").asLong()).isEqualTo(4);
  }

  @Test
  void afterTheRetentionWindowResumeGetsOp9AndTheSocketStaysOpen() {
    Duration retention = Duration.ofMillis(300);
    GatewaySimulator sim = start(base().sessionRetention(retention));
    WsClient first = connect(sim.url());
    String id = sessionWith(sim, first, 1);
    long closing = System.nanoTime();
    endAndAwaitDetach(sim, first);
    assertThat(sim.sessionCount()).isEqualTo(1); // retained for now

    await().atMost(Duration.ofSeconds(5)).until(() -> sim.sessionCount() == 0);
    assertThat(System.nanoTime() - closing).isGreaterThanOrEqualTo(retention.toNanos());

    WsClient second = connect(sim.url());
    second.expect(10);
    second.send(WsClient.resumePayload(TOKEN, id, 2));
    assertThat(second.next().text()).isEqualTo(INVALID_SESSION);
    // unauthenticated but open: Identify works on the same socket
    second.send(WsClient.identifyPayload(TOKEN));
    assertThat(second.expectDispatch("READY").get("s").asLong()).isEqualTo(1);
  }

  @Test
  void withinTheRetentionWindowTheSessionIsKept() {
    GatewaySimulator sim = start(base().sessionRetention(Duration.ofSeconds(30)));
    WsClient first = connect(sim.url());
    String id = sessionWith(sim, first, 1);
    endAndAwaitDetach(sim, first);
    WsClient second = connect(sim.url());
    second.expect(10);
    second.send(WsClient.resumePayload(TOKEN, id, 2));
    assertThat(second.expectDispatch("RESUMED").get("s").asLong()).isEqualTo(3);
  }

  @Test
  void belowTheReplayFloorIsOp9() {
    GatewaySimulator sim = start(base().replayBufferEvents(4));
    WsClient first = connect(sim.url());
    String id = sessionWith(sim, first, 10); // s=2..11; retained 8..11; floor 7
    endAndAwaitDetach(sim, first);

    WsClient second = connect(sim.url());
    second.expect(10);
    second.send(WsClient.resumePayload(TOKEN, id, 6));
    assertThat(second.next().text()).isEqualTo(INVALID_SESSION);

    WsClient third = connect(sim.url());
    third.expect(10);
    third.send(WsClient.resumePayload(TOKEN, id, 7));
    List<JsonNode> replay = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      replay.add(third.expectDispatch("MESSAGE_CREATE"));
    }
    assertThat(sequences(replay)).containsExactly(8L, 9L, 10L, 11L);
    assertThat(third.expectDispatch("RESUMED").get("s").asLong()).isEqualTo(12);
  }

  @Test
  void sequenceAboveTheCurrentIs4007() {
    GatewaySimulator sim = start(base());
    WsClient first = connect(sim.url());
    String id = sessionWith(sim, first, 2); // current 3
    endAndAwaitDetach(sim, first);

    WsClient second = connect(sim.url());
    second.expect(10);
    second.send(WsClient.resumePayload(TOKEN, id, 4));
    assertThat(second.awaitClose()).isEqualTo(new WsClient.Close(4007, "Invalid Sequence"));

    // the session itself is untouched: the right sequence still resumes
    WsClient third = connect(sim.url());
    third.expect(10);
    third.send(WsClient.resumePayload(TOKEN, id, 3));
    assertThat(third.expectDispatch("RESUMED").get("s").asLong()).isEqualTo(4);
  }

  @Test
  void sequenceBelowTheAcknowledgedIs4007() {
    GatewaySimulator sim = start(base());
    WsClient first = connect(sim.url());
    String id = sessionWith(sim, first, 5); // current 6
    first.send("{\"op\":1,\"d\":5}");
    assertThat(first.next().text()).isEqualTo("{\"op\":11}");
    endAndAwaitDetach(sim, first);

    WsClient second = connect(sim.url());
    second.expect(10);
    second.send(WsClient.resumePayload(TOKEN, id, 4));
    assertThat(second.awaitClose()).isEqualTo(new WsClient.Close(4007, "Invalid Sequence"));

    WsClient third = connect(sim.url());
    third.expect(10);
    third.send(WsClient.resumePayload(TOKEN, id, 5));
    assertThat(third.expectDispatch("MESSAGE_CREATE").get("s").asLong()).isEqualTo(6);
    assertThat(third.expectDispatch("RESUMED").get("s").asLong()).isEqualTo(7);
  }

  @Test
  void anotherTokenIs4004AndTheOwnerCanStillResume() {
    GatewaySimulator sim = start(base());
    WsClient first = connect(sim.url());
    String id = sessionWith(sim, first, 1);
    endAndAwaitDetach(sim, first);

    WsClient thief = connect(sim.url());
    thief.expect(10);
    thief.send(WsClient.resumePayload("valid-someone-else", id, 2));
    assertThat(thief.awaitClose()).isEqualTo(new WsClient.Close(4004, "Authentication Failed"));

    WsClient owner = connect(sim.url());
    owner.expect(10);
    owner.send(WsClient.resumePayload(TOKEN, id, 2));
    assertThat(owner.expectDispatch("RESUMED").get("s").asLong()).isEqualTo(3);
  }

  @Test
  void malformedResumeIs4002() {
    GatewaySimulator sim = start(base());
    WsClient c = connect(sim.url());
    c.expect(10);
    c.send("{\"op\":6,\"d\":{\"token\":\"valid-a\",\"session_id\":\"abc\",\"seq\":\"3\"}}");
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4002, "Decode Error"));
  }

  @Test
  void unknownSessionIsOp9() {
    GatewaySimulator sim = start(base());
    WsClient c = connect(sim.url());
    c.expect(10);
    c.send(WsClient.resumePayload(TOKEN, "0123456789abcdef0123456789abcdef", 1));
    assertThat(c.next().text()).isEqualTo(INVALID_SESSION);
  }

  @Test
  void expiredByTheFaultIsOp9() {
    GatewaySimulator sim = start(base());
    WsClient first = connect(sim.url());
    String id = sessionWith(sim, first, 1);
    endAndAwaitDetach(sim, first);
    assertThat(sim.expireSessions()).isEqualTo(1);

    WsClient second = connect(sim.url());
    second.expect(10);
    second.send(WsClient.resumePayload(TOKEN, id, 2));
    assertThat(second.next().text()).isEqualTo(INVALID_SESSION);
  }

  @Test
  void resumeTakesTheSessionOverFromALiveSocket() {
    GatewaySimulator sim = start(base());
    WsClient first = connect(sim.url());
    String id = sessionWith(sim, first, 1);

    WsClient second = connect(sim.url());
    second.expect(10);
    second.send(WsClient.resumePayload(TOKEN, id, 2));
    assertThat(second.expectDispatch("RESUMED").get("s").asLong()).isEqualTo(3);
    assertThat(first.awaitClose()).isEqualTo(new WsClient.Close(4000, "Unknown Error"));
    assertThat(sim.dispatchNow(1)).isEqualTo(1);
    assertThat(second.expectDispatch("MESSAGE_CREATE").get("s").asLong()).isEqualTo(4);
  }

  @Test
  void identifyAfterResumeIs4005() {
    GatewaySimulator sim = start(base());
    WsClient first = connect(sim.url());
    String id = sessionWith(sim, first, 0);
    endAndAwaitDetach(sim, first);
    WsClient second = connect(sim.url());
    second.expect(10);
    second.send(WsClient.resumePayload(TOKEN, id, 1));
    second.expectDispatch("RESUMED");
    second.send(WsClient.identifyPayload(TOKEN));
    assertThat(second.awaitClose()).isEqualTo(new WsClient.Close(4005, "Already Authenticated"));
  }

  @Test
  void aNonResumableCloseForgetsTheSessionInTheSeedProfile() {
    GatewaySimulator sim = start(base().rateLimit(2, Duration.ofSeconds(60)));
    WsClient first = connect(sim.url());
    String id = first.identify(TOKEN).get("d").get("session_id").asText();
    first.send("{\"op\":1,\"d\":null}");
    first.expect(11);
    first.trySend("{\"op\":1,\"d\":null}");
    assertThat(first.awaitClose()).isEqualTo(new WsClient.Close(4008, "Rate limited"));
    await().atMost(Duration.ofSeconds(5)).until(() -> sim.attachedSessionCount() == 0);
    assertThat(sim.sessionCount()).isZero(); // 4008 is resumable: false in fluxer-seed

    WsClient second = connect(sim.url());
    second.expect(10);
    second.send(WsClient.resumePayload(TOKEN, id, 1));
    assertThat(second.next().text()).isEqualTo(INVALID_SESSION);
  }

  @Test
  void aConditionalCloseKeepsTheSessionInTheCurrentProfile() {
    GatewaySimulator sim =
        start(base().profile("fluxer-current").rateLimit(2, Duration.ofSeconds(60)));
    WsClient first = connect(sim.url());
    String id = first.identify(TOKEN).get("d").get("session_id").asText();
    first.send("{\"op\":1,\"d\":null}");
    first.expect(11);
    first.trySend("{\"op\":1,\"d\":null}");
    assertThat(first.awaitClose()).isEqualTo(new WsClient.Close(4008, "Rate limited"));
    await().atMost(Duration.ofSeconds(5)).until(() -> sim.attachedSessionCount() == 0);

    WsClient second = connect(sim.url());
    second.expect(10);
    second.send(WsClient.resumePayload(TOKEN, id, 1));
    assertThat(second.expectDispatch("RESUMED").get("s").asLong()).isEqualTo(2);
  }
}
