package io.gatewatch.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The protocol decisions without a network: a recording transport and an injected clock, so timings
 * are exact.
 */
class GatewayConnectionTest {
  static final long MS = 1_000_000L;

  final AtomicLong now = new AtomicLong(1_000 * MS);

  /** Records what the connection does. */
  static final class Recorder implements GatewayConnection.Transport {
    final List<String> sent = new ArrayList<>();
    final List<String> delayed = new ArrayList<>();
    final List<Long> delays = new ArrayList<>();
    CloseTable.Close closed;
    boolean aborted;
    boolean congested;

    @Override
    public void send(String payload) {
      sent.add(payload);
    }

    @Override
    public void sendLater(String payload, long delayNanos) {
      delayed.add(payload);
      delays.add(delayNanos);
    }

    @Override
    public void close(int code, String reason) {
      closed = new CloseTable.Close(code, reason);
    }

    @Override
    public void abort() {
      aborted = true;
    }

    @Override
    public boolean congested() {
      return congested;
    }

    @Override
    public void execute(Runnable task) {
      task.run();
    }

    String last() {
      return sent.get(sent.size() - 1);
    }
  }

  GatewayCore core(SimulatorSettings.Builder b) {
    return new GatewayCore(b.build(), now::get, () -> 1_732_790_000_000L);
  }

  static SimulatorSettings.Builder settings() {
    return SimulatorSettings.builder().dispatchRate(0);
  }

  static void message(GatewayConnection c, String json) {
    c.onMessage(json.getBytes(StandardCharsets.UTF_8));
  }

  GatewayConnection ready(GatewayCore core, Recorder r) {
    GatewayConnection c = core.newConnection(r, 1);
    c.open();
    message(c, WsClient.identifyPayload("valid-x"));
    assertThat(r.last()).contains("\"t\":\"READY\"");
    return c;
  }

  @Test
  void helloThenReadyWithErlangKeyOrder() {
    Recorder r = new Recorder();
    GatewayCore core = core(settings().guildCount(1));
    GatewayConnection c = core.newConnection(r, 1);
    c.open();
    assertThat(r.sent).containsExactly("{\"d\":{\"heartbeat_interval\":41250},\"op\":10}");
    message(c, WsClient.identifyPayload("valid-x"));
    String id = c.session().id();
    String fp = GatewayCore.fingerprint(GatewayCore.tokenKey("valid-x"));
    String decoy = new StringBuilder(id).reverse().toString();
    assertThat(r.last())
        .isEqualTo(
            "{\"d\":{\"guilds\":[{\"id\":\"1300000000000000001\",\"unavailable\":false,"
                + "\"voice_states\":[{\"channel_id\":\"1300000000000000900\",\"session_id\":\""
                + decoy
                + "\",\"user_id\":\"1300000000000000901\"}]}],\"session_id\":\""
                + id
                + "\",\"user\":{\"bot\":false,\"discriminator\":\"0000\","
                + "\"id\":\"1300000000000002000\",\"username\":\"sim-"
                + fp
                + "\"},\"v\":1},\"op\":0,\"s\":1,\"t\":\"READY\"}");
  }

  @Test
  void dispatchesCarryIncreasingSequences() {
    Recorder r = new Recorder();
    GatewayCore core = core(settings());
    GatewayConnection c = ready(core, r);
    assertThat(c.dispatch(2)).isEqualTo(2);
    assertThat(r.sent.get(2))
        .isEqualTo(
            "{\"d\":{\"author\":{\"id\":\"1300000000000001000\",\"username\":\"sim-author\"},"
                + "\"channel_id\":\"1300000000000000500\",\"content\":\"simulated message 2\","
                + "\"guild_id\":\"1300000000000000001\",\"id\":\"1300000000000010002\","
                + "\"timestamp\":\"2024-11-28T10:33:20Z\"},\"op\":0,\"s\":2,"
                + "\"t\":\"MESSAGE_CREATE\"}");
    assertThat(r.last()).contains("\"s\":3,\"t\":\"MESSAGE_CREATE\"");
  }

  @Test
  void paddedDispatchesHaveTheirDrawnSizeAndStayValidJson() throws Exception {
    Recorder r = new Recorder();
    GatewayCore core = core(settings().dispatchSize(new DispatchSize(1024, 4096)));
    GatewayConnection c = ready(core, r);
    int before = r.sent.size();
    assertThat(c.dispatch(200)).isEqualTo(200);
    List<String> sent = r.sent.subList(before, r.sent.size());
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    for (String payload : sent) {
      assertThat(payload.length()).isBetween(1024, 4096);
      assertThat(mapper.readTree(payload).get("t").asText()).isEqualTo("MESSAGE_CREATE");
    }
    // drawn, not fixed: 200 draws from 3,073 sizes are not all in one quarter of the range
    assertThat(sent.stream().mapToInt(String::length).min().getAsInt()).isLessThan(1800);
    assertThat(sent.stream().mapToInt(String::length).max().getAsInt()).isGreaterThan(3300);
  }

  @Test
  void aFixedDispatchSizeIsExact() {
    assertThat(Payloads.messageCreate(7, 0, 2048)).hasSize(2048);
    assertThat(Payloads.messageCreate(7, 0, 10)).isEqualTo(Payloads.messageCreate(7, 0));
    assertThat(DispatchSize.parse("2048")).isEqualTo(new DispatchSize(2048, 2048));
    assertThat(DispatchSize.parse(" 1024 .. 4096 ")).isEqualTo(new DispatchSize(1024, 4096));
    assertThatThrownBy(() -> DispatchSize.parse("10..5"))
        .hasMessage("dispatch size range \"10..5\": the maximum is below the minimum");
  }

  @Test
  void theDispatchTimerFollowsTheRate() {
    Recorder r = new Recorder();
    GatewayCore core = core(settings().dispatchRate(2.5));
    GatewayConnection c = ready(core, r);
    assertThat(c.dispatchPeriodNanos()).isEqualTo(400 * MS);
    for (int i = 0; i < 10; i++) {
      c.onDispatchTick(); // 10 ticks of 400 ms: 4 s at 2.5/s
    }
    assertThat(r.sent).hasSize(2 + 10);
    GatewayConnection noSession = core.newConnection(new Recorder(), 2);
    noSession.onDispatchTick();
    assertThat(core(settings()).newConnection(r, 3).dispatchPeriodNanos()).isZero();
  }

  @Test
  void theHeartbeatTimelineAtDefaultTimings() {
    Recorder r = new Recorder();
    GatewayCore core = core(settings());
    long start = now.get();
    GatewayConnection c = core.newConnection(r, 1);
    c.open();
    assertThat(c.heartbeatCheckPeriodNanos()).isEqualTo(13_750 * MS);
    for (int i = 1; i <= 2; i++) {
      now.set(start + i * 13_750 * MS);
      c.onHeartbeatCheck();
    }
    assertThat(r.sent).hasSize(1);
    now.set(start + 41_250 * MS);
    c.onHeartbeatCheck();
    assertThat(r.last()).isEqualTo("{\"d\":null,\"op\":1}");
    now.set(start + 45_000 * MS);
    c.onHeartbeatCheck();
    assertThat(r.closed).isNull();
    now.set(start + 55_000 * MS);
    c.onHeartbeatCheck();
    assertThat(r.closed).isEqualTo(new CloseTable.Close(4009, "Heartbeat timeout"));
  }

  @Test
  void answeringTheRequestKeepsTheSocket() {
    Recorder r = new Recorder();
    GatewayCore core = core(settings());
    long start = now.get();
    GatewayConnection c = core.newConnection(r, 1);
    c.open();
    now.set(start + 41_250 * MS);
    c.onHeartbeatCheck();
    now.set(start + 41_300 * MS);
    message(c, "{\"op\":1,\"d\":null}");
    assertThat(r.last()).isEqualTo("{\"op\":11}");
    now.set(start + 55_000 * MS);
    c.onHeartbeatCheck();
    now.set(start + 68_750 * MS);
    c.onHeartbeatCheck();
    assertThat(r.closed).isNull();
  }

  @Test
  void ackDelaysComeFromTheDistribution() {
    Recorder r = new Recorder();
    GatewayCore core =
        core(
            settings()
                .ackDelay(AckDelay.parse("10ms,0ms,30ms"))
                .rateLimit(100, Duration.ofSeconds(1)));
    GatewayConnection c = core.newConnection(r, 1);
    for (int i = 0; i < 4; i++) {
      message(c, "{\"op\":1,\"d\":null}");
    }
    assertThat(r.delays).containsExactly(10 * MS, 30 * MS, 10 * MS);
    assertThat(r.delayed).containsOnly("{\"op\":11}");
    assertThat(r.sent).containsExactly("{\"op\":11}");
  }

  @Test
  void heartbeatDMustBeNullOrAnInteger() {
    for (String d : new String[] {"\"1\"", "1.0", "true", "{}", "[]"}) {
      Recorder r = new Recorder();
      GatewayConnection c = core(settings()).newConnection(r, 1);
      message(c, "{\"op\":1,\"d\":" + d + "}");
      assertThat(r.closed).as(d).isEqualTo(new CloseTable.Close(4007, "Invalid Sequence"));
    }
    Recorder r = new Recorder();
    GatewayConnection c = core(settings()).newConnection(r, 1);
    message(c, "{\"op\":1}");
    message(c, "{\"op\":1,\"d\":123456789012345678901234567890}");
    assertThat(r.closed).isNull();
    assertThat(r.sent).hasSize(2);
  }

  @Test
  void decodeErrors() {
    for (String bad :
        new String[] {
          "",
          "{",
          "nope",
          "[]",
          "42",
          "\"op\"",
          "{\"d\":1}",
          "{\"op\":\"1\"}",
          "{\"op\":1.0}",
          "{\"op\":1,\"op\":1}",
          "{\"op\":1} {\"op\":1}"
        }) {
      Recorder r = new Recorder();
      GatewayConnection c = core(settings()).newConnection(r, 1);
      message(c, bad);
      assertThat(r.closed).as(bad).isEqualTo(new CloseTable.Close(4002, "Decode Error"));
    }
  }

  @Test
  void theSizeLimitIsConfigurable() {
    Recorder r = new Recorder();
    GatewayConnection c = core(settings().maxPayloadBytes(20)).newConnection(r, 1);
    message(c, "{\"op\":1,\"d\":null}   "); // 20 bytes
    assertThat(r.closed).isNull();
    message(c, "{\"op\":1,\"d\":null}    "); // 21 bytes
    assertThat(r.closed).isEqualTo(new CloseTable.Close(4002, "Decode Error"));
  }

  @Test
  void opcodesBeforeAndAfterIdentify() {
    // before: restricted and unknown are 4003
    for (int op : new int[] {3, 4, 8, 14, 13, 42, -1}) {
      Recorder r = new Recorder();
      message(core(settings()).newConnection(r, 1), "{\"op\":" + op + ",\"d\":{}}");
      assertThat(r.closed)
          .as("op %d", op)
          .isEqualTo(new CloseTable.Close(4003, "Not Authenticated"));
    }
    // after: known client opcodes pass, unknown (and the seed's skipped 13) are 4001
    Recorder r = new Recorder();
    GatewayConnection c = ready(core(settings()), r);
    for (int op : new int[] {3, 4, 5, 8, 14}) {
      message(c, "{\"op\":" + op + ",\"d\":{}}");
    }
    assertThat(r.closed).isNull();
    message(c, "{\"op\":13,\"d\":{}}");
    assertThat(r.closed).isEqualTo(new CloseTable.Close(4001, "Unknown Opcode"));
    // server opcodes sent by a client are unknown too
    Recorder r2 = new Recorder();
    GatewayConnection c2 = ready(core(settings()), r2);
    message(c2, "{\"op\":10,\"d\":{}}");
    assertThat(r2.closed).isEqualTo(new CloseTable.Close(4001, "Unknown Opcode"));
  }

  @Test
  void currentProfileKnowsOpcodes15And16And28() {
    Recorder r = new Recorder();
    GatewayConnection c = ready(core(settings().profile("fluxer-current")), r);
    message(c, "{\"op\":15,\"d\":{}}");
    message(c, "{\"op\":28,\"d\":{}}");
    assertThat(r.closed).isNull();
    message(c, "{\"op\":17,\"d\":{}}");
    assertThat(r.closed).isEqualTo(new CloseTable.Close(4001, "Unknown Opcode"));
  }

  @Test
  void identifyChecks() {
    record Case(String payload, int code, String reason) {}
    List<Case> cases =
        List.of(
            new Case("{\"op\":2}", 4002, "Decode Error"),
            new Case("{\"op\":2,\"d\":{\"token\":5}}", 4002, "Decode Error"),
            new Case("{\"op\":2,\"d\":{\"token\":\"nope\"}}", 4004, "Authentication Failed"),
            new Case("{\"op\":2,\"d\":{\"token\":\"\"}}", 4004, "Authentication Failed"),
            new Case(
                "{\"op\":2,\"d\":{\"token\":\"valid-x\",\"shard\":[0]}}", 4010, "Invalid Shard"),
            new Case(
                "{\"op\":2,\"d\":{\"token\":\"valid-x\",\"shard\":[-1,2]}}", 4010, "Invalid Shard"),
            new Case(
                "{\"op\":2,\"d\":{\"token\":\"valid-x\",\"shard\":[0,0]}}", 4010, "Invalid Shard"),
            new Case(
                "{\"op\":2,\"d\":{\"token\":\"valid-x\",\"shard\":\"0,1\"}}",
                4010,
                "Invalid Shard"),
            new Case("{\"op\":2,\"d\":{\"token\":\"valid-many\"}}", 4011, "Sharding Required"),
            new Case(
                "{\"op\":2,\"d\":{\"token\":\"valid-many\",\"shard\":[0,2]}}",
                4011,
                "Sharding Required"));
    for (Case k : cases) {
      Recorder r = new Recorder();
      GatewayCore core = core(settings().guildsFor("valid-many", 5001));
      message(core.newConnection(r, 1), k.payload);
      assertThat(r.closed).as(k.payload).isEqualTo(new CloseTable.Close(k.code, k.reason));
    }
    // 5001 guilds over 3 shards: 1667 each, fine; shard [1,2] owns 2500: fine
    Recorder r = new Recorder();
    GatewayCore core = core(settings().guildsFor("valid-many", 5001));
    message(
        core.newConnection(r, 1), "{\"op\":2,\"d\":{\"token\":\"valid-many\",\"shard\":[1,2]}}");
    assertThat(r.closed).isNull();
    assertThat(r.last()).contains("\"shard\":[1,2]");
  }

  @Test
  void configuredTokensReplaceThePrefixRule() {
    GatewayCore core = core(settings().validToken("secret-1"));
    Recorder ok = new Recorder();
    message(core.newConnection(ok, 1), WsClient.identifyPayload("secret-1"));
    assertThat(ok.closed).isNull();
    Recorder bad = new Recorder();
    message(core.newConnection(bad, 2), WsClient.identifyPayload("valid-x"));
    assertThat(bad.closed).isEqualTo(new CloseTable.Close(4004, "Authentication Failed"));
  }

  @Test
  void tooManySessionsForOneTokenIs4008() {
    GatewayCore core = core(settings().maxSessionsPerToken(2));
    ready(core, new Recorder());
    ready(core, new Recorder());
    Recorder r = new Recorder();
    message(core.newConnection(r, 3), WsClient.identifyPayload("valid-x"));
    assertThat(r.closed).isEqualTo(new CloseTable.Close(4008, "Rate Limited"));
  }

  @Test
  void rateLimitCountsEveryPayload() {
    Recorder r = new Recorder();
    GatewayConnection c = core(settings().rateLimit(3, Duration.ofSeconds(60))).newConnection(r, 1);
    message(c, "{\"op\":1}");
    message(c, "not even json");
    assertThat(r.closed).isEqualTo(new CloseTable.Close(4002, "Decode Error"));
    Recorder r2 = new Recorder();
    GatewayConnection c2 =
        core(settings().rateLimit(3, Duration.ofSeconds(60))).newConnection(r2, 1);
    for (int i = 0; i < 3; i++) {
      message(c2, "{\"op\":1}");
      now.addAndGet(19_999 * MS);
    }
    message(c2, "{\"op\":1}"); // 59.997 s after the first
    assertThat(r2.closed).isEqualTo(new CloseTable.Close(4008, "Rate limited"));
  }

  @Test
  void congestionClosesAfterTheGraceWith4013() {
    Recorder r = new Recorder();
    GatewayCore core = core(settings().backpressureGrace(Duration.ofSeconds(10)));
    GatewayConnection c = ready(core, r);
    long start = now.get();
    r.congested = true;
    c.onHeartbeatCheck();
    now.set(start + 9_999 * MS);
    c.onHeartbeatCheck();
    assertThat(r.closed).isNull();
    r.congested = false; // it recovered: the clock restarts
    c.onHeartbeatCheck();
    r.congested = true;
    c.onHeartbeatCheck();
    now.set(start + 19_998 * MS);
    c.onDispatchTick();
    assertThat(r.closed).isNull();
    now.set(start + 19_999 * MS);
    c.onDispatchTick();
    assertThat(r.closed).isEqualTo(new CloseTable.Close(4013, "Acknowledgement Backpressure"));
  }

  @Test
  void congestionInTheCurrentProfileIs4000() {
    Recorder r = new Recorder();
    GatewayCore core = core(settings().profile("fluxer-current").backpressureGrace(Duration.ZERO));
    GatewayConnection c = ready(core, r);
    r.congested = true;
    c.onHeartbeatCheck();
    assertThat(r.closed).isEqualTo(new CloseTable.Close(4000, "Unknown Error"));
  }

  @Test
  void drainAndDrop() {
    Recorder r = new Recorder();
    GatewayConnection c = ready(core(settings()), r);
    c.drain();
    assertThat(r.last()).isEqualTo("{\"op\":7}");
    assertThat(r.closed)
        .isEqualTo(new CloseTable.Close(4000, "Session drain requested; reconnect to continue"));
    Recorder r2 = new Recorder();
    GatewayConnection c2 = ready(core(settings()), r2);
    c2.drop();
    assertThat(r2.aborted).isTrue();
    assertThat(r2.closed).isNull();
  }

  @Test
  void randomDropsAreSeeded() {
    int dropped = 0;
    GatewayCore core = core(settings().dropProbability(0.5).seed(42));
    List<Boolean> first = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Recorder r = new Recorder();
      GatewayConnection c = core.newConnection(r, i);
      c.onIntervalTick();
      first.add(r.aborted);
      dropped += r.aborted ? 1 : 0;
    }
    List<Boolean> again = new ArrayList<>();
    GatewayCore same = core(settings().dropProbability(0.5).seed(42));
    for (int i = 0; i < 20; i++) {
      Recorder r = new Recorder();
      same.newConnection(r, i).onIntervalTick();
      again.add(r.aborted);
    }
    assertThat(again).isEqualTo(first);
    assertThat(dropped).isBetween(1, 19);
  }

  @Test
  void afterTheCloseNothingMoreIsHandled() {
    Recorder r = new Recorder();
    GatewayConnection c = ready(core(settings()), r);
    message(c, "{\"op\":99}");
    int sent = r.sent.size();
    message(c, "{\"op\":1}");
    c.onHeartbeatCheck();
    assertThat(c.dispatch(3)).isZero();
    assertThat(r.sent).hasSize(sent);
    assertThat(c.ended()).isTrue();
  }

  @Test
  void theSessionOutlivesTheSocketUnlessTheCodeIsNonResumable() {
    GatewayCore core = core(settings());
    Recorder r = new Recorder();
    GatewayConnection c = ready(core, r);
    String id = c.session().id();
    c.drain();
    c.socketEnded();
    assertThat(core.sessions().find(id)).isPresent();

    Recorder r2 = new Recorder();
    GatewayConnection c2 = ready(core, r2);
    String id2 = c2.session().id();
    message(c2, "{\"op\":1,\"d\":\"x\"}"); // 4007: resumable false in fluxer-seed
    c2.socketEnded();
    assertThat(core.sessions().find(id2)).isEmpty();
  }
}
