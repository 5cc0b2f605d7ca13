package io.gatewatch.proxy;

import io.gatewatch.capture.CaptureWriter;
import io.gatewatch.capture.TokenRedactor;
import io.gatewatch.metrics.Metric;
import io.gatewatch.metrics.Source;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.track.ConnectionTracker;
import io.gatewatch.track.EventClock;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One proxy as the agent runs it: the relay, its tap, a tracker under {@code source="proxy"} and
 * the operator's gateway name, and the capture when one is asked for. Started and stopped as one.
 */
public final class WatchedProxy implements AutoCloseable {
  private final GatewayProxy proxy;
  private final CaptureWriter capture;
  private final ConnectionTracker tracker;
  private final ScheduledExecutorService ticker;
  private final GatewayProfile profile;

  private WatchedProxy(
      GatewayProxy proxy,
      CaptureWriter capture,
      ConnectionTracker tracker,
      EventClock clock,
      GatewayProfile profile) {
    this.proxy = proxy;
    this.profile = profile;
    this.capture = capture;
    this.tracker = tracker;
    // Events move the tracker's clock; this moves it when there are none, so a quiet proxy still
    // times out unanswered Resumes and drops idle state.
    this.ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gatewatch-tracker-tick");
              t.setDaemon(true);
              return t;
            });
    ticker.scheduleAtFixedRate(() -> tracker.advance(clock.nowNanos()), 1, 1, TimeUnit.SECONDS);
  }

  /**
   * Starts relaying and watching.
   *
   * @param capture the capture (its file appended to), or null for none
   * @param also receives the tracker's signals after the metrics (a report's tally), or {@link
   *     Signals#NONE}
   * @throws IOException when the listener cannot bind or the capture cannot be opened
   */
  public static WatchedProxy start(
      Watches watches,
      GatewayProfile profile,
      TrackerSettings trackerSettings,
      String gateway,
      ProxySettings settings,
      CaptureWriter.Settings capture,
      boolean compressedObservation,
      EventClock clock,
      Signals also)
      throws IOException {
    ConnectionTracker tracker = watches.add(profile, trackerSettings, Source.PROXY, gateway, also);
    CaptureWriter writer =
        capture == null
            ? null
            : new CaptureWriter(capture, new TokenRedactor(watches.fingerprinter()));
    if (writer != null) {
      captureMetrics(writer, gateway, watches.registry());
    }
    ProxyTap tap =
        new ProxyTap(
            tracker,
            clock,
            watches.registry(),
            writer,
            compressedObservation,
            settings.maxFrameBytes());
    GatewayProxy proxy = new GatewayProxy(settings, tap);
    try {
      proxy.start();
    } catch (IOException | RuntimeException e) {
      if (writer != null) {
        writer.close();
      }
      throw e;
    }
    return new WatchedProxy(proxy, writer, tracker, clock, profile);
  }

  /** {@code gatewatch_capture_*}: what the capture wrote, rotated and dropped. */
  private static void captureMetrics(CaptureWriter w, String gateway, MeterRegistry registry) {
    String byGateway = Metric.Label.GATEWAY.key();
    Metric.CAPTURE_WRITTEN
        .functionCounter(w, CaptureWriter::bytes)
        .tag(byGateway, gateway)
        .register(registry);
    Metric.CAPTURE_RECORDS
        .functionCounter(w, CaptureWriter::records)
        .tag(byGateway, gateway)
        .register(registry);
    Metric.CAPTURE_ROTATIONS
        .functionCounter(w, CaptureWriter::rotations)
        .tag(byGateway, gateway)
        .register(registry);
    for (CaptureWriter.Dropped why : CaptureWriter.Dropped.values()) {
      Metric.CAPTURE_DROPPED
          .functionCounter(w, c -> c.dropped(why))
          .tag(byGateway, gateway)
          .tag(Metric.Label.REASON.key(), why.label())
          .register(registry);
    }
  }

  public GatewayProxy proxy() {
    return proxy;
  }

  public ConnectionTracker tracker() {
    return tracker;
  }

  /** The profile it watches with; its {@code drain} says how a drain asks clients to reconnect. */
  public GatewayProfile profile() {
    return profile;
  }

  /** The address clients use, with {@code path} appended: {@code ws://127.0.0.1:8766/?v=1}. */
  public String url(String pathAndQuery) {
    String scheme = proxy.settings().listenerTls() == null ? "ws" : "wss";
    String host = proxy.address().getHostString();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return scheme + "://" + host + ":" + proxy.port() + pathAndQuery;
  }

  /** Closes the relayed sockets (1001), then flushes the capture. */
  @Override
  public void close() {
    ticker.shutdownNow();
    proxy.close();
    if (capture != null) {
      capture.close();
    }
  }
}
