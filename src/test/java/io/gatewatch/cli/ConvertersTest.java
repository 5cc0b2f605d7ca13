package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.config.Durations;
import io.gatewatch.config.HostPort;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What the commands write back into the configuration their flags stand for reads the same. */
class ConvertersTest {
  @Test
  void aDurationIsShownInItsLargestWholeUnitAndReadsBackTheSame() {
    for (String text : new String[] {"0", "1500ms", "2s", "90s", "10m", "2h", "61m"}) {
      Duration d = Durations.parse(text);
      assertThat(Durations.parse(Converters.show(d))).as(text).isEqualTo(d);
    }
    assertThat(Converters.show(Duration.ofSeconds(120))).isEqualTo("2m");
    assertThat(Converters.show(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(Converters.show(Duration.ZERO)).isEqualTo("0s");
  }

  @Test
  void anAddressIsShownAsAFlagWritesIt() {
    assertThat(Converters.show(HostPort.parse("127.0.0.1:9470"))).isEqualTo("127.0.0.1:9470");
    assertThat(Converters.show(HostPort.parse("[::1]:9470"))).isEqualTo("[0:0:0:0:0:0:0:1]:9470");
    assertThat(HostPort.parse(Converters.show(HostPort.parse("[::1]:0"))))
        .isEqualTo(HostPort.parse("[::1]:0"));
  }
}
