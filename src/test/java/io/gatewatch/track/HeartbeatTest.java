package io.gatewatch.track;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.protocol.Direction;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Heartbeat round trips exact to the scripted timestamps, both kinds, and missed heartbeats. */
class HeartbeatTest {

  @Test
  void clientRoundTripIsHeartbeatToAck() {
    Script s =
        new Script()
            .session("c", "tok", "s1", 0)
            .at(10_000)
            .client("c", Script.heartbeat(1L))
            .at(10_042.5)
            .server("c", Script.ack())
            .at(20_000)
            .client("c", Script.heartbeat(1L))
            .at(20_007)
            .server("c", Script.ack());

    assertThat(s.tally.rtts(RttKind.CLIENT)).containsExactly(7_000_000L, 42_500_000L);
    assertThat(s.timerCount("gateway.heartbeat.rtt", "kind", "client")).isEqualTo(2);
    assertThat(s.timerTotalMs("gateway.heartbeat.rtt", "kind", "client")).isEqualTo(49.5);
    assertThat(s.tally.rtts(RttKind.SERVER_REQUEST)).isEmpty();
    assertThat(s.count("gateway.heartbeat.missed")).isZero();
    s.assertNoViolations();
  }

  /** A tap that hands events out of order: the ACK still answers, but no round trip is negative. */
  @Test
  void anAckStampedBeforeItsHeartbeatAnswersItButMeasuresNothing() {
    Script s =
        new Script().session("c", "tok", "s1", 0).at(10_000).client("c", Script.heartbeat(1L));
    Connection c = s.tracker.connection("c");
    byte[] ack = Script.ack().getBytes(StandardCharsets.UTF_8);
    c.frame(c.lastEventNanos() - 100_000_000L, Direction.SERVER, ack, 0, ack.length);
    s.at(20_000).client("c", Script.heartbeat(1L)).at(20_010).server("c", Script.ack());

    assertThat(s.tally.rtts(RttKind.CLIENT)).containsExactly(10_000_000L);
    assertThat(s.timerCount("gateway.heartbeat.rtt", "kind", "client")).isEqualTo(1);
    assertThat(s.count("gateway.heartbeat.missed")).isZero();
  }

  @Test
  void serverRequestRoundTripIsServerOp1ToClientOp1() {
    Script s =
        new Script()
            .session("c", "tok", "s1", 0)
            .at(37_125)
            .server("c", Script.heartbeatRequest())
            .at(37_180)
            .client("c", Script.heartbeat(1L))
            .at(37_200)
            .server("c", Script.ack());

    assertThat(s.tally.rtts(RttKind.SERVER_REQUEST)).containsExactly(55_000_000L);
    assertThat(s.tally.rtts(RttKind.CLIENT)).containsExactly(20_000_000L);
    assertThat(s.series("gateway_heartbeat_rtt_seconds_count"))
        .containsExactly(
            "gateway_heartbeat_rtt_seconds_count{gateway=\"test\",kind=\"client\",source=\"replay\"} 1",
            "gateway_heartbeat_rtt_seconds_count{gateway=\"test\",kind=\"server_request\",source=\"replay\"} 1");
  }

  @Test
  void aRoundTripLandsInItsBucket() {
    Script s =
        new Script()
            .session("c", "tok", "s1", 0)
            .at(1000)
            .client("c", Script.heartbeat(null))
            .at(1060)
            .server("c", Script.ack());

    assertThat(s.series("gateway_heartbeat_rtt_seconds_bucket"))
        .contains(
            "gateway_heartbeat_rtt_seconds_bucket{gateway=\"test\",kind=\"client\",source=\"replay\",le=\"0.05\"} 0",
            "gateway_heartbeat_rtt_seconds_bucket{gateway=\"test\",kind=\"client\",source=\"replay\",le=\"0.075\"} 1");
  }

  @Test
  void aHeartbeatWithoutAckBeforeTheNextIsMissed() {
    Script s =
        new Script()
            .session("c", "tok", "s1", 0)
            .at(10_000)
            .client("c", Script.heartbeat(1L))
            .at(20_000)
            .client("c", Script.heartbeat(1L))
            .at(20_010)
            .server("c", Script.ack());

    assertThat(s.count("gateway.heartbeat.missed")).isEqualTo(1);
    assertThat(s.tally.rtts(RttKind.CLIENT)).containsExactly(10_000_000L);
  }

  /**
   * A client that answers the server's request and whose own timer fires before the first ACK is
   * back (as @discordjs/ws does) has two heartbeats in flight; the gateway ACKs them in order.
   */
  @Test
  void anAnswerAndARegularBeatInFlightTogetherAreBothMeasured() {
    Script s =
        new Script()
            .session("c", "tok", "s1", 0)
            .at(37_126)
            .server("c", Script.heartbeatRequest())
            .at(37_127)
            .client("c", Script.heartbeat(1L)) // the answer
            .at(37_129)
            .client("c", Script.heartbeat(1L)) // its own timer, before the answer's ACK
            .at(37_177)
            .server("c", Script.ack())
            .at(37_180)
            .server("c", Script.ack());

    assertThat(s.count("gateway.heartbeat.missed")).isZero();
    assertThat(s.tally.rtts(RttKind.CLIENT)).containsExactly(50_000_000L, 51_000_000L);
    assertThat(s.tally.rtts(RttKind.SERVER_REQUEST)).containsExactly(1_000_000L);
  }

  /** The server asked before it read the client's beat; the client answers anyway. */
  @Test
  void aRequestCrossingABeatAndItsAnswerAreAllMeasured() {
    Script s =
        new Script()
            .session("c", "tok", "s1", 0)
            .at(40_000)
            .client("c", Script.heartbeat(1L))
            .at(40_002)
            .server("c", Script.heartbeatRequest())
            .at(40_004)
            .client("c", Script.heartbeat(1L)) // answers the request; the first ACK is still out
            .at(40_030)
            .server("c", Script.ack())
            .at(40_034)
            .server("c", Script.ack());

    assertThat(s.count("gateway.heartbeat.missed")).isZero();
    assertThat(s.tally.rtts(RttKind.CLIENT)).containsExactly(30_000_000L, 30_000_000L);
    assertThat(s.tally.rtts(RttKind.SERVER_REQUEST)).isEmpty();
    s.assertNoViolations();
  }

  @Test
  void twoBeatsInFlightThatAreNeverAcknowledgedAreBothMissed() {
    Script s =
        new Script()
            .session("c", "tok", "s1", 0)
            .at(37_126)
            .server("c", Script.heartbeatRequest())
            .at(37_127)
            .client("c", Script.heartbeat(1L))
            .at(37_129)
            .client("c", Script.heartbeat(1L))
            .at(70_000)
            .client("c", Script.heartbeat(1L)) // an interval later, still no ACK: both missed
            .at(70_040)
            .server("c", Script.ack());

    assertThat(s.count("gateway.heartbeat.missed")).isEqualTo(2);
    assertThat(s.tally.rtts(RttKind.CLIENT)).containsExactly(40_000_000L);
  }

  @Test
  void aHeartbeatWithoutAckBeforeTheCloseIsMissed() {
    Script s =
        new Script()
            .session("c", "tok", "s1", 0)
            .at(10_000)
            .client("c", Script.heartbeat(1L))
            .at(11_000)
            .drop("c");

    assertThat(s.count("gateway.heartbeat.missed")).isEqualTo(1);
    assertThat(s.tally.rtts(RttKind.CLIENT)).isEmpty();
  }

  @Test
  void anAckWithoutHeartbeatMeasuresNothing() {
    Script s = new Script().session("c", "tok", "s1", 0).at(100).server("c", Script.ack());

    assertThat(s.tally.rtts(RttKind.CLIENT)).isEmpty();
    assertThat(s.count("gateway.heartbeat.missed")).isZero();
  }

  @Test
  void framesAreCountedByDirectionAndOpcodeName() {
    Script s =
        new Script()
            .session("c", "tok", "s1", 0)
            .at(100)
            .client("c", Script.heartbeat(1L))
            .server("c", Script.ack())
            .server("c", "\"{not json\"")
            .client("c", "{\"op\":99}");

    assertThat(s.count("gateway.frames", "from", "server", "op", "hello")).isEqualTo(1);
    assertThat(s.count("gateway.frames", "from", "server", "op", "dispatch")).isEqualTo(1);
    assertThat(s.count("gateway.frames", "from", "server", "op", "heartbeat_ack")).isEqualTo(1);
    assertThat(s.count("gateway.frames", "from", "server", "op", "other")).isEqualTo(1);
    assertThat(s.count("gateway.frames", "from", "client", "op", "identify")).isEqualTo(1);
    assertThat(s.count("gateway.frames", "from", "client", "op", "heartbeat")).isEqualTo(1);
    assertThat(s.count("gateway.frames", "from", "client", "op", "other")).isEqualTo(1);
    assertThat(s.count("gatewatch.decode.errors", "source", "replay")).isEqualTo(1);
  }
}
