package io.gatewatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RecordBuilderTest {
  record Limits(String name, int count, long bytes, double share, boolean on, Duration every) {
    Limits {
      if (count < 0) {
        throw new IllegalArgumentException("count: must not be negative");
      }
    }
  }

  @Test
  void unsetComponentsAreNullOrZeroAndTheConstructorChecksTheRest() {
    Limits empty = RecordBuilder.of(Limits.class).build();
    assertThat(empty).isEqualTo(new Limits(null, 0, 0, 0, false, null));

    Limits set =
        RecordBuilder.of(Limits.class)
            .set("name", "a")
            .set("count", 3)
            .set("bytes", 4L)
            .set("every", Duration.ofSeconds(1))
            .build();
    assertThat(set).isEqualTo(new Limits("a", 3, 4, 0, false, Duration.ofSeconds(1)));

    assertThatThrownBy(() -> RecordBuilder.of(Limits.class).set("count", -1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("count: must not be negative");
  }

  @Test
  void aCopyWithOneValueChanged() {
    Limits original = new Limits("a", 1, 2, 0.5, true, Duration.ZERO);
    RecordBuilder<Limits> builder = RecordBuilder.from(original);
    RecordBuilder<Limits> copy = builder.copy().set("count", 7);
    assertThat(copy.build()).isEqualTo(new Limits("a", 7, 2, 0.5, true, Duration.ZERO));
    assertThat(builder.build()).isEqualTo(original);
    assertThat(builder.<String>get("name")).isEqualTo("a");
  }

  @Test
  void anUnknownComponentFailsAtOnce() {
    assertThatThrownBy(() -> RecordBuilder.of(Limits.class).set("cuont", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Limits has no component cuont");
  }
}
