package io.gatewatch.proxy;

import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.track.EventClock;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The three processes of {@code scripts/concurrency.sh} (not a test): the proxy's process holds two
 * sockets per relayed connection, so the clients and the upstream run in processes of their own to
 * leave it the whole open-file limit. Each prints what the script waits for on stdout.
 *
 * <pre>
 * upstream                      an echo upstream; prints "UPSTREAM port"
 * proxy UPSTREAM_PORT MAX       a watched proxy (source="proxy"); prints "PROXY port", then
 *                               "ACTIVE n" every second
 * clients PROXY_PORT N HOLD_S   N clients through the proxy, held HOLD_S seconds; prints
 *                               "CONNECTED n", "ECHOED n" (a sample talked), then "CLOSED"
 * </pre>
 */
public final class ConcurrencyLoad {
  private ConcurrencyLoad() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "upstream" -> {
        EchoUpstream up = new EchoUpstream().start();
        System.out.println("UPSTREAM " + up.uri().getPort());
        awaitStop();
      }
      case "proxy" -> proxy(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
      case "clients" ->
          clients(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Long.parseLong(args[3]));
      default -> throw new IllegalArgumentException("upstream | proxy | clients");
    }
  }

  /** Until the script stops the process (SIGTERM). */
  private static void awaitStop() throws Exception {
    new java.util.concurrent.CountDownLatch(1).await();
  }

  private static void proxy(int upstreamPort, int max) throws Exception {
    Watches watches = new Watches(TokenFingerprinter.withRandomSalt());
    WatchedProxy proxy =
        WatchedProxy.start(
            watches,
            ProfileLoader.load("fluxer-seed"),
            TrackerSettings.DEFAULTS,
            "load",
            ProxySettings.builder(URI.create("ws://127.0.0.1:" + upstreamPort))
                .listen("127.0.0.1:0")
                .maxConnections(max)
                .build(),
            null,
            true,
            EventClock.system(),
            Signals.NONE);
    System.out.println("PROXY " + proxy.proxy().port());
    Thread t =
        new Thread(
            () -> {
              try {
                while (true) {
                  System.out.println(
                      "ACTIVE "
                          + proxy.proxy().activeConnections()
                          + " TRACKED "
                          + proxy.tracker().activeConnections()
                          + " REFUSED "
                          + proxy.proxy().refusedConnections());
                  Thread.sleep(1000);
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "load-report");
    t.setDaemon(true);
    t.start();
    awaitStop();
    proxy.close();
  }

  private static void clients(int proxyPort, int n, long holdSeconds) throws Exception {
    List<RawClient> clients = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      RawClient c = RawClient.open(proxyPort, 0);
      c.write(RawClient.upgradeRequest("/?v=1&encoding=json&c=" + i));
      int status = c.readHead().status();
      if (status != 101) {
        System.out.println("REFUSED at " + i + ": HTTP " + status);
        c.close();
        break;
      }
      clients.add(c);
      if ((i + 1) % 1000 == 0) {
        System.out.println("CONNECTING " + (i + 1));
      }
    }
    System.out.println("CONNECTED " + clients.size());
    int echoed = 0;
    for (int i = 0; i < clients.size(); i += Math.max(1, clients.size() / 100)) {
      String text = "{\"op\":1,\"d\":" + i + "}";
      clients.get(i).sendText(text);
      if (clients.get(i).readFrame().equals(TransparencyTest.text(true, text))) {
        echoed++;
      }
    }
    System.out.println("ECHOED " + echoed);
    Thread.sleep(holdSeconds * 1000);
    for (RawClient c : clients) {
      c.close();
    }
    System.out.println("CLOSED");
  }
}
