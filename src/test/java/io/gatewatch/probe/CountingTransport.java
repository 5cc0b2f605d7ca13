package io.gatewatch.probe;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** The JDK transport, counting connect attempts as they are made (before any network). */
final class CountingTransport implements Transport {
  private final Transport inner = new JdkTransport(Duration.ofSeconds(5));
  final AtomicInteger connects = new AtomicInteger();

  @Override
  public void connect(URI url, Listener listener) {
    connects.incrementAndGet();
    inner.connect(url, listener);
  }
}
