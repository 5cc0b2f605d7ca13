package io.gatewatch.server;

import io.gatewatch.capture.CaptureParser;
import io.gatewatch.capture.CaptureTap;
import io.gatewatch.metrics.Source;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/**
 * The bundled sample replayed into a real agent registry, with a status history on a clock the test
 * moves: readings are taken exactly when the test says, so every number is known.
 */
final class StatusFixture implements AutoCloseable {
  static final Path SAMPLE = Path.of("samples/fluxer-sample.ndjson");
  static final long T0 = 1_800_000_000_000L;

  /** A clock the test sets. */
  static final class TestClock extends Clock {
    volatile long millis = T0;

    @Override
    public long millis() {
      return millis;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  final Watches watches =
      new Watches(new TokenFingerprinter("salt".getBytes(StandardCharsets.UTF_8)));
  final MetricsExposition exposition = new MetricsExposition(watches.registry());
  final TestClock clock = new TestClock();
  final StatusHistory history;
  final StatusPage page;
  private final CaptureTap tap;
  private final CaptureParser parser = new CaptureParser();
  private final List<String> lines;
  private int replayed;
  private AgentServer server;

  StatusFixture(int capacity) throws IOException {
    tap =
        new CaptureTap(
            watches.add(
                ProfileLoader.load("fluxer-seed"),
                TrackerSettings.DEFAULTS,
                Source.REPLAY,
                "replay",
                Signals.NONE));
    history =
        new StatusHistory(exposition::snapshot, () -> true, clock, Duration.ofSeconds(5), capacity);
    page = new StatusPage(history, false);
    lines = Files.readAllLines(SAMPLE);
  }

  StatusFixture() throws IOException {
    this(StatusHistory.DEFAULT_CAPACITY);
  }

  int sampleLines() {
    return lines.size();
  }

  /** Replays the sample's lines up to (not including) {@code to}. */
  StatusFixture replayTo(int to) throws Exception {
    for (; replayed < to; replayed++) {
      tap.accept(parser.parse(lines.get(replayed).getBytes(StandardCharsets.UTF_8)));
    }
    return this;
  }

  /** Moves the clock by 5 s and takes a reading. */
  Reading tick() {
    clock.millis += 5_000;
    return history.tick();
  }

  /** The sample in three parts, a reading after each, after one of the empty start. */
  StatusFixture replayInSteps() throws Exception {
    tick();
    replayTo(50);
    tick();
    replayTo(100);
    tick();
    replayTo(sampleLines());
    tick();
    return this;
  }

  AgentServer serve() throws IOException {
    server = new AgentServer(new InetSocketAddress("127.0.0.1", 0), exposition, () -> true, page);
    server.start();
    return server;
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
    page.close();
  }
}
