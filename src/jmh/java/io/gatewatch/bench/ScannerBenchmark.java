package io.gatewatch.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatewatch.protocol.FrameScanner;
import io.gatewatch.protocol.ScannedFrame;
import io.gatewatch.protocol.TokenFingerprinter;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The frame scanner against the two ways a Java agent would otherwise read a frame's envelope:
 * Jackson's tree ({@code ObjectMapper.readTree}) and Jackson's streaming parser reading {@code
 * op}/{@code s}/{@code t} and {@code skipChildren()} over {@code d}.
 *
 * <p>Every variant reads the same things: {@code op}, {@code s}, {@code t} and, where {@code d} is
 * a number (heartbeat), its value. The corpus: a client heartbeat, a Heartbeat ACK, and 1 KB and 4
 * KB MESSAGE_CREATE dispatches shaped like the real thing (author and member objects, mentions,
 * embeds with fields, unicode text with emoji and escaped quotes), each with {@code d} first (the
 * Erlang gateway's sorted keys) and last (Discord-style servers).
 *
 * <pre>
 * mvn -B -Pbench -DskipTests package
 * java -jar target/benchmarks.jar ScannerBenchmark -f 1 -wi 3 -w 1 -i 5 -r 1
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ScannerBenchmark {

  @Param({
    "heartbeat_dFirst",
    "heartbeat_dLast",
    "ack",
    "dispatch1k_dFirst",
    "dispatch1k_dLast",
    "dispatch4k_dFirst",
    "dispatch4k_dLast"
  })
  public String frame;

  private byte[] bytes;
  private final FrameScanner scanner =
      new FrameScanner(new TokenFingerprinter("bench-salt".getBytes(UTF_8)));
  private final ScannedFrame out = new ScannedFrame();
  private final ObjectMapper mapper = new ObjectMapper();
  private final JsonFactory factory = new JsonFactory();

  @Setup
  public void setUp() throws IOException {
    bytes = Corpus.frame(frame).getBytes(UTF_8);
    // The three readers must agree, or the comparison is meaningless.
    if (!scanner.scan(bytes, 0, bytes.length, out)) {
      throw new IllegalStateException("scanner rejects " + frame);
    }
    JsonNode tree = mapper.readTree(bytes);
    if (tree.get("op").intValue() != out.op()) {
      throw new IllegalStateException("op differs for " + frame);
    }
    System.out.printf("%n[corpus] %s: %d bytes%n", frame, bytes.length);
  }

  @Benchmark
  public void scanner(Blackhole bh) {
    ScannedFrame f = out;
    bh.consume(scanner.scan(bytes, 0, bytes.length, f));
    bh.consume(f.op());
    bh.consume(f.hasSeq() ? f.seq() : -1);
    bh.consume(f.event());
    bh.consume(f.heartbeatSeq());
  }

  @Benchmark
  public void jacksonReadTree(Blackhole bh) throws IOException {
    JsonNode root = mapper.readTree(bytes);
    bh.consume(root.path("op").asInt(-1));
    JsonNode s = root.get("s");
    bh.consume(s != null && s.isIntegralNumber() ? s.longValue() : -1);
    bh.consume(root.path("t").textValue());
    JsonNode d = root.get("d");
    bh.consume(d != null && d.isIntegralNumber() ? d.longValue() : -1);
  }

  @Benchmark
  public void jacksonStreaming(Blackhole bh) throws IOException {
    int op = -1;
    long seq = -1;
    String t = null;
    long d = -1;
    // A parser per frame, as real code must; the factory (and its buffer recycling) is reused.
    try (JsonParser p = factory.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not an object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "op":
            op = p.getIntValue();
            break;
          case "s":
            seq = value == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
            break;
          case "t":
            t = value == JsonToken.VALUE_STRING ? p.getText() : null;
            break;
          case "d":
            if (value == JsonToken.VALUE_NUMBER_INT) {
              d = p.getLongValue();
            } else {
              p.skipChildren();
            }
            break;
          default:
            p.skipChildren();
            break;
        }
      }
    }
    bh.consume(op);
    bh.consume(seq);
    bh.consume(t);
    bh.consume(d);
  }

  /** Real-shaped frames. */
  static final class Corpus {
    private Corpus() {}

    static String frame(String name) {
      switch (name) {
        case "heartbeat_dFirst":
          return "{\"d\":251,\"op\":1}";
        case "heartbeat_dLast":
          return "{\"op\":1,\"d\":251}";
        case "ack":
          return "{\"op\":11}";
        case "dispatch1k_dFirst":
          return dFirst(messageCreate(1024, 0, false));
        case "dispatch1k_dLast":
          return dLast(messageCreate(1024, 0, false));
        case "dispatch4k_dFirst":
          return dFirst(messageCreate(4096, 2, true));
        case "dispatch4k_dLast":
          return dLast(messageCreate(4096, 2, true));
        default:
          throw new IllegalArgumentException(name);
      }
    }

    /** The Erlang gateway's order: keys sorted, so d first. */
    static String dFirst(String d) {
      return "{\"d\":" + d + ",\"op\":0,\"s\":4242,\"t\":\"MESSAGE_CREATE\"}";
    }

    /** Discord-style order: t, s, op, then d. */
    static String dLast(String d) {
      return "{\"t\":\"MESSAGE_CREATE\",\"s\":4242,\"op\":0,\"d\":" + d + "}";
    }

    /**
     * A MESSAGE_CREATE payload with {@code embeds} embeds (and guild member and mentions when
     * {@code guild}), its content padded so that the whole frame is {@code frameBytes} long.
     */
    static String messageCreate(int frameBytes, int embeds, boolean guild) {
      String withoutContent = message(embeds, guild, "");
      int envelope = dFirst("").length();
      int budget = frameBytes - envelope - withoutContent.getBytes(UTF_8).length;
      return message(embeds, guild, content(budget));
    }

    private static final String[] CONTENT_UNITS = {
      "Patch notes are out! ",
      "She said \\\"it works on my machine\\\" \uD83D\uDE05 ",
      "\u00dcberpr\u00fcfung der Verbindung l\u00e4uft\u2026 ",
      "\u65b0\u3057\u3044\u30a2\u30c3\u30d7\u30c7\u30fc\u30c8\u304c\u3042\u308a\u307e\u3059 ",
      "path C:\\\\gateway\\\\logs ",
      "<@184405311681986560> \uD83D\uDE80\uD83D\uDD25 ",
      "\u0417\u0434\u0440\u0430\u0432\u0441\u0442\u0432\u0443\u0439\u0442\u0435! ",
    };

    /** JSON string contents (already escaped) of about {@code bytes} UTF-8 bytes. */
    static String content(int bytes) {
      StringBuilder sb = new StringBuilder();
      int used = 0;
      for (int i = 0; ; i++) {
        String unit = CONTENT_UNITS[i % CONTENT_UNITS.length];
        int len = unit.getBytes(UTF_8).length;
        if (used + len > bytes) {
          sb.append("x".repeat(Math.max(0, bytes - used)));
          return sb.toString();
        }
        sb.append(unit);
        used += len;
      }
    }

    static String message(int embeds, boolean guild, String content) {
      StringBuilder sb = new StringBuilder(4096);
      sb.append("{\"type\":0,\"tts\":false,\"timestamp\":\"2024-11-28T11:36:12.345000+00:00\",")
          .append("\"pinned\":false,\"nonce\":\"1311692384578502656\",");
      if (guild) {
        sb.append("\"mentions\":[{\"username\":\"ops-bot\",\"public_flags\":0,")
            .append("\"id\":\"184405311681986560\",\"global_name\":null,\"discriminator\":\"0\",")
            .append("\"avatar\":\"8342729096ea3675442027381ff50dfe\",\"bot\":true}],")
            .append("\"mention_roles\":[\"1037052376398745620\"],\"mention_everyone\":false,")
            .append("\"member\":{\"roles\":[\"1037052376398745620\",\"1100291537036136448\"],")
            .append("\"premium_since\":null,\"pending\":false,\"nick\":\"Zo\u00eb \uD83C\uDF38\",")
            .append("\"mute\":false,\"joined_at\":\"2023-02-11T09:12:45.120000+00:00\",")
            .append("\"flags\":0,\"deaf\":false,\"communication_disabled_until\":null,")
            .append("\"avatar\":null},");
      } else {
        sb.append("\"mentions\":[],\"mention_roles\":[],\"mention_everyone\":false,");
      }
      sb.append("\"id\":\"1311692385203453992\",\"flags\":0,\"embeds\":[");
      for (int e = 0; e < embeds; e++) {
        if (e > 0) {
          sb.append(',');
        }
        sb.append("{\"type\":\"rich\",\"title\":\"Deploy #")
            .append(4810 + e)
            .append(" \u2014 gateway-eu-")
            .append(e)
            .append("\",\"description\":\"Rolling restart of `gateway` finished: 12/12 pods ")
            .append("ready, p99 heartbeat RTT 38 ms. Resumes: 99.7% \u2705\",")
            .append("\"url\":\"https://status.example.com/incidents/")
            .append(9000 + e)
            .append("?ref=bot&lang=en\",\"color\":5814783,")
            .append("\"timestamp\":\"2024-11-28T11:36:10.000Z\",\"fields\":[")
            .append("{\"name\":\"Region\",\"value\":\"eu-west-1\",\"inline\":true},")
            .append("{\"name\":\"Close codes\",\"value\":\"4000 \u00d7 3, 4009 \u00d7 1\",")
            .append("\"inline\":true},{\"name\":\"Note\",\"value\":\"Clients said ")
            .append("\\\"reconnect storm\\\" \u2192 none seen\",\"inline\":false}],")
            .append("\"footer\":{\"text\":\"gatewatch \u2022 ops\",\"icon_url\":")
            .append("\"https://cdn.example.com/icons/ops.png\"},\"thumbnail\":{\"url\":")
            .append("\"https://cdn.example.com/thumbs/")
            .append(e)
            .append(".png\",\"proxy_url\":\"https://media.example.net/external/abc/")
            .append(e)
            .append(".png\",\"width\":80,\"height\":80,\"flags\":0}}");
      }
      sb.append("],\"edited_timestamp\":null,\"content\":\"")
          .append(content)
          .append("\",\"components\":[],\"channel_id\":\"1037052376994324511\",")
          .append("\"author\":{\"username\":\"zoe\",\"public_flags\":64,")
          .append("\"id\":\"302050872383242240\",\"global_name\":\"Zo\u00eb \uD83C\uDF38\",")
          .append("\"discriminator\":\"0\",\"clan\":null,")
          .append("\"avatar_decoration_data\":null,")
          .append("\"avatar\":\"a_1f0c6a0d9c7e9e6a3b4d5e6f7a8b9c0d\"},")
          .append("\"attachments\":[]")
          .append(guild ? ",\"guild_id\":\"1037052376398745610\"}" : "}");
      return sb.toString();
    }
  }
}
