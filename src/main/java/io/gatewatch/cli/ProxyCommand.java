package io.gatewatch.cli;

import static io.gatewatch.cli.CommandLineConfig.quote;
import static io.gatewatch.cli.Converters.show;

import io.gatewatch.proxy.ProxySettings;
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
      defaultValue = ProxySettings.DEFAULT_LISTEN,
      description = "Where WebSocket clients connect (default: ${DEFAULT-VALUE}).")
  String listen;

  @Option(
      names = "--upstream",
      paramLabel = "URL",
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
      defaultValue = "100MiB",
      description =
          "Rotate the capture file at this size: 512KiB, 100MiB, 1GiB (default:"
              + " ${DEFAULT-VALUE}).")
  String captureMaxSize;

  @Option(
      names = "--capture-keep",
      paramLabel = "N",
      defaultValue = "10",
      description =
          "Rotated capture files kept, compressed; older ones are deleted (default:"
              + " ${DEFAULT-VALUE}).")
  int captureKeep;

  @Option(
      names = "--no-compressed-observation",
      description =
          "Relay compressed frames (zstd-stream, zlib-stream, payload compression) without"
              + " decompressing them (saves up to ~4.7 MB per zstd-stream socket, ~41 KB per"
              + " zlib-stream one; then only closes and sizes are observed).")
  boolean noCompressedObservation;

  @Option(
      names = "--max-connections",
      paramLabel = "N",
      defaultValue = "10000",
      description = "Relayed sockets at most; more get HTTP 503 (default: ${DEFAULT-VALUE}).")
  int maxConnections;

  @Option(
      names = "--connect-timeout",
      paramLabel = "DURATION",
      defaultValue = "5s",
      description = "Upstream connect + handshake (default: ${DEFAULT-VALUE}).")
  Duration connectTimeout;

  @Option(
      names = "--idle-timeout",
      paramLabel = "DURATION",
      defaultValue = "120s",
      description =
          "No frame either way for this long: both sides closed with 1001 (default:"
              + " ${DEFAULT-VALUE}).")
  Duration idleTimeout;

  @Option(
      names = "--max-frame-bytes",
      paramLabel = "SIZE",
      defaultValue = "16MiB",
      converter = Converters.Size.class,
      description = "Larger frames close both sides with 1009 (default: ${DEFAULT-VALUE}).")
  long maxFrameBytes;

  @Option(
      names = "--drain-period",
      paramLabel = "DURATION",
      defaultValue = "30s",
      description =
          "On SIGTERM or Ctrl-C, ask the relayed clients to reconnect spread over this long"
              + " (op 7, then the profile's resumable close), then close what is left with 1001;"
              + " 0 closes every socket at once (default: ${DEFAULT-VALUE}; docs/drain.md).")
  Duration drainPeriod;

  @Option(
      names = "--upstream-ca",
      paramLabel = "FILE",
      description = "Trust this CA (PEM) for wss:// instead of the system's.")
  Path upstreamCa;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description = "TLS on the listener: the certificate chain (PEM).")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description = "TLS on the listener: the key (PEM, unencrypted PKCS#8).")
  Path tlsKey;

  @Override
  public Integer call() throws Exception {
    if ((tlsCert == null) != (tlsKey == null)) {
      spec.commandLine()
          .getErr()
          .println("gatewatch proxy: give --tls-cert and --tls-key together");
      return BAD_USAGE;
    }
    return agent.runUntilStopped(
        "proxy",
        "proxies",
        proxy(),
        List.of("drain_period: " + quote(show(drainPeriod))),
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

  private boolean given(String flag) {
    return spec.commandLine().getParseResult().hasMatchedOption(flag);
  }

  /** The flags as the proxy's entry in the configuration file they stand for. */
  private List<String> proxy() {
    List<String> p = new ArrayList<>();
    p.add("gateway: " + quote(agent.gateway.name));
    p.add("listen: " + quote(listen));
    p.add("upstream: " + quote(upstream));
    if (capture != null) {
      p.add("capture: " + quote(capture.toString()));
    }
    // the capture's settings when it is on or they are given: the file refuses them alone
    if (capture != null || given("--capture-payloads")) {
      p.add("capture_payloads: " + capturePayloads);
    }
    if (capture != null || given("--capture-max-size")) {
      p.add("capture_max_size: " + quote(captureMaxSize));
    }
    if (capture != null || given("--capture-keep")) {
      p.add("capture_keep: " + captureKeep);
    }
    p.add("compressed_observation: " + !noCompressedObservation);
    p.add("max_connections: " + maxConnections);
    p.add("connect_timeout: " + quote(show(connectTimeout)));
    p.add("idle_timeout: " + quote(show(idleTimeout)));
    p.add("max_frame_bytes: " + maxFrameBytes);
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
