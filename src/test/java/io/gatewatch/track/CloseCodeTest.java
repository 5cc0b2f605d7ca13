package io.gatewatch.track;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One scripted capture per close code of the seed table: the exact gateway_close_total series. */
class CloseCodeTest {

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "4000, unknown_error, true",
    "4001, unknown_opcode, true",
    "4002, decode_error, true",
    "4003, not_authenticated, true",
    "4004, authentication_failed, false",
    "4005, already_authenticated, true",
    "4007, invalid_sequence, false",
    "4008, rate_limited, false",
    "4009, session_timeout, true",
    "4010, invalid_shard, false",
    "4011, sharding_required, false",
    "4012, invalid_api_version, false",
    "4013, acknowledgement_backpressure, false",
  })
  void everySeedCodeIsCountedWithItsNameAndResumability(int code, String name, String resumable) {
    Script s = new Script().session("c1", "tok", "s1", 0).at(1000).close("c1", code, "server");

    assertThat(s.series("gateway_close_total"))
        .containsExactly(
            "gateway_close_total{code=\""
                + code
                + "\",gateway=\"test\",initiator=\"server\",name=\""
                + name
                + "\",resumable=\""
                + resumable
                + "\",source=\"replay\"} 1.0");
  }

  @Test
  void initiatorSplitsTheSeries() {
    Script s =
        new Script()
            .session("a", "t1", "s1", 0)
            .at(100)
            .close("a", 4000, "server")
            .session("b", "t2", "s2", 200)
            .at(300)
            .close("b", 4000, "client");

    assertThat(s.series("gateway_close_total"))
        .containsExactly(
            "gateway_close_total{code=\"4000\",gateway=\"test\",initiator=\"client\",name=\"unknown_error\",resumable=\"true\",source=\"replay\"} 1.0",
            "gateway_close_total{code=\"4000\",gateway=\"test\",initiator=\"server\",name=\"unknown_error\",resumable=\"true\",source=\"replay\"} 1.0");
  }

  @Test
  void aDroppedConnectionIsRecordedAs1006WithInitiatorNone() {
    Script s = new Script().session("c1", "tok", "s1", 0).at(500).drop("c1");

    assertThat(s.series("gateway_close_total"))
        .containsExactly(
            "gateway_close_total{code=\"1006\",gateway=\"test\",initiator=\"none\",name=\"abnormal_closure\",resumable=\"true\",source=\"replay\"} 1.0");
  }

  @Test
  void codesOutsideTheProfileShareTheOtherSeries() {
    Script s =
        new Script()
            .at(0)
            .open("a")
            .at(1)
            .close("a", 4999, "server")
            .at(2)
            .open("b")
            .at(3)
            .close("b", 4006, "server");

    assertThat(s.series("gateway_close_total"))
        .containsExactly(
            "gateway_close_total{code=\"other\",gateway=\"test\",initiator=\"server\",name=\"other\",resumable=\"other\",source=\"replay\"} 2.0");
  }

  @Test
  void connectionGaugesFollowOpensAndCloses() {
    Script s =
        new Script().session("a", "t1", "s1", 0).session("b", "t2", "s2", 100).at(200).open("c");

    assertThat(s.series("gateway_connections_active"))
        .containsExactly("gateway_connections_active{gateway=\"test\",source=\"replay\"} 3.0");
    assertThat(s.series("gateway_sessions_active"))
        .containsExactly("gateway_sessions_active{gateway=\"test\",source=\"replay\"} 2.0");

    s.at(300).close("a", 4009, "server").at(310).close("c", 1000, "client");

    assertThat(s.series("gateway_connections_active"))
        .containsExactly("gateway_connections_active{gateway=\"test\",source=\"replay\"} 1.0");
    assertThat(s.series("gateway_sessions_active"))
        .containsExactly("gateway_sessions_active{gateway=\"test\",source=\"replay\"} 1.0");
    assertThat(s.series("gateway_connections_opened_total"))
        .containsExactly(
            "gateway_connections_opened_total{gateway=\"test\",source=\"replay\"} 3.0");
  }
}
