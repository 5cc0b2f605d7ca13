package io.gatewatch.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Every problem of a document, not only the first: reads it, and after a problem reads it again
 * with the value that had it left out, until it reads cleanly. When leaving a value out only makes
 * its key missing where it is required, the enclosing part is left out instead (and that is no new
 * problem). Readers stay fail-fast; start-up still stops at the first problem.
 */
public final class ConfigCheck {
  private ConfigCheck() {}

  /**
   * @param reader reads the document the way start-up does, throwing {@link ConfigException}
   * @return the problems in the order found; empty when the document is valid
   */
  public static List<ConfigException> problems(ConfigNode document, Consumer<ConfigNode> reader) {
    List<ConfigException> problems = new ArrayList<>();
    Set<String> skipped = new HashSet<>();
    ConfigNode doc = document;
    while (true) {
      try {
        reader.accept(doc);
        return problems;
      } catch (ConfigException e) {
        String path = e.path();
        if (path == null || path.isEmpty()) {
          problems.add(e); // no place to resume after: the whole document, or another file
          return problems;
        }
        if (skipped.contains(path)) { // only missing because it was left out
          path = parent(path);
          if (path.isEmpty() || !skipped.add(path)) {
            return problems;
          }
        } else {
          problems.add(e);
          skipped.add(path);
        }
        doc = doc.skipping(path);
      }
    }
  }

  /** {@code proxies[1].upstream} -> {@code proxies[1]} -> {@code proxies} -> the root (empty). */
  static String parent(String path) {
    int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    return cut < 0 ? "" : path.substring(0, cut);
  }
}
