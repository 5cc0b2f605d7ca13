package io.gatewatch.thirdparty;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.proxy.Drain;
import io.gatewatch.proxy.ProxySettings;
import io.gatewatch.proxy.WatchedProxy;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import io.gatewatch.track.EventClock;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A drain as a bot built on {@code @discordjs/ws} (written and tested elsewhere) lives it: the bot
 * reaches two proxy replicas through one address, as through a Kubernetes Service; one replica
 * leaves the Service and drains; the library, told op 7 Reconnect and then the resumable close,
 * reconnects to the same address, lands on the other replica and Resumes: no Identify, nothing
 * lost.
 */
class DiscordJsDrainTest {
  private static final Duration INTERVAL = Duration.ofMillis(3_000);
  private static final Duration STEP = Duration.ofSeconds(20);

  @BeforeAll
  static void needsNode() {
    NodeClient.require("@discordjs/ws");
  }

  @Test
  void theLibraryResumesOnTheOtherReplicaAfterTheDrainsOp7() throws Exception {
    GatewayProfile discord = ProfileLoader.load("discord");
    Watches watchesA = new Watches(TokenFingerprinter.withRandomSalt());
    Watches watchesB = new Watches(TokenFingerprinter.withRandomSalt());
    try (GatewaySimulator sim =
            new GatewaySimulator(
                    SimulatorSettings.builder()
                        .listen("127.0.0.1:0")
                        .profile(discord)
                        .heartbeatInterval(INTERVAL)
                        .heartbeatTimeout(Duration.ofMillis(3_273))
                        .dispatchRate(0)
                        .build())
                .start();
        WatchedProxy a = replica(watchesA, discord, sim);
        WatchedProxy b = replica(watchesB, discord, sim);
        Service service = new Service(a.proxy().address())) {
      try (NodeClient bot =
          NodeClient.start("discordjs-client.mjs", "ws://" + service.address(), "valid-bot")) {
        bot.awaitCount("ready", 1, STEP);
        bot.awaitCount("ack", 2, STEP);
        assertThat(a.tracker().activeSessions()).isEqualTo(1);

        // replica a stops: it leaves the Service (its /-/ready answers 503), then drains
        service.routeTo(b.proxy().address());
        new Drain(List.of(a), watchesA.registry())
            .start(Duration.ofMillis(500), new SplittableRandom(1))
            .join();

        bot.awaitCount("resumed", 1, STEP);
        bot.awaitCount("ack", bot.count("ack") + 2, STEP);
        assertThat(bot.count("ready")).as(bot.describe()).isEqualTo(1); // no second Identify

        Scrape drained = Scrape.of(watchesA.registry().scrape());
        assertThat(drained.sum("gatewatch_drained_total", "notice", "reconnect_op")).isEqualTo(1);
        assertThat(drained.sum("gatewatch_drained_total", "notice", "close_only")).isZero();
        assertThat(drained.sum("gateway_frames_total", "from", "server", "op", "reconnect"))
            .isEqualTo(1);
        assertThat(drained.sum("gateway_close_total", "code", "4000", "initiator", "server"))
            .isEqualTo(1);
        Scrape other = Scrape.of(watchesB.registry().scrape());
        assertThat(other.sum("gateway_resume_total", "outcome", "success")).isEqualTo(1);
        assertThat(other.sum("gateway_resume_total")).isEqualTo(1);
        assertThat(other.sum("gateway_ready_total", "via", "identify")).isZero();
        assertThat(other.sum("gateway_policy_violations_total")).isZero();
        // The library's Identify named it on replica a; b, sharing no session directory with a,
        // never saw that Identify: the Resume it counts is unknown's (replicas share the label
        // through correlation's Redis, CorrelationEndToEndTest).
        assertThat(drained.nonZero("gateway_client_ready_total"))
            .containsExactly(
                "gateway_client_ready_total{client=\"discord.js\",gateway=\"djs\","
                    + "source=\"proxy\",via=\"identify\"} 1.0");
        assertThat(other.nonZero("gateway_client_resume_total"))
            .containsExactly(
                "gateway_client_resume_total{client=\"unknown\",gateway=\"djs\","
                    + "outcome=\"success\",source=\"proxy\"} 1.0");
        assertThat(b.tracker().activeSessions()).isEqualTo(1);

        bot.send("stop");
        assertThat(bot.awaitExit(STEP)).as(bot.describe()).isZero();
      }
    }
  }

  private static WatchedProxy replica(Watches watches, GatewayProfile profile, GatewaySimulator sim)
      throws IOException {
    return WatchedProxy.start(
        watches,
        profile,
        TrackerSettings.DEFAULTS,
        "djs",
        ProxySettings.builder("ws://127.0.0.1:" + sim.port())
            .listen(new InetSocketAddress("127.0.0.1", 0))
            .build(),
        null,
        true,
        EventClock.system(),
        Signals.NONE);
  }

  /**
   * One address in front of the replicas, as a Service is: each new TCP connection goes to the
   * replica routed to at that moment, byte for byte both ways.
   */
  static final class Service implements AutoCloseable {
    private final ServerSocket listener;
    private final AtomicReference<InetSocketAddress> route;

    Service(InetSocketAddress first) throws IOException {
      listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      route = new AtomicReference<>(first);
      Thread accept = new Thread(this::accept, "service-accept");
      accept.setDaemon(true);
      accept.start();
    }

    String address() {
      return "127.0.0.1:" + listener.getLocalPort();
    }

    /** New connections go to {@code replica} from now on (the endpoints changed). */
    void routeTo(InetSocketAddress replica) {
      route.set(replica);
    }

    private void accept() {
      while (!listener.isClosed()) {
        try {
          Socket client = listener.accept();
          Socket backend = new Socket(route.get().getAddress(), route.get().getPort());
          pump(client, backend);
          pump(backend, client);
        } catch (IOException e) {
          // the listener closed, or a replica refused: the client sees its connection end
        }
      }
    }

    private static void pump(Socket from, Socket to) {
      Thread t =
          new Thread(
              () -> {
                try (InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream()) {
                  in.transferTo(out);
                } catch (IOException e) {
                  // one side ended: end both
                } finally {
                  close(from);
                  close(to);
                }
              },
              "service-pump");
      t.setDaemon(true);
      t.start();
    }

    private static void close(Socket s) {
      try {
        s.close();
      } catch (IOException e) {
        // already closed
      }
    }

    @Override
    public void close() throws IOException {
      listener.close();
    }
  }
}
