package io.gatewatch.metrics;

import io.gatewatch.metrics.Metric.Label;
import io.gatewatch.protocol.ClientLibrary;
import io.gatewatch.protocol.ClientTable;
import io.gatewatch.track.PolicyRule;
import io.gatewatch.track.ReconnectEpisode;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.Via;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One tap's numbers by client library: {@code gateway_client_violations_total}, {@code
 * gateway_client_resume_total}, {@code gateway_client_ready_total} and {@code
 * gateway_client_reconnect_duration_seconds}. Every value of the profile's client table is
 * registered up front (a counter that appears at 1 would lose its first increase), so the series
 * count is fixed by the table: 31 per value, 7 rules + 6 outcomes + 2 via + 16 histogram series
 * (docs/metrics.md, "By client library").
 */
final class ClientMetrics extends TapBinder {
  private final List<ClientLibrary> libraries;
  private Counter[][] violations;
  private Counter[][] resumes;
  private Counter[][] readies;
  private Timer[] episodes;

  ClientMetrics(ClientTable table, Source source, String gateway) {
    super(source, gateway);
    this.libraries = table.libraries();
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    int n = libraries.size();
    violations = new Counter[n][];
    resumes = new Counter[n][];
    readies = new Counter[n][];
    episodes = new Timer[n];
    for (ClientLibrary library : libraries) {
      int i = library.index();
      Tags tags = common.and(Label.CLIENT.key(), library.label());
      violations[i] = keep(Metric.CLIENT_VIOLATIONS.counters(registry, tags, Label.RULE));
      resumes[i] = keep(Metric.CLIENT_RESUME.counters(registry, tags, Label.OUTCOME));
      readies[i] = keep(Metric.CLIENT_READY.counters(registry, tags, Label.VIA));
      episodes[i] = keep(Metric.CLIENT_RECONNECT_DURATION.timer().tags(tags).register(registry));
    }
  }

  void violation(PolicyRule rule, ClientLibrary client) {
    violations[index(client)][rule.ordinal()].increment();
  }

  void resume(ResumeOutcome outcome, ClientLibrary client) {
    resumes[index(client)][outcome.ordinal()].increment();
  }

  void ready(Via via, ClientLibrary client) {
    readies[index(client)][via.ordinal()].increment();
  }

  void reconnected(ReconnectEpisode episode) {
    episodes[index(episode.client())].record(episode.durationNanos(), TimeUnit.NANOSECONDS);
  }

  /** A library of another table (never expected) counts as unknown rather than throwing. */
  private int index(ClientLibrary client) {
    int i = client == null ? 0 : client.index();
    return i < libraries.size() && libraries.get(i).equals(client) ? i : 0;
  }
}
