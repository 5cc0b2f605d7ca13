package io.gatewatch.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's HTTP endpoints on one port: {@code /metrics}, {@code /-/healthy}, {@code /-/ready},
 * and the status page ({@code /}, {@code /api/summary}, assets under {@code /status/}). The JDK
 * server with a small bounded pool, as client_java's exporter does: a burst of scrapes queues or is
 * refused, it never grows threads without bound.
 */
public final class AgentServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AgentServer.class);

  private final HttpServer server;
  private final ThreadPoolExecutor pool;
  private final MetricsExposition exposition;
  private final BooleanSupplier ready;
  private final StatusPage status;

  /**
   * Binds now (so a taken port fails at start-up) and serves after {@link #start()}.
   *
   * @param ready answers {@code /-/ready}: true once every tap is running
   */
  public AgentServer(InetSocketAddress bind, MetricsExposition exposition, BooleanSupplier ready)
      throws IOException {
    this(
        bind,
        exposition,
        ready,
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
    this.exposition = exposition;
    this.status = status;
    this.ready = ready;
    this.server = HttpServer.create(bind, 64);
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
    server.createContext("/metrics", guarded(this::metrics));
    server.createContext("/-/healthy", guarded(ex -> plain(ex, 200, "Healthy\n")));
    server.createContext(
        "/-/ready",
        guarded(
            ex ->
                plain(
                    ex,
                    ready.getAsBoolean() ? 200 : 503,
                    ready.getAsBoolean() ? "Ready\n" : "Not ready\n")));
    server.createContext("/", guarded(status::page));
    server.createContext("/api/summary", guarded(status::summaryJson));
    server.createContext("/status/", guarded(status::asset));
  }

  /** Adds an endpoint; used by later parts (capture ingest, status page). */
  public void handle(String path, HttpHandler handler) {
    server.createContext(path, guarded(handler));
  }

  public void start() {
    server.start();
    status.start();
    log.info(
        "HTTP endpoints on http://{}/metrics, status page on http://{}/", hostPort(), hostPort());
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
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    boolean head = "HEAD".equals(ex.getRequestMethod());
    ex.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
    ex.close();
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
