package io.gatewatch.cli;

import io.gatewatch.config.ConfigException;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.sim.Behaviour;
import io.gatewatch.sim.Fleet;
import io.gatewatch.sim.FleetCounts;
import io.gatewatch.sim.FleetSettings;
import io.gatewatch.sim.Wire;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatewatch fleet}: simulated clients with named behaviours against a gateway. */
@Command(
    name = "fleet",
    description = {
      "Run simulated clients against a gateway, each with a behaviour: good (the active"
          + " profile's reconnection strategy exactly), slow (late heartbeats), deaf (ignores the"
          + " server's op 1), bad-token (retries unchanged after 4004), flooder (hits 4008, reconnects too"
          + " soon), stale-resumer (resumes after non-resumable codes), sloppy (unknown opcodes,"
          + " oversize payloads, a second Identify).",
      "Tokens are valid-fleet-N (revoked-fleet-N for bad-token), as the simulator accepts.",
      "Prints a summary line every 10 s; Ctrl-C or --duration ends it."
    })
public final class FleetCommand extends GatewatchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--url",
      paramLabel = "URL",
      required = true,
      description = "The gateway, e.g. ws://127.0.0.1:8765/?v=1&encoding=json.")
  URI url;

  @Option(
      names = "--clients",
      paramLabel = "N",
      defaultValue = "10",
      description = "How many clients (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(
      names = "--mix",
      paramLabel = "SPEC",
      defaultValue = "good",
      description =
          "Behaviours and weights, e.g. good=70,slow=5,deaf=5,bad-token=5,flooder=5,"
              + "stale-resumer=5,sloppy=5; a behaviour may name its wire (encoding and"
              + " compression): good:etf+zlib-stream=5 (default: ${DEFAULT-VALUE}).")
  String mix;

  @Option(
      names = "--wire",
      paramLabel = "SPEC",
      description =
          "How every client speaks unless --mix says otherwise: json or etf, and none,"
              + " zlib-stream or zstd-stream, joined with + (etf+zlib-stream). Default: what"
              + " --url's query says.")
  Wire wire;

  @Mixin ProfileOption profile;

  @Mixin RunForOption runFor;

  @Option(
      names = "--random-seed",
      paramLabel = "N",
      defaultValue = "1",
      description = "Seed of the jitter and delays (default: ${DEFAULT-VALUE}).")
  long randomSeed;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    FleetSettings settings;
    GatewayProfile gatewayProfile;
    try {
      URI uri = wire == null ? url : wire.applyTo(url);
      Map<Behaviour, Wire> wires = new EnumMap<>(Behaviour.class);
      Map<Behaviour, Integer> weights = FleetSettings.parseMix(mix, wires);
      settings =
          new FleetSettings(
              uri,
              clients,
              weights,
              Duration.ofSeconds(60),
              Duration.ofSeconds(10),
              randomSeed,
              wires);
      gatewayProfile = profile.load();
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("gatewatch fleet: " + e.getMessage());
      return BAD_USAGE;
    }
    FleetCounts counts = new FleetCounts();
    // Ctrl-C or SIGTERM ends the run as --duration does: the sockets closed, the last line printed
    try (StopSignals signals = StopSignals.install(Shutdown.CLOSE_DEADLINE);
        Fleet fleet = new Fleet(settings, gatewayProfile, counts)) {
      fleet.start();
      out.println("fleet: " + fleet.counts() + " against " + settings.url());
      out.flush();
      long end = runFor.endNanos(System.nanoTime());
      while (!stopRequested(signals, Math.min(10_000, millisUntil(end)))
          && System.nanoTime() < end) {
        out.println("fleet: " + counts.summary());
        out.flush();
      }
    }
    out.println("fleet: " + counts.summary());
    out.flush();
    return OK;
  }

  /**
   * Whole milliseconds from now to {@code end}, rounded up, so that a wait never ends just short of
   * it; {@code Long.MAX_VALUE} (no --duration) is forever.
   */
  private static long millisUntil(long end) {
    if (end == Long.MAX_VALUE) {
      return Long.MAX_VALUE;
    }
    return Math.floorDiv(end - System.nanoTime() + 999_999, 1_000_000);
  }

  /** Waits up to {@code millis} (at least 1) for a stop request; true when one came. */
  private static boolean stopRequested(StopSignals signals, long millis)
      throws InterruptedException {
    try {
      signals.first().get(Math.max(1, millis), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }
}
