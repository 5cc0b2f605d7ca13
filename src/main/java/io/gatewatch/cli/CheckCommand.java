package io.gatewatch.cli;

import io.gatewatch.config.ConfigCheck;
import io.gatewatch.config.ConfigException;
import io.gatewatch.config.ConfigNode;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.sim.SimulatorSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gatewatch check FILE...}: validates files without starting anything. */
@Command(
    name = "check",
    description = {
      "Check configuration files without starting anything, as promtool check config does: a"
          + " run configuration (docs/config.md), a profile (a file with opcodes and close_codes,"
          + " docs/profiles.md) or a simulator file (a simulator: section). Every problem is"
          + " printed with the file, the path and the line: the first of each part (a top-level"
          + " key, or one item of proxies or probes), so one broken part hides nothing of the"
          + " others.",
      "A run configuration is read as `run` reads it, with this environment's GATEWATCH_*"
          + " variables and the token files and variables it names: check on the machine that"
          + " runs the agent.",
      "Exit status: 0 every file is valid, 1 a problem in a file (or a file cannot be read), 2"
          + " bad usage."
    })
public final class CheckCommand extends GatewatchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "The files to check.")
  List<Path> files;

  /** The environment a run configuration is read with; tests set their own. */
  Map<String, String> env = System.getenv();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean allValid = true;
    for (Path file : files) {
      ConfigNode document;
      try {
        document = ConfigNode.parse(file);
      } catch (ConfigException e) {
        err.println(e.getMessage());
        allValid = false;
        continue;
      }
      Kind kind = Kind.of(document);
      List<ConfigException> problems = ConfigCheck.problems(document, kind.reader(env));
      for (ConfigException problem : problems) {
        err.println(problem.getMessage());
      }
      if (problems.isEmpty()) {
        out.println(file + ": valid " + kind.description);
      } else {
        out.println(
            file
                + ": "
                + problems.size()
                + (problems.size() == 1 ? " problem" : " problems")
                + " in this "
                + kind.description);
        allValid = false;
      }
    }
    out.flush();
    err.flush();
    return allValid ? OK : FAILED;
  }

  /** What a file is, told by its top-level keys. */
  enum Kind {
    PROFILE("profile"),
    SIMULATOR("simulator configuration"),
    RUN("run configuration");

    final String description;

    Kind(String description) {
      this.description = description;
    }

    static Kind of(ConfigNode document) {
      if (!document.isMapping()) {
        return RUN; // and reading it says what is wrong
      }
      if (document.keys().contains("close_codes") || document.keys().contains("opcodes")) {
        return PROFILE;
      }
      return document.keys().contains("simulator") ? SIMULATOR : RUN;
    }

    Consumer<ConfigNode> reader(Map<String, String> env) {
      return switch (this) {
        case PROFILE -> ProfileLoader::fromConfig;
        case SIMULATOR ->
            doc -> {
              doc.rejectUnknownKeys("simulator");
              SimulatorSettings.fromConfig(doc.get("simulator"));
            };
        case RUN -> doc -> AgentConfig.read(doc, env);
      };
    }
  }
}
