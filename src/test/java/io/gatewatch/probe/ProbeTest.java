package io.gatewatch.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.sim.AckDelay;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import io.gatewatch.track.PolicyRule;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The probe against the real gateway simulator on loopback, with short timings. */
class ProbeTest {
  private static final String TOKEN = "valid-probe-secret";

  /** The seed's strategy with test delays; the 60 s wait after 4008 stays. */
  static final ReconnectPolicy.Settings FAST =
      new ReconnectPolicy.Settings(
          Duration.ofMillis(50),
          Duration.ofMillis(100),
          Duration.ofSeconds(1),
          Duration.ofSeconds(60),
          Duration.ofMillis(50),
          Duration.ofMillis(100),
          3);

  private final Watches watches = new Watches(TokenFingerprinter.withRandomSalt());
  private final List<AutoCloseable> open = new ArrayList<>();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  ProbeTest() {
    logs.start();
    ((Logger) LoggerFactory.getLogger(Probe.class)).addAppender(logs);
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    ((Logger) LoggerFactory.getLogger(Probe.class)).detachAppender(logs);
  }

  static SimulatorSettings.Builder fastGateway() {
    return SimulatorSettings.builder()
        .listen("127.0.0.1:0")
        .dispatchRate(0)
        .heartbeatInterval(Duration.ofMillis(500))
        .heartbeatTimeout(Duration.ofMillis(2_000));
  }

  private GatewaySimulator gateway(SimulatorSettings.Builder settings) {
    try {
      GatewaySimulator sim = new GatewaySimulator(settings.build()).start();
      open.add(0, sim);
      return sim;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Probe probe(
      GatewaySimulator sim,
      String token,
      UnaryOperator<ProbeSettings> how,
      Scheduler scheduler,
      Transport transport) {
    ProbeSettings settings =
        how.apply(ProbeSettings.of(URI.create(sim.url()), "sim").withReconnect(FAST));
    Probe p =
        Probe.start(
            watches,
            ProfileLoader.load("fluxer-seed"),
            TrackerSettings.DEFAULTS,
            settings,
            ProbeToken.of(token, "test"),
            scheduler,
            transport,
            () -> 0.5,
            Signals.NONE);
    open.add(0, p);
    return p;
  }

  private Probe probe(GatewaySimulator sim, String token, UnaryOperator<ProbeSettings> how) {
    SystemScheduler scheduler = Scheduler.system();
    open.add(0, scheduler);
    return probe(sim, token, how, scheduler, new JdkTransport(Duration.ofSeconds(5)));
  }

  private double count(String name, String... tags) {
    Counter c = watches.registry().find(name).tags("source", "probe").tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  private Timer timer(String name, String... tags) {
    return watches.registry().find(name).tags("source", "probe").tags(tags).timer();
  }

  /**
   * The probe's own policy violations as the core saw them, less {@code heartbeat_late}: that one
   * measures the machine's scheduling as much as the probe, and a loaded build machine can delay a
   * beat past the interval.
   */
  private static Map<PolicyRule, Integer> strategyViolations(Probe probe) {
    Map<PolicyRule, Integer> v = new java.util.EnumMap<>(probe.tally().violations());
    v.remove(PolicyRule.HEARTBEAT_LATE);
    return v;
  }

  private double up() {
    Gauge g = watches.registry().find("gateway.probe.up").tags("source", "probe").gauge();
    return g.value();
  }

  /** A URL where nothing listens: a port that was free a moment ago. */
  private static URI nothingListening() throws IOException {
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return URI.create("ws://127.0.0.1:" + s.getLocalPort() + "/?v=1&encoding=json");
    }
  }

  private Probe probeAt(URI url, UnaryOperator<ProbeSettings> how) {
    SystemScheduler scheduler = Scheduler.system();
    open.add(0, scheduler);
    Probe p =
        Probe.start(
            watches,
            ProfileLoader.load("fluxer-seed"),
            TrackerSettings.DEFAULTS,
            how.apply(ProbeSettings.of(url, "sim").withReconnect(FAST)),
            ProbeToken.of(TOKEN, "test"),
            scheduler,
            new JdkTransport(Duration.ofSeconds(5)),
            () -> 0.5,
            Signals.NONE);
    open.add(0, p);
    return p;
  }

  @Test
  void aCheckThatCannotReachTheGatewaySaysWhyAtOnce() throws Exception {
    URI url = nothingListening();
    Probe probe = probeAt(url, s -> s.once(2));

    assertThat(probe.awaitDone(Duration.ofSeconds(10))).as("done long before any timeout").isTrue();
    assertThat(probe.unreachable()).hasValue("cannot connect to " + url + ": connection refused");
    assertThat(probe.gaveUp()).containsExactly("cannot connect to " + url + ": connection refused");
  }

  @Test
  void aHeldProbeThatCannotReachTheGatewayLogsWhyAndKeepsTrying() throws Exception {
    URI url = nothingListening();
    Probe probe = probeAt(url, s -> s);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                logs.list.stream()
                    .map(ILoggingEvent::getFormattedMessage)
                    .anyMatch(
                        l ->
                            l.startsWith(
                                "probe sim/1 down: cannot connect to "
                                    + url
                                    + ": connection refused; ")));
    assertThat(probe.unreachable()).isEmpty();
    assertThat(probe.gaveUp()).isEmpty();
    assertThat(up()).isZero();
  }

  @Test
  void healthyGatewayOnce() throws Exception {
    GatewaySimulator sim = gateway(fastGateway());
    Probe probe = probe(sim, TOKEN, s -> s.once(3));
    await().atMost(Duration.ofSeconds(10)).until(() -> up() == 1);

    assertThat(probe.awaitDone(Duration.ofSeconds(10))).isTrue();
    await().until(() -> probe.tracker().activeConnections() == 0);

    // Every heartbeat acknowledged and timed; nothing missed.
    double heartbeats = count("gateway.frames", "from", "client", "op", "heartbeat");
    assertThat(heartbeats).isGreaterThanOrEqualTo(3);
    assertThat(timer("gateway.heartbeat.rtt", "kind", "client").count())
        .isEqualTo((long) heartbeats);
    assertThat(count("gateway.heartbeat.missed")).isZero();
    // One resume, and it succeeded: a success rate of 1.
    assertThat(count("gateway.resume", "outcome", "success")).isEqualTo(1);
    assertThat(probe.tally().resumes()).isEqualTo(Map.of(ResumeOutcome.SUCCESS, 1));
    // The reconnect took the probe's resume delay plus a loopback round trip or two.
    Timer reconnect = timer("gateway.reconnect.duration", "via", "resume");
    assertThat(reconnect.count()).isEqualTo(1);
    assertThat(reconnect.max(TimeUnit.MILLISECONDS)).isBetween(50.0, 1_050.0);
    assertThat(timer("gateway.probe.ready.duration").count()).isEqualTo(1);
    assertThat(strategyViolations(probe)).isEmpty();
    assertThat(probe.tally().closes())
        .isEqualTo(Map.of("4000 Unknown Error by client", 1, "1000 Normal Closure by client", 1));

    OnceReport report = OnceReport.of(probe, true);
    assertThat(report.healthy()).as(report.text()).isTrue();
    assertThat(report.text())
        .contains("verdict          HEALTHY", "resume           success", "via resume");
    assertThat(logs.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .anyMatch(l -> l.startsWith("probe sim/1 up: READY in "))
        .noneMatch(l -> l.contains(TOKEN));
  }

  /**
   * The probe names itself in its Identify ({@code browser} and {@code device}), so its own tracker
   * counts its session, its resume and its reconnect under {@code client="gatewatch-probe"}, and
   * nothing under any other value.
   */
  @Test
  void theProbeCountsItsSessionsUnderItsOwnClientName() throws Exception {
    GatewaySimulator sim = gateway(fastGateway());
    SystemScheduler scheduler = Scheduler.system();
    open.add(0, scheduler);
    RecordingTransport transport = new RecordingTransport();
    Probe probe = probe(sim, TOKEN, s -> s.once(3), scheduler, transport);
    assertThat(probe.awaitDone(Duration.ofSeconds(10))).isTrue();
    await().until(() -> probe.tracker().activeConnections() == 0);

    List<JsonNode> identifies = new ArrayList<>();
    for (String text : transport.sent) {
      JsonNode frame = new ObjectMapper().readTree(text);
      if (frame.path("op").asInt() == 2) {
        identifies.add(frame.path("d").path("properties"));
      }
    }
    assertThat(identifies).hasSize(1);
    assertThat(identifies.get(0).path("browser").asText()).isEqualTo("gatewatch-probe");
    assertThat(identifies.get(0).path("device").asText()).isEqualTo("gatewatch-probe");

    String[] probeClient = {"client", "gatewatch-probe"};
    assertThat(count("gateway.client.ready", with(probeClient, "via", "identify"))).isEqualTo(1);
    assertThat(count("gateway.client.ready", with(probeClient, "via", "resume"))).isEqualTo(1);
    assertThat(count("gateway.client.resume", with(probeClient, "outcome", "success")))
        .isEqualTo(1);
    assertThat(timer("gateway.client.reconnect.duration", probeClient).count()).isEqualTo(1);
    Set<String> named = new TreeSet<>();
    for (String name :
        List.of("gateway.client.ready", "gateway.client.resume", "gateway.client.violations")) {
      watches.registry().find(name).tags("source", "probe").counters().stream()
          .filter(c -> c.count() > 0)
          .forEach(c -> named.add(c.getId().getTag("client")));
    }
    watches
        .registry()
        .find("gateway.client.reconnect.duration")
        .tags("source", "probe")
        .timers()
        .stream()
        .filter(t -> t.count() > 0)
        .forEach(t -> named.add(t.getId().getTag("client")));
    assertThat(named).containsExactly("gatewatch-probe");
  }

  private static String[] with(String[] tags, String... more) {
    String[] all = Arrays.copyOf(tags, tags.length + more.length);
    System.arraycopy(more, 0, all, tags.length, more.length);
    return all;
  }

  @Test
  void periodicResumesKeepSucceeding() {
    GatewaySimulator sim = gateway(fastGateway());
    Probe probe = probe(sim, TOKEN, s -> s.withSessions(2).withResumeEvery(Duration.ofMillis(300)));
    await().atMost(Duration.ofSeconds(15)).until(() -> probe.tally().reconnects().size() >= 4);

    assertThat(probe.tally().resumes().keySet()).containsOnly(ResumeOutcome.SUCCESS);
    assertThat(count("gateway.ready", "via", "identify")).isEqualTo(2);
    assertThat(strategyViolations(probe)).isEmpty();
    await().until(() -> up() == 1);
  }

  @Test
  void expiredSessionFailsTheResumeWithOp9AndFallsBackToIdentify() throws Exception {
    GatewaySimulator sim = gateway(fastGateway());
    Probe probe = probe(sim, TOKEN, s -> s.once(3));
    await().atMost(Duration.ofSeconds(10)).until(() -> probe.tally().heartbeatsAcked() >= 1);
    assertThat(sim.expireSessions()).isEqualTo(1);

    assertThat(probe.awaitDone(Duration.ofSeconds(10))).isTrue();
    await().until(() -> probe.tracker().activeConnections() == 0);

    assertThat(probe.tally().resumes()).isEqualTo(Map.of(ResumeOutcome.INVALID_SESSION, 1));
    assertThat(count("gateway.invalid.session")).isEqualTo(1);
    assertThat(count("gateway.ready", "via", "identify")).isEqualTo(2);
    assertThat(count("gateway.ready", "via", "resume")).isZero();
    assertThat(timer("gateway.reconnect.duration", "via", "identify").count()).isEqualTo(1);
    assertThat(strategyViolations(probe)).isEmpty();
    OnceReport report = OnceReport.of(probe, true);
    assertThat(report.healthy()).isFalse();
    assertThat(report.text()).contains("UNHEALTHY: resume failed: invalid_session");
  }

  @Test
  void drainIsFollowedByAResume() {
    GatewaySimulator sim = gateway(fastGateway());
    Probe probe = probe(sim, TOKEN, s -> s.withResumeEvery(Duration.ZERO));
    await().atMost(Duration.ofSeconds(10)).until(() -> up() == 1);
    assertThat(sim.drainAll()).isEqualTo(1);

    await().atMost(Duration.ofSeconds(10)).until(() -> probe.tally().resumes().size() == 1);
    await().until(() -> up() == 1);
    assertThat(probe.tally().resumes()).isEqualTo(Map.of(ResumeOutcome.SUCCESS, 1));
    assertThat(count("gateway.reconnect.requests")).isEqualTo(1);
    assertThat(probe.tally().closes()).isEqualTo(Map.of("4000 Unknown Error by server", 1));
    assertThat(timer("gateway.reconnect.duration", "via", "resume").count()).isEqualTo(1);
    assertThat(strategyViolations(probe)).isEmpty();
  }

  @Test
  void heartbeatRoundTripsFollowTheInjectedAckDelays() throws Exception {
    GatewaySimulator sim =
        gateway(
            fastGateway()
                .heartbeatInterval(Duration.ofMillis(1_000))
                .heartbeatTimeout(Duration.ofSeconds(3))
                .ackDelay(AckDelay.parse("100ms,160ms,300ms,520ms")));
    Probe probe = probe(sim, TOKEN, s -> s.once(8));
    assertThat(probe.awaitDone(Duration.ofSeconds(20))).isTrue();

    // Exactly the injected cycle, twice: each delay in its own bucket (delays chosen well inside
    // their buckets, so a loaded machine's extra milliseconds do not move them).
    String scrape = watches.registry().scrape();
    assertThat(bucket(scrape, "0.1")).isEqualTo(0);
    assertThat(bucket(scrape, "0.15")).isEqualTo(2);
    assertThat(bucket(scrape, "0.25")).isEqualTo(4);
    assertThat(bucket(scrape, "0.5")).isEqualTo(6);
    assertThat(bucket(scrape, "0.75")).isEqualTo(8);
    List<Long> rtt = probe.tally().rtt();
    assertThat(rtt).hasSize(8);
    assertThat(ProbeTally.percentile(rtt, 0.5) / 1e6).isBetween(160.0, 250.0);
    assertThat(ProbeTally.percentile(rtt, 0.99) / 1e6).isBetween(520.0, 750.0);
  }

  private static double bucket(String scrape, String le) {
    String prefix =
        "gateway_heartbeat_rtt_seconds_bucket{gateway=\"sim\",kind=\"client\",source=\"probe\",le=\""
            + le
            + "\"}";
    for (String line : scrape.split("\n")) {
      if (line.startsWith(prefix)) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no bucket le=" + le + " in\n" + scrape);
  }

  @Test
  void authenticationFailedStopsAfterThreeAttemptsAndSaysWhy() throws Exception {
    GatewaySimulator sim = gateway(fastGateway());
    CountingTransport transport = new CountingTransport();
    SystemScheduler scheduler = Scheduler.system();
    open.add(0, scheduler);
    Probe probe = probe(sim, "revoked-probe-secret", s -> s, scheduler, transport);

    assertThat(probe.awaitDone(Duration.ofSeconds(10))).isTrue();
    await().until(() -> probe.tracker().activeConnections() == 0);

    assertThat(transport.connects.get()).isEqualTo(3);
    assertThat(count("gateway.close", "code", "4004")).isEqualTo(3);
    assertThat(up()).isZero();
    assertThat(probe.gaveUp())
        .singleElement()
        .asString()
        .startsWith("close 4004 Authentication Failed 3 times in a row; not retrying: ");
    // The core counts each unchanged retry against the seed's advice; the probe stops at three.
    assertThat(strategyViolations(probe))
        .isEqualTo(Map.of(PolicyRule.RETRY_UNCHANGED_AFTER_FATAL, 2));
    assertThat(logs.list)
        .filteredOn(e -> e.getLevel().toString().equals("WARN"))
        .extracting(ILoggingEvent::getFormattedMessage)
        .singleElement()
        .asString()
        .startsWith("probe sim/1 gave up: close 4004 Authentication Failed 3 times in a row");
    assertThat(logs.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .noneMatch(l -> l.contains("probe-secret"));
  }

  @Test
  void rateLimitedWaitsSixtySecondsByTheInjectedClockThenIdentifies() {
    // Identify and one heartbeat are allowed; the second heartbeat is over the limit: 4008.
    GatewaySimulator sim =
        gateway(
            fastGateway()
                .heartbeatInterval(Duration.ofSeconds(10))
                .heartbeatTimeout(Duration.ofSeconds(30))
                .rateLimit(2, Duration.ofSeconds(60)));
    ManualScheduler clock = new ManualScheduler();
    CountingTransport transport = new CountingTransport();
    Probe probe = probe(sim, TOKEN, s -> s.withResumeEvery(Duration.ZERO), clock, transport);
    await().atMost(Duration.ofSeconds(10)).until(() -> up() == 1);

    clock.advance(Duration.ofSeconds(4)); // first heartbeat: period (8 s) x 0.5
    await().until(() -> probe.tally().heartbeatsAcked() == 1);
    clock.advance(Duration.ofSeconds(8)); // second: over the limit
    await().until(() -> probe.tally().closes().containsKey("4008 Rate Limited by server"));
    await().until(() -> up() == 0);

    assertThat(clock.pending()).contains(Duration.ofSeconds(60));
    clock.advance(Duration.ofMillis(59_999));
    assertThat(transport.connects.get()).isEqualTo(1);
    clock.advance(Duration.ofMillis(1));
    assertThat(transport.connects.get()).isEqualTo(2);

    await().atMost(Duration.ofSeconds(10)).until(() -> up() == 1);
    assertThat(count("gateway.frames", "from", "client", "op", "identify")).isEqualTo(2);
    assertThat(count("gateway.frames", "from", "client", "op", "resume")).isZero();
    // The tracker, on the same clock, agrees the probe waited long enough.
    assertThat(strategyViolations(probe)).isEmpty();
    assertThat(timer("gateway.reconnect.duration", "via", "identify").max(TimeUnit.SECONDS))
        .isGreaterThanOrEqualTo(60);
  }

  /** The wait after an op 9 is the probe's own: the time to READY leaves it out. */
  @Test
  void theTimeToReadyLeavesOutTheProbesOwnWaitAfterAnOp9() {
    GatewaySimulator sim =
        gateway(
            fastGateway()
                .heartbeatInterval(Duration.ofSeconds(10))
                .heartbeatTimeout(Duration.ofSeconds(30)));
    ManualScheduler clock = new ManualScheduler();
    Probe probe =
        probe(
            sim,
            TOKEN,
            s -> s.withResumeEvery(Duration.ofSeconds(5)),
            clock,
            new JdkTransport(Duration.ofSeconds(5)));
    await().atMost(Duration.ofSeconds(10)).until(() -> up() == 1);
    assertThat(sim.expireSessions()).isEqualTo(1);

    clock.advance(Duration.ofSeconds(5)); // the periodic resume closes the socket
    Duration resumeDelay = FAST.resumeDelay();
    await().until(() -> clock.pending().contains(resumeDelay));
    clock.advance(resumeDelay); // the Resume, refused with op 9: Identify after 75 ms
    Duration ownWait = Duration.ofMillis(75); // 50..100 ms, the random fixed at 0.5
    await().until(() -> clock.pending().contains(ownWait));
    clock.advance(ownWait);
    await().until(() -> count("gateway.ready", "via", "identify") == 2);

    assertThat(probe.tally().resumes()).isEqualTo(Map.of(ResumeOutcome.INVALID_SESSION, 1));
    Timer ready = timer("gateway.probe.ready.duration");
    assertThat(ready.count()).isEqualTo(2);
    // on the manual clock the gateway's own time is zero: what is left would be the probe's wait
    assertThat(ready.totalTime(TimeUnit.NANOSECONDS)).isZero();
  }

  @Test
  void aSocketWhoseAcksStopComingIsClosedAndResumed() {
    // Every ACK comes after the next beat is due (period 400 ms): a dead socket, as clients see it.
    GatewaySimulator sim = gateway(fastGateway().ackDelay(AckDelay.parse("450ms")));
    Probe probe = probe(sim, TOKEN, s -> s.withResumeEvery(Duration.ZERO));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> probe.tally().resumes().getOrDefault(ResumeOutcome.SUCCESS, 0) >= 1);
    assertThat(probe.tally().closes()).containsKey("4000 Unknown Error by client");
    assertThat(probe.tally().heartbeatsMissed()).isGreaterThanOrEqualTo(1);
    assertThat(strategyViolations(probe)).isEmpty();
  }

  @Test
  void theServersHeartbeatRequestIsAnsweredAtOnce() {
    // The probe's own beats wait for the manual clock, so the server asks (at 90% of 1 s).
    GatewaySimulator sim =
        gateway(
            fastGateway()
                .heartbeatInterval(Duration.ofSeconds(1))
                .heartbeatTimeout(Duration.ofSeconds(10)));
    ManualScheduler clock = new ManualScheduler();
    Probe probe =
        probe(sim, TOKEN, s -> s.withResumeEvery(Duration.ZERO), clock, new CountingTransport());

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> timer("gateway.heartbeat.rtt", "kind", "server_request").count() >= 1);
    assertThat(count("gateway.frames", "from", "server", "op", "heartbeat")).isEqualTo(1);
    assertThat(count("gateway.frames", "from", "client", "op", "heartbeat")).isEqualTo(1);
    await().until(() -> probe.tally().heartbeatsAcked() == 1);
    assertThat(probe.tally().violations()).isEmpty();
    assertThat(up()).isEqualTo(1);
  }
}
