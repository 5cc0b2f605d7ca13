package io.gatewatch.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.gatewatch.metrics.Metric;
import io.micrometer.core.instrument.Counter;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's HTTP endpoints on one port: {@code /metrics}, {@code /-/healthy}, {@code /-/ready},
 * and the status page ({@code /}, {@code /api/summary}, assets under {@code /status/}). The JDK
 * server with a small bounded pool, as client_java's exporter does: a burst of scrapes queues or is
 * refused, it never grows threads without bound.
 *
 * <p>With {@link Security}: TLS (an HTTPS server), and authentication on every endpoint but the
 * kubelet's {@code /-/healthy} and {@code /-/ready}; each refused request counts in {@code
 * gatewatch_http_auth_failures_total{endpoint}} (a fixed set of {@link Endpoint}s).
 */
public final class AgentServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AgentServer.class);

  /** At most this much of an unread request body is read and discarded after an answer. */
  static final long DISCARD_LIMIT = 16L << 20;

  static {
    // The JDK's server writes an answer's head and body separately; with Nagle's algorithm on,
    // the body waits for the peer's delayed ACK: 40 ms on every answer (/-/ready, /metrics). Read
    // once, when the JDK's server is first used; an operator's own setting wins.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  /** The label values of {@code gatewatch_http_auth_failures_total}: a fixed set. */
  public enum Endpoint {
    /** {@code /metrics} */
    METRICS,
    /** {@code /v1/capture} */
    CAPTURE,
    /** {@code /api/summary} */
    SUMMARY,
    /** the status page: {@code /} and its assets */
    STATUS;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * How the server is protected.
   *
   * @param auth who may read the endpoints ({@link HttpAuth#NONE}: anyone who reaches the port)
   * @param tls serve HTTPS with this context, or null for plain HTTP
   */
  public record Security(HttpAuth auth, SSLContext tls) {
    public static final Security NONE = new Security(HttpAuth.NONE, null);

    public Security {
      if (auth == null) {
        throw new IllegalArgumentException("auth must not be null (HttpAuth.NONE for none)");
      }
    }

    @Override
    public String toString() {
      return "Security[" + auth + ", tls=" + (tls != null) + "]";
    }
  }

  /** The auth-failure counter of one endpoint (registered when any auth is configured). */
  public static Counter authFailures(
      io.micrometer.core.instrument.MeterRegistry registry, Endpoint endpoint) {
    return Metric.HTTP_AUTH_FAILURES
        .counter()
        .tag(Metric.Label.ENDPOINT.key(), endpoint.label())
        .register(registry);
  }

  private final HttpServer server;
  private final ThreadPoolExecutor pool;
  private final MetricsExposition exposition;
  private final BooleanSupplier ready;
  private final StatusPage status;
  private final Security security;
  private final Map<Endpoint, Counter> failures = new EnumMap<>(Endpoint.class);

  /**
   * Binds now (so a taken port fails at start-up) and serves after {@link #start()}.
   *
   * @param ready answers {@code /-/ready}: true once every tap is running
   */
  public AgentServer(InetSocketAddress bind, MetricsExposition exposition, BooleanSupplier ready)
      throws IOException {
    this(bind, exposition, ready, Security.NONE);
  }

  /** Binds now, with TLS and authentication as {@code security} says. */
  public AgentServer(
      InetSocketAddress bind,
      MetricsExposition exposition,
      BooleanSupplier ready,
      Security security)
      throws IOException {
    this(
        bind,
        exposition,
        ready,
        security,
        new StatusPage(
            new StatusHistory(
                exposition::snapshot,
                ready,
                Clock.systemUTC(),
                StatusHistory.DEFAULT_INTERVAL,
                StatusHistory.DEFAULT_CAPACITY),
            true));
  }

  /** With a given status page (tests: a history they tick themselves). */
  AgentServer(
      InetSocketAddress bind,
      MetricsExposition exposition,
      BooleanSupplier ready,
      StatusPage status)
      throws IOException {
    this(bind, exposition, ready, Security.NONE, status);
  }

  AgentServer(
      InetSocketAddress bind,
      MetricsExposition exposition,
      BooleanSupplier ready,
      Security security,
      StatusPage status)
      throws IOException {
    this.exposition = exposition;
    this.status = status;
    this.ready = ready;
    this.security = security;
    if (security.tls() != null) {
      HttpsServer https = HttpsServer.create(bind, 64);
      https.setHttpsConfigurator(new HttpsConfigurator(security.tls()));
      this.server = https;
    } else {
      this.server = HttpServer.create(bind, 64);
    }
    if (security.auth().required()) {
      for (Endpoint e : Endpoint.values()) {
        failures.put(e, authFailures(exposition.registry(), e));
      }
    }
    this.pool =
        new ThreadPoolExecutor(
            1,
            4,
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(64),
            r -> {
              Thread t = new Thread(r, "gatewatch-http");
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
    server.setExecutor(pool);
    server.createContext("/metrics", guarded(protect(Endpoint.METRICS, this::metrics)));
    server.createContext("/-/healthy", guarded(ex -> plain(ex, 200, "Healthy\n")));
    server.createContext(
        "/-/ready",
        guarded(
            ex ->
                plain(
                    ex,
                    ready.getAsBoolean() ? 200 : 503,
                    ready.getAsBoolean() ? "Ready\n" : "Not ready\n")));
    server.createContext("/", guarded(protect(Endpoint.STATUS, status::page)));
    server.createContext("/api/summary", guarded(protect(Endpoint.SUMMARY, status::summaryJson)));
    server.createContext("/status/", guarded(protect(Endpoint.STATUS, status::asset)));
  }

  /** Adds an endpoint open to anyone who reaches the port (its handler may check on its own). */
  public void handle(String path, HttpHandler handler) {
    server.createContext(path, guarded(handler));
  }

  /** Adds an endpoint behind the server's authentication, its failures counted as {@code e}. */
  public void handleProtected(String path, Endpoint e, HttpHandler handler) {
    server.createContext(path, guarded(protect(e, handler)));
  }

  /** Whether the server asks for credentials. */
  public boolean authenticates() {
    return security.auth().required();
  }

  /** {@code http} or {@code https}. */
  public String scheme() {
    return security.tls() == null ? "http" : "https";
  }

  /** 401 (counted) unless the request carries the configured credentials. */
  private HttpHandler protect(Endpoint endpoint, HttpHandler handler) {
    HttpAuth auth = security.auth();
    if (!auth.required()) {
      return handler;
    }
    Counter failed = failures.get(endpoint);
    return ex -> {
      if (auth.permits(ex.getRequestHeaders().getFirst("Authorization"))) {
        handler.handle(ex);
        return;
      }
      failed.increment();
      ex.getResponseHeaders().set("WWW-Authenticate", auth.challenge());
      plain(ex, 401, "Unauthorized\n");
    };
  }

  public void start() {
    server.start();
    status.start();
    log.info(
        "HTTP endpoints on {}://{}/metrics, status page on {}://{}/ ({})",
        scheme(),
        hostPort(),
        scheme(),
        hostPort(),
        security.auth().required() ? "authentication required" : "no authentication");
  }

  /** The bound address as {@code host:port} (the real port when 0 was asked for). */
  public String hostPort() {
    InetSocketAddress a = server.getAddress();
    return a.getHostString() + ":" + a.getPort();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
    status.close();
  }

  private void metrics(HttpExchange ex) throws IOException {
    if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
      plain(ex, 405, "Method not allowed\n");
      return;
    }
    ExpositionFormatWriter writer = exposition.writerFor(ex.getRequestHeaders().getFirst("Accept"));
    ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
    exposition.write(body, writer);
    ex.getResponseHeaders().set("Content-Type", writer.getContentType());
    send(ex, 200, body.toByteArray());
  }

  static void plain(HttpExchange ex, int status, String text) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    send(ex, status, text.getBytes(StandardCharsets.UTF_8));
  }

  static void send(HttpExchange ex, int status, byte[] body) throws IOException {
    var h = ex.getResponseHeaders();
    h.set("X-Content-Type-Options", "nosniff");
    h.set("Cache-Control", "no-store");
    h.set("X-Frame-Options", "DENY");
    h.set("Referrer-Policy", "no-referrer");
    if (!h.containsKey("Content-Security-Policy")) {
      h.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    }
    if (ex instanceof com.sun.net.httpserver.HttpsExchange) {
      h.set("Strict-Transport-Security", "max-age=31536000");
    }
    boolean head = "HEAD".equals(ex.getRequestMethod());
    ex.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      OutputStream out = ex.getResponseBody();
      out.write(body);
      out.flush();
      discardRequestBody(ex);
      out.close();
    }
    ex.close();
  }

  /**
   * After the answer is on its way, reads what is left of the request body and throws it away, up
   * to {@link #DISCARD_LIMIT}. A client that sends its whole body before reading (Python's urllib,
   * java.net.http, most SDKs) then reads the answer, a 413 or a 401, instead of a connection reset:
   * closing a socket with unread data in it resets the connection. A declared body larger than the
   * bound is not read: the connection closes at once.
   */
  private static void discardRequestBody(HttpExchange ex) {
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    try {
      if (length != null && Long.parseLong(length.trim()) > DISCARD_LIMIT) {
        return;
      }
    } catch (NumberFormatException e) {
      return; // the server refuses such a request before any handler runs
    }
    byte[] buf = new byte[8192];
    long left = DISCARD_LIMIT;
    try {
      InputStream in = ex.getRequestBody();
      for (int n; left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0; ) {
        left -= n;
      }
    } catch (IOException e) {
      log.debug("request body not discarded: {}", e.toString()); // the client went away
    }
  }

  /** A failing handler answers 500 and is logged; it never takes the server down. */
  private static HttpHandler guarded(HttpHandler handler) {
    return ex -> {
      try {
        handler.handle(ex);
      } catch (IOException e) {
        log.debug("client went away during {}: {}", ex.getRequestURI().getPath(), e.toString());
        ex.close();
      } catch (RuntimeException e) {
        log.error("handler for {} failed", ex.getRequestURI().getPath(), e);
        try {
          plain(ex, 500, "Internal error\n");
        } catch (IOException | RuntimeException ignored) {
          ex.close();
        }
      }
    };
  }
}
