package io.gatewatch.cli;

import static io.gatewatch.cli.CommandLineConfig.quote;
import static io.gatewatch.cli.Converters.show;

import io.gatewatch.config.ConfigException;
import io.gatewatch.metrics.Watches;
import io.gatewatch.probe.JdkTransport;
import io.gatewatch.probe.OnceReport;
import io.gatewatch.probe.Probe;
import io.gatewatch.probe.ProbeSettings;
import io.gatewatch.probe.ProbeToken;
import io.gatewatch.probe.ReconnectPolicy;
import io.gatewatch.probe.Scheduler;
import io.gatewatch.probe.SystemScheduler;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatewatch probe}: a synthetic client holding real sessions against one gateway. */
@Command(
    name = "probe",
    description = {
      "Hold real sessions against a gateway and measure them as a client lives them"
          + " (source=\"probe\"): Identify, heartbeats, a deliberate Resume every --resume-every,"
          + " and the active profile's reconnection strategy on every close code.",
      "The token comes from a file or an environment variable only. The same as one entry of"
          + " 'probes' in a run --config file (docs/config.md).",
      "With --once: one check, a report table on stdout, exit 0 when healthy, 1 when not."
    })
public final class ProbeCommand extends GatewatchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin CommandLineConfig agent;

  @Option(
      names = "--url",
      paramLabel = "URL",
      required = true,
      description = "The gateway: wss://HOST[/PATH][?v=1&encoding=json] (that query by default).")
  URI url;

  @ArgGroup(exclusive = true, multiplicity = "1")
  TokenSource token;

  static final class TokenSource {
    @Option(names = "--token-file", paramLabel = "FILE", description = "Read the token from FILE.")
    Path file;

    @Option(
        names = "--token-env",
        paramLabel = "NAME",
        description = "Read the token from environment variable NAME.")
    String env;
  }

  @Option(
      names = "--sessions",
      paramLabel = "N",
      defaultValue = "1",
      description = "Sessions held at once (default: ${DEFAULT-VALUE}).")
  int sessions;

  @Option(
      names = "--resume-every",
      paramLabel = "DURATION",
      defaultValue = "5m",
      description =
          "End the socket on purpose and Resume this often, per session (default:"
              + " ${DEFAULT-VALUE}; 0 never).")
  Duration resumeEvery;

  @Option(
      names = "--once",
      description =
          "Connect, Identify, wait for --heartbeats acknowledged heartbeats, Resume once, print"
              + " the report and exit (0 healthy, 1 not). No retry after 4004/4010/4011/4012.")
  boolean once;

  @Option(
      names = "--heartbeats",
      paramLabel = "N",
      defaultValue = "2",
      description = "With --once: heartbeats to measure per session (default: ${DEFAULT-VALUE}).")
  int heartbeats;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "3m",
      converter = Converters.PositiveDuration.class,
      description = "With --once: give up and report unhealthy after (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    if (!once) {
      return agent.runUntilStopped(
          "probe", "probes", probe(), List.of(), ProbeCommand::ownFlag, err);
    }
    ProbeSettings settings;
    ProbeToken probeToken;
    GatewayProfile gatewayProfile;
    try {
      if (heartbeats < 1) {
        throw new IllegalArgumentException("--heartbeats: must be at least 1");
      }
      gatewayProfile = agent.profile.load();
      settings =
          new ProbeSettings(
                  url,
                  agent.gateway.name,
                  sessions,
                  Duration.ZERO,
                  ProbeSettings.DEFAULT_CONNECT_TIMEOUT,
                  ReconnectPolicy.Settings.DEFAULTS,
                  0)
              .once(heartbeats);
      try {
        probeToken =
            token.file != null
                ? ProbeToken.fromFile(token.file)
                : ProbeToken.fromEnv(token.env, System.getenv());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            (token.file != null ? "--token-file: " : "--token-env: ") + e.getMessage(), e);
      }
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("gatewatch probe: " + asFlag(e.getMessage()));
      return BAD_USAGE;
    }
    Watches watches = new Watches(TokenFingerprinter.withRandomSalt());
    OnceReport report;
    try (SystemScheduler scheduler = Scheduler.system()) {
      Probe probe =
          Probe.start(
              watches,
              gatewayProfile,
              TrackerSettings.DEFAULTS,
              settings,
              probeToken,
              scheduler,
              new JdkTransport(settings.connectTimeout()),
              () -> ThreadLocalRandom.current().nextDouble(),
              Signals.NONE);
      boolean finished;
      try {
        finished = probe.awaitDone(timeout);
      } finally {
        probe.close();
      }
      Optional<String> unreachable = probe.unreachable();
      if (unreachable.isPresent()) {
        err.println("gatewatch probe: " + unreachable.get());
        return FAILED;
      }
      report = OnceReport.of(probe, finished);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(report.text());
    out.flush();
    return report.healthy() ? OK : FAILED;
  }

  /** {@code url: ...} (a setting's own message) becomes {@code --url: ...}. */
  private static String asFlag(String message) {
    return message.matches("^[a-z][A-Za-z]*: .*")
        ? "--" + message.replaceFirst("^resumeEvery", "resume-every")
        : message;
  }

  /** {@code command line: probes[0].token_file (line 5): ...} becomes {@code --token-file: ...}. */
  static String asFlags(String message) {
    return CommandLineConfig.asFlags(message, "probes", ProbeCommand::ownFlag);
  }

  /** The flag of a configuration path that is not the usual one, or null. */
  private static String ownFlag(String path) {
    return path.equals("probes[0]") ? "--token-file/--token-env" : null;
  }

  /** The flags as the probe's entry in the configuration file they stand for. */
  private List<String> probe() {
    List<String> p = new ArrayList<>();
    p.add("gateway: " + quote(agent.gateway.name));
    p.add("url: " + quote(url.toString()));
    if (token.file != null) {
      p.add("token_file: " + quote(token.file.toString()));
    } else {
      p.add("token_env: " + quote(token.env));
    }
    p.add("sessions: " + sessions);
    p.add("resume_every: " + quote(show(resumeEvery)));
    return p;
  }
}
