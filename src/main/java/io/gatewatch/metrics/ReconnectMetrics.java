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
    resumes = counters(registry, Metric.RESUME, Label.OUTCOME);
    started = counter(registry, Metric.RECONNECT_STARTED);
    readies = counters(registry, Metric.READY, Label.VIA);
    episodes = timers(registry, Metric.RECONNECT_DURATION, Label.VIA);
    invalidSessions = counter(registry, Metric.INVALID_SESSION);
    requests = counter(registry, Metric.RECONNECT_REQUESTS);
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
