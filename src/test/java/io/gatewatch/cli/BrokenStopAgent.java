package io.gatewatch.cli;

import io.gatewatch.config.ConfigNode;
import io.gatewatch.export.Logging;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code gatewatch proxy} as {@link AgentRunner} runs it, with one more part closed first whose
 * close breaks: it throws, or it never returns. For {@link StopTest}, which stops it with SIGTERM.
 *
 * <p>Arguments: {@code throw|hang PROXY_PORT HTTP_PORT UPSTREAM_URL CLOSE_DEADLINE}.
 */
final class BrokenStopAgent {
  private BrokenStopAgent() {}

  public static void main(String[] args) throws Exception {
    Logging.bridgeJul();
    String yaml =
        "http: {listen: \"127.0.0.1:"
            + args[2]
            + "\"}\nproxies:\n  - gateway: broken\n    listen: \"127.0.0.1:"
            + args[1]
            + "\"\n    upstream: \""
            + args[3]
            + "\"\n";
    Duration deadline = Duration.parse("PT" + args[4]);
    StopSignals signals = StopSignals.install(deadline); // before the start, as the commands do
    AgentRunner agent =
        AgentRunner.start(AgentConfig.read(ConfigNode.parse("test", yaml), Map.of()));
    AutoCloseable broken =
        args[0].equals("throw")
            ? () -> {
              throw new IllegalStateException("broken on purpose");
            }
            : () -> new CountDownLatch(1).await(); // never returns
    agent.closeFirst("the broken part", broken);
    int status = agent.runUntilStopped(signals, Duration.ZERO, deadline);
    signals.close();
    System.exit(status);
  }
}
