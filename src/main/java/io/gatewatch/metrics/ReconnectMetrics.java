package io.gatewatch.metrics;

import io.gatewatch.metrics.Metric.Label;
import io.gatewatch.track.ReconnectEpisode;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.Via;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * One tap's resumes and reconnect episodes: {@code gateway_resume_total}, {@code
 * gateway_ready_total}, {@code gateway_reconnect_started_total}, {@code
 * gateway_reconnect_duration_seconds}, and the frames that ask for them ({@code
 * gateway_invalid_session_total}, {@code gateway_reconnect_requests_total}).
 */
final class ReconnectMetrics extends TapBinder {
  private Counter[] resumes;
  private Counter[] readies;
  private Counter started;
  private Timer[] episodes;
  private Counter invalidSessions;
  private Counter requests;

  ReconnectMetrics(Source source, String gateway) {
    super(source, gateway);
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    resumes = keep(Metric.RESUME.counters(registry, common, Label.OUTCOME));
    started = keep(Metric.RECONNECT_STARTED.counter().tags(common).register(registry));
    readies = keep(Metric.READY.counters(registry, common, Label.VIA));
    episodes = keep(Metric.RECONNECT_DURATION.timers(registry, common, Label.VIA));
    invalidSessions = keep(Metric.INVALID_SESSION.counter().tags(common).register(registry));
    requests = keep(Metric.RECONNECT_REQUESTS.counter().tags(common).register(registry));
  }

  void resume(ResumeOutcome outcome) {
    resumes[outcome.ordinal()].increment();
  }

  void ready(Via via) {
    readies[via.ordinal()].increment();
  }

  void started() {
    started.increment();
  }

  void reconnected(ReconnectEpisode episode) {
    episodes[episode.via().ordinal()].record(episode.durationNanos(), TimeUnit.NANOSECONDS);
  }

  void invalidSession() {
    invalidSessions.increment();
  }

  void requested() {
    requests.increment();
  }
}
