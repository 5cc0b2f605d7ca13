package io.gatewatch.thirdparty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import io.gatewatch.metrics.Source;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.proxy.ProxySettings;
import io.gatewatch.proxy.WatchedProxy;
import io.gatewatch.report.Tally;
import io.gatewatch.server.AgentServer;
import io.gatewatch.server.IngestEndpoint;
import io.gatewatch.server.MetricsExposition;
import io.gatewatch.thirdparty.ScriptedGateway.Step;
import io.gatewatch.track.EventClock;
import io.gatewatch.track.Signals;
import io.gatewatch.track.TrackerSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ETF frames written by Erlang itself ({@code term_to_binary} in an escript: the encoder of the
 * Erlang gateways, independent of gatewatch's reader and of its simulator), in both atom encodings
 * Erlang releases use, replayed over real sockets through the proxy and posted to the ingest
 * endpoint: the metrics are exactly those of the same conversation in JSON.
 */
class ErlangTermsTest {
  static final GatewayProfile DISCORD = ProfileLoader.load("discord");
  static final TokenFingerprinter FP = new TokenFingerprinter(new byte[] {9, 9});
  static final Path ESCRIPT_SOURCE = Path.of("src", "test", "erlang", "term_to_binary.escript");

  /** One frame of the conversation: who sends it, as an Erlang term and as its JSON twin. */
  record Frame(int socket, boolean fromServer, String erlang, String json) {}

  /** How a socket ends: who closes, with which code. */
  record End(int socket, boolean byServer, int code) {}

  static final String HELLO_ERL =
      "#{op => 10, d => #{heartbeat_interval => 41250}, s => nil, t => nil}";
  static final String HELLO_JSON =
      "{\"op\":10,\"d\":{\"heartbeat_interval\":41250},\"s\":null,\"t\":null}";
  static final String IDENTIFY_ERL =
      "#{op => 2, d => #{token => <<\"valid-erlang\">>, intents => 513, shard => [0, 1],"
          + " properties => #{os => <<\"linux\">>, browser => <<\"erl\">>, device => <<\"erl\">>}}}";
  static final String IDENTIFY_JSON =
      "{\"op\":2,\"d\":{\"token\":\"valid-erlang\",\"intents\":513,\"shard\":[0,1],"
          + "\"properties\":{\"os\":\"linux\",\"browser\":\"erl\",\"device\":\"erl\"}}}";
  static final String ACK_ERL = "#{op => 11}";
  static final String ACK_JSON = "{\"op\":11}";

  static final List<Frame> FRAMES =
      List.of(
          new Frame(0, true, HELLO_ERL, HELLO_JSON),
          new Frame(0, false, IDENTIFY_ERL, IDENTIFY_JSON),
          new Frame(
              0,
              true,
              "#{op => 0, s => 1, t => 'READY', d => #{v => 10, session_id => <<\"erl-session-1\">>,"
                  + " guilds => [#{id => 1300000000000000001, unavailable => true,"
                  + " voice_states => [#{session_id => <<\"decoy\">>}]}]}}",
              "{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"v\":10,\"session_id\":\"erl-session-1\","
                  + "\"guilds\":[{\"id\":1300000000000000001,\"unavailable\":true,"
                  + "\"voice_states\":[{\"session_id\":\"decoy\"}]}]}}"),
          new Frame(0, false, "#{op => 1, d => 1}", "{\"op\":1,\"d\":1}"),
          new Frame(0, true, ACK_ERL, ACK_JSON),
          new Frame(
              0,
              true,
              "#{op => 0, s => 2, t => <<\"MESSAGE_CREATE\">>, d => #{id => 1300000000000000002,"
                  + " content => <<\"h\\303\\251\">>, score => 1.5, tags => [], pair => {a, -70000}}}",
              "{\"op\":0,\"s\":2,\"t\":\"MESSAGE_CREATE\",\"d\":{\"id\":1300000000000000002,"
                  + "\"content\":\"h\u00e9\",\"score\":1.5,\"tags\":[],\"pair\":[\"a\",-70000]}}"),
          new Frame(0, false, "#{op => 1, d => 2}", "{\"op\":1,\"d\":2}"),
          new Frame(0, true, ACK_ERL, ACK_JSON),
          new Frame(0, true, "#{op => 7, d => nil}", "{\"op\":7,\"d\":null}"),
          new Frame(1, true, HELLO_ERL, HELLO_JSON),
          new Frame(
              1,
              false,
              "#{op => 6, d => #{token => <<\"valid-erlang\">>, session_id => <<\"erl-session-1\">>,"
                  + " seq => 2}}",
              "{\"op\":6,\"d\":{\"token\":\"valid-erlang\",\"session_id\":\"erl-session-1\","
                  + "\"seq\":2}}"),
          new Frame(
              1,
              true,
              "#{op => 0, s => 3, t => 'RESUMED', d => #{}}",
              "{\"op\":0,\"s\":3,\"t\":\"RESUMED\",\"d\":{}}"),
          new Frame(1, false, "#{op => 1, d => 3}", "{\"op\":1,\"d\":3}"),
          new Frame(1, true, ACK_ERL, ACK_JSON),
          new Frame(1, false, "#{op => 1, d => nil}", "{\"op\":1,\"d\":null}"),
          new Frame(1, true, ACK_ERL, ACK_JSON),
          new Frame(1, true, "#{op => 9, d => false}", "{\"op\":9,\"d\":false}"),
          new Frame(1, false, IDENTIFY_ERL, IDENTIFY_JSON),
          new Frame(
              1,
              true,
              "#{op => 0, s => 1, t => 'READY', d => #{session_id => <<\"erl-session-2\">>}}",
              "{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"session_id\":\"erl-session-2\"}}"),
          new Frame(2, true, HELLO_ERL, HELLO_JSON),
          new Frame(
              2,
              false,
              "#{op => 2, d => #{token => <<\"revoked-erlang\">>, properties => #{}}}",
              "{\"op\":2,\"d\":{\"token\":\"revoked-erlang\",\"properties\":{}}}"));

  static final List<End> ENDS =
      List.of(new End(0, true, 4000), new End(1, false, 1000), new End(2, true, 4004));

  static Path escript;

  @BeforeAll
  static void findErlang() {
    escript = onPath("escript");
    if (escript == null) {
      String why =
          "the ETF tests need Erlang's escript (Debian: apt-get install erlang-base);"
              + " scripts/test installs it";
      if ("true".equals(System.getenv("CI"))) {
        fail(why);
      }
      System.err.println("WARNING: skipped: " + why);
      Assumptions.abort(why);
    }
  }

  static Path onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (java.nio.file.Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** Every frame's term as Erlang encodes it, with {@code mode} "default" or "minor2". */
  static List<byte[]> termToBinary(String mode) throws IOException, InterruptedException {
    Path in = Files.createTempFile("gatewatch-terms", ".txt");
    Path out = Files.createTempFile("gatewatch-terms", ".b64");
    try {
      StringBuilder terms = new StringBuilder();
      FRAMES.forEach(f -> terms.append(f.erlang()).append(".\n"));
      Files.writeString(in, terms, StandardCharsets.UTF_8);
      Process p =
          new ProcessBuilder(escript.toString(), ESCRIPT_SOURCE.toString(), mode)
              .redirectInput(in.toFile())
              .redirectOutput(out.toFile())
              .redirectErrorStream(false)
              .start();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("escript finished").isTrue();
      assertThat(p.exitValue()).as(new String(p.getErrorStream().readAllBytes())).isZero();
      List<byte[]> terms2 = new ArrayList<>();
      for (String line : Files.readAllLines(out)) {
        terms2.add(Base64.getDecoder().decode(line.strip()));
      }
      assertThat(terms2).hasSize(FRAMES.size());
      return terms2;
    } finally {
      Files.deleteIfExists(in);
      Files.deleteIfExists(out);
    }
  }

  static List<byte[]> json() {
    return FRAMES.stream().map(f -> f.json().getBytes(StandardCharsets.UTF_8)).toList();
  }

  // ---------------------------------------------------------------------------------------------
  // Through the proxy

  @Test
  void erlangsTermsThroughTheProxyGiveTheMetricsOfTheJsonConversation() throws Exception {
    List<byte[]> atoms = termToBinary("default");
    List<byte[]> utf8Atoms = termToBinary("minor2");
    assertThat(atoms.get(0)[6]).as("ATOM_EXT keys by default in OTP 25").isEqualTo((byte) 100);
    assertThat(utf8Atoms.get(0)[6]).as("SMALL_ATOM_UTF8_EXT keys").isEqualTo((byte) 119);

    Map<String, Double> json = throughProxy(json(), false, "json");
    Map<String, Double> etf = throughProxy(atoms, true, "etf");
    Map<String, Double> etf2 = throughProxy(utf8Atoms, true, "etf");

    assertThat(withoutSizes(etf)).isEqualTo(withoutSizes(json));
    assertThat(withoutSizes(etf2)).isEqualTo(withoutSizes(json));
    expectTheConversation(json, "proxy", "erl");
  }

  static Map<String, Double> throughProxy(List<byte[]> payloads, boolean binary, String encoding)
      throws Exception {
    List<List<Step>> sockets = new ArrayList<>();
    for (int s = 0; s < 3; s++) {
      List<Step> steps = new ArrayList<>();
      for (int i = 0; i < FRAMES.size(); i++) {
        Frame f = FRAMES.get(i);
        if (f.socket() == s) {
          steps.add(
              f.fromServer()
                  ? Step.server(payloads.get(i), binary)
                  : Step.client(payloads.get(i), binary));
        }
      }
      End end = ENDS.get(s);
      steps.add(Step.close(end.byServer(), end.code()));
      sockets.add(steps);
    }
    Watches watches = new Watches(FP);
    Tally tally = new Tally();
    try (ScriptedGateway gateway = new ScriptedGateway(sockets);
        WatchedProxy proxy =
            WatchedProxy.start(
                watches,
                DISCORD,
                TrackerSettings.DEFAULTS,
                "erl",
                ProxySettings.builder("ws://127.0.0.1:" + gateway.port())
                    .listen(new InetSocketAddress("127.0.0.1", 0))
                    .build(),
                null,
                true,
                EventClock.system(),
                tally)) {
      HttpClient http = ScriptedGateway.http();
      URI url = URI.create(proxy.url("/?v=10&encoding=" + encoding));
      for (int s = 0; s < 3; s++) {
        ScriptedGateway.playClient(http, url, sockets.get(s));
        int closed = s + 1;
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () -> tally.closes().stream().mapToLong(Tally.CloseCount::total).sum() == closed);
      }
      return DiscordJsZlibStreamTest.series(watches);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Through the ingest endpoint

  @Test
  void erlangsTermsPostedToTheIngestEndpointGiveTheMetricsOfTheJsonCapture() throws Exception {
    List<byte[]> atoms = termToBinary("default");
    Map<String, Double> json = ingested(capture(json(), false));
    Map<String, Double> etf = ingested(capture(atoms, true));

    // The same timestamps: every series equal, timing included, but the frame sizes.
    assertThat(withoutSizes(etf)).isEqualTo(withoutSizes(json));
    expectTheConversation(etf, "ingest", "clients");
    long etfBytes = atoms.stream().mapToLong(b -> b.length).sum();
    double sizes =
        etf.get(
                "gateway_frame_size_bytes_sum{from=\"client\",gateway=\"clients\",source=\"ingest\"}")
            + etf.get(
                "gateway_frame_size_bytes_sum{from=\"server\",gateway=\"clients\",source=\"ingest\"}");
    assertThat((long) sizes).isEqualTo(etfBytes);
  }

  /** The conversation as a capture: ETF frames as frame_b64 on sockets opened with encoding=etf. */
  static String capture(List<byte[]> payloads, boolean etf) {
    StringBuilder out = new StringBuilder();
    long ts = 1_732_790_000_000L;
    for (int s = 0; s < 3; s++) {
      String conn = "\"conn\":\"erl-" + s + "\"";
      out.append("{\"ts\":")
          .append(ts)
          .append(',')
          .append(conn)
          .append(",\"type\":\"open\",\"url\":\"/?v=10&encoding=")
          .append(etf ? "etf" : "json")
          .append("\"}\n");
      for (int i = 0; i < FRAMES.size(); i++) {
        Frame f = FRAMES.get(i);
        if (f.socket() != s) {
          continue;
        }
        ts += 10;
        out.append("{\"ts\":")
            .append(ts)
            .append(',')
            .append(conn)
            .append(",\"type\":\"frame\",\"from\":\"")
            .append(f.fromServer() ? "server" : "client")
            .append("\",");
        if (etf) {
          out.append("\"frame_b64\":\"")
              .append(Base64.getEncoder().encodeToString(payloads.get(i)))
              .append('"');
        } else {
          out.append("\"frame\":").append(f.json());
        }
        out.append("}\n");
      }
      End end = ENDS.get(s);
      ts += 10;
      out.append("{\"ts\":")
          .append(ts)
          .append(',')
          .append(conn)
          .append(",\"type\":\"close\",\"code\":")
          .append(end.code())
          .append(",\"by\":\"")
          .append(end.byServer() ? "server" : "client")
          .append("\"}\n");
      ts += 500;
    }
    return out.toString();
  }

  static Map<String, Double> ingested(String capture) throws Exception {
    Watches watches = new Watches(FP);
    try (AgentServer server =
        new AgentServer(
            new InetSocketAddress("127.0.0.1", 0),
            new MetricsExposition(watches.registry()),
            () -> true)) {
      server.handle(
          IngestEndpoint.PATH,
          new IngestEndpoint(
              watches.add(
                  DISCORD, TrackerSettings.DEFAULTS, Source.INGEST, "clients", Signals.NONE),
              watches.fingerprinter(),
              watches.registry(),
              IngestEndpoint.Settings.OPEN));
      server.start();
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + server.port() + IngestEndpoint.PATH))
                      .POST(HttpRequest.BodyPublishers.ofString(capture, StandardCharsets.UTF_8))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).contains("\"rejected\":[]");
      Map<String, Double> all = new TreeMap<>();
      for (String line : watches.registry().scrape().split("\n")) {
        if (line.startsWith("gateway_") && !line.contains("_max{")) {
          all.put(line.substring(0, line.lastIndexOf(' ')), value(line));
        } else if (line.startsWith("gatewatch_decode_errors")) {
          all.put(line.substring(0, line.lastIndexOf(' ')), value(line));
        }
      }
      return all;
    }
  }

  static double value(String line) {
    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
  }

  /** The series but the frame sizes' buckets and sums (ETF and JSON differ in length). */
  static Map<String, Double> withoutSizes(Map<String, Double> series) {
    Map<String, Double> out = new TreeMap<>(series);
    out.keySet()
        .removeIf(
            k ->
                k.startsWith("gateway_frame_size_bytes_bucket")
                    || k.startsWith("gateway_frame_size_bytes_sum"));
    return out;
  }

  /** What the conversation is, in numbers. */
  static void expectTheConversation(Map<String, Double> m, String source, String gateway) {
    String g = "gateway=" + gateway;
    String s = "source=" + source;
    assertThat(m)
        .containsEntry(DiscordJsZlibStreamTest.key("gateway_connections_opened_total", g, s), 3.0)
        .containsEntry(
            DiscordJsZlibStreamTest.key("gateway_ready_total", g, s, "via=identify"), 2.0)
        .containsEntry(DiscordJsZlibStreamTest.key("gateway_ready_total", g, s, "via=resume"), 1.0)
        .containsEntry(
            DiscordJsZlibStreamTest.key("gateway_resume_total", g, s, "outcome=success"), 1.0)
        .containsEntry(DiscordJsZlibStreamTest.key("gateway_invalid_session_total", g, s), 1.0)
        .containsEntry(DiscordJsZlibStreamTest.key("gateway_reconnect_requests_total", g, s), 1.0)
        .containsEntry(
            DiscordJsZlibStreamTest.key("gateway_heartbeat_rtt_seconds_count", g, s, "kind=client"),
            4.0)
        .containsEntry(
            DiscordJsZlibStreamTest.key("gateway_frames_total", g, s, "from=client", "op=identify"),
            3.0)
        .containsEntry(
            DiscordJsZlibStreamTest.key("gateway_frames_total", g, s, "from=client", "op=resume"),
            1.0)
        .containsEntry(
            DiscordJsZlibStreamTest.key("gateway_frames_total", g, s, "from=server", "op=dispatch"),
            4.0)
        .containsEntry(DiscordJsZlibStreamTest.key("gatewatch_decode_errors_total", s), 0.0)
        .containsEntry(
            DiscordJsZlibStreamTest.key(
                "gateway_close_total",
                g,
                s,
                "code=4004",
                "initiator=server",
                "name=authentication_failed",
                "resumable=false"),
            1.0);
    assertThat(m.entrySet())
        .filteredOn(e -> e.getKey().startsWith("gateway_frames_total"))
        .filteredOn(e -> e.getKey().contains("op=\"other\""))
        .allSatisfy(e -> assertThat(e.getValue()).as(e.getKey()).isZero());
  }
}
