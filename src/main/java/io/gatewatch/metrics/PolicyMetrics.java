package io.gatewatch.metrics;

import io.gatewatch.metrics.Metric.Label;
import io.gatewatch.track.PolicyRule;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** One tap's {@code gateway_policy_violations_total}, by rule. */
final class PolicyMetrics extends TapBinder {
  private Counter[] violations;

  PolicyMetrics(Source source, String gateway) {
    super(source, gateway);
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    violations = counters(registry, Metric.POLICY_VIOLATIONS, Label.RULE);
  }

  void violation(PolicyRule rule) {
    violations[rule.ordinal()].increment();
  }
}
