package io.gatewatch.cli;

import io.gatewatch.config.ConfigException;
import io.gatewatch.export.Logging;
import java.nio.file.Path;
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
    mixinStandardHelpOptions = true,
    description = {
      "Run the agent as a configuration file says (docs/config.md): any number of proxies, each"
          + " with its own gateway label, and the HTTP endpoints.",
      "Values can be overridden by GATEWATCH_* environment variables named after their path"
          + " (GATEWATCH_PROXIES_0_UPSTREAM). A broken file stops start-up with the file, path"
          + " and line of the problem (exit 2)."
    },
    footer = {"", Main.DURATIONS})
public final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin CorrelationOptions correlation;

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "YAML file.")
  Path config;

  @Override
  public Integer call() throws Exception {
    AgentConfig loaded;
    try {
      Map<String, String> env = new HashMap<>(System.getenv());
      correlation.overrides(env); // the flags before the variables and the file
      loaded = AgentConfig.load(config, env);
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("gatewatch run: " + e.getMessage());
      return 2;
    }
    Logging.formatFromConfig(loaded.logFormat());
    return AgentRunner.runUntilStopped("run", loaded, spec.commandLine().getErr());
  }
}
