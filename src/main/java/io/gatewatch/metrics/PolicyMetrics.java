package io.gatewatch.metrics;

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
    violations = new Counter[PolicyRule.values().length];
    for (PolicyRule rule : PolicyRule.values()) {
      violations[rule.ordinal()] =
          keep(
              Metric.POLICY_VIOLATIONS
                  .counter()
                  .tags(common)
                  .tags(Metric.Label.RULE.key(), rule.label())
                  .register(registry));
    }
  }

  void violation(PolicyRule rule) {
    violations[rule.ordinal()].increment();
  }
}
