package io.gatewatch.server;

/**
 * Percentiles estimated from histogram buckets the way Prometheus' {@code histogram_quantile} does,
 * so the status page and a Grafana panel over the same buckets show the same number: find the
 * bucket holding the rank, interpolate linearly inside it (from 0 for the first bucket); a rank in
 * the {@code +Inf} bucket answers the highest finite bound.
 */
final class Quantiles {
  private Quantiles() {}

  /**
   * @param upperBounds ascending bucket bounds, the last one {@code +Inf}
   * @param cumulative cumulative counts per bucket (the last one is the total)
   * @param q the quantile, 0 to 1
   * @return the estimate in the bounds' unit, or null when the histogram is empty
   */
  static Double estimate(double[] upperBounds, long[] cumulative, double q) {
    int n = upperBounds.length;
    if (n == 0 || cumulative[n - 1] <= 0) {
      return null;
    }
    double rank = q * cumulative[n - 1];
    int i = 0;
    while (i < n - 1 && cumulative[i] < rank) {
      i++;
    }
    if (Double.isInfinite(upperBounds[i])) {
      return n >= 2 ? upperBounds[n - 2] : null;
    }
    double lower = i == 0 ? 0 : upperBounds[i - 1];
    long below = i == 0 ? 0 : cumulative[i - 1];
    long inBucket = cumulative[i] - below;
    if (inBucket == 0) {
      return upperBounds[i];
    }
    return lower + (upperBounds[i] - lower) * ((rank - below) / inBucket);
  }
}
