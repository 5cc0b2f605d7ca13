package io.gatewatch.tap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples stay usable: the Java bot compiles against the current API (it is run by hand:
 * docs/tap.md), and docs/tap.md quotes the JavaScript forwarder exactly as ForwarderExampleTest
 * runs it.
 */
class ExamplesTest {
  @Test
  void theTapBotExampleCompiles(@TempDir Path out) throws Exception {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter errors = new StringWriter();
    var files = javac.getStandardFileManager(null, null, null);
    boolean ok =
        javac
            .getTask(
                errors,
                files,
                null,
                List.of(
                    "-d", out.toString(), "-cp", System.getProperty("java.class.path"), "-Werror"),
                null,
                files.getJavaFileObjects(Path.of("examples/TapBot.java")))
            .call();
    assertThat(ok).as(errors.toString()).isTrue();
    assertThat(Files.exists(out.resolve("TapBot.class"))).isTrue();
  }

  @Test
  void docsTapQuotesTheForwarderItsTestRuns() throws Exception {
    String file = Files.readString(Path.of("examples/forward.mjs"));
    assertThat(Files.readString(Path.of("docs/tap.md"))).contains("```js\n" + file + "```");
  }
}
