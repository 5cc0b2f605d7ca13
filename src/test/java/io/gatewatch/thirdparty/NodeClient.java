package io.gatewatch.thirdparty;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Assumptions;

/**
 * A Node.js program from {@code src/test/node} (third-party client libraries installed there by
 * {@code scripts/test} with {@code npm ci}), run as a child process that prints one JSON event per
 * line. Node and the packages are required in CI ({@code CI=true}: the test fails without them);
 * elsewhere a test without them is skipped with a warning on stderr.
 */
final class NodeClient implements AutoCloseable {
  static final Path DIR = Path.of("src/test/node");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final Writer stdin;
  private final List<JsonNode> events = new CopyOnWriteArrayList<>();
  private final StringBuffer stderr = new StringBuffer();

  private NodeClient(Process process) {
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread out = new Thread(() -> readEvents(process), "node-stdout");
    out.setDaemon(true);
    out.start();
    Thread err = new Thread(() -> readStderr(process), "node-stderr");
    err.setDaemon(true);
    err.start();
  }

  /**
   * Checks that Node.js 20 or later and {@code package} are installed; fails in CI, skips with a
   * visible warning elsewhere.
   */
  static void require(String npmPackage) {
    String why = null;
    String version = nodeVersion();
    if (version == null) {
      why = "Node.js is not installed (apt-get install nodejs npm)";
    } else if (majorOf(version) < 20) {
      why = "Node.js " + version + " is too old: the third-party clients need 20 or later";
    } else if (!Files.isDirectory(DIR.resolve("node_modules").resolve(npmPackage))) {
      why = npmPackage + " is not installed in " + DIR + " (run: npm ci --prefix " + DIR + ")";
    }
    if (why == null) {
      return;
    }
    why = "the third-party client tests need it: " + why + "; scripts/test installs both";
    if ("true".equals(System.getenv("CI"))) {
      fail(why);
    }
    System.err.println("WARNING: skipped: " + why); // said out loud, not only in a report
    Assumptions.abort(why);
  }

  /** Starts {@code node script args...} in {@code src/test/node}. */
  static NodeClient start(String script, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("node", script));
    command.addAll(List.of(args));
    return new NodeClient(new ProcessBuilder(command).directory(DIR.toFile()).start());
  }

  /** The events printed so far named {@code name}. */
  List<JsonNode> events(String name) {
    return events.stream().filter(e -> name.equals(e.path("event").asText())).toList();
  }

  int count(String name) {
    return events(name).size();
  }

  /** Waits until {@code count} events named {@code name} have been printed. */
  void awaitCount(String name, int count, Duration atMost) {
    try {
      await()
          .atMost(atMost)
          .pollInterval(Duration.ofMillis(5))
          .until(() -> count(name) >= count || !process.isAlive());
    } catch (ConditionTimeoutException e) {
      fail("no " + count + " '" + name + "' events within " + atMost + ": " + describe());
    }
    if (count(name) < count) {
      fail("node exited before " + count + " '" + name + "' events: " + describe());
    }
  }

  /** Sends one line on the program's stdin. */
  void send(String line) throws IOException {
    stdin.write(line + "\n");
    stdin.flush();
  }

  /** Waits for the program to exit; returns its status. */
  int awaitExit(Duration atMost) throws InterruptedException {
    if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
      fail("node did not exit within " + atMost + ": " + describe());
    }
    return process.exitValue();
  }

  String describe() {
    String err = stderr.toString();
    return "events " + events + (err.isEmpty() ? "" : "; stderr (last 2000 chars): " + tail(err));
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }

  private void readEvents(Process p) {
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        try {
          events.add(JSON.readTree(line));
        } catch (IOException e) {
          stderr.append("(stdout, not JSON) ").append(line).append('\n');
        }
      }
    } catch (IOException e) {
      // the process ended
    }
  }

  private void readStderr(Process p) {
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        stderr.append(line).append('\n');
      }
    } catch (IOException e) {
      // the process ended
    }
  }

  private static String tail(String s) {
    return s.length() <= 2000 ? s : s.substring(s.length() - 2000);
  }

  private static String nodeVersion() {
    try {
      Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static int majorOf(String version) {
    try {
      return Integer.parseInt(version.replaceFirst("^v", "").split("\\.")[0]);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
