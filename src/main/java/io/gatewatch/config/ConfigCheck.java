package io.gatewatch.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Every problem of a document, not only the first: reads it, and after a problem reads it again
 * with the value that had it left out, until it reads cleanly. A problem that only follows from
 * what was left out is not reported: a key now missing where it is required, a mapping's rule about
 * which of its keys are given ({@code exactly one of token_file and token_env}) once one of them
 * was left out, a rule that reads a part left out ({@code needs capture}); the part it is at is
 * left out in turn. Readers stay fail-fast; start-up still stops at the first problem.
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
        if (path == null) {
          problems.add(e); // no place to resume after: another file
          return problems;
        }
        boolean leftOut = skipped.contains(path); // only missing because it was left out
        if (!leftOut && !followsFromSkipped(e, skipped)) {
          problems.add(e);
        }
        if (leftOut) {
          path = parent(path); // the part around it goes too
        }
        if (path.isEmpty() || !skipped.add(path)) {
          return problems; // the whole document, or a part already left out
        }
        doc = doc.skipping(path);
      }
    }
  }

  /**
   * Whether the problem is at a mapping (not the whole document) a part of which was left out, so
   * that its rule counted that part absent, or its rule read a part left out.
   */
  private static boolean followsFromSkipped(ConfigException e, Set<String> skipped) {
    for (String part : skipped) {
      if (!e.path().isEmpty() && within(part, e.path())) {
        return true;
      }
      for (String read : e.alsoReads()) {
        if (part.equals(read) || within(part, read)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether {@code path} lies strictly inside {@code part} ({@code a.b[0].c} inside {@code a.b}).
   */
  static boolean within(String path, String part) {
    return path.length() > part.length()
        && path.startsWith(part)
        && (part.isEmpty()
            || path.charAt(part.length()) == '.'
            || path.charAt(part.length()) == '[');
  }

  /** {@code proxies[1].upstream} -> {@code proxies[1]} -> {@code proxies} -> the root (empty). */
  static String parent(String path) {
    int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    return cut < 0 ? "" : path.substring(0, cut);
  }
}
