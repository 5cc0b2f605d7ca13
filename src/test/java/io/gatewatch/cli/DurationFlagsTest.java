package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every duration flag of every command refuses a number without a unit (exit 2, one line naming the
 * flag and the units) before anything starts, and every such command's help says the rule.
 */
class DurationFlagsTest {
  /** What each command needs besides the flag under test, so that only the flag can fail. */
  private static final Map<String, List<String>> REQUIRED =
      Map.of(
          "proxy", List.of("--upstream", "ws://127.0.0.1:1", "--listen", "127.0.0.1:0"),
          "probe", List.of("--url", "ws://127.0.0.1:1", "--token-env", "GATEWATCH_NO_SUCH_VAR"),
          "replay", List.of("/no/such/capture.ndjson"),
          "run", List.of("--config", "/no/such/agent.yaml"),
          "fleet", List.of("--url", "ws://127.0.0.1:1"));

  private static CommandLine main() {
    return new CommandLine(new Main());
  }

  @Test
  void aBareNumberIsRefusedByEveryDurationFlag() {
    List<String> checked = new ArrayList<>();
    for (Map.Entry<String, CommandLine> sub : main().getSubcommands().entrySet()) {
      for (OptionSpec o : sub.getValue().getCommandSpec().options()) {
        if (!"DURATION".equals(o.paramLabel())) {
          continue;
        }
        String command = sub.getKey();
        String flag = o.longestName();
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(REQUIRED.getOrDefault(command, List.of()));
        args.addAll(List.of(flag, "90"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit =
            main()
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args.toArray(String[]::new));

        assertThat(exit).as(String.join(" ", args)).isEqualTo(2);
        assertThat(err.toString())
            .as(String.join(" ", args))
            .isEqualTo(
                "gatewatch "
                    + command
                    + ": "
                    + flag
                    + ": \"90\" has no unit; add one, e.g. 90s (units: ms, s, m, h)\n");
        assertThat(out.toString()).as(String.join(" ", args)).isEmpty();
        checked.add(command + " " + flag);
      }
    }
    // Not a vacuous pass: these are the duration flags there are.
    assertThat(checked)
        .containsExactlyInAnyOrder(
            "demo --duration",
            "demo --every",
            "demo --drain-period",
            "fleet --duration",
            "probe --resume-every",
            "probe --timeout",
            "proxy --connect-timeout",
            "proxy --idle-timeout",
            "proxy --drain-period",
            "run --drain-period",
            "run --correlation-timeout",
            "proxy --correlation-timeout",
            "probe --correlation-timeout",
            "replay --link-window",
            "simulate --interval",
            "simulate --heartbeat-timeout",
            "simulate --retention",
            "simulate --drop-every",
            "simulate --drain-every",
            "simulate --expire-every");
  }

  @Test
  void everyCommandThatReadsADurationSaysTheRuleInItsHelp() {
    TreeSet<String> withDurations = new TreeSet<>();
    for (Map.Entry<String, CommandLine> sub : main().getSubcommands().entrySet()) {
      boolean reads =
          sub.getValue().getCommandSpec().options().stream()
              .anyMatch(o -> o.paramLabel().contains("DURATION") || "SPEC".equals(o.paramLabel()));
      if (reads || "run".equals(sub.getKey())) { // run: the configuration file's durations
        withDurations.add(sub.getKey());
        assertThat(sub.getValue().getUsageMessage())
            .as(sub.getKey() + " --help")
            .contains("Durations take a unit: 500ms, 45s, 10m, 1h. A number alone (90) is")
            .contains("refused");
      }
    }
    assertThat(withDurations)
        .containsExactly("demo", "fleet", "probe", "proxy", "replay", "run", "simulate");
  }
}
