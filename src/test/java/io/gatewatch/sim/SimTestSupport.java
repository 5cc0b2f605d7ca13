package io.gatewatch.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** Starts simulators on free ports and clients against them; closes everything after each test. */
abstract class SimTestSupport {
  private final List<AutoCloseable> open = new ArrayList<>();

  /** Defaults for network tests: a free loopback port, no automatic dispatches. */
  static SimulatorSettings.Builder base() {
    return SimulatorSettings.builder().listen("127.0.0.1:0").dispatchRate(0);
  }

  GatewaySimulator start(SimulatorSettings.Builder settings) {
    try {
      GatewaySimulator sim = new GatewaySimulator(settings.build()).start();
      open.add(0, sim);
      return sim;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  WsClient connect(String url) {
    return connect(url, false);
  }

  WsClient connect(String url, boolean compressOutbound) {
    WsClient c = WsClient.connect(url, compressOutbound);
    open.add(0, c);
    return c;
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    open.clear();
  }
}
