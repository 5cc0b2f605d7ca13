package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * README.md, docs/ and --help in step: every flag the documentation shows after {@code gatewatch
 * COMMAND} (or {@code gatewatch.jar COMMAND}) is one that command has and shows in its help (an old
 * spelling kept as a hidden alias does not count), and the exit codes README lists are the ones
 * every command's help lists.
 */
class DocsFlagsTest {
  /** A command line in the docs: the command, then its arguments up to the end of the example. */
  private static final Pattern COMMAND_LINE =
      Pattern.compile(
          "gatewatch(?:\\.jar)? (demo|run|check|proxy|probe|replay|simulate|fleet)\\b"
              + "((?:[^\\n`#|;&]|\\\\\\n)*)");

  private static final Pattern FLAG = Pattern.compile("(?<![\\w-])--[a-z][a-z0-9-]*");

  record Use(Path file, String command, String flag) {}

  private static List<Path> documents() throws IOException {
    List<Path> docs = new ArrayList<>(List.of(Path.of("README.md")));
    try (Stream<Path> files = Files.list(Path.of("docs"))) {
      files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(docs::add);
    }
    return docs;
  }

  static List<Use> uses() throws IOException {
    List<Use> uses = new ArrayList<>();
    for (Path doc : documents()) {
      Matcher line = COMMAND_LINE.matcher(Files.readString(doc));
      while (line.find()) {
        Matcher flag = FLAG.matcher(line.group(2));
        while (flag.find()) {
          uses.add(new Use(doc, line.group(1), flag.group()));
        }
      }
    }
    return uses;
  }

  @Test
  void everyDocumentedFlagExistsForItsCommand() throws IOException {
    Map<String, CommandLine> commands = Main.commandLine().getSubcommands();
    List<Use> uses = uses();
    assertThat(uses).as("the docs show flags").hasSizeGreaterThan(20);
    for (Use use : uses) {
      OptionSpec option = commands.get(use.command()).getCommandSpec().findOption(use.flag());
      assertThat(option)
          .as("%s: gatewatch %s %s", use.file(), use.command(), use.flag())
          .isNotNull();
      assertThat(option.hidden())
          .as("%s: gatewatch %s %s is an old spelling", use.file(), use.command(), use.flag())
          .isFalse();
    }
  }

  @Test
  void theReadmesExitStatusTableIsEveryCommandsHelp() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    assertThat(readme).contains("### Exit status");
    for (String code : List.of("0", "1", "2", "3")) {
      assertThat(readme).contains("| " + code + " |");
    }
    for (String command : ExitCodesTest.COMMANDS) {
      String help = ReplayCommandTest.run(command, "--help").out();
      assertThat(help)
          .as(command)
          .contains(
              "Exit status:",
              "  0   ok",
              "  1   the job's own failure",
              "  2   bad usage",
              "  3   partial input");
    }
  }
}
