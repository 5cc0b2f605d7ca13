package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatewatch.config.ConfigException;
import io.gatewatch.config.ConfigNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A proxy from flags and a proxy from the file cover the same settings: every key of a {@code
 * proxies[]} entry has a {@code proxy} flag of the same name (snake_case to kebab-case) and every
 * flag a key, but for the deliberate exceptions below.
 */
class ProxyFlagsTest {
  /** Keys whose flag is spelt otherwise, and why. */
  private static final Map<String, String> KEY_EXCEPTIONS =
      Map.of(
          // true by default: the flag turns it off, as a switch of its own name says
          "compressed_observation", "--no-compressed-observation",
          // a section of two files: one flag each
          "tls", "--tls-cert --tls-key");

  /** Flags that are not a key of the proxy's entry, and why. */
  private static final Set<String> TOP_LEVEL_FLAGS =
      Set.of(
          "--http-listen", // http.listen: the agent's endpoints, not one proxy's
          "--profile", // profile: one per agent
          "--drain-period", // drain_period: one per agent
          "--correlation", // correlation.*: shared by every part of the agent
          "--correlation-password-file",
          "--correlation-password-env",
          "--correlation-key-prefix",
          "--correlation-timeout",
          "--log-format", // logging.format
          "--help",
          "--version");

  /** The keys a proxy entry takes, as the configuration's own check lists them. */
  private static Set<String> proxyKeys() {
    String yaml = "proxies:\n  - {gateway: a, listen: 127.0.0.1:0, upstream: ws://x, nope: 1}\n";
    try {
      AgentConfig.read(ConfigNode.parse("test", yaml), Map.of());
    } catch (ConfigException e) {
      Matcher m = Pattern.compile("expected one of \\[([^]]*)]").matcher(e.getMessage());
      assertThat(m.find()).as(e.getMessage()).isTrue();
      return new TreeSet<>(Arrays.asList(m.group(1).split(", ")));
    }
    throw new AssertionError("an unknown key was accepted");
  }

  private static Set<String> proxyFlags() {
    Set<String> flags = new TreeSet<>();
    for (OptionSpec o :
        Main.commandLine().getSubcommands().get("proxy").getCommandSpec().options()) {
      if (!o.hidden()) {
        flags.add(o.longestName());
      }
    }
    return flags;
  }

  private static String flag(String key) {
    return KEY_EXCEPTIONS.getOrDefault(key, "--" + key.replace('_', '-'));
  }

  @Test
  void everyKeyOfAProxyHasAFlag() {
    Set<String> flags = proxyFlags();
    for (String key : proxyKeys()) {
      for (String f : flag(key).split(" ")) {
        assertThat(flags).as("the flag of proxies[].%s", key).contains(f);
      }
    }
  }

  @Test
  void everyFlagOfProxyIsAKeyOrAnAgentSetting() {
    Set<String> fromKeys = new TreeSet<>();
    proxyKeys().forEach(k -> fromKeys.addAll(Arrays.asList(flag(k).split(" "))));
    for (String f : proxyFlags()) {
      assertThat(fromKeys.contains(f) || TOP_LEVEL_FLAGS.contains(f))
          .as("%s is neither a proxies[] key nor an agent setting", f)
          .isTrue();
    }
  }

  @Test
  void theConfigDocsListEveryKeyOfAProxy() throws Exception {
    String docs = Files.readString(Path.of("docs/config.md"));
    String block = docs.substring(docs.indexOf("\nproxies:\n"), docs.indexOf("\ningest:"));
    Set<String> documented = new TreeSet<>();
    Matcher m = Pattern.compile("\n  (?:- |  )([a-z_]+):").matcher(block);
    while (m.find()) {
      documented.add(m.group(1));
    }
    assertThat(documented).isEqualTo(proxyKeys());
  }

  @Test
  void maxFrameBytesTakesASize() {
    ReplayCommandTest.Run r =
        ReplayCommandTest.run("proxy", "--upstream", "ws://127.0.0.1:1", "--max-frame-bytes", "7");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("gatewatch proxy: --max-frame-bytes: ");
    assertThatThrownBy(() -> new Converters.Size().convert("big"))
        .isInstanceOf(Converters.BadValue.class);
    assertThat(new Converters.Size().convert("16MiB")).isEqualTo(16L << 20);
  }
}
