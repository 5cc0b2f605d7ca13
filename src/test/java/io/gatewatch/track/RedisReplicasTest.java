package io.gatewatch.track;

import static io.gatewatch.track.Replicas.EPISODES;
import static io.gatewatch.track.Replicas.SETTINGS;
import static io.gatewatch.track.Replicas.play;
import static io.gatewatch.track.Replicas.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatewatch.correlation.CorrelationSettings;
import io.gatewatch.correlation.RedisCorrelation;
import io.gatewatch.correlation.RedisServer;
import io.gatewatch.track.Replicas.Balanced;
import io.gatewatch.track.Replicas.Late;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The replicas' script through a real Redis: three trackers, each with its own connection (as three
 * processes have), their answers let in after every event. Summed, the metrics are one tracker's.
 */
class RedisReplicasTest {
  private RedisServer redis;
  private final List<RedisCorrelation> connections = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    redis = RedisServer.start();
  }

  @AfterEach
  void stop() throws Exception {
    connections.forEach(RedisCorrelation::close);
    if (redis != null) {
      redis.close();
    }
  }

  private SessionDirectory replica() throws InterruptedException {
    RedisCorrelation c =
        new RedisCorrelation(
            new CorrelationSettings(
                URI.create(redis.url()),
                null,
                null,
                CorrelationSettings.DEFAULT_KEY_PREFIX,
                Duration.ofSeconds(2)),
            SETTINGS.linkWindow(),
            new SimpleMeterRegistry(),
            null);
    connections.add(c);
    assertThat(c.awaitConnected(Duration.ofSeconds(10))).isTrue();
    return c.forTap("replay", "test");
  }

  @Test
  void aClaimWithNoEpisodeOpenAnswersNoneAndTheCallCountsUntilItsAnswerIsHandled()
      throws Exception {
    SessionDirectory d = replica();
    SessionDirectory.Key key = new SessionDirectory.Key("s1", 7);
    long[] inFlightWhileHandled = {-1};
    // Redis holds the answer back until the stage below is registered, so that the stage runs
    // inside the answer's handling (as the tracker's does), not on this thread afterwards
    assertThat(redis.command("CLIENT PAUSE 300 ALL")).isEqualTo("+OK");
    SessionDirectory.Episode none =
        d.claim(key, key, 1_000)
            .whenComplete(
                (e, error) -> inFlightWhileHandled[0] = connections.get(0).callsInFlight())
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    assertThat(none).isNull();
    assertThat(inFlightWhileHandled[0]).isEqualTo(1);
    // the count goes down on Lettuce's thread right after the handler ran, which may be just after
    // this thread woke up
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(connections.get(0).callsInFlight()).isZero());

    assertThat(d.ended(new SessionDirectory.SocketEnd(key, 2_000, 4000, true, true, -1, null)))
        .succeedsWithin(Duration.ofSeconds(10))
        .isEqualTo(true);
    assertThat(d.claim(key, key, 3_000))
        .succeedsWithin(Duration.ofSeconds(10))
        .isEqualTo(new SessionDirectory.Episode(2_000, 4000, 0, null, true));
    assertThat(d.claim(key, key, 4_000)).succeedsWithin(Duration.ofSeconds(10)).isNull();
  }

  @Test
  void aResumeOnAnotherReplicaInheritsTheIdentifysLibraryThroughRedis() throws Exception {
    Late first = new Late(replica());
    Late second = new Late(replica());
    Script a = new Script(SETTINGS, first);
    Script b = new Script(SETTINGS, second);
    a.at(0).open("a1").at(1).server("a1", Script.hello());
    a.at(5).client("a1", Script.identifyAs("valid-A", "@discordjs/ws 2.0.4"));
    a.at(50).server("a1", Script.ready("S1")).at(1000).close("a1", 4000, "server");
    first.answer();
    b.at(1001).open("a2").at(1002).server("a2", Script.hello()).at(1010);
    b.client("a2", Script.resume("valid-A", "S1", 1)).at(1100).server("a2", Script.resumed(1));
    assertThat(b.byClient("gateway.client.resume", "outcome")).isEmpty(); // Redis not yet heard
    second.answer();
    // a Resume of a session Redis never saw
    b.at(2000).open("c1").at(2001).server("c1", Script.hello()).at(2010);
    b.client("c1", Script.resume("valid-C", "S9", 1)).at(2020).server("c1", Script.resumed(1));
    second.answer();

    assertThat(b.byClient("gateway.client.resume", "outcome"))
        .isEqualTo(Map.of("discord.js/success", 1.0, "unknown/success", 1.0));
    assertThat(b.byClient("gateway.client.ready", "via"))
        .isEqualTo(Map.of("discord.js/resume", 1.0, "unknown/resume", 1.0));
    assertThat(b.byClient("gateway.client.reconnect.duration", null))
        .isEqualTo(Map.of("discord.js", 1.0));
    assertThat(b.timerTotalMs("gateway.client.reconnect.duration", "client", "discord.js"))
        .isEqualTo(100);
    assertThat(a.byClient("gateway.client.ready", "via"))
        .isEqualTo(Map.of("discord.js/identify", 1.0));
  }

  @Test
  void aResumeOnAnotherReplicaBeforeTheOldSocketEndsInheritsTheLibraryThroughRedis()
      throws Exception {
    Late first = new Late(replica());
    Late second = new Late(replica());
    Script a = new Script(SETTINGS, first);
    Script b = new Script(SETTINGS, second);
    a.at(0).open("a1").at(1).server("a1", Script.hello());
    a.at(5)
        .client("a1", Script.identifyAs("valid-A", "JDA"))
        .at(50)
        .server("a1", Script.ready("S1"));
    first.answer();
    // the client's network changed: a has not seen a1 end when the client resumes on b
    b.at(1001).open("a2").at(1002).server("a2", Script.hello()).at(1010);
    b.client("a2", Script.resume("valid-A", "S1", 1)).at(1100).server("a2", Script.resumed(1));
    second.answer();

    assertThat(b.byClient("gateway.client.resume", "outcome"))
        .isEqualTo(Map.of("jda/success", 1.0));
    assertThat(b.byClient("gateway.client.ready", "via")).isEqualTo(Map.of("jda/resume", 1.0));
  }

  @Test
  void summedOverThreeReplicasTheMetricsAreOneTrackers() throws Exception {
    List<Late> directories = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      directories.add(new Late(replica()));
    }
    int[] next = {0};
    Balanced b = new Balanced(3, () -> directories.get(next[0]++));
    b.afterEach = () -> directories.forEach(Late::answer);
    play(b);

    assertThat(b.single.tally.reconnects()).containsExactlyInAnyOrder(EPISODES);
    assertThat(b.summed()).isEqualTo(snapshot(b.single.registry));
    List<Long> episodes = new ArrayList<>();
    long abandoned = 0;
    for (Script r : b.replicas) {
      for (long e : r.tally.reconnects()) {
        episodes.add(e);
      }
      abandoned += r.tally.abandoned();
    }
    assertThat(episodes).containsExactlyInAnyOrder(EPISODES);
    assertThat(abandoned).isEqualTo(1);
  }
}
