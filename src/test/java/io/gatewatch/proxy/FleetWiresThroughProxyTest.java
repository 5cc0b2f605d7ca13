package io.gatewatch.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.report.Tally;
import io.gatewatch.sim.Behaviour;
import io.gatewatch.sim.Fleet;
import io.gatewatch.sim.FleetObserver;
import io.gatewatch.sim.FleetSettings;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import io.gatewatch.sim.Wire;
import io.gatewatch.track.EventClock;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.RttKind;
import io.gatewatch.track.TrackerSettings;
import io.gatewatch.track.Via;
import io.micrometer.core.instrument.Counter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A mixed fleet through the proxy against the simulator with the discord profile: good clients on
 * ETF with zlib-stream, deaf clients on ETF, slow clients on zlib-stream JSON, every one read by
 * the proxy as its behaviour says (the fleet behaviours' twins for the Discord transports). A
 * Discord gateway does not ask for heartbeats, so the slow and the deaf clients (beating every 1.5
 * intervals) miss its deadline: 4009, then a Resume, on their own wires. The proxy reads each
 * behaviour's name from its Identify on every wire, JSON or ETF, compressed or not.
 */
class FleetWiresThroughProxyTest {
  static final GatewayProfile DISCORD = ProfileLoader.load("discord");

  /** The proxy's profile: the fleet's names in its client table, as in the demo. */
  static final GatewayProfile NAMED = DISCORD.withClients(Fleet.clientEntries());

  @Test
  void aMixedFleetIsReadOnEveryWire() throws Exception {
    Watches watches = new Watches(TokenFingerprinter.withRandomSalt());
    Tally tally = new Tally();
    try (GatewaySimulator sim =
            new GatewaySimulator(
                    SimulatorSettings.builder()
                        .listen("127.0.0.1:0")
                        .profile(DISCORD)
                        .heartbeatInterval(Duration.ofMillis(500))
                        .heartbeatTimeout(Duration.ofMillis(545))
                        .sessionRetention(Duration.ofSeconds(5))
                        .dispatchRate(2)
                        .build())
                .start();
        WatchedProxy proxy =
            WatchedProxy.start(
                watches,
                NAMED,
                TrackerSettings.DEFAULTS,
                "mixed",
                ProxySettings.builder("ws://127.0.0.1:" + sim.port())
                    .listen(new InetSocketAddress("127.0.0.1", 0))
                    .build(),
                null,
                true,
                EventClock.system(),
                tally)) {
      Map<Behaviour, Wire> wires = new EnumMap<>(Behaviour.class);
      Map<Behaviour, Integer> mix =
          FleetSettings.parseMix("good:etf+zlib-stream=2,deaf:etf=1,slow:zlib-stream=1", wires);
      assertThat(wires)
          .containsEntry(Behaviour.GOOD, Wire.parse("etf+zlib-stream"))
          .containsEntry(Behaviour.DEAF, Wire.parse("etf"))
          .containsEntry(Behaviour.SLOW, Wire.parse("json+zlib-stream"));
      FleetSettings settings =
          new FleetSettings(
              URI.create(proxy.url(sim.query())),
              4,
              mix,
              Duration.ofSeconds(60),
              Duration.ofSeconds(2),
              7,
              wires);
      try (Fleet fleet = new Fleet(settings, DISCORD, FleetObserver.NONE)) {
        fleet.start();
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () ->
                    tally.resumes(ResumeOutcome.SUCCESS) >= 2
                        && closes(tally, 4009) >= 2
                        && tally.rtts(RttKind.CLIENT).length >= 12);
        assertThat(tally.readies(Via.IDENTIFY)).isGreaterThanOrEqualTo(4);
        assertThat(tally.decodeErrors()).isZero();
        assertThat(tally.rtts(RttKind.SERVER_REQUEST)).isEmpty(); // Discord does not ask
        assertThat(watches.registry().get("gatewatch.frames.unobserved").counter().count())
            .isZero();
        // every behaviour's sessions under its own name, whatever its wire
        Set<String> named = new TreeSet<>();
        for (Counter c :
            watches.registry().find("gateway.client.ready").tags("source", "proxy").counters()) {
          if (c.count() > 0) {
            named.add(c.getId().getTag("client"));
          }
        }
        assertThat(named).containsExactly("fleet-deaf", "fleet-good", "fleet-slow");
      }
    }
  }

  private static long closes(Tally tally, int code) {
    return tally.closes().stream().filter(c -> c.code() == code).mapToLong(c -> c.total()).sum();
  }
}
