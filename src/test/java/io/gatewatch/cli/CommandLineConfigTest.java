package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CommandLineConfigTest {
  @Test
  void configPathsBecomeTheFlagsTheyCameFrom() {
    assertThat(
            ProxyCommand.asFlags(
                "command line: proxies[0].idle_timeout (line 7): expected a duration"))
        .isEqualTo("--idle-timeout: expected a duration");
    assertThat(ProxyCommand.asFlags("command line: proxies[0].tls.key (line 9): cannot read"))
        .isEqualTo("--tls-key: cannot read");
    assertThat(ProxyCommand.asFlags("command line: drain_period (line 3): must be at most 60m"))
        .isEqualTo("--drain-period: must be at most 60m");
    assertThat(ProxyCommand.asFlags("command line: http.listen (line 2): expected HOST:PORT"))
        .isEqualTo("--http-listen: expected HOST:PORT");
    assertThat(ProbeCommand.asFlags("command line: probes[0].resume_every (line 6): too short"))
        .isEqualTo("--resume-every: too short");
    assertThat(ProbeCommand.asFlags("command line: probes[0] (line 2): exactly one of token_file"))
        .isEqualTo("--token-file/--token-env: exactly one of token_file");
    assertThat(ProxyCommand.asFlags("agent.yaml: proxies[0].upstream (line 3): not a URL"))
        .isEqualTo("agent.yaml: proxies[0].upstream (line 3): not a URL");
  }

  @Test
  void theCorrelationFlagsAreCheckedAsTheFileIsAndNamedInErrors() {
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(new Main())
            .setErr(new PrintWriter(err))
            .setOut(new PrintWriter(new StringWriter()))
            .execute(
                "proxy",
                "--upstream",
                "ws://127.0.0.1:1",
                "--correlation",
                "redis://:hunter2@127.0.0.1:6379");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "gatewatch proxy: --correlation: the URL holds a password; give it in a file or an"
                + " environment variable instead"
                + System.lineSeparator())
        .doesNotContain("hunter2");
    assertThat(ProxyCommand.asFlags("command line: correlation.password_file (line 9): cannot"))
        .isEqualTo("--correlation-password-file: cannot");
    assertThat(ProbeCommand.asFlags("command line: correlation.url (line 9): not a URL"))
        .isEqualTo("--correlation: not a URL");
  }

  @Test
  void quoteEscapesBackslashesAndQuotes() {
    assertThat(CommandLineConfig.quote("a\\b\"c")).isEqualTo("\"a\\\\b\\\"c\"");
  }
}
