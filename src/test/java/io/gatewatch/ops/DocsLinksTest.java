package io.gatewatch.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The project's documents lead only to what the project holds: every relative link in README.md,
 * docs/ and alerts/runbooks/ resolves (to a file, and to a heading when it names one), and no file
 * of the repository mentions a Markdown file the repository does not hold.
 */
class DocsLinksTest {
  private static final Path ROOT = Path.of("").toAbsolutePath();

  /** {@code [text](target)} or {@code [text](target "title")}. */
  private static final Pattern LINK =
      Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");

  /**
   * A run of path characters ending in {@code .md}, with the shell variable it may start from
   * ({@code $out/table.md}).
   */
  private static final Pattern MD_NAME =
      Pattern.compile("(?:\\$\\{?[A-Za-z_]+\\}?/)?[A-Za-z0-9_./:-]*[A-Za-z0-9_-]\\.md\\b");

  private static final Set<String> SKIPPED_DIRS = Set.of(".git", "target", "node_modules", ".idea");
  private static final Set<String> BINARY =
      Set.of("png", "jpg", "ico", "jar", "gz", "tgz", "zip", "class", "woff", "woff2");

  private static List<Path> files() throws IOException {
    try (Stream<Path> walk = Files.walk(ROOT)) {
      return walk.filter(Files::isRegularFile)
          .filter(
              p -> {
                for (Path part : ROOT.relativize(p)) {
                  if (SKIPPED_DIRS.contains(part.toString())) {
                    return false;
                  }
                }
                String name = p.getFileName().toString();
                int dot = name.lastIndexOf('.');
                return dot < 0
                    || !BINARY.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
              })
          .sorted()
          .toList();
    }
  }

  private static List<Path> documents() throws IOException {
    List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md")));
    for (String dir : List.of("docs", "alerts/runbooks")) {
      try (Stream<Path> list = Files.list(ROOT.resolve(dir))) {
        list.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
      }
    }
    return docs;
  }

  /** The text without fenced code blocks and inline code, where brackets are not links. */
  private static String prose(String markdown) {
    return markdown.replaceAll("(?ms)^```.*?^```", "").replaceAll("`[^`\\n]*`", "");
  }

  /**
   * GitHub's anchors of a Markdown file's headings ({@code ## A session's life}: a-sessions-life).
   */
  static Set<String> anchors(String markdown) {
    Set<String> out = new HashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    for (String line : markdown.replaceAll("(?ms)^```.*?^```", "").split("\n")) {
      Matcher m = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$").matcher(line);
      if (m.matches()) {
        String slug =
            m.group(1)
                .toLowerCase(Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{N}\\s_-]", "")
                .replace(' ', '-');
        int n = seen.merge(slug, 1, Integer::sum);
        out.add(n == 1 ? slug : slug + "-" + (n - 1));
      }
    }
    return out;
  }

  @Test
  void anchorsAreGitHubs() {
    assertThat(
            anchors("# gatewatch\n## A session's life\n### `GET /api/summary`\n## Notes\n## Notes"))
        .containsExactlyInAnyOrder(
            "gatewatch", "a-sessions-life", "get-apisummary", "notes", "notes-1");
  }

  @Test
  void everyRelativeLinkInTheDocumentsResolves() throws IOException {
    List<String> broken = new ArrayList<>();
    int checked = 0;
    for (Path doc : documents()) {
      Matcher m = LINK.matcher(prose(Files.readString(doc)));
      while (m.find()) {
        String target = m.group(1);
        if (target.matches("^[a-z]+:.*")) {
          continue; // https:, mailto:
        }
        checked++;
        int hash = target.indexOf('#');
        String path = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path file = path.isEmpty() ? doc : doc.getParent().resolve(path).normalize();
        String where = ROOT.relativize(doc) + ": " + target;
        if (!file.startsWith(ROOT) || !Files.exists(file)) {
          broken.add(where + " (no such file)");
        } else if (anchor != null
            && file.toString().endsWith(".md")
            && !anchors(Files.readString(file)).contains(anchor)) {
          broken.add(where + " (no such heading)");
        }
      }
    }
    assertThat(checked).as("relative links checked").isGreaterThan(50);
    assertThat(broken).isEmpty();
  }

  @Test
  void noFileMentionsAMarkdownFileTheRepositoryDoesNotHold() throws IOException {
    List<Path> files = files();
    Set<String> held = new HashSet<>();
    for (Path f : files) {
      if (f.toString().endsWith(".md")) {
        held.add(f.getFileName().toString());
      }
    }
    assertThat(held).contains("README.md", "protocol.md", "design.md");
    List<String> missing = new ArrayList<>();
    for (Path f : files) {
      String text;
      try {
        text = Files.readString(f, StandardCharsets.UTF_8);
      } catch (MalformedInputException notText) {
        continue;
      }
      Matcher m = MD_NAME.matcher(text);
      while (m.find()) {
        String name = m.group();
        if (name.contains("://") || name.startsWith("//")) {
          continue; // part of a URL elsewhere
        }
        if (name.startsWith("$") || name.startsWith("target/")) {
          continue; // written by a command at run time, not held
        }
        String local = name.replaceFirst("^\\./", "");
        boolean resolves =
            Files.exists(f.getParent().resolve(local))
                || Files.exists(ROOT.resolve(local))
                || held.contains(Path.of(local).getFileName().toString());
        if (!resolves) {
          missing.add(ROOT.relativize(f) + ": " + name);
        }
      }
    }
    assertThat(missing).isEmpty();
  }
}
