package io.gatewatch.cli;

import io.gatewatch.capture.CaptureEvent;
import io.gatewatch.capture.CaptureFormatException;
import io.gatewatch.capture.CaptureParser;
import io.gatewatch.capture.CaptureTap;
import io.gatewatch.capture.HarReader;
import io.gatewatch.capture.NdjsonLines;
import io.gatewatch.capture.TokenRedactor;
import io.gatewatch.config.ConfigException;
import io.gatewatch.config.HostPort;
import io.gatewatch.export.ActivityLog;
import io.gatewatch.export.OtlpSettings;
import io.gatewatch.export.Telemetry;
import io.gatewatch.metrics.Source;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.report.ReplayReport;
import io.gatewatch.report.Tally;
import io.gatewatch.server.AgentServer;
import io.gatewatch.server.MetricsExposition;
import io.gatewatch.track.ConnectionTracker;
import io.gatewatch.track.TrackerSettings;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.zip.GZIPInputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gatewatch replay FILE|-}: runs a capture through the core and reports the numbers. */
@Command(
    name = "replay",
    description = {
      "Run a capture (NDJSON, docs/capture-format.md) through gatewatch with the capture's own"
          + " timestamps and print the report: closes by code, resume success rate, reconnect"
          + " time, heartbeat RTT, policy violations.",
      "A HAR file a browser's developer tools export (Chrome, Firefox) is read too: its"
          + " WebSocket entries, tokens redacted (docs/capture-format.md, HAR files).",
      "Several files are read in the order given, as one capture: a rotated capture is"
          + " replayed with 'replay eu-west.ndjson.*.gz eu-west.ndjson'. Compressed (gzip) files"
          + " are read as they are.",
      "Bad lines are reported on stderr with their line number and skipped.",
      "Exit status: 0 every line accepted, 3 some lines rejected, 1 a file could not be read, 2"
          + " bad usage."
    })
public final class ReplayCommand extends GatewatchCommand implements Callable<Integer> {
  /** Longer lines are rejected, not buffered. */
  static final int MAX_LINE_BYTES = 16 << 20;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(
      arity = "1..*",
      paramLabel = "FILE",
      description = "Capture files (gzip or not), or - for stdin.")
  List<String> files;

  @Mixin ProfileOption profile;

  @Mixin GatewayOption gateway;

  @Option(
      names = "--link-window",
      paramLabel = "DURATION",
      defaultValue = "10m",
      converter = Converters.PositiveDuration.class,
      description =
          "How long after a session ends a new one still counts as its reconnect (default:"
              + " ${DEFAULT-VALUE}).")
  Duration linkWindow;

  @Option(
      names = "--metrics-out",
      paramLabel = "FILE",
      description = "Write the final metrics in the Prometheus text format to FILE.")
  Path metricsOut;

  @Option(
      names = "--http-listen",
      paramLabel = "HOST:PORT",
      description =
          "After the replay, keep serving the HTTP endpoints (/metrics, the status page) on"
              + " HOST:PORT until interrupted, e.g. "
              + AgentConfig.DEFAULT_HTTP_LISTEN
              + ". Off by default.")
  InetSocketAddress httpListen;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    GatewayProfile gatewayProfile;
    TrackerSettings settings;
    OtlpSettings otlp;
    try {
      otlp =
          OtlpSettings.fromEnv(System.getenv()).withDefaultAttribute("gateway.name", gateway.name);
      gatewayProfile = profile.load();
      settings = TrackerSettings.DEFAULTS.withLinkWindow(linkWindow);
    } catch (ConfigException | IllegalArgumentException e) {
      err.println("gatewatch replay: " + e.getMessage());
      return BAD_USAGE;
    }

    try (Telemetry telemetry =
        Telemetry.start(otlp, new ActivityLog(Duration.ofSeconds(60)).start())) {
      return replay(out, err, gatewayProfile, settings, telemetry);
    }
  }

  private int replay(
      PrintWriter out,
      PrintWriter err,
      GatewayProfile gatewayProfile,
      TrackerSettings settings,
      Telemetry telemetry)
      throws IOException {
    Watches watches = telemetry.watches(TokenFingerprinter.withRandomSalt());
    Tally tally = new Tally();
    ConnectionTracker tracker;
    try {
      tracker = watches.add(gatewayProfile, settings, Source.REPLAY, gateway.name, tally);
    } catch (IllegalArgumentException e) {
      err.println("gatewatch replay: --gateway: " + e.getMessage());
      return BAD_USAGE;
    }

    MetricsExposition exposition = new MetricsExposition(watches.registry());
    AgentServer server = null;
    if (httpListen != null) {
      try { // bound before the replay: a taken port is known before minutes of work, not after
        server = new AgentServer(httpListen, exposition, () -> true);
      } catch (IOException e) {
        Main.traceAtDebug("replay", e);
        err.println(
            "gatewatch replay: cannot listen on "
                + HostPort.show(httpListen)
                + ": "
                + ConfigException.describe(e)
                + " (--http-listen)");
        return FAILED;
      }
    }
    HarReader har =
        new HarReader(
            new TokenRedactor(watches.fingerprinter()),
            MAX_LINE_BYTES,
            HarReader.DEFAULT_MAX_HELD_BYTES);
    try (AgentServer served = server) {
      return replayFiles(
          out, err, gatewayProfile, tracker, tally, exposition, served, telemetry, har);
    }
  }

  /**
   * Replays the files in order, prints the report, then serves its metrics when {@code server} is
   * set.
   */
  private int replayFiles(
      PrintWriter out,
      PrintWriter err,
      GatewayProfile gatewayProfile,
      ConnectionTracker tracker,
      Tally tally,
      MetricsExposition exposition,
      AgentServer server,
      Telemetry telemetry,
      HarReader har) {
    CaptureTap tap = new CaptureTap(tracker);
    CaptureParser parser = new CaptureParser();
    LineCounts counts = new LineCounts();
    FileOrder order = new FileOrder(err);
    for (int i = 0; i < files.size(); i++) {
      String file = files.get(i);
      String name = displayName(file);
      order.nextFile(name);
      try (InputStream raw = open(file)) {
        InputStream in = raw.markSupported() ? raw : new BufferedInputStream(raw, 64 * 1024);
        if (isHar(file, in)) {
          if (!replayHar(har, in, i + ":", name, tap, order, counts, err)) {
            return FAILED;
          }
          continue;
        }
        boolean plainFile = !"-".equals(file) && !(raw instanceof GZIPInputStream);
        long size = plainFile ? Files.size(Path.of(file)) : -1; // for progress: bytes as read
        Progress progress = new Progress(err, size);
        NdjsonLines.read(
            in,
            MAX_LINE_BYTES,
            new NdjsonLines.Handler() {
              @Override
              public void line(long number, byte[] buf, int len) {
                progress.update(number, len);
                if (NdjsonLines.isBlank(buf, len)) {
                  return;
                }
                try {
                  CaptureEvent event = parser.parse(Arrays.copyOf(buf, len));
                  order.seen(event.nanos());
                  tap.accept(event);
                  counts.accepted++;
                } catch (CaptureFormatException e) {
                  reject(number, e.getMessage());
                }
              }

              @Override
              public void tooLong(long number, long length) {
                progress.update(number, 0);
                reject(
                    number, "line of " + length + " bytes is over the limit of " + MAX_LINE_BYTES);
              }

              private void reject(long number, String why) {
                counts.rejected++;
                err.println(name + ":" + number + ": " + why);
              }
            });
        progress.done();
      } catch (NoSuchFileException e) {
        err.println("gatewatch replay: no such file: " + name);
        return FAILED;
      } catch (IOException e) {
        Main.traceAtDebug("replay", e);
        err.println("gatewatch replay: cannot read " + name + ": " + ConfigException.describe(e));
        return FAILED;
      }
    }

    out.print(
        ReplayReport.format(
            String.format(
                "gatewatch replay %s (profile %s): %d lines accepted, %d rejected",
                String.join(" ", files.stream().map(ReplayCommand::displayName).toList()),
                gatewayProfile.name(),
                counts.accepted,
                counts.rejected),
            tally));
    if (metricsOut != null) {
      try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(metricsOut))) {
        exposition.write(o, exposition.writerFor(null));
      } catch (IOException e) {
        Main.traceAtDebug("replay", e);
        err.println(
            "gatewatch replay: cannot write " + metricsOut + ": " + ConfigException.describe(e));
        return FAILED;
      }
    }
    out.flush();
    telemetry.flush(); // the replayed numbers and episodes go out now, not at the next interval
    if (server != null) {
      serveUntilInterrupted(server, err);
    }
    return counts.rejected == 0 ? OK : PARTIAL;
  }

  private static void serveUntilInterrupted(AgentServer server, PrintWriter err) {
    server.start();
    err.println(
        "serving the replayed metrics on http://" + server.hostPort() + "/metrics (Ctrl-C ends)");
    err.flush();
    // Ctrl-C or SIGTERM ends the serving; the replay's own exit status stays the process's
    try (server;
        StopSignals signals = StopSignals.install(Shutdown.CLOSE_DEADLINE)) {
      signals.first().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A HAR by its name, or by its first bytes: a JSON object whose first member is {@code log}. */
  private static boolean isHar(String file, InputStream in) throws IOException {
    if (file.toLowerCase(Locale.ROOT).endsWith(".har")) {
      return true;
    }
    in.mark(4096);
    byte[] head = in.readNBytes(4096);
    in.reset();
    return HarReader.startsLikeHar(head, head.length);
  }

  /**
   * Replays one HAR's WebSocket entries, each event counted as a line; false (said on stderr) when
   * the file is not a HAR that can be read.
   */
  private static boolean replayHar(
      HarReader har,
      InputStream in,
      String connPrefix,
      String name,
      CaptureTap tap,
      FileOrder order,
      LineCounts counts,
      PrintWriter err)
      throws IOException {
    HarReader.Result result;
    try {
      result = har.read(in, connPrefix);
    } catch (CaptureFormatException e) {
      err.println("gatewatch replay: " + name + ": " + e.getMessage());
      return false;
    }
    for (HarReader.Rejection r : result.rejections()) {
      counts.rejected++;
      err.println(name + ":" + r.line() + ": " + r.error());
    }
    for (CaptureEvent e : result.events()) {
      order.seen(e.nanos());
      try {
        tap.accept(e); // in time order, each socket its own: refused only if that ever broke
        counts.accepted++;
      } catch (CaptureFormatException refused) {
        counts.rejected++;
        err.println(name + ": " + refused.getMessage());
      }
    }
    return true;
  }

  private static String displayName(String file) {
    return "-".equals(file) ? "<stdin>" : file;
  }

  /** The file's lines as written: a gzip file (a rotated capture) is decompressed on the way. */
  private static InputStream open(String file) throws IOException {
    InputStream raw =
        new BufferedInputStream(
            "-".equals(file) ? System.in : Files.newInputStream(Path.of(file)), 64 * 1024);
    raw.mark(2);
    int b1 = raw.read();
    int b2 = raw.read();
    raw.reset();
    return b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(raw, 64 * 1024) : raw;
  }

  private static final class LineCounts {
    long accepted;
    long rejected;
  }

  /**
   * Warns, once per file, when a file starts before the files given ahead of it end: a capture's
   * rotated files given newest first, whose sockets that span two files would count twice.
   */
  private static final class FileOrder {
    private final PrintWriter err;
    private long latest = Long.MIN_VALUE; // the latest event of the files read so far
    private long latestBefore = Long.MIN_VALUE; // the same, of the files before this one
    private String file;
    private boolean firstEvent;

    FileOrder(PrintWriter err) {
      this.err = err;
    }

    void nextFile(String name) {
      latestBefore = latest;
      file = name;
      firstEvent = true;
    }

    void seen(long nanos) {
      if (firstEvent) {
        firstEvent = false;
        if (latestBefore != Long.MIN_VALUE && nanos < latestBefore) {
          err.printf(
              Locale.ROOT,
              "gatewatch replay: %s starts %.1f s before the files ahead of it end; if these are"
                  + " one capture's rotated files, give them oldest first%n",
              file,
              (latestBefore - nanos) / 1e9);
        }
      }
      latest = Math.max(latest, nanos);
    }
  }

  /** A progress line on stderr every few seconds, only for runs long enough to need one. */
  private static final class Progress {
    private static final long EVERY_NANOS = Duration.ofSeconds(2).toNanos();
    private final PrintWriter err;
    private final long totalBytes;
    private final long start = System.nanoTime();
    private long next = start + EVERY_NANOS;
    private long bytes;
    private long lines;
    private boolean printed;

    Progress(PrintWriter err, long totalBytes) {
      this.err = err;
      this.totalBytes = totalBytes;
    }

    void update(long lineNo, int len) {
      lines = lineNo;
      bytes += len + 1;
      if ((lineNo & 0x3FF) == 0 && System.nanoTime() >= next) {
        next = System.nanoTime() + EVERY_NANOS;
        printed = true;
        err.println(
            totalBytes > 0
                ? String.format(
                    "replay: %d lines, %.0f%% of %d MB",
                    lines, 100.0 * bytes / totalBytes, totalBytes >> 20)
                : String.format("replay: %d lines", lines));
      }
    }

    void done() {
      if (printed) {
        err.printf("replay: %d lines in %.1f s%n", lines, (System.nanoTime() - start) / 1e9);
      }
    }
  }
}
