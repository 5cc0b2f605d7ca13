package io.gatewatch.correlation;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real redis-server (Debian's package) of the test's own, on a free loopback port, with nothing
 * saved to disk. Required in CI ({@code CI=true}: a test fails without it); elsewhere its absence
 * skips the test with a warning. It can be stopped and started again on the same port.
 */
public final class RedisServer implements AutoCloseable {
  private final Path binary;
  private final int port;
  private final List<String> extra;
  private Process process;

  private RedisServer(Path binary, int port, List<String> extra) {
    this.binary = binary;
    this.port = port;
    this.extra = extra;
  }

  /** {@code GATEWATCH_REDIS_SERVER} if set, else redis-server on the PATH. */
  static Optional<Path> find() {
    String env = System.getenv("GATEWATCH_REDIS_SERVER");
    if (env != null && !env.isBlank()) {
      Path p = Path.of(env);
      return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, "redis-server");
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Starts one, or fails (CI) or skips (elsewhere) the calling test when there is none. */
  public static RedisServer start(String... extraArgs) throws Exception {
    Optional<Path> binary = find();
    if (binary.isEmpty()) {
      String why =
          "the correlation tests need a real Redis: apt-get install redis-server (Debian), or set"
              + " GATEWATCH_REDIS_SERVER to a redis-server binary; scripts/test installs it";
      if ("true".equals(System.getenv("CI"))) {
        fail(why);
      }
      System.err.println("WARNING: skipped: " + why); // said out loud, not only in a report
      Assumptions.abort(why);
    }
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    RedisServer server = new RedisServer(binary.get(), port, List.of(extraArgs));
    server.startAgain();
    return server;
  }

  public int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:PORT}. */
  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** Starts the server (again) on its port and waits until it answers PING. */
  public synchronized void startAgain() throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary.toString());
    cmd.addAll(
        List.of(
            "--port",
            Integer.toString(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--loglevel",
            "warning"));
    cmd.addAll(extra);
    process =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!answers()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new IOException("redis-server did not start on port " + port);
      }
      Thread.sleep(20);
    }
  }

  /** Kills the server at once (SIGKILL): connections drop without a word. */
  public synchronized void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      process = null;
    }
  }

  /** Sends one inline command and returns the first line of the answer. */
  public String command(String line) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder b = new StringBuilder();
      int c;
      while ((c = in.read()) >= 0 && c != '\n') {
        if (c != '\r') {
          b.append((char) c);
        }
      }
      return b.toString();
    }
  }

  private boolean answers() {
    try {
      return command("PING").equals("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }
}
