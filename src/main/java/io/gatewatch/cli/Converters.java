package io.gatewatch.cli;

import io.gatewatch.config.Durations;
import io.gatewatch.config.HostPort;
import io.gatewatch.config.Sizes;
import io.gatewatch.sim.AckDelay;
import io.gatewatch.sim.DispatchSize;
import io.gatewatch.sim.RateLimit;
import io.gatewatch.sim.Wire;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The values the commands' flags share, converted as picocli parses them, with the parsers the
 * configuration file uses: durations ({@link Durations}), listen addresses ({@link HostPort}),
 * WebSocket URLs, the simulator's faults. A value one of them refuses is reported as one line that
 * names the command and the flag, exit 2, the same in every command ({@link Install}).
 */
final class Converters {
  private Converters() {}

  /** A value a converter refused; the message says why, without the flag (the report adds it). */
  static final class BadValue extends IllegalArgumentException {
    BadValue(String why) {
      super(why);
    }

    BadValue(IllegalArgumentException why) {
      super(why.getMessage(), why);
    }
  }

  /** {@code parse(text)}, its refusal a {@link BadValue}. */
  private static <T> T converted(String text, Function<String, T> parse) {
    try {
      return parse.apply(text);
    } catch (IllegalArgumentException e) {
      throw new BadValue(e);
    }
  }

  /** How long a stop drains the relayed sockets: 0 to 1h. */
  static final class DrainPeriod implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String text) {
      Duration d = converted(text, Durations::parse);
      if (d.compareTo(AgentConfig.MAX_DRAIN_PERIOD) > 0) {
        throw new BadValue(
            "must be at most "
                + AgentConfig.MAX_DRAIN_PERIOD.toMinutes()
                + "m, got \""
                + text
                + "\"");
      }
      return d;
    }
  }

  /** A duration above zero: a window or a timeout. */
  static final class PositiveDuration implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String text) {
      Duration d = converted(text, Durations::parse);
      if (d.isZero() || d.isNegative()) {
        throw new BadValue("must be above 0, got \"" + text + "\"");
      }
      return d;
    }
  }

  /** A size in bytes with a binary unit: 512KiB, 16MiB ({@link Sizes}). */
  static final class Size implements ITypeConverter<Long> {
    @Override
    public Long convert(String text) {
      return converted(text, Sizes::parse);
    }
  }

  /**
   * A gateway's URL: {@code ws://} or {@code wss://} with a host, from a flag or a file.
   *
   * @throws IllegalArgumentException saying so, without naming the setting
   */
  static URI webSocketUrl(String text) {
    try {
      URI uri = new URI(text);
      if (uri.getHost() != null && uri.getScheme() != null && uri.getScheme().matches("(?i)wss?")) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // the same answer as for any other URL that is not a WebSocket one
    }
    throw new IllegalArgumentException("not a ws:// or wss:// URL");
  }

  /** An address as it is written in a flag: {@code 127.0.0.1:9470}, {@code [::1]:9470}. */
  static String show(InetSocketAddress address) {
    return HostPort.show(address);
  }

  /** A duration as it is written in a flag, in its largest whole unit: 2s, 10m, 1h, 1500ms. */
  static String show(Duration d) {
    long ms = d.toMillis();
    if (ms != 0 && ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms != 0 && ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }

  /**
   * Gives a command the converters of the types every command reads the same way (every URI a flag
   * gives is a gateway's; a flag of another meaning names its own converter: {@link DrainPeriod}),
   * and reports a value a converter refused as {@code gatewatch COMMAND: --flag: why}, exit 2,
   * instead of picocli's "Invalid value for option" followed by the whole usage; any other parse
   * error (a missing option, an unknown flag) is picocli's message on one line and where to look,
   * exit 2. It also adds the command's {@link OldFlags}. The {@code modelTransformer} of {@link
   * GatewatchCommand}, so that it holds however the command line is made ({@link Main}, or one
   * command on its own).
   */
  static final class Install implements IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      CommandLine commandLine = spec.commandLine();
      commandLine
          .registerConverter(Duration.class, text -> converted(text, Durations::parse))
          .registerConverter(InetSocketAddress.class, text -> converted(text, HostPort::parse))
          .registerConverter(URI.class, text -> converted(text, Converters::webSocketUrl))
          .registerConverter(Wire.class, text -> converted(text, Wire::parse))
          .registerConverter(AckDelay.class, text -> converted(text, AckDelay::parse))
          .registerConverter(RateLimit.class, text -> converted(text, RateLimit::parse))
          .registerConverter(DispatchSize.class, text -> converted(text, DispatchSize::parse));
      OldFlags.install(spec);
      commandLine.setParameterExceptionHandler(
          (e, args) -> {
            CommandLine failed = e.getCommandLine();
            String command = failed.getCommandName();
            String name = command.equals("gatewatch") ? command : "gatewatch " + command;
            PrintWriter err = failed.getErr();
            if (e.getCause() instanceof BadValue bad && e.getArgSpec() instanceof OptionSpec o) {
              err.println(name + ": " + o.longestName() + ": " + bad.getMessage());
            } else { // one line and where to look, not the whole usage under it
              err.println(name + ": " + e.getMessage());
              err.println("Try '" + name + " --help'.");
            }
            err.flush();
            return failed.getCommandSpec().exitCodeOnInvalidInput();
          });
      return spec;
    }
  }
}
