package io.gatewatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SizesTest {
  @Test
  void binaryUnits() {
    assertThat(Sizes.parse("x", "512B")).isEqualTo(512);
    assertThat(Sizes.parse("x", "1KiB")).isEqualTo(1024);
    assertThat(Sizes.parse("x", "100MiB")).isEqualTo(104_857_600);
    assertThat(Sizes.parse("x", " 1GiB ")).isEqualTo(1_073_741_824);
    assertThat(Sizes.parse("x", "2 TiB")).isEqualTo(2_199_023_255_552L);
    assertThat(Sizes.parse("x", "8388607TiB")).isEqualTo(Long.MAX_VALUE >> 40 << 40);
    assertThat(Sizes.parse("x", "0")).isZero(); // zero is zero in every unit
  }

  @ParameterizedTest
  @ValueSource(strings = {"100MB", "1.5GiB", "-1MiB", "MiB", "1 mib", "1GB", ""})
  void notASize(String text) {
    assertThatThrownBy(() -> Sizes.parse("capture_max_size", text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "capture_max_size: expected a size such as 512KiB, 100MiB or 1GiB, got \""
                + text
                + "\"");
  }

  @Test
  void aNumberWithoutAUnitNamesTheUnits() {
    assertThatThrownBy(() -> Sizes.parse("--capture-max-size", "100"))
        .hasMessage(
            "--capture-max-size: \"100\" has no unit; add one, e.g. 100MiB (units: B, KiB, MiB,"
                + " GiB, TiB)");
  }

  @Test
  void tooLargeForALong() {
    assertThatThrownBy(() -> Sizes.parse("x", "8388608TiB"))
        .hasMessage("x: \"8388608TiB\" is too large");
  }

  @Test
  void formatsInTheLargestExactUnit() {
    assertThat(Sizes.format(100L << 20)).isEqualTo("100MiB");
    assertThat(Sizes.format(1200L << 20)).isEqualTo("1200MiB");
    assertThat(Sizes.format(1536)).isEqualTo("1536B");
    assertThat(Sizes.format(3L << 30)).isEqualTo("3GiB");
    assertThat(Sizes.format(0)).isEqualTo("0B");
  }

  @Test
  void aConfigNodeReadsASize() {
    ConfigNode n = ConfigNode.parse("a.yaml", "size: 64KiB\nbad: 64kb\n");
    assertThat(n.get("size").size()).isEqualTo(65_536);
    assertThatThrownBy(() -> n.get("bad").size())
        .hasMessage(
            "a.yaml: bad (line 2): expected a size such as 512KiB, 100MiB or 1GiB, got \"64kb\"");
  }
}
