package io.gatewatch.cli;

import io.gatewatch.config.ConfigException;
import io.gatewatch.export.Logging;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatewatch run --config FILE}: the production agent, as its configuration says. */
@Command(
    name = "run",
    description = {
      "Run the agent as a YAML configuration file says; docs/config.md describes every key. The"
          + " file holds: http (the HTTP endpoints' address, auth, TLS), profile, proxies (any"
          + " number, each with its own gateway label), probes, ingest (POST /v1/capture), otlp"
          + " (OpenTelemetry export), correlation (reconnect state shared through Redis), tracker,"
          + " logging and drain_period.",
      "Values can be overridden by GATEWATCH_* environment variables named after their path"
          + " (GATEWATCH_PROXIES_0_UPSTREAM, GATEWATCH_HTTP_LISTEN). A broken file stops start-up"
          + " with the file, path and line of the problem (exit 2)."
    })
public final class RunCommand extends GatewatchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin CorrelationOptions correlation;

  @Option(
      names = "--config",
      required = true,
      paramLabel = "FILE",
      description = "The configuration file (docs/config.md).")
  Path config;

  @Option(
      names = "--drain-period",
      paramLabel = "DURATION",
      converter = Converters.DrainPeriod.class,
      description =
          "On SIGTERM or Ctrl-C, ask every proxy's clients to reconnect spread over this long,"
              + " then close what is left with 1001; 0 closes at once. Overrides drain_period and"
              + " GATEWATCH_DRAIN_PERIOD (default: 30s; docs/drain.md).")
  Duration drainPeriod;

  @Override
  public Integer call() throws Exception {
    AgentConfig loaded;
    try { // a bad flag is named before anything in the file is read: its converter runs first
      Map<String, String> env = new HashMap<>(System.getenv());
      correlation.overrides(env); // the flags before the variables and the file
      loaded = AgentConfig.load(config, env);
      if (drainPeriod != null) {
        loaded = loaded.withDrainPeriod(drainPeriod);
      }
    } catch (ConfigException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("gatewatch run: " + e.getMessage());
      return BAD_USAGE;
    }
    Logging.formatFromConfig(loaded.logFormat());
    return AgentRunner.runUntilStopped(
        "run", loaded, AgentRunner.StartFailure.Settings.CONFIG, spec.commandLine().getErr());
  }
}
