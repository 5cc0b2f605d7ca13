package io.gatewatch.cli;

import io.gatewatch.config.ConfigException;
import io.gatewatch.config.ConfigNode;
import io.gatewatch.sim.AckDelay;
import io.gatewatch.sim.DispatchSize;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.RateLimit;
import io.gatewatch.sim.SimulatorSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatewatch simulate}: a Fluxer-style chaos gateway on a local port. */
@Command(
    name = "simulate",
    description = {
      "Run a Fluxer-style gateway simulator (the chaos gateway) to test clients and gatewatch"
          + " against: Hello, Identify and READY, heartbeats with the server's op 1 requests,"
          + " Resume with replay, op 9, op 7 drains, zstd-stream compression and every close code"
          + " of the profile, plus injected faults. With --profile discord it also speaks ETF"
          + " (encoding=etf), zlib-stream and payload compression, on v=10.",
      "Prints the gateway URL on stdout, logs on stderr, and runs until interrupted (Ctrl-C"
          + " closes every socket with 1001 and exits 0).",
      "Tokens: any token starting with 'valid-' is accepted unless --valid-token or the"
          + " configuration lists the accepted ones; anything else gets 4004.",
      "Flags override the --config file's simulator: section (docs/config.md, \"The"
          + " simulator\"); a flag not given leaves the file's value, else the default shown."
    })
public final class SimulateCommand extends GatewatchCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(SimulateCommand.class);

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      description =
          "Where WebSocket clients connect (default: " + SimulatorSettings.DEFAULT_LISTEN + ").")
  InetSocketAddress listen;

  @Mixin ProfileOption profile;

  @Option(
      names = "--interval",
      paramLabel = "DURATION",
      description = "Heartbeat interval advertised in Hello (default: 41250ms).")
  Duration interval;

  @Option(
      names = "--heartbeat-timeout",
      paramLabel = "DURATION",
      description = "Since the last heartbeat, while awaiting one: close 4009 (default: 45s).")
  Duration heartbeatTimeout;

  @Option(
      names = "--retention",
      paramLabel = "DURATION",
      description = "How long a session outlives its socket for Resume (default: 60s).")
  Duration retention;

  @Option(
      names = "--valid-token",
      paramLabel = "TOKEN",
      arity = "1..*",
      description = "Accept exactly these tokens (repeatable; default: any starting with valid-).")
  List<String> validTokens;

  @Option(
      names = "--ack-delay",
      paramLabel = "SPEC",
      description = "Delay before op 11: 50ms, a range 10ms..200ms, or a cycle 10ms,50ms,900ms.")
  AckDelay ackDelay;

  @Option(
      names = "--drop-every",
      paramLabel = "DURATION",
      description = "Drop every TCP connection (no close frame) this often.")
  Duration dropEvery;

  @Option(
      names = "--drop-probability",
      paramLabel = "N",
      description = "Chance per socket per heartbeat interval of a dropped connection (0-1).")
  Double dropProbability;

  @Option(
      names = "--drain-every",
      paramLabel = "DURATION",
      description = "Drain every socket (op 7, then close 4000) this often.")
  Duration drainEvery;

  @Option(
      names = "--expire-every",
      paramLabel = "DURATION",
      description = "Forget every session this often (a later Resume gets op 9).")
  Duration expireEvery;

  @Option(
      names = "--rate-limit",
      paramLabel = "SPEC",
      description =
          "Client payloads per socket per rolling window, N/DURATION; over: 4008 (default:"
              + " 120/60s).")
  RateLimit rateLimit;

  @Option(
      names = "--dispatch-rate",
      paramLabel = "N",
      description = "MESSAGE_CREATE dispatches per second per session (default: 1; 0 = none).")
  Double dispatchRate;

  @Option(
      names = "--dispatch-bytes",
      paramLabel = "SPEC",
      description =
          "Pad MESSAGE_CREATE dispatches to N bytes, or a size drawn from MIN..MAX (N|MIN..MAX)"
              + " (default: natural, about 270 bytes).")
  DispatchSize dispatchBytes;

  @Option(
      names = "--max-sockets-per-ip",
      paramLabel = "N",
      description = "Sockets one IP may hold; the next gets 4008 before Hello (default: 256).")
  Integer maxSocketsPerIp;

  @Option(
      names = "--random-seed",
      paramLabel = "N",
      description = "Seed of the random faults (default: 1).")
  Long randomSeed;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "YAML file with a simulator: section: timings, limits, faults (docs/config.md, \"The"
              + " simulator\").")
  Path config;

  private final CountDownLatch stop = new CountDownLatch(1);

  /** Asks a running command to stop (as Ctrl-C does); for embedding and tests. */
  public void stop() {
    stop.countDown();
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    SimulatorSettings settings;
    try {
      settings = settings();
    } catch (ConfigException | IllegalArgumentException e) {
      err.println("gatewatch simulate: " + e.getMessage());
      err.flush();
      return BAD_USAGE;
    }
    GatewaySimulator simulator = new GatewaySimulator(settings);
    try {
      simulator.start();
    } catch (IOException e) {
      Main.traceAtDebug("simulate", e);
      err.println("gatewatch simulate: " + e.getMessage());
      err.flush();
      return FAILED;
    }
    if (!settings.validTokens().isEmpty()) {
      LOG.info("accepting {} configured tokens", settings.validTokens().size());
    }
    out.println(simulator.url());
    out.flush();
    Thread hook = new Thread(simulator::close, "gatewatch-simulate-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    List<Runnable> restore = Signals.onInterrupt(this::stop);
    try {
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      simulator.close();
      restore.forEach(Runnable::run);
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down already
      }
    }
    return OK;
  }

  /** The configuration file's section, then the flags over it. */
  SimulatorSettings settings() {
    SimulatorSettings.Builder b = SimulatorSettings.builder();
    if (config != null) {
      b.apply(ConfigNode.parse(config).get("simulator"));
    }
    ifGiven(listen, b::listen);
    if (profile.given != null) {
      b.profile(profile.load());
    }
    ifGiven(interval, d -> b.heartbeatInterval(positive("--interval", d)));
    ifGiven(heartbeatTimeout, d -> b.heartbeatTimeout(positive("--heartbeat-timeout", d)));
    ifGiven(retention, b::sessionRetention);
    if (validTokens != null) {
      for (String t : validTokens) {
        if (t.isEmpty()) {
          throw new IllegalArgumentException("--valid-token: a token must not be empty");
        }
      }
      b.validTokens(new LinkedHashSet<>(validTokens));
    }
    ifGiven(ackDelay, b::ackDelay);
    ifGiven(dropEvery, b::dropEvery);
    if (dropProbability != null) {
      if (!(dropProbability >= 0 && dropProbability <= 1)) {
        throw new IllegalArgumentException(
            "--drop-probability: must be from 0 to 1, got " + dropProbability);
      }
      b.dropProbability(dropProbability);
    }
    ifGiven(drainEvery, b::drainEvery);
    ifGiven(expireEvery, b::expireEvery);
    ifGiven(rateLimit, b::rateLimit);
    if (dispatchRate != null) {
      if (!(dispatchRate >= 0 && dispatchRate <= SimulatorSettings.MAX_DISPATCH_RATE)) {
        throw new IllegalArgumentException(
            "--dispatch-rate: must be from 0 to 10000 per second, got " + dispatchRate);
      }
      b.dispatchRate(dispatchRate);
    }
    ifGiven(dispatchBytes, b::dispatchSize);
    if (maxSocketsPerIp != null) {
      if (maxSocketsPerIp < 1) {
        throw new IllegalArgumentException(
            "--max-sockets-per-ip: must be at least 1, got " + maxSocketsPerIp);
      }
      b.maxSocketsPerIp(maxSocketsPerIp);
    }
    ifGiven(randomSeed, b::seed);
    return b.build();
  }

  /** Sets what a flag gives; a flag not given leaves the file's value or the default. */
  private static <T> void ifGiven(T flag, Consumer<T> set) {
    if (flag != null) {
      set.accept(flag);
    }
  }

  /** A duration that must not be zero (an interval, a timeout). */
  private static Duration positive(String flag, Duration d) {
    if (d.isZero()) {
      throw new IllegalArgumentException(
          flag + ": must be positive, got \"" + Converters.show(d) + "\"");
    }
    return d;
  }

  /**
   * SIGINT and SIGTERM without the JVM's shutdown, so that Ctrl-C can end the command normally
   * (sockets closed with 1001, exit 0). Uses {@code sun.misc.Signal} reflectively
   * (jdk.unsupported); where it is missing, the shutdown hook still closes the sockets.
   */
  static final class Signals {
    private Signals() {}

    /** Installs {@code action} for INT and TERM; returns how to restore the previous handlers. */
    static List<Runnable> onInterrupt(Runnable action) {
      List<Runnable> restore = new ArrayList<>();
      try {
        Class<?> signal = Class.forName("sun.misc.Signal");
        Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
        Object handler =
            Proxy.newProxyInstance(
                handlerType.getClassLoader(),
                new Class<?>[] {handlerType},
                (proxy, method, args) -> {
                  switch (method.getName()) {
                    case "handle":
                      action.run();
                      return null;
                    case "hashCode":
                      return System.identityHashCode(proxy);
                    case "equals":
                      return proxy == args[0];
                    default:
                      return "gatewatch simulate signal handler";
                  }
                });
        Method handle = signal.getMethod("handle", signal, handlerType);
        for (String name : List.of("INT", "TERM")) {
          Object sig = signal.getConstructor(String.class).newInstance(name);
          Object previous = handle.invoke(null, sig, handler);
          restore.add(
              () -> {
                try {
                  handle.invoke(null, sig, previous);
                } catch (ReflectiveOperationException | RuntimeException e) {
                  // leave ours in place
                }
              });
        }
      } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
        LOG.debug("cannot handle signals; relying on the shutdown hook", e);
      }
      return restore;
    }
  }
}
