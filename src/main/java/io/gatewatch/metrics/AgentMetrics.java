package io.gatewatch.metrics;

import io.gatewatch.track.ConnectionTracker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The agent's own metrics that span every tap: {@code gatewatch_build_info} and {@code
 * gatewatch_tracked_connections} (state entries held by all trackers).
 */
public final class AgentMetrics implements MeterBinder {
  private final List<ConnectionTracker> trackers = new CopyOnWriteArrayList<>();

  /** Counts this tracker's state in {@code gatewatch_tracked_connections}. */
  public void track(ConnectionTracker tracker) {
    trackers.add(tracker);
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Metric.BUILD_INFO.gauge(() -> 1).tag(Metric.Label.VERSION.key(), version()).register(registry);
    Metric.TRACKED_CONNECTIONS.gauge(this, AgentMetrics::trackedEntries).register(registry);
  }

  private double trackedEntries() {
    long sum = 0;
    for (ConnectionTracker t : trackers) {
      sum += t.trackedEntries();
    }
    return sum;
  }

  /** The version stamped into the jar at build time. */
  public static String version() {
    try (InputStream in =
        AgentMetrics.class.getResourceAsStream("/io/gatewatch/build.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
