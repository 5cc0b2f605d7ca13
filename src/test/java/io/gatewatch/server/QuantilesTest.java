package io.gatewatch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Bucket percentiles follow Prometheus' histogram_quantile exactly. */
class QuantilesTest {
  private static final double INF = Double.POSITIVE_INFINITY;
  private static final double[] BOUNDS = {0.1, 0.5, 1, INF};

  @Test
  void interpolatesLinearlyInsideTheBucketHoldingTheRank() {
    long[] cumulative = {0, 4, 10, 10}; // 4 in (0.1, 0.5], 6 in (0.5, 1]
    // rank 5 of 10: the 1st of 6 in (0.5, 1] -> 0.5 + 0.5 * 1/6
    assertThat(Quantiles.estimate(BOUNDS, cumulative, 0.5)).isCloseTo(0.5 + 0.5 / 6, within(1e-12));
    // rank 2: half way through (0.1, 0.5]
    assertThat(Quantiles.estimate(BOUNDS, cumulative, 0.2)).isCloseTo(0.3, within(1e-12));
    assertThat(Quantiles.estimate(BOUNDS, cumulative, 1.0)).isEqualTo(1.0);
  }

  @Test
  void theFirstBucketStartsAtZero() {
    assertThat(Quantiles.estimate(BOUNDS, new long[] {4, 4, 4, 4}, 0.5)).isEqualTo(0.05);
  }

  @Test
  void aRankInTheInfBucketAnswersTheHighestFiniteBound() {
    assertThat(Quantiles.estimate(BOUNDS, new long[] {0, 0, 1, 10}, 0.99)).isEqualTo(1.0);
  }

  @Test
  void anEmptyHistogramHasNoPercentile() {
    assertThat(Quantiles.estimate(BOUNDS, new long[] {0, 0, 0, 0}, 0.5)).isNull();
    assertThat(Quantiles.estimate(new double[0], new long[0], 0.5)).isNull();
  }
}
