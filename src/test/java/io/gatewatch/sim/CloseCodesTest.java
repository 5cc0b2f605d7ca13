package io.gatewatch.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One scripted client per close code, over real WebSockets: each test asserts the exact code and
 * reason the client sees (fluxer-seed profile).
 */
class CloseCodesTest extends SimTestSupport {
  static GatewaySimulator shared;

  @BeforeAll
  static void startShared() throws Exception {
    shared =
        new GatewaySimulator(
                base()
                    .guildsFor("valid-huge", 2501)
                    .guildsFor("valid-big", 5000)
                    .rejectedOpcodes(java.util.Set.of(13))
                    .build())
            .start();
  }

  @AfterAll
  static void stopShared() {
    shared.close();
  }

  private WsClient hello() {
    WsClient c = connect(shared.url());
    c.expect(10);
    return c;
  }

  private WsClient ready(String token) {
    WsClient c = connect(shared.url());
    c.identify(token);
    return c;
  }

  @Test
  void helloCarriesTheIntervalWithDFirst() {
    WsClient c = connect(shared.url());
    WsClient.Frame hello = c.next();
    assertThat(hello.text()).isEqualTo("{\"d\":{\"heartbeat_interval\":41250},\"op\":10}");
    assertThat(hello.binary()).isFalse();
  }

  @Test
  void readyIsSequenceOneWithSortedKeysAndADecoySessionIdFirst() {
    WsClient c = connect(shared.url());
    c.expect(10);
    c.send(WsClient.identifyPayload("valid-alice"));
    WsClient.Frame ready = c.next();
    String text = ready.text();
    assertThat(text).startsWith("{\"d\":{\"guilds\":[");
    assertThat(text).endsWith(",\"op\":0,\"s\":1,\"t\":\"READY\"}");
    JsonNode d = ready.json().get("d");
    String sessionId = d.get("session_id").asText();
    assertThat(sessionId).matches("[0-9a-f]{32}");
    String decoy = d.get("guilds").get(0).get("voice_states").get(0).get("session_id").asText();
    assertThat(decoy).isNotEqualTo(sessionId);
    assertThat(text.indexOf("\"session_id\""))
        .isLessThan(text.indexOf("\"session_id\":\"" + sessionId));
    assertThat(d.get("guilds")).hasSize(3);
    assertThat(d.get("user").get("username").asText()).startsWith("sim-");
  }

  @Test
  void unknownOpcodeWithASessionIs4001() {
    WsClient c = ready("valid-a");
    c.send("{\"op\":13,\"d\":null}");
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4001, "Unknown Opcode"));
  }

  @Test
  void opcodeAboveTheRegistryWithASessionIs4001() {
    WsClient c = ready("valid-a");
    c.send("{\"op\":99,\"d\":null}");
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4001, "Unknown Opcode"));
  }

  @Test
  void invalidJsonIs4002() {
    WsClient c = hello();
    c.send("{\"op\":1,");
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4002, "Decode Error"));
  }

  @Test
  void payloadOver4096BytesIs4002() {
    WsClient c = hello();
    String pad = "x".repeat(4097 - "{\"op\":1,\"d\":null,\"p\":\"\"}".length());
    String payload = "{\"op\":1,\"d\":null,\"p\":\"" + pad + "\"}";
    assertThat(payload.length()).isEqualTo(4097);
    c.send(payload);
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4002, "Decode Error"));
  }

  @Test
  void payloadOfExactly4096BytesIsAccepted() {
    WsClient c = hello();
    String pad = "x".repeat(4096 - "{\"op\":1,\"d\":null,\"p\":\"\"}".length());
    c.send("{\"op\":1,\"d\":null,\"p\":\"" + pad + "\"}");
    assertThat(c.next().text()).isEqualTo("{\"op\":11}");
  }

  @Test
  void payloadWithoutOpIs4002() {
    WsClient c = hello();
    c.send("{\"d\":null}");
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4002, "Decode Error"));
  }

  @Test
  void nonObjectPayloadIs4002() {
    WsClient c = hello();
    c.send("[1,2,3]");
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4002, "Decode Error"));
  }

  @Test
  void restrictedOpcodeBeforeIdentifyIs4003() {
    WsClient c = hello();
    c.send("{\"op\":3,\"d\":{\"status\":\"online\"}}");
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4003, "Not Authenticated"));
  }

  @Test
  void unknownOpcodeWithoutASessionIs4003() {
    WsClient c = hello();
    c.send("{\"op\":99,\"d\":null}");
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4003, "Not Authenticated"));
  }

  @Test
  void invalidTokenIs4004() {
    WsClient c = hello();
    c.send(WsClient.identifyPayload("bad-token"));
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4004, "Authentication Failed"));
  }

  @Test
  void secondIdentifyIs4005() {
    WsClient c = ready("valid-a");
    c.send(WsClient.identifyPayload("valid-a"));
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4005, "Already Authenticated"));
  }

  @Test
  void heartbeatWithAStringIs4007() {
    WsClient c = hello();
    c.send("{\"op\":1,\"d\":\"5\"}");
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4007, "Invalid Sequence"));
  }

  @Test
  void heartbeatWithAFractionIs4007() {
    WsClient c = ready("valid-a");
    c.send("{\"op\":1,\"d\":1.5}");
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4007, "Invalid Sequence"));
  }

  @Test
  void heartbeatsWithNullOrAnIntegerAreAcknowledged() {
    WsClient c = ready("valid-a");
    c.send("{\"op\":1,\"d\":null}");
    assertThat(c.next().text()).isEqualTo("{\"op\":11}");
    c.send("{\"op\":1,\"d\":1}");
    assertThat(c.next().text()).isEqualTo("{\"op\":11}");
  }

  @Test
  void badShardIs4010() {
    WsClient c = hello();
    c.send("{\"op\":2,\"d\":{\"token\":\"valid-a\",\"properties\":{},\"shard\":[2,2]}}");
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4010, "Invalid Shard"));
  }

  @Test
  void shardOwningOver2500GuildsIs4011() {
    WsClient c = hello();
    c.send(WsClient.identifyPayload("valid-huge"));
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4011, "Sharding Required"));
  }

  @Test
  void shardingSpreadsTheGuilds() {
    // 5000 guilds over 2 shards: 2500 each, exactly the limit
    WsClient c = hello();
    c.send("{\"op\":2,\"d\":{\"token\":\"valid-big\",\"properties\":{},\"shard\":[1,2]}}");
    JsonNode ready = c.expectDispatch("READY");
    assertThat(ready.get("d").get("guilds")).hasSize(2500);
    assertThat(ready.get("d").get("shard").toString()).isEqualTo("[1,2]");
  }

  @Test
  void missingVersionIs4012BeforeHello() {
    String url = shared.url().replace("?v=1&", "?");
    WsClient c = connect(url);
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4012, "Invalid API Version"));
    assertThat(c.received()).isEmpty();
  }

  @Test
  void version2Is4012BeforeHello() {
    WsClient c = connect(shared.url().replace("v=1", "v=2"));
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4012, "Invalid API Version"));
    assertThat(c.received()).isEmpty();
  }

  @Test
  void rateLimitIs4008() {
    GatewaySimulator sim = start(base().rateLimit(5, Duration.ofSeconds(60)));
    WsClient c = connect(sim.url());
    c.expect(10);
    for (int i = 0; i < 5; i++) {
      c.send("{\"op\":1,\"d\":null}");
      assertThat(c.next().text()).isEqualTo("{\"op\":11}");
    }
    c.trySend("{\"op\":1,\"d\":null}");
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4008, "Rate limited"));
  }

  @Test
  void socketOverThePerIpLimitIs4008BeforeHello() {
    GatewaySimulator sim = start(base().maxSocketsPerIp(3));
    for (int i = 0; i < 3; i++) {
      connect(sim.url()).expect(10);
    }
    WsClient fourth = connect(sim.url());
    assertThat(fourth.awaitClose()).isEqualTo(new WsClient.Close(4008, "Too many connections"));
    assertThat(fourth.received()).isEmpty();
  }

  @Test
  void backpressureBurstIs4013() {
    GatewaySimulator sim = start(base().backpressureBurstEvents(50));
    WsClient c = connect(sim.url());
    c.identify("valid-a");
    assertThat(sim.backpressureBurst()).isEqualTo(1);
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4013, "Acknowledgement Backpressure"));
    assertThat(c.received()).hasSize(2 + 50);
  }

  @Test
  void backpressureWithoutA4013ProfileIs4000() {
    GatewaySimulator sim = start(base().profile("fluxer-current").backpressureBurstEvents(1));
    WsClient c = connect(sim.url());
    c.identify("valid-a");
    assertThat(sim.backpressureBurst()).isEqualTo(1);
    assertThat(c.awaitClose()).isEqualTo(new WsClient.Close(4000, "Unknown Error"));
  }

  @Test
  void drainIsOp7Then4000() {
    GatewaySimulator sim = start(base());
    WsClient c = connect(sim.url());
    c.identify("valid-a");
    assertThat(sim.drainAll()).isEqualTo(1);
    assertThat(c.next().text()).isEqualTo("{\"op\":7}");
    assertThat(c.awaitClose())
        .isEqualTo(new WsClient.Close(4000, "Session drain requested; reconnect to continue"));
  }

  @Test
  void dropEndsTheConnectionWithoutACloseFrame() {
    GatewaySimulator sim = start(base());
    WsClient c = connect(sim.url());
    c.identify("valid-a");
    assertThat(sim.dropAll()).isEqualTo(1);
    assertThat(c.awaitClose().code()).isEqualTo(1006);
  }
}
