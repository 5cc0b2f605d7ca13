package io.gatewatch.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.gatewatch.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ProfileLoaderTest {
  @TempDir Path dir;

  private static final String VALID =
      String.join(
          "\n",
          "profile: my-gateway", // 1
          "description: a test gateway", // 2
          "limits:", // 3
          "  max_client_payload_bytes: 8192", // 4
          "opcodes:", // 5
          "  - {code: 0, name: Dispatch, sent_by: server}", // 6
          "  - {code: 1, name: Heartbeat, sent_by: both}", // 7
          "  - {code: 42, name: Custom Thing, label: custom, sent_by: client}", // 8
          "close_codes:", // 9
          "  - code: 4000", // 10
          "    name: Unknown Error", // 11
          "    resumable: true", // 12
          "    cause: Something broke.", // 13
          "    recovery: Reconnect and Resume.", // 14
          "  - code: 1000", // 15
          "    name: Bye", // 16
          "    resumable: false", // 17
          "  - code: 4900", // 18
          "    name: Custom Close", // 19
          "    resumable: conditional", // 20
          "");

  static List<String> bundled() {
    return ProfileLoader.bundledNames();
  }

  private Path write(String name, String text) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return file;
  }

  /** Loads VALID with one line replaced (1-based), expecting a failure. */
  private String failureWith(int line, String replacement) throws Exception {
    List<String> lines = new java.util.ArrayList<>(List.of(VALID.split("\n", -1)));
    lines.set(line - 1, replacement);
    Path file = write("broken.yaml", String.join("\n", lines));
    try {
      ProfileLoader.load(file.toString());
    } catch (ConfigException e) {
      return e.getMessage();
    }
    throw new AssertionError("no failure for line " + line + ": " + replacement);
  }

  @Test
  void fluxerSeedIsTheDefaultAndHasExactlyTheSeedsThirteenCodes() {
    GatewayProfile seed = ProfileLoader.defaultProfile();
    assertThat(seed.name()).isEqualTo("fluxer-seed");
    assertThat(seed).isSameAs(ProfileLoader.load("fluxer-seed"));
    assertThat(seed.maxClientPayloadBytes()).isEqualTo(4096);
    assertThat(seed.closeCodes().stream().filter(c -> c.code() >= 4000))
        .extracting(CloseCode::code, CloseCode::name, CloseCode::label, CloseCode::resumable)
        .containsExactly(
            tuple(4000, "Unknown Error", "unknown_error", Resumability.TRUE),
            tuple(4001, "Unknown Opcode", "unknown_opcode", Resumability.TRUE),
            tuple(4002, "Decode Error", "decode_error", Resumability.TRUE),
            tuple(4003, "Not Authenticated", "not_authenticated", Resumability.TRUE),
            tuple(4004, "Authentication Failed", "authentication_failed", Resumability.FALSE),
            tuple(4005, "Already Authenticated", "already_authenticated", Resumability.TRUE),
            tuple(4007, "Invalid Sequence", "invalid_sequence", Resumability.FALSE),
            tuple(4008, "Rate Limited", "rate_limited", Resumability.FALSE),
            tuple(4009, "Session Timeout", "session_timeout", Resumability.TRUE),
            tuple(4010, "Invalid Shard", "invalid_shard", Resumability.FALSE),
            tuple(4011, "Sharding Required", "sharding_required", Resumability.FALSE),
            tuple(4012, "Invalid API Version", "invalid_api_version", Resumability.FALSE),
            tuple(
                4013,
                "Acknowledgement Backpressure",
                "acknowledgement_backpressure",
                Resumability.FALSE));
    assertThat(seed.closeCode(4006)).isNull();
    assertThat(seed.closeCode(4014)).isNull();
  }

  @Test
  void fluxerSeedKeepsTheSeedsRecoveryFacts() {
    GatewayProfile seed = ProfileLoader.defaultProfile();
    assertThat(seed.closeCode(4008).recovery()).contains("at least 60 seconds");
    assertThat(seed.closeCode(4009).cause()).contains("45 seconds");
    assertThat(seed.closeCode(4002).cause()).contains("4,096 bytes");
    assertThat(seed.closeCode(4013).cause()).contains("4,096", "512", "2,048");
    assertThat(seed.closeCode(4004).recovery()).contains("Do not Resume");
    for (CloseCode code : seed.closeCodes()) {
      assertThat(code.cause()).as("cause of %d", code.code()).isNotBlank().doesNotContain("\n");
      assertThat(code.recovery()).as("recovery of %d", code.code()).isNotBlank();
    }
  }

  @ParameterizedTest
  @MethodSource("bundled")
  void everyProfileKnowsTheStandardWebSocketCodes(String name) {
    GatewayProfile profile = ProfileLoader.load(name);
    assertThat(profile.name()).isEqualTo(name);
    for (int code = 1000; code <= 1015; code++) {
      assertThat(profile.closeCode(code)).as("%s %d", name, code).isNotNull();
    }
    assertThat(profile.closeCode(1006).name()).isEqualTo("Abnormal Closure");
    assertThat(profile.closeCode(1006).label()).isEqualTo("abnormal_closure");
    assertThat(profile.closeCode(1006).resumable()).isEqualTo(Resumability.TRUE);
    assertThat(profile.closeCode(1012).label()).isEqualTo("service_restart");
    assertThat(profile.closeCode(1015).label()).isEqualTo("tls_handshake");
    Set<String> labels =
        profile.closeCodes().stream().map(CloseCode::label).collect(Collectors.toSet());
    assertThat(labels).hasSize(profile.closeCodes().size());
  }

  @Test
  void fluxerSeedStandardCodesAreResumable() {
    GatewayProfile seed = ProfileLoader.defaultProfile();
    assertThat(IntStream.rangeClosed(1000, 1015).mapToObj(seed::closeCode))
        .allSatisfy(c -> assertThat(c.resumable()).isEqualTo(Resumability.TRUE));
  }

  @Test
  void fluxerCurrentDropsAcknowledgementBackpressureAndIsMostlyConditional() {
    GatewayProfile current = ProfileLoader.load("fluxer-current");
    assertThat(current.closeCode(4013)).isNull();
    assertThat(current.closeCodes().stream().filter(c -> c.code() >= 4000))
        .extracting(CloseCode::code, CloseCode::resumable)
        .containsExactly(
            tuple(4000, Resumability.CONDITIONAL),
            tuple(4001, Resumability.CONDITIONAL),
            tuple(4002, Resumability.CONDITIONAL),
            tuple(4003, Resumability.FALSE),
            tuple(4004, Resumability.CONDITIONAL),
            tuple(4005, Resumability.CONDITIONAL),
            tuple(4007, Resumability.FALSE),
            tuple(4008, Resumability.CONDITIONAL),
            tuple(4009, Resumability.CONDITIONAL),
            tuple(4010, Resumability.FALSE),
            tuple(4011, Resumability.FALSE),
            tuple(4012, Resumability.FALSE));
    assertThat(current.closeCode(4009).label()).isEqualTo("session_timeout");
    assertThat(current.opcodes())
        .extracting(Opcode::code)
        .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 28);
    assertThat(current.opcode(15).label()).isEqualTo("request_guild_counts");
    assertThat(current.opcode(16).label()).isEqualTo("request_channel_member_counts");
    assertThat(current.opcode(28).label()).isEqualTo("request_forum_unreads");
  }

  @Test
  void discordHasIntentCodesAndClientCloseInvalidatesSessions() {
    GatewayProfile discord = ProfileLoader.load("discord");
    assertThat(discord.closeCode(4013).name()).isEqualTo("Invalid Intent(s)");
    assertThat(discord.closeCode(4013).label()).isEqualTo("invalid_intents");
    assertThat(discord.closeCode(4014).name()).isEqualTo("Disallowed Intent(s)");
    assertThat(discord.closeCode(4014).label()).isEqualTo("disallowed_intents");
    assertThat(discord.closeCode(4006)).isNull();
    assertThat(discord.closeCode(4009).label()).isEqualTo("session_timeout");
    assertThat(discord.closeCode(1000).resumable()).isEqualTo(Resumability.CONDITIONAL);
    assertThat(discord.closeCode(1001).resumable()).isEqualTo(Resumability.CONDITIONAL);
    assertThat(discord.closeCode(1006).resumable()).isEqualTo(Resumability.TRUE);
    for (int code : new int[] {4004, 4007, 4010, 4011, 4012, 4013, 4014}) {
      assertThat(discord.closeCode(code).resumable()).as("%d", code).isEqualTo(Resumability.FALSE);
    }
    for (int code : new int[] {4000, 4001, 4002, 4003, 4005, 4008}) {
      assertThat(discord.closeCode(code).resumable()).as("%d", code).isEqualTo(Resumability.TRUE);
    }
    assertThat(discord.opcodes())
        .extracting(Opcode::code)
        .containsExactly(0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 31);
  }

  @Test
  void transportOptionsAreFluxersByDefaultAndDiscordsInTheDiscordProfile() throws Exception {
    for (String fluxer : List.of("fluxer-seed", "fluxer-current")) {
      assertThat(ProfileLoader.load(fluxer).transport()).isEqualTo(TransportOptions.FLUXER);
    }
    assertThat(TransportOptions.FLUXER.encodings()).containsExactly(Encoding.JSON);
    assertThat(TransportOptions.FLUXER.compressions()).containsExactly(Compression.ZSTD_STREAM);
    assertThat(TransportOptions.FLUXER.payloadCompression()).isFalse();

    TransportOptions discord = ProfileLoader.load("discord").transport();
    assertThat(discord.encodings()).containsExactlyInAnyOrder(Encoding.JSON, Encoding.ETF);
    assertThat(discord.compressions())
        .containsExactlyInAnyOrder(Compression.ZLIB_STREAM, Compression.ZSTD_STREAM);
    assertThat(discord.payloadCompression()).isTrue();

    Path own =
        write(
            "own.yaml",
            VALID
                + "transport:\n  encodings: [etf]\n  compress: []\n"
                + "  payload_compression: true\n");
    TransportOptions t = ProfileLoader.load(own.toString()).transport();
    assertThat(t).isEqualTo(new TransportOptions(Set.of(Encoding.ETF), Set.of(), true));

    Path bad = write("bad.yaml", VALID + "transport:\n  encodings: [json, xml]\n");
    assertThatThrownBy(() -> ProfileLoader.load(bad.toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            bad + ": transport.encodings[1] (line 22): expected one of [json, etf], got \"xml\"");
  }

  @Test
  void opcodeLabels() {
    GatewayProfile seed = ProfileLoader.defaultProfile();
    assertThat(seed.opcodes())
        .extracting(Opcode::code, Opcode::label, Opcode::sentBy)
        .containsExactly(
            tuple(0, "dispatch", "server"),
            tuple(1, "heartbeat", "both"),
            tuple(2, "identify", "client"),
            tuple(3, "presence_update", "client"),
            tuple(4, "voice_state_update", "client"),
            tuple(5, "voice_server_ping", "client"),
            tuple(6, "resume", "client"),
            tuple(7, "reconnect", "server"),
            tuple(8, "request_guild_members", "client"),
            tuple(9, "invalid_session", "server"),
            tuple(10, "hello", "server"),
            tuple(11, "heartbeat_ack", "server"),
            tuple(12, "gateway_error", "server"),
            tuple(13, "voice_signal", "client"),
            tuple(14, "lazy_request", "client"));
    assertThat(seed.opcode(11).name()).isEqualTo("Heartbeat ACK");
    assertThat(seed.opcode(15)).isNull();
    assertThat(seed.opcode(-1)).isNull();
    assertThat(seed.opcode(1000)).isNull();
  }

  @Test
  void labelsDeriveFromNames() {
    assertThat(ProfileLoader.deriveLabel("Session Timeout")).isEqualTo("session_timeout");
    assertThat(ProfileLoader.deriveLabel("Invalid Intent(s)")).isEqualTo("invalid_intents");
    assertThat(ProfileLoader.deriveLabel("Heartbeat ACK")).isEqualTo("heartbeat_ack");
    assertThat(ProfileLoader.deriveLabel("Call Connect / Voice Signal"))
        .isEqualTo("call_connect_voice_signal");
    assertThat(ProfileLoader.deriveLabel("  Client's -- Thing!  ")).isEqualTo("clients_thing");
  }

  @Test
  void operatorFileLoadsWithStandardCodesMergedAndOverridden() throws Exception {
    Path file = write("mine.yaml", VALID);
    GatewayProfile profile = ProfileLoader.load(file.toString());
    assertThat(profile.name()).isEqualTo("my-gateway");
    assertThat(profile.maxClientPayloadBytes()).isEqualTo(8192);
    assertThat(profile.opcode(42).label()).isEqualTo("custom");
    assertThat(profile.opcode(42).name()).isEqualTo("Custom Thing");
    assertThat(profile.closeCode(1000).name()).isEqualTo("Bye");
    assertThat(profile.closeCode(1000).resumable()).isEqualTo(Resumability.FALSE);
    assertThat(profile.closeCode(1000).cause()).isEmpty();
    assertThat(profile.closeCode(1006).name()).isEqualTo("Abnormal Closure");
    assertThat(profile.closeCode(4900).label()).isEqualTo("custom_close");
    assertThat(profile.closeCode(4900).resumable()).isEqualTo(Resumability.CONDITIONAL);
    assertThat(profile.closeCode(4000).recovery()).isEqualTo("Reconnect and Resume.");
    assertThat(ProfileLoader.load(file).name()).isEqualTo("my-gateway");
  }

  @ParameterizedTest
  @MethodSource("bundled")
  void everyBundledProfileDrainsWithOp7AndAResumable4000(String name) {
    GatewayProfile.Drain drain = ProfileLoader.load(name).drain();
    assertThat(drain.reconnectOp().code()).isEqualTo(7);
    assertThat(drain.reconnectOp().label()).isEqualTo("reconnect");
    assertThat(drain.close().code()).isEqualTo(4000);
    assertThat(drain.close().resumable()).isNotEqualTo(Resumability.FALSE);
    assertThat(drain.reason())
        .isEqualTo(
            name.equals("discord")
                ? "Unknown Error"
                : "Session drain requested; reconnect to continue");
  }

  @Test
  void withoutADrainSectionTheDrainClosesWith1012AndSendsNoOpcode() throws Exception {
    GatewayProfile.Drain drain = ProfileLoader.load(write("mine.yaml", VALID)).drain();
    assertThat(drain.reconnectOp()).isNull();
    assertThat(drain.close().code()).isEqualTo(1012);
    assertThat(drain.reason()).isEqualTo("Service Restart");
  }

  @Test
  void aDrainSectionNamesAServerOpcodeAndAResumableCode() throws Exception {
    Path file =
        write(
            "drain.yaml",
            VALID + "drain:\n  reconnect_op: 1\n  close_code: 4900\n  reason: moving you\n");
    GatewayProfile.Drain drain = ProfileLoader.load(file).drain();
    assertThat(drain.reconnectOp().name()).isEqualTo("Heartbeat");
    assertThat(drain.close().code()).isEqualTo(4900);
    assertThat(drain.reason()).isEqualTo("moving you");
  }

  @Test
  void aBadDrainSectionNamesItsPath() throws Exception {
    String f = dir.resolve("drain.yaml").toString();
    assertThat(drainFailure("drain:\n  close_code: 1000\n")) // line 21
        .isEqualTo(
            f
                + ": drain.close_code (line 22): 1000 Bye is not resumable in this profile; a"
                + " drain must leave the session resumable");
    assertThat(drainFailure("drain:\n  close_code: 4999\n"))
        .isEqualTo(
            f + ": drain.close_code (line 22): must be a close code of this profile, got 4999");
    assertThat(drainFailure("drain:\n  close_code: 1006\n"))
        .isEqualTo(f + ": drain.close_code (line 22): 1006 is never sent in a close frame");
    assertThat(drainFailure("drain:\n  reconnect_op: 42\n  close_code: 4000\n"))
        .isEqualTo(
            f
                + ": drain.reconnect_op (line 22): must be an opcode of this profile sent by the"
                + " server, got 42");
    assertThat(drainFailure("drain:\n  reconnect_op: 7\n  close_code: 4000\n"))
        .isEqualTo(
            f
                + ": drain.reconnect_op (line 22): must be an opcode of this profile sent by the"
                + " server, got 7");
    assertThat(drainFailure("drain:\n  close_code: 4000\n  reason: " + "x".repeat(124) + "\n"))
        .isEqualTo(f + ": drain.reason (line 23): at most 123 bytes of UTF-8");
    assertThat(drainFailure("drain:\n  code: 4000\n"))
        .isEqualTo(
            f
                + ": drain.code (line 22): unknown key; expected one of [close_code, reason,"
                + " reconnect_op]");
    // no drain section, and 1012 overridden as non-resumable: the profile must say how to drain
    assertThat(drainFailure("  - code: 1012\n    name: Service Restart\n    resumable: false\n"))
        .startsWith(f)
        .endsWith(
            "without a drain section a drain closes with 1012, which this profile does not mark"
                + " resumable; add drain.close_code");
  }

  /** Loads VALID with {@code more} appended, expecting a failure. */
  private String drainFailure(String more) throws Exception {
    Path file = write("drain.yaml", VALID + more);
    try {
      ProfileLoader.load(file);
    } catch (ConfigException e) {
      return e.getMessage();
    }
    throw new AssertionError("no failure for " + more);
  }

  @ParameterizedTest
  @MethodSource("bundled")
  void everyBundledProfileHasTheSameClientTable(String name) {
    ClientTable clients = ProfileLoader.load(name).clients();
    assertThat(clients.libraries())
        .extracting(ClientLibrary::label)
        .containsExactly(
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
    assertThat(clients.entries())
        .extracting(ClientTable.Entry::client, ClientTable.Entry::browser, ClientTable.Entry::os)
        .containsExactly(
            tuple("fluxerjs", List.of("fluxerjs", "@fluxerjs/core"), List.of()),
            tuple("discord.js", List.of("discord.js", "@discordjs/ws"), List.of()),
            tuple("discord.py", List.of("discord.py"), List.of()),
            tuple("jda", List.of("JDA"), List.of()),
            tuple("discord4j", List.of("Discord4J"), List.of()),
            tuple("desktop", List.of("Discord Client", "Fluxer Desktop"), List.of()),
            tuple(
                "mobile",
                List.of("Discord Android", "Discord iOS", "Fluxer Android", "Fluxer iOS"),
                List.of("Android", "iOS")),
            tuple(
                "web",
                List.of("Chrome", "Firefox", "Safari", "Edge", "Opera", "Brave"),
                List.of()));
    assertThat(clients.entries()).allMatch(e -> e.device().isEmpty());
  }

  @Test
  void aClientsSectionIsOptionalAndReadInOrder() throws Exception {
    assertThat(ProfileLoader.load(write("mine.yaml", VALID)).clients()).isSameAs(ClientTable.EMPTY);
    Path file =
        write(
            "clients.yaml",
            VALID
                + "clients:\n" // 21
                + "  - {client: acme-bot, browser: [AcmeBot, \"acme bot\"]}\n" // 22
                + "  - client: kiosk\n" // 23
                + "    device: [Kiosk]\n" // 24
                + "    os: [KioskOS]\n"); // 25
    ClientTable clients = ProfileLoader.load(file).clients();
    assertThat(clients.entries())
        .containsExactly(
            new ClientTable.Entry("acme-bot", List.of("AcmeBot", "acme bot"), List.of(), List.of()),
            new ClientTable.Entry("kiosk", List.of(), List.of("Kiosk"), List.of("KioskOS")));
    assertThat(clients.classify("acme bot/2", null, null).label()).isEqualTo("acme-bot");
    assertThat(clients.classify(null, "kiosk", null).label()).isEqualTo("kiosk");
    assertThat(clients.classify("Chrome", null, null).label()).isEqualTo("other");
  }

  @Test
  void theExampleProfilesClientTable() {
    ClientTable clients = ProfileLoader.load("examples/profile.yaml").clients();
    assertThat(clients.libraries())
        .extracting(ClientLibrary::label)
        .containsExactly(
            "unknown", "other", "gatewatch-probe", "acme-bot", "discord.js", "mobile", "web");
    assertThat(clients.classify("AcmeBot/1.2", null, null).label()).isEqualTo("acme-bot");
    assertThat(clients.classify("AcmeBotter", null, null).label()).isEqualTo("other");
    assertThat(clients.classify("x", null, "iOS").label()).isEqualTo("mobile");
  }

  @Test
  void aBadClientsSectionNamesItsPathAndLine() throws Exception {
    String f = dir.resolve("clients.yaml").toString();
    assertThat(clientsFailure("  - {client: Discord.js, browser: [x]}\n"))
        .isEqualTo(
            f
                + ": clients[0].client (line 22): must match [a-z0-9][a-z0-9._-]{0,31} (a label"
                + " value), got \"Discord.js\"");
    assertThat(
            clientsFailure("  - {client: ok, browser: [x]}\n  - {client: other, browser: [y]}\n"))
        .isEqualTo(f + ": clients[1].client (line 23): \"other\" is reserved");
    assertThat(clientsFailure("  - {client: gatewatch-probe, browser: [y]}\n"))
        .isEqualTo(f + ": clients[0].client (line 22): \"gatewatch-probe\" is reserved");
    assertThat(clientsFailure("  - client: lonely\n"))
        .isEqualTo(f + ": clients[0] (line 22): names no browser, device or os to match");
    assertThat(clientsFailure("  - {client: a, browser: []}\n"))
        .isEqualTo(f + ": clients[0] (line 22): names no browser, device or os to match");
    assertThat(clientsFailure("  - {client: a, browser: [\"  \"]}\n"))
        .isEqualTo(f + ": clients[0].browser[0] (line 22): must not be empty");
    assertThat(clientsFailure("  - client: a\n    browsers: [x]\n"))
        .isEqualTo(
            f
                + ": clients[0].browsers (line 23): unknown key; expected one of [browser,"
                + " client, device, os]");
    assertThat(clientsFailure("  - {browser: [x]}\n"))
        .isEqualTo(f + ": clients[0].client: required"); // as every missing key: no line
    StringBuilder thirty = new StringBuilder();
    for (int i = 1; i <= 30; i++) {
      thirty
          .append("  - {client: lib")
          .append(i)
          .append(", browser: [Lib")
          .append(i)
          .append("]}\n");
    }
    // the 30th value, on line 51
    assertThat(clientsFailure(thirty.toString()))
        .isEqualTo(f + ": clients[29].client (line 51): at most 29 distinct client values");
    // 29 values, one of them named twice, are allowed
    String twentyNine =
        thirty.substring(0, thirty.lastIndexOf("  - ")) + "  - {client: lib1, browser: [L]}\n";
    Path ok = write("clients.yaml", VALID + "clients:\n" + twentyNine);
    assertThat(ProfileLoader.load(ok).clients().libraries()).hasSize(32);
  }

  /** Loads VALID with a clients section of {@code entries} (from line 22), expecting a failure. */
  private String clientsFailure(String entries) throws Exception {
    Path file = write("clients.yaml", VALID + "clients:\n" + entries);
    try {
      ProfileLoader.load(file);
    } catch (ConfigException e) {
      return e.getMessage();
    }
    throw new AssertionError("no failure for " + entries);
  }

  @Test
  void limitsAreOptional() throws Exception {
    Path file = write("nolimits.yaml", "profile: p\nopcodes: []\nclose_codes: []\n");
    GatewayProfile profile = ProfileLoader.load(file.toString());
    assertThat(profile.maxClientPayloadBytes()).isEqualTo(4096);
    assertThat(profile.opcodes()).isEmpty();
    assertThat(profile.closeCodes()).hasSize(16);
  }

  @Test
  void policyAndApiVersionPerBundledProfile() {
    GatewayProfile seed = ProfileLoader.load("fluxer-seed");
    assertThat(seed.apiVersion()).isEqualTo("1");
    assertThat(seed.policy())
        .isEqualTo(new GatewayProfile.Policy(0.25, java.time.Duration.ofSeconds(60), true));
    GatewayProfile current = ProfileLoader.load("fluxer-current");
    assertThat(current.apiVersion()).isEqualTo("1");
    assertThat(current.policy())
        .isEqualTo(new GatewayProfile.Policy(0.25, java.time.Duration.ZERO, true));
    GatewayProfile discord = ProfileLoader.load("discord");
    assertThat(discord.apiVersion()).isEqualTo("10");
    assertThat(discord.policy())
        .isEqualTo(new GatewayProfile.Policy(0.25, java.time.Duration.ZERO, false));
  }

  @Test
  void policyAndApiVersionAreOptionalAndValidated() throws Exception {
    GatewayProfile bare =
        ProfileLoader.load(write("bare.yaml", "profile: p\nopcodes: []\nclose_codes: []\n"));
    assertThat(bare.apiVersion()).isEqualTo("1");
    assertThat(bare.policy()).isEqualTo(GatewayProfile.Policy.DEFAULT);
    Path own =
        write(
            "own.yaml",
            "profile: p\napi_version: 9\npolicy:\n  heartbeat_grace: 0.5\n"
                + "  rate_limit_backoff: 30s\n  server_requests_heartbeats: false\n"
                + "opcodes: []\nclose_codes: []\n");
    assertThat(ProfileLoader.load(own).apiVersion()).isEqualTo("9");
    assertThat(ProfileLoader.load(own).policy())
        .isEqualTo(new GatewayProfile.Policy(0.5, java.time.Duration.ofSeconds(30), false));
    Path negative =
        write(
            "neg.yaml",
            "profile: p\npolicy:\n  heartbeat_grace: -0.1\nopcodes: []\nclose_codes: []\n");
    assertThatThrownBy(() -> ProfileLoader.load(negative))
        .hasMessage(
            negative
                + ": policy.heartbeat_grace (line 3): must be a fraction of the interval from 0 to"
                + " 10, got -0.1");
    Path typo =
        write("typo.yaml", "profile: p\npolicy:\n  grace: 1\nopcodes: []\nclose_codes: []\n");
    assertThatThrownBy(() -> ProfileLoader.load(typo))
        .hasMessage(
            typo
                + ": policy.grace (line 3): unknown key; expected one of [heartbeat_grace,"
                + " rate_limit_backoff, server_requests_heartbeats]");
    Path version = write("v.yaml", "profile: p\napi_version: v1\nopcodes: []\nclose_codes: []\n");
    assertThatThrownBy(() -> ProfileLoader.load(version))
        .hasMessage(
            version
                + ": api_version (line 2): must be a version number such as 1 or 10, got \"v1\"");
  }

  @Test
  void brokenSyntaxNamesFileAndLine() throws Exception {
    Path file = write("syntax.yaml", "profile: x\nopcodes: [\n  {code: 0\nclose_codes: []\n");
    assertThatThrownBy(() -> ProfileLoader.load(file.toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            file
                + " (line 4, column 12): invalid YAML: while parsing a flow mapping (line 3),"
                + " expected ',' or '}', but got :");
  }

  @Test
  void unknownKeys() throws Exception {
    assertThat(failureWith(12, "    resumeable: true"))
        .isEqualTo(
            dir.resolve("broken.yaml")
                + ": close_codes[0].resumeable (line 12): unknown key; expected one of [cause,"
                + " code, fatal, label, name, recovery, resumable]");
    assertThat(failureWith(2, "descripton: x"))
        .endsWith(
            ": descripton (line 2): unknown key; expected one of [api_version, clients,"
                + " close_codes, description, drain, limits, opcodes, policy, profile,"
                + " transport]");
    assertThat(failureWith(4, "  max_payload: 1"))
        .endsWith(
            ": limits.max_payload (line 4): unknown key; expected one of"
                + " [max_client_payload_bytes]");
  }

  @Test
  void fatalCodesAreTheProfilesToSay() throws Exception {
    assertThat(fatalCodes(ProfileLoader.load("fluxer-seed")))
        .containsExactly(4004, 4010, 4011, 4012);
    assertThat(fatalCodes(ProfileLoader.load("fluxer-current")))
        .containsExactly(4004, 4010, 4011, 4012);
    assertThat(fatalCodes(ProfileLoader.load("discord")))
        .containsExactly(4004, 4010, 4011, 4012, 4013, 4014);
    assertThat(fatalCodes(ProfileLoader.load(write("mine.yaml", VALID).toString()))).isEmpty();
    assertThat(failureWith(17, "    resumable: false\n    fatal: maybe"))
        .endsWith(": close_codes[1].fatal (line 18): expected true or false, got \"maybe\"");
  }

  private static List<Integer> fatalCodes(GatewayProfile profile) {
    return profile.closeCodes().stream().filter(CloseCode::fatal).map(CloseCode::code).toList();
  }

  @Test
  void badResumable() throws Exception {
    assertThat(failureWith(17, "    resumable: maybe"))
        .isEqualTo(
            dir.resolve("broken.yaml")
                + ": close_codes[1].resumable (line 17): expected one of [true, false,"
                + " conditional], got \"maybe\"");
    assertThat(failureWith(17, "    resumable: yes"))
        .endsWith(
            ": close_codes[1].resumable (line 17): expected one of [true, false, conditional],"
                + " got \"yes\"");
  }

  @Test
  void duplicateCodes() throws Exception {
    assertThat(failureWith(18, "  - code: 4000"))
        .isEqualTo(
            dir.resolve("broken.yaml")
                + ": close_codes[2].code (line 18): duplicate close code 4000 (first defined at"
                + " line 10)");
    assertThat(failureWith(8, "  - {code: 1, name: Again, sent_by: client}"))
        .endsWith(": opcodes[2].code (line 8): duplicate opcode 1 (first defined at line 7)");
    assertThat(failureWith(8, "  - {code: 42, name: Heartbeat, sent_by: client}"))
        .endsWith(": opcodes[2].name (line 8): duplicate label \"heartbeat\" (also opcode 1)");
  }

  @Test
  void wrongTypesAndRanges() throws Exception {
    assertThat(failureWith(10, "  - code: four"))
        .isEqualTo(
            dir.resolve("broken.yaml")
                + ": close_codes[0].code (line 10): expected an integer, got \"four\"");
    assertThat(failureWith(10, "  - code: 5000"))
        .endsWith(
            ": close_codes[0].code (line 10): close code must be between 1000 and 4999, got"
                + " 5000");
    assertThat(failureWith(10, "  - code: 999"))
        .endsWith(
            ": close_codes[0].code (line 10): close code must be between 1000 and 4999, got"
                + " 999");
    assertThat(failureWith(8, "  - {code: 256, name: Big, sent_by: client}"))
        .endsWith(": opcodes[2].code (line 8): opcode must be between 0 and 255, got 256");
    assertThat(failureWith(8, "  - {code: -1, name: Neg, sent_by: client}"))
        .endsWith(": opcodes[2].code (line 8): opcode must be between 0 and 255, got -1");
    assertThat(failureWith(11, "    name: [a, b]"))
        .endsWith(": close_codes[0].name (line 11): expected a string, got a sequence");
    assertThat(failureWith(4, "  max_client_payload_bytes: 0"))
        .endsWith(
            ": limits.max_client_payload_bytes (line 4): must be a positive number of bytes,"
                + " got 0");
    assertThat(failureWith(7, "  - {code: 1, name: Heartbeat, sent_by: everyone}"))
        .endsWith(
            ": opcodes[1].sent_by (line 7): expected one of [server, client, both], got"
                + " \"everyone\"");
    Path mapping = write("mapping.yaml", "profile: p\nopcodes: {a: 1}\nclose_codes: []\n");
    assertThatThrownBy(() -> ProfileLoader.load(mapping.toString()))
        .hasMessage(mapping + ": opcodes (line 2): expected a sequence, got a mapping");
    Path scalarItem = write("item.yaml", "profile: p\nopcodes: [5]\nclose_codes: []\n");
    assertThatThrownBy(() -> ProfileLoader.load(scalarItem.toString()))
        .hasMessage(scalarItem + ": opcodes[0] (line 2): expected a mapping, got \"5\"");
  }

  @Test
  void missingAndBadNamesAndLabels() throws Exception {
    assertThat(failureWith(11, "    label: unknown_error"))
        .endsWith(": close_codes[0].name: required");
    assertThat(failureWith(11, "    name: ''"))
        .endsWith(": close_codes[0].name (line 11): must not be empty");
    assertThat(failureWith(8, "  - {code: 42, name: Custom, label: Custom-Thing, sent_by: client}"))
        .endsWith(
            ": opcodes[2].label (line 8): label must match [a-z][a-z0-9_]*, got"
                + " \"Custom-Thing\"");
    assertThat(failureWith(8, "  - {code: 42, name: Other, sent_by: client}"))
        .endsWith(": opcodes[2].name (line 8): label \"other\" is reserved for unknown codes");
    assertThat(failureWith(8, "  - {code: 42, name: 2nd Thing, sent_by: client}"))
        .endsWith(
            ": opcodes[2].name (line 8): cannot derive a label matching [a-z][a-z0-9_]* from"
                + " this name; add a label");
    assertThat(failureWith(1, "# no profile name"))
        .isEqualTo(dir.resolve("broken.yaml") + ": profile: required");
    assertThat(failureWith(5, "opcodez:")).contains(": opcodez (line 5): unknown key");
  }

  @Test
  void unreadableFilesAndUnknownNames() throws Exception {
    Path missing = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> ProfileLoader.load(missing.toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("cannot read profile " + missing + ": no such file");
    assertThatThrownBy(() -> ProfileLoader.load(dir.toString()))
        .hasMessage("cannot read profile " + dir + ": is a directory");
    assertThatThrownBy(() -> ProfileLoader.load("fluxer-future"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "unknown profile \"fluxer-future\"; expected one of [fluxer-seed, fluxer-current,"
                + " discord] or a path to a YAML file");
  }
}
