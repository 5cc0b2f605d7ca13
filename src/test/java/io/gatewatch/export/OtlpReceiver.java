package io.gatewatch.export;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An OTLP/HTTP receiver on loopback: decodes what arrives with the opentelemetry-proto classes, as
 * a collector would, and keeps it (raw bytes and request headers too).
 */
final class OtlpReceiver implements AutoCloseable {
  final List<ExportMetricsServiceRequest> metrics = new CopyOnWriteArrayList<>();
  final List<ExportTraceServiceRequest> traces = new CopyOnWriteArrayList<>();
  final List<byte[]> raw = new CopyOnWriteArrayList<>();
  final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final HttpServer server;

  OtlpReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext(
        "/v1/metrics",
        ex -> {
          byte[] body = read(ex);
          metrics.add(ExportMetricsServiceRequest.parseFrom(body));
          reply(ex, ExportMetricsServiceResponse.getDefaultInstance().toByteArray());
        });
    server.createContext(
        "/v1/traces",
        ex -> {
          byte[] body = read(ex);
          traces.add(ExportTraceServiceRequest.parseFrom(body));
          reply(ex, ExportTraceServiceResponse.getDefaultInstance().toByteArray());
        });
    server.start();
  }

  /** The base endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The metrics of the latest export that had any, by name. */
  List<Metric> latestMetrics() {
    for (int i = metrics.size() - 1; i >= 0; i--) {
      List<Metric> out = new ArrayList<>();
      metrics.get(i).getResourceMetricsList().stream()
          .flatMap(r -> r.getScopeMetricsList().stream())
          .forEach(s -> out.addAll(s.getMetricsList()));
      if (!out.isEmpty()) {
        return out;
      }
    }
    return List.of();
  }

  List<Span> spans() {
    List<Span> out = new ArrayList<>();
    traces.forEach(
        t ->
            t.getResourceSpansList().stream()
                .flatMap(r -> r.getScopeSpansList().stream())
                .forEach(s -> out.addAll(s.getSpansList())));
    return out;
  }

  private byte[] read(HttpExchange ex) throws IOException {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth != null) {
      authorizations.add(auth);
    }
    try (InputStream in = ex.getRequestBody()) {
      byte[] body = in.readAllBytes();
      raw.add(body);
      return body;
    }
  }

  private static void reply(HttpExchange ex, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
