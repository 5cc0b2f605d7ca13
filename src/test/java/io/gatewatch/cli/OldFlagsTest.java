package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The flags' spellings before issue 23 still work for one release: each sets the new flag, says
 * once on stderr which flag replaces it, and is not shown in --help.
 */
class OldFlagsTest {
  /** What parsing left: the new flag's value and what was said on stderr. */
  record Parsed(Object value, String err, String help) {}

  private static Parsed parse(String command, String flag, String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine().setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of(command));
    all.addAll(List.of(args));
    CommandLine.ParseResult parsed = cli.parseArgs(all.toArray(String[]::new));
    CommandLine sub = parsed.subcommand().commandSpec().commandLine();
    OptionSpec option = sub.getCommandSpec().findOption(flag);
    return new Parsed(option.getValue(), err.toString(), sub.getUsageMessage());
  }

  private static void assertDeprecated(Parsed p, String command, String old, String now) {
    assertThat(p.err())
        .isEqualTo("gatewatch " + command + ": " + old + " is deprecated; use " + now + "\n");
    assertThat(p.help()).contains(now).doesNotContain(old + "=", old + " ");
  }

  @Test
  void proxyMetricsListenIsHttpListen() {
    Parsed p =
        parse(
            "proxy",
            "--http-listen",
            "--upstream",
            "ws://127.0.0.1:1",
            "--metrics-listen",
            "127.0.0.1:9999");
    assertThat(p.value()).isEqualTo("127.0.0.1:9999");
    assertDeprecated(p, "proxy", "--metrics-listen", "--http-listen");
  }

  @Test
  void probeMetricsListenIsHttpListen() {
    Parsed p =
        parse(
            "probe",
            "--http-listen",
            "--url",
            "ws://127.0.0.1:1",
            "--token-env",
            "T",
            "--metrics-listen",
            "127.0.0.1:9999");
    assertThat(p.value()).isEqualTo("127.0.0.1:9999");
    assertDeprecated(p, "probe", "--metrics-listen", "--http-listen");
  }

  @Test
  void replayServeIsHttpListenWithItsOptionalValue() {
    Parsed given = parse("replay", "--http-listen", "x.ndjson", "--serve", "127.0.0.1:9999");
    assertThat(given.value()).isEqualTo(new InetSocketAddress("127.0.0.1", 9999));
    assertDeprecated(given, "replay", "--serve", "--http-listen");

    Parsed attached = parse("replay", "--http-listen", "--serve=127.0.0.1:9999", "x.ndjson");
    assertThat(attached.value()).isEqualTo(new InetSocketAddress("127.0.0.1", 9999));

    // given alone, as before: the default address
    Parsed alone = parse("replay", "--http-listen", "x.ndjson", "--serve");
    assertThat(alone.value()).isEqualTo(new InetSocketAddress("127.0.0.1", 9470));
    assertDeprecated(alone, "replay", "--serve", "--http-listen");

    // and before the file, it no longer takes the file for its address
    Parsed before = parse("replay", "--http-listen", "--serve", "samples/x.ndjson");
    assertThat(before.value()).isEqualTo(new InetSocketAddress("127.0.0.1", 9470));
  }

  @Test
  void replayHttpListenTakesAValueAndLeavesTheFileAlone() {
    Parsed p = parse("replay", "--http-listen", "--http-listen", "127.0.0.1:9999", "x.ndjson");
    assertThat(p.value()).isEqualTo(new InetSocketAddress("127.0.0.1", 9999));
    assertThat(p.err()).isEmpty();

    ReplayCommandTest.Run missing =
        ReplayCommandTest.run("replay", "--http-listen", "samples/fluxer-sample.ndjson");
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err())
        .startsWith("gatewatch replay: --http-listen: ")
        .doesNotContain("Missing required parameter");
  }

  @Test
  void demoListenIsHttpListen() {
    Parsed p = parse("demo", "--http-listen", "--listen", "127.0.0.1:9999");
    assertThat(p.value()).isEqualTo(new InetSocketAddress("127.0.0.1", 9999));
    assertDeprecated(p, "demo", "--listen", "--http-listen");
  }

  @Test
  void demoSeedIsRandomSeed() {
    Parsed p = parse("demo", "--random-seed", "--seed", "42");
    assertThat(p.value()).isEqualTo(42L);
    assertDeprecated(p, "demo", "--seed", "--random-seed");
  }

  @Test
  void simulateSeedIsRandomSeed() {
    Parsed p = parse("simulate", "--random-seed", "--seed", "42");
    assertThat(p.value()).isEqualTo(42L);
    assertDeprecated(p, "simulate", "--seed", "--random-seed");
  }

  @Test
  void fleetSeedIsRandomSeed() {
    Parsed p = parse("fleet", "--random-seed", "--url", "ws://127.0.0.1:1", "--seed", "42");
    assertThat(p.value()).isEqualTo(42L);
    assertDeprecated(p, "fleet", "--seed", "--random-seed");
  }

  @Test
  void theNewSpellingsSayNothing() {
    Parsed p = parse("simulate", "--random-seed", "--random-seed", "42");
    assertThat(p.value()).isEqualTo(42L);
    assertThat(p.err()).isEmpty();
  }

  @Test
  void everyAliasIsHiddenAndNamesAFlagItsCommandHas() {
    for (OldFlags.Alias a : OldFlags.ALIASES) {
      CommandLine sub = Main.commandLine().getSubcommands().get(a.command());
      assertThat(sub.getCommandSpec().findOption(a.now())).as(a.toString()).isNotNull();
      OptionSpec old = sub.getCommandSpec().findOption(a.old());
      assertThat(old).as(a.toString()).isNotNull();
      assertThat(old.hidden()).as(a.toString()).isTrue();
    }
  }
}
