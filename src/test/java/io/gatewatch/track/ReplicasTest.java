package io.gatewatch.track;

import static io.gatewatch.track.Replicas.EPISODES;
import static io.gatewatch.track.Replicas.SETTINGS;
import static io.gatewatch.track.Replicas.play;
import static io.gatewatch.track.Replicas.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.track.Replicas.Balanced;
import io.gatewatch.track.Replicas.Late;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Replicas behind a round-robin balancer, each with its own tracker, sharing one directory: summed
 * over the replicas, every metric equals what one tracker that saw every socket records, episode by
 * episode.
 */
class ReplicasTest {
  @Test
  void summedOverReplicasTheMetricsAreOneTrackersEpisodeByEpisode() {
    InProcessDirectory shared = new InProcessDirectory(SETTINGS);
    Balanced b = new Balanced(2, shared::view);
    play(b);

    Script one = b.single;
    assertThat(one.tally.reconnects()).containsExactlyInAnyOrder(EPISODES);
    assertThat(one.tally.abandoned()).isEqualTo(1);
    assertThat(one.violations(PolicyRule.RESUME_AFTER_NON_RESUMABLE)).isEqualTo(1);
    assertThat(one.violations(PolicyRule.RETRY_UNCHANGED_AFTER_FATAL)).isEqualTo(1);
    assertThat(one.violations(PolicyRule.RECONNECT_TOO_SOON_AFTER_RATE_LIMIT)).isEqualTo(1);

    assertThat(b.summed()).isEqualTo(snapshot(one.registry));
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

  @Test
  void withoutASharedDirectoryTheReplicasLoseAndStretchEpisodes() {
    Balanced b = new Balanced(2, SessionDirectory::local);
    play(b);

    List<Long> episodes = new ArrayList<>();
    for (Script r : b.replicas) {
      for (long e : r.tally.reconnects()) {
        episodes.add(e);
      }
    }
    // the bug the directory fixes: the first Resume is lost, the second measured from the first
    // replica's old socket end (3.4 s), the policy rules that need the other replica's close unseen
    assertThat(episodes).contains(3_400_000_000L).doesNotContain(1_050_000_000L);
    assertThat(b.summed()).isNotEqualTo(snapshot(b.single.registry));
    assertThat(
            b.replicas.stream()
                .mapToDouble(r -> r.violations(PolicyRule.RETRY_UNCHANGED_AFTER_FATAL))
                .sum())
        .isZero();
  }

  @Test
  void anEpisodeThatWouldEndBeforeItStartedAcrossReplicasIsDroppedAndCounted() {
    InProcessDirectory shared = new InProcessDirectory(SETTINGS);
    Script a = new Script(SETTINGS, shared.view());
    Late late = new Late(shared.view());
    Script b = new Script(SETTINGS, late); // its clock is 500 ms behind a's
    a.session("a1", "valid-A", "S1", 0).at(1000).close("a1", 4000, "server");
    b.at(600).open("b1").at(601).server("b1", Script.hello());
    b.at(610).client("b1", Script.resume("valid-A", "S1", 1));
    b.at(700).server("b1", Script.resumed(1));
    late.answer();

    assertThat(late.clockSkews).isEqualTo(1);
    assertThat(b.tally.reconnects()).isEmpty();
    assertThat(b.timerCount("gateway.reconnect.duration", "via", "resume")).isZero();
    assertThat(b.resumes(ResumeOutcome.SUCCESS)).isEqualTo(1); // the outcome is the replica's own
    assertThat(a.tally.reconnects()).isEmpty();
  }

  @Test
  void answersThatArriveLateGiveTheSameNumbers() {
    InProcessDirectory shared = new InProcessDirectory(SETTINGS);
    List<Late> directories = new ArrayList<>();
    Balanced b =
        new Balanced(
            3,
            () -> {
              Late l = new Late(shared.view());
              directories.add(l);
              return l;
            });
    play(b);

    assertThat(directories).allSatisfy(d -> assertThat(d.pending).isNotEmpty());
    directories.forEach(Late::answer);
    assertThat(b.summed()).isEqualTo(snapshot(b.single.registry));
  }
}
