package io.gatewatch.cli;

import static io.gatewatch.cli.CommandLineConfig.quote;
import static io.gatewatch.cli.Converters.show;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatewatch proxy}: one transparent proxy in front of a gateway, from flags. */
@Command(
    name = "proxy",
    description = {
      "Relay every WebSocket connection to the upstream gateway unchanged and watch it"
          + " (source=\"proxy\"). Path and query pass unchanged; X-Forwarded-For is appended.",
      "The same as one entry of 'proxies' in a run --config file (docs/config.md)."
    })
public final class ProxyCommand extends GatewatchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin CommandLineConfig agent;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:8766",
      description = "Where clients connect (default: ${DEFAULT-VALUE}).")
  String listen;

  @Option(
      names = "--upstream",
      required = true,
      description = "The gateway: ws://HOST[:PORT] or wss://HOST[:PORT].")
  String upstream;

  @Option(
      names = "--capture",
      paramLabel = "FILE",
      description =
          "Write a capture: metadata only (what measurement and replay need, no message content),"
              + " tokens redacted, rotated and bounded on disk (docs/capture-format.md).")
  Path capture;

  @Option(
      names = "--capture-payloads",
      description =
          "Capture every payload in full: messages, names, guild data (user content; tokens still"
              + " redacted).")
  boolean capturePayloads;

  @Option(
      names = "--capture-max-size",
      paramLabel = "SIZE",
      description = "Rotate the capture file at this size: 512KiB, 100MiB, 1GiB (default 100MiB).")
  String captureMaxSize;

  @Option(
      names = "--capture-keep",
      paramLabel = "N",
      description = "Rotated capture files kept, compressed; older ones are deleted (default 10).")
  Integer captureKeep;

  @Option(
      names = "--no-compressed-observation",
      description =
          "Relay compressed frames (zstd-stream, zlib-stream, payload compression) without"
              + " decompressing them (saves up to ~4.7 MB per zstd-stream socket, ~41 KB per"
              + " zlib-stream one; then only closes and sizes are observed).")
  boolean noCompressedObservation;

  @Option(names = "--max-connections", description = "Relayed sockets at most (default 10000).")
  Integer maxConnections;

  @Option(
      names = "--connect-timeout",
      paramLabel = "DURATION",
      description = "Upstream connect + handshake (default 5s).")
  Duration connectTimeout;

  @Option(
      names = "--idle-timeout",
      paramLabel = "DURATION",
      description = "No frame either way for this long (default 120s).")
  Duration idleTimeout;

  @Option(
      names = "--drain-period",
      paramLabel = "DURATION",
      description =
          "On SIGTERM or Ctrl-C, ask the relayed clients to reconnect spread over this long"
              + " (op 7, then the profile's resumable close), then close what is left with 1001;"
              + " 0 closes every socket at once (default 30s; docs/drain.md).")
  Duration drainPeriod;

  @Option(names = "--upstream-ca", paramLabel = "PEM", description = "Trust this CA for wss://.")
  Path upstreamCa;

  @Option(names = "--tls-cert", paramLabel = "PEM", description = "TLS on the listener: chain.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "TLS on the listener: key.")
  Path tlsKey;

  @Override
  public Integer call() throws Exception {
    if ((tlsCert == null) != (tlsKey == null)) {
      spec.commandLine()
          .getErr()
          .println("gatewatch proxy: give --tls-cert and --tls-key together");
      return 2;
    }
    return agent.runUntilStopped(
        "proxy",
        "proxies",
        proxy(),
        drainPeriod == null ? List.of() : List.of("drain_period: " + quote(show(drainPeriod))),
        ProxyCommand::ownFlag,
        spec.commandLine().getErr());
  }

  /** {@code command line: proxies[0].upstream (line 5): ...} becomes {@code --upstream: ...}. */
  static String asFlags(String message) {
    return CommandLineConfig.asFlags(message, "proxies", ProxyCommand::ownFlag);
  }

  /** The flag of a configuration path that is not the usual one, or null. */
  private static String ownFlag(String path) {
    return switch (path) {
      case "proxies[0].tls.cert" -> "--tls-cert";
      case "proxies[0].tls.key" -> "--tls-key";
      case "proxies[0].tls" -> "--tls-cert/--tls-key";
      default -> null;
    };
  }

  /** The flags as the proxy's entry in the configuration file they stand for. */
  private List<String> proxy() {
    List<String> p = new ArrayList<>();
    p.add("gateway: " + quote(agent.gateway));
    p.add("listen: " + quote(listen));
    p.add("upstream: " + quote(upstream));
    if (capture != null) {
      p.add("capture: " + quote(capture.toString()));
    }
    if (capturePayloads) {
      p.add("capture_payloads: true");
    }
    if (captureMaxSize != null) {
      p.add("capture_max_size: " + quote(captureMaxSize));
    }
    if (captureKeep != null) {
      p.add("capture_keep: " + captureKeep);
    }
    p.add("compressed_observation: " + !noCompressedObservation);
    if (maxConnections != null) {
      p.add("max_connections: " + maxConnections);
    }
    if (connectTimeout != null) {
      p.add("connect_timeout: " + quote(show(connectTimeout)));
    }
    if (idleTimeout != null) {
      p.add("idle_timeout: " + quote(show(idleTimeout)));
    }
    if (upstreamCa != null) {
      p.add("upstream_ca: " + quote(upstreamCa.toString()));
    }
    if (tlsCert != null || tlsKey != null) {
      p.add(
          "tls: {cert: "
              + quote(String.valueOf(tlsCert))
              + ", key: "
              + quote(String.valueOf(tlsKey))
              + "}");
    }
    return p;
  }
}
