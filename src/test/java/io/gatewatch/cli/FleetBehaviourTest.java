package io.gatewatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatewatch.metrics.GatewayMetrics;
import io.gatewatch.metrics.Source;
import io.gatewatch.protocol.FrameScanner;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.report.Tally;
import io.gatewatch.sim.Behaviour;
import io.gatewatch.sim.Fleet;
import io.gatewatch.sim.FleetSettings;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import io.gatewatch.track.ConnectionTracker;
import io.gatewatch.track.EventClock;
import io.gatewatch.track.PolicyRule;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.RttKind;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import io.gatewatch.track.Via;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each fleet behaviour, against the simulator, produces the close codes and policy violations
 * expected of it, as gatewatch's core measures them. The simulator and the tracker implement the
 * protocol independently, so this checks each against the other. Each behaviour names itself in its
 * Identify, and every signal of its sockets carries its own {@code client} label.
 */
class FleetBehaviourTest {
  static final GatewayProfile PROFILE = ProfileLoader.load("fluxer-seed");

  /** The seed's profile with the fleet's names in its client table, as the demo runs it. */
  static final GatewayProfile NAMED = PROFILE.withClients(Fleet.clientEntries());

  static GatewaySimulator simulator;

  @BeforeAll
  static void startGateway() throws Exception {
    simulator =
        new GatewaySimulator(
                SimulatorSettings.builder()
                    .listen("127.0.0.1:0")
                    .heartbeatInterval(Duration.ofMillis(500))
                    .heartbeatTimeout(Duration.ofMillis(545))
                    .sessionRetention(Duration.ofSeconds(5))
                    .rateLimit(20, Duration.ofSeconds(5))
                    .dispatchRate(2)
                    .build())
            .start();
  }

  @AfterAll
  static void stopGateway() {
    simulator.close();
  }

  /**
   * Runs {@code clients} clients of one behaviour until {@code done} holds for the tally, then runs
   * {@code then} on it while the fleet still runs (its own closing 1000s are not the run's).
   */
  static void watch(
      Behaviour behaviour, int clients, Duration atMost, Check done, Consumer<Tally> then) {
    Tally tally = new Tally();
    GatewayMetrics metrics = new GatewayMetrics(NAMED, Source.CLIENT, "sim");
    ConnectionTracker tracker =
        new ConnectionTracker(
            NAMED,
            TrackerSettings.DEFAULTS,
            new FrameScanner(TokenFingerprinter.withRandomSalt()),
            Signals.both(tally, metrics));
    MeterRegistry registry = new SimpleMeterRegistry();
    metrics.observe(tracker).bindTo(registry);
    FleetSettings settings =
        new FleetSettings(
            URI.create(simulator.url()),
            clients,
            Map.of(behaviour, 1),
            Duration.ofSeconds(60),
            Duration.ofSeconds(2),
            7);
    try (Fleet fleet = new Fleet(settings, PROFILE, new FleetTap(tracker, EventClock.system()))) {
      fleet.start();
      await().atMost(atMost).pollInterval(Duration.ofMillis(100)).until(() -> done.holds(tally));
      then.accept(tally);
      assertThat(namedClients(registry))
          .as("the client libraries its sessions, resumes and violations were counted under")
          .containsExactly(behaviour.clientLabel());
    }
  }

  /** Every {@code client} value with a non-zero count in the by-client families. */
  static Set<String> namedClients(MeterRegistry registry) {
    Set<String> named = new TreeSet<>();
    for (String counter :
        new String[] {
          "gateway.client.violations", "gateway.client.resume", "gateway.client.ready"
        }) {
      for (Counter c : registry.find(counter).counters()) {
        if (c.count() > 0) {
          named.add(c.getId().getTag("client"));
        }
      }
    }
    for (Timer t : registry.find("gateway.client.reconnect.duration").timers()) {
      if (t.count() > 0) {
        named.add(t.getId().getTag("client"));
      }
    }
    return named;
  }

  interface Check {
    boolean holds(Tally t);
  }

  static long closes(Tally t, int code) {
    return t.closes().stream()
        .filter(c -> c.code() == code)
        .mapToLong(Tally.CloseCount::total)
        .sum();
  }

  static void onlyViolations(Tally t, Set<PolicyRule> allowed) {
    for (PolicyRule rule : PolicyRule.values()) {
      if (!allowed.contains(rule)) {
        assertThat(t.violations(rule)).as(rule.label()).isZero();
      }
    }
  }

  @Test
  void goodClientsHoldTheirSessionsAndBreakNoRule() {
    watch(
        Behaviour.GOOD,
        3,
        Duration.ofSeconds(10),
        x -> x.rtts(RttKind.CLIENT).length >= 9,
        t -> {
          assertThat(t.readies(Via.IDENTIFY)).isEqualTo(3);
          assertThat(t.closes()).isEmpty();
          assertThat(t.missed()).isZero();
          onlyViolations(t, Set.of());
        });
  }

  @Test
  void slowClientsHeartbeatLateAndAnswerRequestsLate() {
    watch(
        Behaviour.SLOW,
        2,
        Duration.ofSeconds(10),
        x ->
            x.violations(PolicyRule.HEARTBEAT_LATE) >= 2
                && x.rtts(RttKind.SERVER_REQUEST).length >= 1,
        t -> {
          assertThat(t.rtts(RttKind.SERVER_REQUEST)[0]).isGreaterThanOrEqualTo(60_000_000L);
          onlyViolations(
              t, EnumSet.of(PolicyRule.HEARTBEAT_LATE, PolicyRule.SERVER_HEARTBEAT_UNANSWERED));
        });
  }

  @Test
  void deafClientsTimeOutWith4009AndResume() {
    watch(
        Behaviour.DEAF,
        2,
        Duration.ofSeconds(15),
        x -> closes(x, 4009) >= 2 && x.resumes(ResumeOutcome.SUCCESS) >= 2,
        t -> {
          assertThat(t.violations(PolicyRule.SERVER_HEARTBEAT_UNANSWERED))
              .isGreaterThanOrEqualTo(2);
          onlyViolations(
              t, EnumSet.of(PolicyRule.SERVER_HEARTBEAT_UNANSWERED, PolicyRule.HEARTBEAT_LATE));
        });
  }

  @Test
  void badTokenClientsRetryUnchangedAfter4004() {
    watch(
        Behaviour.BAD_TOKEN,
        1,
        Duration.ofSeconds(15),
        x -> x.violations(PolicyRule.RETRY_UNCHANGED_AFTER_FATAL) >= 1,
        t -> {
          assertThat(closes(t, 4004)).isGreaterThanOrEqualTo(2);
          assertThat(t.readies(Via.IDENTIFY)).isZero();
          onlyViolations(t, EnumSet.of(PolicyRule.RETRY_UNCHANGED_AFTER_FATAL));
        });
  }

  @Test
  void floodersAreRateLimitedAndReconnectTooSoon() {
    watch(
        Behaviour.FLOODER,
        1,
        Duration.ofSeconds(20),
        x -> x.violations(PolicyRule.RECONNECT_TOO_SOON_AFTER_RATE_LIMIT) >= 1,
        t -> {
          assertThat(closes(t, 4008)).isGreaterThanOrEqualTo(1);
          assertThat(t.readies(Via.IDENTIFY)).isGreaterThanOrEqualTo(2);
          onlyViolations(t, EnumSet.of(PolicyRule.RECONNECT_TOO_SOON_AFTER_RATE_LIMIT));
        });
  }

  @Test
  void staleResumersResumeAfter4007() {
    watch(
        Behaviour.STALE_RESUMER,
        1,
        Duration.ofSeconds(15),
        x -> x.violations(PolicyRule.RESUME_AFTER_NON_RESUMABLE) >= 1,
        t -> {
          assertThat(closes(t, 4007)).isGreaterThanOrEqualTo(2);
          assertThat(t.resumes(ResumeOutcome.INVALID_SEQUENCE)).isGreaterThanOrEqualTo(2);
          onlyViolations(t, EnumSet.of(PolicyRule.RESUME_AFTER_NON_RESUMABLE));
        });
  }

  @Test
  void sloppyClientsCollectUnknownOpcodeDecodeErrorAndAlreadyAuthenticated() {
    watch(
        Behaviour.SLOPPY,
        2,
        Duration.ofSeconds(30),
        x -> closes(x, 4001) >= 1 && closes(x, 4002) >= 2 && closes(x, 4005) >= 1,
        t -> {
          assertThat(t.violations(PolicyRule.IDENTIFY_TWICE)).isGreaterThanOrEqualTo(1);
          assertThat(t.violations(PolicyRule.PAYLOAD_TOO_LARGE) + t.decodeErrors())
              .isGreaterThanOrEqualTo(2);
          onlyViolations(t, EnumSet.of(PolicyRule.IDENTIFY_TWICE, PolicyRule.PAYLOAD_TOO_LARGE));
        });
  }
}
