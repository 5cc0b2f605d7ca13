package io.gatewatch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP load balancer as a Kubernetes Service is one: each new connection goes to the next backend
 * in turn, and its bytes are copied both ways unchanged.
 */
final class RoundRobinBalancer implements AutoCloseable {
  private final ServerSocket listener;
  private final List<InetSocketAddress> backends;
  private final AtomicInteger next = new AtomicInteger();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  RoundRobinBalancer(List<InetSocketAddress> backends) throws IOException {
    this.backends = new ArrayList<>(backends);
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::accept, "balancer-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  /** Which backend the n-th connection (from 0) went to. */
  int backendOf(int connection) {
    return connection % backends.size();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket backend = new Socket();
        backend.connect(backends.get(next.getAndIncrement() % backends.size()), 5000);
        sockets.add(client);
        sockets.add(backend);
        AtomicInteger open = new AtomicInteger(2);
        pipe(client, backend, open);
        pipe(backend, client, open);
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  /**
   * Copies one direction; at its end, ends the other side's output the same way. The second
   * direction to end closes both sockets.
   */
  private static void pipe(Socket from, Socket to, AtomicInteger open) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[8192];
              try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                  out.write(buf, 0, n);
                  out.flush();
                }
                to.shutdownOutput();
              } catch (IOException e) {
                closeQuietly(to); // a reset on one side resets the other
                closeQuietly(from);
              }
              if (open.decrementAndGet() == 0) {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "balancer-pipe");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    sockets.forEach(RoundRobinBalancer::closeQuietly);
  }
}
