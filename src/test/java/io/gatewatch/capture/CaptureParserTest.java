package io.gatewatch.capture;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.report.Tally;
import io.gatewatch.track.ConnectionTracker;
import io.gatewatch.track.TrackerSettings;
import org.junit.jupiter.api.Test;

/** The capture lines of frames gatewatch relayed without reading them. */
class CaptureParserTest {
  static final CaptureParser PARSER = new CaptureParser();

  static CaptureEvent parse(String line) throws CaptureFormatException {
    return PARSER.parse(line.getBytes(UTF_8));
  }

  @Test
  void anUnreadFrameHasItsDirectionSizeAndReasonOnly() throws Exception {
    CaptureEvent e =
        parse(
            "{\"ts\":1,\"conn\":\"c\",\"type\":\"frame\",\"from\":\"server\",\"size\":300,"
                + "\"unread\":\"undecodable\"}");
    assertThat(e.type()).isEqualTo(CaptureEvent.Type.FRAME);
    assertThat(e.from()).isEqualTo(Direction.SERVER);
    assertThat(e.size()).isEqualTo(300);
    assertThat(e.unread()).isEqualTo(CaptureEvent.Unread.UNDECODABLE);
    assertThat(e.payload()).isNull();
    assertThat(
            parse(
                    "{\"ts\":1,\"conn\":\"c\",\"type\":\"frame\",\"from\":\"client\",\"size\":0,"
                        + "\"unread\":\"unobserved\"}")
                .unread())
        .isEqualTo(CaptureEvent.Unread.UNOBSERVED);
    assertThat(
            parse("{\"ts\":1,\"conn\":\"c\",\"type\":\"frame\",\"from\":\"client\",\"frame\":{}}")
                .unread())
        .isNull();
  }

  @Test
  void anUnreadFrameMustSayWhyAndHowLargeAndHoldNoPayload() {
    String head = "{\"ts\":1,\"conn\":\"c\",\"type\":\"frame\",\"from\":\"server\",";
    assertThatThrownBy(() -> parse(head + "\"size\":3,\"unread\":\"lost\"}"))
        .hasMessage("unread: expected undecodable or unobserved");
    assertThatThrownBy(() -> parse(head + "\"unread\":\"undecodable\"}"))
        .hasMessage("size: required with unread");
    assertThatThrownBy(() -> parse(head + "\"size\":3,\"unread\":\"undecodable\",\"frame\":\"x\"}"))
        .hasMessage("frame: not allowed with unread");
    assertThatThrownBy(() -> parse(head + "\"size\":3,\"unread\":1}"))
        .hasMessage("unread: expected a string");
  }

  @Test
  void replayCountsAnUnreadFrameAsTheLiveTapDid() throws Exception {
    Tally tally = new Tally();
    ConnectionTracker tracker =
        new ConnectionTracker(
            ProfileLoader.load("fluxer-seed"),
            TrackerSettings.DEFAULTS,
            new io.gatewatch.protocol.FrameScanner(TokenFingerprinter.withRandomSalt()),
            tally);
    CaptureTap tap = new CaptureTap(tracker);
    String head = "{\"ts\":1,\"conn\":\"c\",\"type\":\"frame\",\"from\":\"server\",\"size\":300,";
    tap.accept(parse(head + "\"unread\":\"undecodable\"}"));
    tap.accept(parse(head + "\"unread\":\"unobserved\"}"));
    assertThat(tally.frames()).isEqualTo(2);
    assertThat(tally.decodeErrors()).isEqualTo(1);
  }
}
