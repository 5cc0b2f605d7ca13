// A tiny gateway bot measured from the inside with gatewatch's tap, exporting through Micrometer's
// Prometheus registry. Run it from the repository root (Java 17, nothing to compile):
//
//   mvn -B -q -DskipTests package
//   java -jar target/gatewatch.jar simulate --interval 2s --drop-every 8s &   # a chaos gateway
//   java -cp target/gatewatch.jar examples/TapBot.java                         # 30 s, then a
// summary
//   java -cp target/gatewatch.jar examples/TapBot.java 'ws://127.0.0.1:8765/?v=1&encoding=json' 60
//
// While it runs its metrics are on http://127.0.0.1:9471/metrics (source="client").

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.sun.net.httpserver.HttpServer;
import io.gatewatch.tap.GatewayTap;
import io.gatewatch.tap.JdkWebSocketTap;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

public class TapBot {
  public static void main(String[] args) throws Exception {
    URI url = URI.create(args.length > 0 ? args[0] : "ws://127.0.0.1:8765/?v=1&encoding=json");
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;

    // 1. The host application's registry, and a tap recording into it.
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    GatewayTap tap = GatewayTap.builder(registry).gateway("tapbot").build();

    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 9471), 0);
    http.createContext(
        "/metrics",
        ex -> {
          byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    http.start();

    Bot bot = new Bot(tap, url);
    bot.connect();
    System.out.println(
        "TapBot: " + url + " for " + seconds + " s; metrics on http://127.0.0.1:9471/metrics");
    Thread.sleep(seconds * 1000L);
    bot.stop();
    Thread.sleep(500);

    System.out.println("TapBot: what the tap measured (source=\"client\")");
    registry
        .scrape()
        .lines()
        .filter(l -> l.startsWith("gateway_") && !l.matches(".* 0(\\.0)?$"))
        .filter(
            l -> !l.startsWith("gateway_frame") && !l.contains("_bucket{") && !l.contains("_max{"))
        .forEach(l -> System.out.println("  " + l));
    http.stop(0);
    tap.close();
    System.exit(0);
  }

  /** A Fluxer client in a few lines: heartbeats, Identify, Resume after a drop. */
  static final class Bot implements WebSocket.Listener {
    private static final JsonFactory JSON = new JsonFactory();

    private final GatewayTap tap;
    private final URI url;
    private final HttpClient client = HttpClient.newHttpClient();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final StringBuilder partial = new StringBuilder();
    private volatile WebSocket ws;
    private volatile boolean stopping;
    private ScheduledFuture<?> heartbeats;
    private String sessionId;
    private long seq;

    Bot(GatewayTap tap, URI url) {
      this.tap = tap;
      this.url = url;
    }

    void connect() {
      // 2. Instrumented: every frame and the close are reported to the tap.
      JdkWebSocketTap.buildAsync(tap, client.newWebSocketBuilder(), url, this)
          .whenComplete(
              (socket, error) -> {
                if (error != null) {
                  reconnectSoon();
                }
              });
    }

    synchronized void send(String text) {
      WebSocket w = ws;
      if (w != null && !w.isOutputClosed()) {
        w.sendText(text, true).join(); // one send at a time, as the JDK WebSocket wants
      }
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      ws = webSocket; // the tap's WebSocket: what is sent through it is reported
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        onMessage(text);
      }
      webSocket.request(1);
      return null;
    }

    private synchronized void onMessage(String text) {
      Payload msg = Payload.parse(text);
      switch (msg.op()) {
        case 10 -> {
          long interval = msg.heartbeatInterval() > 0 ? msg.heartbeatInterval() : 41_250;
          heartbeats =
              timer.scheduleAtFixedRate(
                  this::heartbeat, interval / 2, interval * 9 / 10, TimeUnit.MILLISECONDS);
          if (sessionId != null) {
            send(
                "{\"op\":6,\"d\":{\"token\":\"valid-tapbot\",\"session_id\":\""
                    + sessionId
                    + "\",\"seq\":"
                    + seq
                    + "}}");
          } else {
            identify();
          }
        }
        case 0 -> {
          seq = Math.max(seq, msg.s());
          if ("READY".equals(msg.t())) {
            sessionId = msg.sessionId();
          }
        }
        case 1 -> heartbeat(); // the server asks: answer at once
        case 9 -> { // invalid session: start afresh on this socket
          sessionId = null;
          seq = 0;
          identify();
        }
        default -> {} // 11 (ack), 7 (reconnect: the close follows)
      }
    }

    private void identify() {
      send(
          "{\"op\":2,\"d\":{\"token\":\"valid-tapbot\",\"properties\":"
              + "{\"os\":\"linux\",\"browser\":\"tapbot\",\"device\":\"tapbot\"}}}");
    }

    private void heartbeat() {
      send("{\"op\":1,\"d\":" + (seq == 0 ? "null" : seq) + "}");
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int code, String reason) {
      System.out.println("TapBot: closed " + code + " " + reason);
      ended();
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      System.out.println("TapBot: dropped (" + error + ")");
      ended();
    }

    private synchronized void ended() {
      if (heartbeats != null) {
        heartbeats.cancel(false);
      }
      ws = null;
      reconnectSoon();
    }

    private void reconnectSoon() {
      if (!stopping) {
        timer.schedule(this::connect, 1, TimeUnit.SECONDS);
      }
    }

    void stop() {
      stopping = true;
      WebSocket w = ws;
      if (w != null) {
        w.sendClose(1000, "bye");
      }
    }
  }

  /** The envelope fields the bot needs; top-level keys only (READY nests decoy session ids). */
  record Payload(int op, long s, String t, String sessionId, long heartbeatInterval) {
    static Payload parse(String text) {
      int op = -1;
      long s = 0;
      long interval = 0;
      String t = null;
      String sessionId = null;
      try (JsonParser p = Bot.JSON.createParser(text)) {
        p.nextToken();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken value = p.nextToken();
          switch (field) {
            case "op" -> op = p.getValueAsInt(-1);
            case "s" -> s = p.getValueAsLong(0);
            case "t" -> t = p.getValueAsString();
            case "d" -> {
              if (value == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                  String key = p.currentName();
                  p.nextToken();
                  if (key.equals("session_id")) {
                    sessionId = p.getValueAsString();
                  } else if (key.equals("heartbeat_interval")) {
                    interval = p.getValueAsLong(0);
                  }
                  p.skipChildren();
                }
              }
            }
            default -> p.skipChildren();
          }
        }
      } catch (java.io.IOException e) {
        // not JSON: op stays -1 and the message is ignored
      }
      return new Payload(op, s, t, sessionId, interval);
    }
  }
}
