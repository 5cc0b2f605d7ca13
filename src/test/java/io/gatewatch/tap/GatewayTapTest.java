package io.gatewatch.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The tap's contract: exact metrics from reported events, thread safety, clean removal. */
class GatewayTapTest {
  final MockClock clock = new MockClock();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private GatewayTap tap(String gateway) {
    return GatewayTap.builder(registry).gateway(gateway).clock(clock).build();
  }

  private double count(String name, String... tags) {
    return registry
        .get(name)
        .tags("source", "client", "gateway", "bot")
        .tags(tags)
        .counter()
        .count();
  }

  private Timer timer(String name, String... tags) {
    return registry.get(name).tags("source", "client", "gateway", "bot").tags(tags).timer();
  }

  private double gauge(String name) {
    return registry.get(name).tags("source", "client", "gateway", "bot").gauge().value();
  }

  @Test
  void aSessionADropAndAResumeGiveExactMetrics() {
    GatewayTap tap = tap("bot");
    SocketObserver a = tap.socket();
    a.opened();
    a.frameFromServer(Frames.hello());
    clock.add(Duration.ofMillis(3));
    a.frameFromClient(Frames.identify("valid-alice"));
    clock.add(Duration.ofMillis(20));
    a.frameFromServer(Frames.ready("s-1"));
    assertThat(gauge("gateway.sessions.active")).isEqualTo(1);
    clock.add(Duration.ofMillis(100));
    a.frameFromClient(ByteBuffer.wrap(Frames.heartbeat(1).getBytes(StandardCharsets.UTF_8)));
    clock.add(Duration.ofMillis(42));
    a.frameFromServer(Frames.ack());
    clock.add(Duration.ofMillis(500));
    a.closed(1006, null, CloseInitiator.NONE);

    clock.add(Duration.ofMillis(1_500));
    SocketObserver b = tap.socket();
    b.opened();
    b.frameFromServer(Frames.hello());
    b.frameFromClient(Frames.resume("valid-alice", "s-1", 1));
    clock.add(Duration.ofMillis(250));
    b.frameFromServer(Frames.resumed(2));
    assertThat(gauge("gateway.connections.active")).isEqualTo(1);
    b.closed(1000, "bye", CloseInitiator.CLIENT);

    assertThat(count("gateway.connections.opened")).isEqualTo(2);
    assertThat(gauge("gateway.connections.active")).isZero();
    assertThat(gauge("gateway.sessions.active")).isZero();
    assertThat(
            count(
                "gateway.close",
                "code",
                "1006",
                "name",
                "abnormal_closure",
                "resumable",
                "true",
                "initiator",
                "none"))
        .isEqualTo(1);
    assertThat(count("gateway.close", "code", "1000", "initiator", "client")).isEqualTo(1);
    assertThat(count("gateway.ready", "via", "identify")).isEqualTo(1);
    assertThat(count("gateway.ready", "via", "resume")).isEqualTo(1);
    assertThat(count("gateway.resume", "outcome", "success")).isEqualTo(1);
    Timer rtt = timer("gateway.heartbeat.rtt", "kind", "client");
    assertThat(rtt.count()).isEqualTo(1);
    assertThat(rtt.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(42);
    Timer reconnect = timer("gateway.reconnect.duration", "via", "resume");
    assertThat(reconnect.count()).isEqualTo(1);
    assertThat(reconnect.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(1_750);
    assertThat(count("gateway.frames", "from", "client", "op", "heartbeat")).isEqualTo(1);
    assertThat(count("gateway.frames", "from", "server", "op", "hello")).isEqualTo(2);
    assertThat(registry.get("gatewatch.observer.errors").counter().count()).isZero();
  }

  /**
   * The tap reads the client library from the client's own Identify, through the profile's table: a
   * known name, free text (other, and never a tag value), no properties at all (unknown). A socket
   * that only Resumes takes the library of its session's Identify.
   */
  @Test
  void theClientsOwnIdentifyNamesTheLibraryOfItsNumbers() {
    GatewayTap tap = tap("bot");
    SocketObserver a = tap.socket();
    a.opened();
    a.frameFromServer(Frames.hello());
    a.frameFromClient(Frames.identify("valid-alice", "discord.py"));
    a.frameFromServer(Frames.ready("s-1"));
    a.frameFromClient(Frames.identify("valid-alice", "discord.py")); // 4005 territory
    clock.add(Duration.ofMillis(200));
    a.closed(1006, null, CloseInitiator.NONE);
    clock.add(Duration.ofMillis(1_300));
    SocketObserver b = tap.socket();
    b.opened();
    b.frameFromServer(Frames.hello());
    b.frameFromClient(Frames.resume("valid-alice", "s-1", 1));
    clock.add(Duration.ofMillis(25));
    b.frameFromServer(Frames.resumed(2));
    b.closed(1000, "bye", CloseInitiator.CLIENT);

    SocketObserver c = tap.socket();
    c.opened();
    c.frameFromClient(Frames.identify("valid-bob", "my bot\\\"} 1 # v0.1"));
    c.frameFromServer(Frames.ready("s-2"));
    SocketObserver d = tap.socket();
    d.opened();
    d.frameFromClient("{\"op\":2,\"d\":{\"token\":\"valid-carol\"}}");
    d.frameFromServer(Frames.ready("s-3"));

    assertThat(clientCounters())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "gateway.client.ready{client=discord.py,via=identify}", 1.0,
                "gateway.client.ready{client=discord.py,via=resume}", 1.0,
                "gateway.client.resume{client=discord.py,outcome=success}", 1.0,
                "gateway.client.violations{client=discord.py,rule=identify_twice}", 1.0,
                "gateway.client.ready{client=other,via=identify}", 1.0,
                "gateway.client.ready{client=unknown,via=identify}", 1.0));
    Timer reconnect = timer("gateway.client.reconnect.duration", "client", "discord.py");
    assertThat(reconnect.count()).isEqualTo(1);
    assertThat(reconnect.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(1_325);

    // Every value of the profile's table is there from the start, and nothing else: the free
    // text the client sent is no tag value.
    Set<String> clients =
        registry.getMeters().stream()
            .map(m -> m.getId().getTag("client"))
            .filter(Objects::nonNull)
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(clients)
        .containsExactlyInAnyOrder(
            "unknown",
            "other",
            "gatewatch-probe",
            "fluxerjs",
            "discord.js",
            "discord.py",
            "jda",
            "discord4j",
            "desktop",
            "mobile",
            "web");
    // per value: 7 rules, 6 outcomes, 2 ways in, one reconnect timer
    assertThat(registry.find("gateway.client.violations").counters()).hasSize(11 * 7);
    assertThat(registry.find("gateway.client.resume").counters()).hasSize(11 * 6);
    assertThat(registry.find("gateway.client.ready").counters()).hasSize(11 * 2);
    assertThat(registry.find("gateway.client.reconnect.duration").timers()).hasSize(11);
    assertThat(registry.getMeters())
        .noneMatch(m -> m.getId().getTags().stream().anyMatch(t -> t.getValue().contains("bot ")));
  }

  /** The tap's non-zero gateway.client.* counters, {@code name{tag=value,...}} minus the common. */
  private Map<String, Double> clientCounters() {
    Map<String, Double> out = new TreeMap<>();
    for (String name :
        List.of("gateway.client.violations", "gateway.client.resume", "gateway.client.ready")) {
      for (Counter counter : registry.find(name).counters()) {
        if (counter.count() == 0) {
          continue;
        }
        String tags =
            counter.getId().getTags().stream()
                .filter(t -> !t.getKey().equals("source") && !t.getKey().equals("gateway"))
                .map(t -> t.getKey() + "=" + t.getValue())
                .sorted()
                .collect(Collectors.joining(","));
        out.put(name + "{" + tags + "}", counter.count());
      }
    }
    return out;
  }

  @Test
  void eventsBeforeOpenedOpenImplicitlyAndEventsAfterClosedAreIgnored() {
    GatewayTap tap = tap("bot");
    SocketObserver s = tap.socket();
    s.frameFromServer(Frames.hello());
    s.opened();
    s.closed(4009, "Heartbeat timeout", CloseInitiator.SERVER);
    s.frameFromServer(Frames.hello());
    s.closed(1000, "", CloseInitiator.CLIENT);
    assertThat(count("gateway.connections.opened")).isEqualTo(1);
    assertThat(count("gateway.frames", "from", "server", "op", "hello")).isEqualTo(1);
    assertThat(count("gateway.close", "code", "4009", "initiator", "server")).isEqualTo(1);
    assertThat(registry.find("gateway.close").tags("code", "1000").counter()).isNull();
  }

  @Test
  void aByteBufferIsReadWithoutMovingItAndDirectBuffersWork() {
    GatewayTap tap = tap("bot");
    SocketObserver s = tap.socket();
    byte[] hello = Frames.hello().getBytes(StandardCharsets.UTF_8);
    ByteBuffer heap = ByteBuffer.allocate(hello.length + 4);
    heap.put(new byte[] {'x', 'x'}).put(hello).flip().position(2);
    ByteBuffer direct = ByteBuffer.allocateDirect(hello.length).put(hello).flip();
    s.frameFromServer(heap);
    s.frameFromServer(direct);
    assertThat(heap.position()).isEqualTo(2);
    assertThat(direct.position()).isZero();
    assertThat(count("gateway.frames", "from", "server", "op", "hello")).isEqualTo(2);
    assertThat(count("gateway.frames", "from", "server", "op", "other")).isZero();
  }

  @Test
  void closeRemovesExactlyTheTapsMeters() {
    registry.counter("host.requests", "path", "/");
    registry.gauge("host.queue", 3);
    List<Meter.Id> before = ids();
    GatewayTap tap = tap("bot");
    SocketObserver s = tap.socket();
    s.frameFromServer(Frames.hello());
    s.closed(4000, "", CloseInitiator.SERVER);
    assertThat(ids().size()).isGreaterThan(before.size() + 20);
    tap.close();
    assertThat(ids()).containsExactlyInAnyOrderElementsOf(before);
    tap.close(); // idempotent
    s.frameFromServer(Frames.hello()); // a closed tap's observers are no-ops, never throw
    assertThat(ids()).containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  void twoTapsShareTheAgentCountersUntilTheLastCloses() {
    List<Meter.Id> before = ids();
    GatewayTap one = tap("one");
    GatewayTap two = tap("two");
    one.close();
    assertThat(registry.find("gatewatch.observer.errors").counter()).isNotNull();
    assertThat(registry.find("gatewatch.evictions").counters()).hasSize(2);
    assertThat(registry.find("gateway.connections.opened").counters()).hasSize(1);
    two.close();
    assertThat(ids()).containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  void aSecondTapOfOneGatewayOnOneRegistryIsRefused() {
    tap("bot");
    assertThatThrownBy(() -> tap("bot"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already has a client tap for gateway \"bot\"");
    assertThatThrownBy(() -> tap("bad name"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("gateway name");
    assertThatThrownBy(() -> GatewayTap.builder(registry).profile("no-such-profile"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown profile");
  }

  @Test
  void aFailureInsideIsCountedNotThrown() {
    Clock broken =
        new Clock() {
          int calls;

          @Override
          public long wallTime() {
            return 0;
          }

          @Override
          public long monotonicTime() {
            if (calls++ > 0) {
              throw new IllegalStateException("clock broke");
            }
            return 0;
          }
        };
    GatewayTap tap = GatewayTap.builder(registry).gateway("bot").clock(broken).build();
    SocketObserver s = tap.socket();
    s.opened();
    s.frameFromServer(Frames.hello());
    s.frameFromClient(ByteBuffer.allocate(3));
    s.closed(1000, "", CloseInitiator.CLIENT);
    assertThat(registry.get("gatewatch.observer.errors").counter().count()).isEqualTo(4);
    assertThat(count("gateway.connections.opened")).isZero();
  }

  @Test
  void manySocketsFromManyThreadsGiveExactTotals() throws Exception {
    GatewayTap tap = tap("bot");
    int threads = 8;
    int socketsPerThread = 400;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      done.add(
          pool.submit(
              () -> {
                for (int i = 0; i < socketsPerThread; i++) {
                  String token = "valid-" + thread + "-" + i;
                  String session = "s-" + thread + "-" + i;
                  SocketObserver a = tap.socket();
                  a.opened();
                  a.frameFromServer(Frames.hello());
                  a.frameFromClient(Frames.identify(token));
                  a.frameFromServer(Frames.ready(session));
                  a.frameFromClient(Frames.heartbeat(1));
                  a.frameFromServer(Frames.ack());
                  a.closed(4009, "Heartbeat timeout", CloseInitiator.SERVER);
                  SocketObserver b = tap.socket();
                  b.opened();
                  b.frameFromServer(Frames.hello());
                  b.frameFromClient(Frames.resume(token, session, 1));
                  b.frameFromServer(Frames.resumed(2));
                  b.closed(1000, "bye", CloseInitiator.CLIENT);
                }
              }));
    }
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();

    int n = threads * socketsPerThread;
    assertThat(count("gateway.connections.opened")).isEqualTo(2.0 * n);
    assertThat(count("gateway.close", "code", "4009", "initiator", "server")).isEqualTo(n);
    assertThat(count("gateway.close", "code", "1000", "initiator", "client")).isEqualTo(n);
    assertThat(count("gateway.ready", "via", "identify")).isEqualTo(n);
    assertThat(count("gateway.resume", "outcome", "success")).isEqualTo(n);
    assertThat(timer("gateway.reconnect.duration", "via", "resume").count()).isEqualTo(n);
    assertThat(timer("gateway.heartbeat.rtt", "kind", "client").count()).isEqualTo(n);
    assertThat(count("gateway.frames", "from", "server", "op", "hello")).isEqualTo(2.0 * n);
    assertThat(gauge("gateway.connections.active")).isZero();
    assertThat(gauge("gateway.sessions.active")).isZero();
    assertThat(registry.get("gatewatch.observer.errors").counter().count()).isZero();
  }

  private List<Meter.Id> ids() {
    return registry.getMeters().stream().map(Meter::getId).toList();
  }
}
