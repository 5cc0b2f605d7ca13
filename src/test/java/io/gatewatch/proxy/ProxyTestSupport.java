package io.gatewatch.proxy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** Starts proxies, upstreams and clients on free loopback ports; closes them after each test. */
abstract class ProxyTestSupport {
  private final List<AutoCloseable> open = new ArrayList<>();
  final RecordingObserver observer = new RecordingObserver();

  <T extends AutoCloseable> T track(T c) {
    open.add(0, c);
    return c;
  }

  /** Settings for tests: a free loopback port, two I/O threads. */
  static ProxySettings.Builder settings(URI upstream) {
    return ProxySettings.builder(upstream).listen("127.0.0.1:0").eventLoopThreads(2);
  }

  EchoUpstream upstream() {
    return track(new EchoUpstream().start());
  }

  GatewayProxy proxy(ProxySettings.Builder settings) {
    return proxy(settings, observer);
  }

  GatewayProxy proxy(ProxySettings.Builder settings, RelayObserver o) {
    try {
      return track(new GatewayProxy(settings.build(), o).start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static URI uri(GatewayProxy p, String pathAndQuery) {
    return URI.create("ws://127.0.0.1:" + p.port() + pathAndQuery);
  }

  static URI uri(EchoUpstream u, String pathAndQuery) {
    return URI.create(u.uri() + pathAndQuery);
  }

  FrameClient client(URI uri) {
    return track(FrameClient.connect(uri));
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    open.clear();
  }
}
