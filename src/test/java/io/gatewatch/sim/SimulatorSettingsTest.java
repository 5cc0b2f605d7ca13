package io.gatewatch.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatewatch.config.ConfigException;
import io.gatewatch.config.ConfigNode;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Defaults, the builder, and the YAML {@code simulator:} section with path-and-line errors. */
class SimulatorSettingsTest {
  static SimulatorSettings yaml(String text) {
    return SimulatorSettings.fromConfig(ConfigNode.parse("sim.yaml", text).get("simulator"));
  }

  @Test
  void defaultsAreFluxers() {
    SimulatorSettings s = SimulatorSettings.defaults();
    assertThat(s.listenHostPort()).isEqualTo("127.0.0.1:8765");
    assertThat(s.profile().name()).isEqualTo("fluxer-seed");
    assertThat(s.heartbeatInterval()).isEqualTo(Duration.ofMillis(41_250));
    assertThat(s.heartbeatTimeout()).isEqualTo(Duration.ofMillis(45_000));
    assertThat(s.sessionRetention()).isEqualTo(Duration.ofMillis(60_000));
    assertThat(s.dispatchRate()).isEqualTo(1.0);
    assertThat(s.maxPayloadBytes()).isEqualTo(4096);
    assertThat(s.rateLimit()).isEqualTo(new RateLimit(120, Duration.ofSeconds(60)));
    assertThat(s.replayBufferEvents()).isEqualTo(4096);
    assertThat(s.replayBufferBytes()).isEqualTo(16L << 20);
    assertThat(s.maxSocketsPerIp()).isEqualTo(256);
    assertThat(s.maxSessionsPerToken()).isEqualTo(100);
    assertThat(s.maxGuildsPerShard()).isEqualTo(2500);
    assertThat(s.guildCount()).isEqualTo(3);
    assertThat(s.guildsPerToken()).isEmpty();
    assertThat(s.validTokens()).isEmpty();
    assertThat(s.rejectedOpcodes()).containsExactly(13);
    assertThat(s.eventBufferBound()).isEqualTo(4096);
    assertThat(s.backpressureGrace()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.ackDelay()).isEqualTo(AckDelay.NONE);
    assertThat(s.dropProbability()).isZero();
    assertThat(s.dropEvery()).isZero();
    assertThat(s.drainEvery()).isZero();
    assertThat(s.expireEvery()).isZero();
    assertThat(s.backpressureBurstEvery()).isZero();
    assertThat(s.backpressureBurstEvents()).isEqualTo(256);
    assertThat(s.seed()).isEqualTo(1);
  }

  @Test
  void theTokenRule() {
    SimulatorSettings s = SimulatorSettings.defaults();
    assertThat(s.isValidToken("valid-alice")).isTrue();
    assertThat(s.isValidToken("valid-")).isTrue();
    assertThat(s.isValidToken("invalid-alice")).isFalse();
    assertThat(s.isValidToken("Valid-alice")).isFalse();
    assertThat(s.isValidToken("")).isFalse();
    assertThat(s.isValidToken(null)).isFalse();
    SimulatorSettings listed = s.toBuilder().validTokens(Set.of("abc")).build();
    assertThat(listed.isValidToken("abc")).isTrue();
    assertThat(listed.isValidToken("valid-alice")).isFalse();
    SimulatorSettings g = s.toBuilder().guildsFor("valid-big", 3000).build();
    assertThat(g.guildsFor("valid-big")).isEqualTo(3000);
    assertThat(g.guildsFor("valid-small")).isEqualTo(3);
  }

  @Test
  void toBuilderRoundTrips() {
    SimulatorSettings s =
        SimulatorSettings.builder()
            .listen("0.0.0.0:0")
            .profile("fluxer-current")
            .ackDelay(AckDelay.parse("1ms..2ms"))
            .guildsFor("valid-x", 7)
            .build();
    assertThat(s.toBuilder().build()).isEqualTo(s);
  }

  @Test
  void theBuilderValidates() {
    assertThatThrownBy(() -> SimulatorSettings.builder().heartbeatInterval(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("heartbeat interval must be positive");
    assertThatThrownBy(() -> SimulatorSettings.builder().dropProbability(1.5).build())
        .hasMessage("drop probability must be from 0 to 1");
    assertThatThrownBy(() -> SimulatorSettings.builder().maxSocketsPerIp(0).build())
        .hasMessage("max sockets per IP must be at least 1");
    assertThatThrownBy(() -> SimulatorSettings.builder().dispatchRate(-1).build())
        .hasMessage("dispatch rate must be from 0 to 10000 per second");
  }

  @Test
  void readsAFullSection() {
    SimulatorSettings s =
        yaml(
            """
            other_section: {ignored: true}
            simulator:
              listen: 127.0.0.1:0
              profile: fluxer-current
              heartbeat_interval: 2s
              heartbeat_timeout: 3s
              session_retention: 500ms
              dispatch_rate: 2.5
              dispatch_bytes: 1024..4096
              tokens:
                valid: [alpha, beta]
                guilds: 10
                guilds_per_token: {alpha: 3000}
              rejected_opcodes: [13, 99]
              limits:
                max_payload_bytes: 8192
                rate_limit: 600/60s
                replay_buffer_events: 100
                replay_buffer_bytes: 65536
                max_sockets_per_ip: 5
                max_sessions_per_token: 7
                max_guilds_per_shard: 1000
                event_buffer_bound: 64
                backpressure_grace: 2s
              faults:
                random_seed: 42
                ack_delay: 10ms..20ms
                drop_probability: 0.25
                drop_every: 1m
                drain_every: 5m
                expire_every: 10m
                backpressure_burst_every: 1h
                backpressure_burst_events: 16
            """);
    assertThat(s.listenHostPort()).isEqualTo("127.0.0.1:0");
    assertThat(s.profile().name()).isEqualTo("fluxer-current");
    assertThat(s.heartbeatInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.heartbeatTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(s.sessionRetention()).isEqualTo(Duration.ofMillis(500));
    assertThat(s.dispatchRate()).isEqualTo(2.5);
    assertThat(s.dispatchSize()).isEqualTo(new DispatchSize(1024, 4096));
    assertThat(s.validTokens()).containsExactly("alpha", "beta");
    assertThat(s.guildCount()).isEqualTo(10);
    assertThat(s.guildsPerToken()).isEqualTo(Map.of("alpha", 3000));
    assertThat(s.rejectedOpcodes()).containsExactly(13, 99);
    assertThat(s.maxPayloadBytes()).isEqualTo(8192);
    assertThat(s.rateLimit()).isEqualTo(new RateLimit(600, Duration.ofSeconds(60)));
    assertThat(s.replayBufferEvents()).isEqualTo(100);
    assertThat(s.replayBufferBytes()).isEqualTo(65536);
    assertThat(s.maxSocketsPerIp()).isEqualTo(5);
    assertThat(s.maxSessionsPerToken()).isEqualTo(7);
    assertThat(s.maxGuildsPerShard()).isEqualTo(1000);
    assertThat(s.eventBufferBound()).isEqualTo(64);
    assertThat(s.backpressureGrace()).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.seed()).isEqualTo(42);
    assertThat(s.ackDelay()).isEqualTo(AckDelay.parse("10ms..20ms"));
    assertThat(s.dropProbability()).isEqualTo(0.25);
    assertThat(s.dropEvery()).isEqualTo(Duration.ofMinutes(1));
    assertThat(s.drainEvery()).isEqualTo(Duration.ofMinutes(5));
    assertThat(s.expireEvery()).isEqualTo(Duration.ofMinutes(10));
    assertThat(s.backpressureBurstEvery()).isEqualTo(Duration.ofHours(1));
    assertThat(s.backpressureBurstEvents()).isEqualTo(16);
  }

  @Test
  void theOldSpellingOfTheRandomSeedStillWorks() {
    assertThat(yaml("simulator:\n  faults:\n    seed: 7\n").seed()).isEqualTo(7);
    assertThatThrownBy(() -> yaml("simulator:\n  faults:\n    seed: 7\n    random_seed: 8\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "sim.yaml: simulator.faults.seed (line 3): is the old spelling of random_seed; give"
                + " only random_seed");
  }

  @Test
  void anEmptySectionIsTheDefaults() {
    assertThat(yaml("simulator:\n")).isEqualTo(SimulatorSettings.defaults());
    assertThat(yaml("simulator: {}\n")).isEqualTo(SimulatorSettings.defaults());
  }

  @Test
  void errorsNameThePathAndTheLine() {
    record Case(String yaml, String message) {}
    Case[] cases = {
      new Case(
          "simulator:\n  heartbeat_intervall: 5s\n",
          "sim.yaml: simulator.heartbeat_intervall (line 2): unknown key; expected one of"
              + " [dispatch_bytes, dispatch_rate, faults, heartbeat_interval, heartbeat_timeout,"
              + " limits, listen, profile, rejected_opcodes, session_retention, tokens]"),
      new Case(
          "simulator:\n  dispatch_bytes: 4096..1024\n",
          "sim.yaml: simulator.dispatch_bytes (line 2): dispatch size range \"4096..1024\": the"
              + " maximum is below the minimum"),
      new Case(
          "simulator:\n  dispatch_bytes: 1024..2000000\n",
          "sim.yaml: simulator.dispatch_bytes (line 2): expected a dispatch size in bytes (2048)"
              + " or a range (1024..4096), at most 1048576"),
      new Case(
          "simulator:\n  dispatch_bytes: big\n",
          "sim.yaml: simulator.dispatch_bytes (line 2): expected a dispatch size in bytes (2048)"
              + " or a range (1024..4096), at most 1048576, got 'big'"),
      new Case(
          "simulator:\n  limits:\n    rate_limit: lots\n",
          "sim.yaml: simulator.limits.rate_limit (line 3): expected a rate limit such as 120/60s"
              + " (payloads per window), got \"lots\""),
      new Case(
          "simulator:\n  heartbeat_interval: 0s\n",
          "sim.yaml: simulator.heartbeat_interval (line 2): must be positive, got 0s"),
      new Case(
          "simulator:\n  heartbeat_timeout: soon\n",
          "sim.yaml: simulator.heartbeat_timeout (line 2): expected a duration such as 500ms,"
              + " 45s, 10m or 1h, got \"soon\""),
      new Case(
          "simulator:\n  faults:\n    ack_delay: 5ms..1ms\n",
          "sim.yaml: simulator.faults.ack_delay (line 3): ACK delay range \"5ms..1ms\": the"
              + " maximum is below the minimum"),
      new Case(
          "simulator:\n  faults:\n    drop_probability: 2\n",
          "sim.yaml: simulator.faults.drop_probability (line 3): must be from 0 to 1, got 2"),
      new Case(
          "simulator:\n  limits:\n    max_sockets_per_ip: 0\n",
          "sim.yaml: simulator.limits.max_sockets_per_ip (line 3): must be at least 1, got 0"),
      new Case(
          "simulator:\n  listen: nowhere\n",
          "sim.yaml: simulator.listen (line 2): expected HOST:PORT, got \"nowhere\""),
      new Case(
          "simulator:\n  profile: fluxer-future\n",
          "sim.yaml: simulator.profile (line 2): unknown profile \"fluxer-future\"; expected one"
              + " of [fluxer-seed, fluxer-current, discord] or a path to a YAML file"),
      new Case(
          "simulator:\n  tokens:\n    valid: valid-a\n",
          "sim.yaml: simulator.tokens.valid (line 3): expected a sequence, got \"valid-a\""),
      new Case(
          "simulator:\n  rejected_opcodes: [300]\n",
          "sim.yaml: simulator.rejected_opcodes[0] (line 2): must be from 0 to 255, got 300"),
      new Case(
          "simulator:\n  faults:\n    chaos: yes\n",
          "sim.yaml: simulator.faults.chaos (line 3): unknown key; expected one of"
              + " [ack_delay, backpressure_burst_events, backpressure_burst_every, drain_every,"
              + " drop_every, drop_probability, expire_every, random_seed, seed]"),
    };
    for (Case c : cases) {
      assertThatThrownBy(() -> yaml(c.yaml))
          .as(c.yaml)
          .isInstanceOf(ConfigException.class)
          .hasMessage(c.message);
    }
  }
}
