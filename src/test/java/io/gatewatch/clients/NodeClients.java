package io.gatewatch.clients;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The Node.js project of third-party gateway clients ({@code src/test/node}: a package.json with
 * pinned versions and its lock file, installed by scripts/test with {@code npm ci}). Tests that
 * need it fail in CI (env {@code CI}) when node or the packages are missing, and are skipped with a
 * visible warning elsewhere.
 */
final class NodeClients {
  static final Path DIR = Path.of("src", "test", "node").toAbsolutePath();

  private NodeClients() {}

  /** The node binary; aborts or fails the test when node or {@code packages} are not installed. */
  static Path require(String... packages) {
    Path node = onPath("node");
    String why = null;
    if (node == null) {
      why = "node (20 or later) is not on the PATH";
    } else {
      for (String p : packages) {
        if (!Files.isDirectory(DIR.resolve("node_modules").resolve(p))) {
          why = "the npm package " + p + " is not installed in " + DIR;
          break;
        }
      }
    }
    if (why != null) {
      String advice = why + "; scripts/test installs it (npm ci --prefix src/test/node)";
      if (System.getenv("CI") != null) {
        fail(advice);
      }
      System.err.println("WARNING: skipped: " + advice); // said out loud, not only in a report
      Assumptions.abort(advice);
    }
    return node;
  }

  static Path onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** What a script printed and how it ended. */
  record Run(int exit, String out) {}

  /** Runs {@code node SCRIPT ARGS} in the Node project, at most {@code seconds}. */
  static Run run(Path node, long seconds, String script, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(node.toString(), script));
    command.addAll(List.of(args));
    Path log = Files.createTempFile("gatewatch-node", ".log");
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(DIR.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        return new Run(-1, Files.readString(log, StandardCharsets.UTF_8) + "\n(timed out)");
      }
      return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
