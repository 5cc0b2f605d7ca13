package io.gatewatch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import io.gatewatch.track.ReachesUpFixture;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The dependency rule of docs/design.md, checked on the compiled classes: a violation fails with
 * the offending class, the class it reaches and the source line.
 */
class ArchitectureTest {
  private static final String ROOT = "io.gatewatch";

  /**
   * Which of gatewatch's own packages each package may use. Dependencies point one way, from the
   * command line down to the core; {@code sim} stays beside the tracker, never on it, so that the
   * simulator and the tracker check each other.
   */
  static final Map<String, Set<String>> MAY_USE =
      Map.ofEntries(
          Map.entry("config", Set.of()),
          Map.entry("protocol", Set.of("config")),
          Map.entry("compress", Set.of("protocol")),
          Map.entry("track", Set.of("config", "protocol")),
          Map.entry("metrics", Set.of("config", "protocol", "track")),
          Map.entry("capture", Set.of("config", "protocol", "compress", "track")),
          Map.entry("report", Set.of("config", "protocol", "track")),
          Map.entry("correlation", Set.of("config", "protocol", "track")),
          Map.entry("tap", Set.of("config", "protocol", "compress", "track", "metrics")),
          Map.entry("probe", Set.of("config", "protocol", "track", "metrics")),
          Map.entry("export", Set.of("config", "protocol", "track", "metrics")),
          Map.entry("server", Set.of("config", "protocol", "track", "metrics", "capture")),
          Map.entry(
              "proxy", Set.of("config", "protocol", "compress", "track", "metrics", "capture")),
          Map.entry("sim", Set.of("config", "protocol", "compress")),
          Map.entry(
              "cli",
              Set.of(
                  "config",
                  "protocol",
                  "compress",
                  "track",
                  "metrics",
                  "capture",
                  "report",
                  "correlation",
                  "tap",
                  "probe",
                  "export",
                  "server",
                  "proxy",
                  "sim")));

  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);
  }

  static List<String> packages() {
    return new ArrayList<>(new TreeSet<>(MAY_USE.keySet()));
  }

  @Test
  void everyPackageHasARule() {
    Set<String> found = new TreeSet<>();
    main.forEach(
        c -> {
          String rest = c.getPackageName().substring(ROOT.length());
          if (!rest.isEmpty()) {
            found.add(rest.substring(1).split("\\.")[0]);
          }
        });
    assertThat(found).isEqualTo(new TreeSet<>(MAY_USE.keySet()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("packages")
  void usesOnlyThePackagesBelowIt(String pkg) {
    mayUseOnly(pkg).check(main);
  }

  /** The core is plain Java: the JDK and the configuration reader, no library, no network. */
  @Test
  void theCoreDependsOnTheJdkAndConfigOnly() {
    classes()
        .that()
        .resideInAnyPackage(ROOT + ".protocol..", ROOT + ".track..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(
            "java..", "javax.crypto..", ROOT + ".config..", ROOT + ".protocol..", ROOT + ".track..")
        .because("the core takes time from its events and is tested without a network")
        .check(main);
  }

  /** The tap runs inside a client's own process: no Netty, no HTTP server of ours. */
  @Test
  void theTapBringsNoNetty() {
    noClasses()
        .that()
        .resideInAPackage(ROOT + ".tap..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.netty..", "com.sun.net.httpserver..")
        .check(main);
  }

  /** Only public APIs of the libraries: their internal packages change without notice. */
  @Test
  void noLibraryInternals() {
    noClasses().should().dependOnClassesThat().resideInAPackage("..internal..").check(main);
  }

  /**
   * The JDK's unsupported signal API stays in the one class that needs it (SIGTERM starts the
   * drain; the JDK has no public way to handle a signal).
   */
  @Test
  void signalsStayInStopSignals() {
    noClasses()
        .that()
        .doNotHaveFullyQualifiedName(ROOT + ".cli.StopSignals")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("sun..")
        .check(main);
  }

  @Test
  void noCycles() {
    slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(main);
  }

  /** The rule can fail, and says where: a track class reaching up to the command line. */
  @Test
  void aViolationNamesTheOffendingDependency() {
    JavaClasses fixture = new ClassFileImporter().importClasses(ReachesUpFixture.class);
    EvaluationResult result = mayUseOnly("track").evaluate(fixture);
    assertThat(result.hasViolation()).isTrue();
    assertThat(result.getFailureReport().getDetails())
        .anySatisfy(
            line ->
                assertThat(line)
                    .contains(ReachesUpFixture.class.getName())
                    .contains("io.gatewatch.cli.Main")
                    .contains("(ReachesUpFixture.java:"));
  }

  private static ArchRule mayUseOnly(String pkg) {
    List<String> forbidden = new ArrayList<>();
    for (String other : MAY_USE.keySet()) {
      if (!other.equals(pkg) && !MAY_USE.get(pkg).contains(other)) {
        forbidden.add(ROOT + "." + other + "..");
      }
    }
    return noClasses()
        .that()
        .resideInAPackage(ROOT + "." + pkg + "..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(forbidden.toArray(String[]::new))
        .because(pkg + " may use only " + new TreeSet<>(MAY_USE.get(pkg)) + " of gatewatch");
  }
}
