package io.gatewatch.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * nginx in front of the simulator, configured the way an SRE configures it in front of a WebSocket
 * gateway: {@code proxy_pass} with HTTP/1.1 and the {@code Upgrade}/{@code Connection} headers, the
 * forwarding headers, no response buffering, timeouts longer than the gateway's heartbeat interval,
 * one worker per CPU it is given, enough connections and descriptors per worker for 10,000 relayed
 * sockets. Its own prefix, configuration, logs and temporary directories under {@code dir} (nothing
 * of the system's nginx is used but the binary), on a free loopback port, in the foreground ({@code
 * daemon off}) so that this process owns it.
 */
final class NginxNode implements ProxyProcess {
  final Process process;
  final int port;
  final Path dir;

  /**
   * @param binary the nginx executable
   * @param dir its prefix (created; the configuration is written there)
   * @param upstreamPort the simulator's port
   * @param workers {@code worker_processes}: the proxy's event loop count
   * @param taskset the command prefix that pins it to the proxies' CPUs (empty: not pinned)
   * @param fdLimit the open-file limit each worker may raise itself to
   */
  NginxNode(
      Path binary, Path dir, int upstreamPort, int workers, List<String> taskset, long fdLimit)
      throws IOException {
    this.dir = dir.toAbsolutePath();
    Files.createDirectories(this.dir.resolve("tmp"));
    port = freePort();
    Path conf = this.dir.resolve("nginx.conf");
    Files.writeString(conf, config(this.dir, port, upstreamPort, workers, fdLimit));
    List<String> cmd = new ArrayList<>(taskset);
    cmd.addAll(List.of(binary.toString(), "-p", this.dir.toString(), "-c", conf.toString()));
    process =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(this.dir.resolve("stderr.log").toFile())
            .start();
    awaitReady(workers);
  }

  /** The configuration: production WebSocket proxying, as the class comment says. */
  static String config(Path dir, int port, int upstreamPort, int workers, long fdLimit) {
    // two descriptors per relayed socket, in the worker that accepted it; the rest for the
    // listening socket, logs and the channel to the master
    long connections = Math.max(1024, fdLimit - 64);
    return """
        # written by gatewatch's benchmark (ProxyLoad): nginx as it is run in front of a
        # WebSocket gateway, on the same CPUs and with as many workers as gatewatch's event loops
        daemon off;
        master_process on;
        worker_processes %1$d;
        worker_rlimit_nofile %2$d;
        pid %3$s/nginx.pid;
        error_log %3$s/error.log warn;

        events {
            worker_connections %4$d;
        }

        http {
            access_log off;
            server_tokens off;
            tcp_nodelay on;
            client_body_temp_path %3$s/tmp/body;
            proxy_temp_path %3$s/tmp/proxy;
            fastcgi_temp_path %3$s/tmp/fastcgi;
            uwsgi_temp_path %3$s/tmp/uwsgi;
            scgi_temp_path %3$s/tmp/scgi;

            map $http_upgrade $connection_upgrade {
                default upgrade;
                ''      close;
            }

            upstream gateway {
                server 127.0.0.1:%5$d;
            }

            server {
                # reuseport: one accept queue per worker, so that sockets spread over the workers
                # as they spread over gatewatch's event loops
                listen 127.0.0.1:%6$d backlog=1024 reuseport;

                location / {
                    proxy_pass http://gateway;
                    proxy_http_version 1.1;
                    proxy_set_header Upgrade $http_upgrade;
                    proxy_set_header Connection $connection_upgrade;
                    proxy_set_header Host $host;
                    proxy_set_header X-Real-IP $remote_addr;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_set_header X-Forwarded-Proto $scheme;
                    # frames go on as they arrive (for an upgraded connection nginx relays through
                    # one proxy_buffer_size buffer per direction: the default, one 4 KiB page)
                    proxy_buffering off;
                    proxy_request_buffering off;
                    # as gatewatch's proxy in the benchmark: 60 s to connect, and a socket with
                    # nothing either way for 120 s (3 heartbeat intervals of 41.25 s) is closed
                    proxy_connect_timeout 60s;
                    proxy_read_timeout 120s;
                    proxy_send_timeout 120s;
                }
            }
        }
        """
        .formatted(workers, fdLimit, dir, connections, upstreamPort, port);
  }

  private void awaitReady(int workers) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(
            "nginx exited at start: " + Files.readString(dir.resolve("stderr.log")).trim());
      }
      if (process.toHandle().children().count() >= workers && accepts()) {
        return;
      }
      sleep(50);
    }
    close();
    throw new IOException("nginx did not start its " + workers + " workers in 20 s");
  }

  private boolean accepts() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public ProcessHandle handle() {
    return process.toHandle();
  }

  /** Stops it (SIGTERM: nginx's fast shutdown, the master stops its workers). */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
