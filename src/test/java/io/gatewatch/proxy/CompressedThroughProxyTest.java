package io.gatewatch.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatewatch.compress.ZstdCodec;
import io.gatewatch.metrics.Watches;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.report.Tally;
import io.gatewatch.sim.GatewaySimulator;
import io.gatewatch.sim.SimulatorSettings;
import io.gatewatch.track.EventClock;
import io.gatewatch.track.RttKind;
import io.gatewatch.track.TrackerSettings;
import io.gatewatch.track.Via;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** zstd-stream through the real proxy: both variants observed, and observation turned off. */
class CompressedThroughProxyTest {
  GatewaySimulator sim;
  WatchedProxy proxy;
  final Watches watches = new Watches(TokenFingerprinter.withRandomSalt());
  final Tally tally = new Tally();

  void start(boolean compressedObservation) throws Exception {
    sim =
        new GatewaySimulator(
                SimulatorSettings.builder()
                    .listen("127.0.0.1:0")
                    .heartbeatInterval(Duration.ofSeconds(30))
                    .dispatchRate(0)
                    .build())
            .start();
    proxy =
        WatchedProxy.start(
            watches,
            ProfileLoader.load("fluxer-seed"),
            TrackerSettings.DEFAULTS,
            "z",
            ProxySettings.builder("ws://127.0.0.1:" + sim.port())
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .build(),
            null,
            compressedObservation,
            EventClock.system(),
            tally);
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  /** A client that speaks zstd-stream: decodes binary from the server, compresses its own. */
  static final class ZstdClient implements WebSocket.Listener {
    final List<String> received = new CopyOnWriteArrayList<>();
    final ZstdCodec.StreamDecompressor in = new ZstdCodec.StreamDecompressor();
    final ZstdCodec.StreamCompressor out = new ZstdCodec.StreamCompressor();
    final boolean compressOwn;
    WebSocket ws;

    ZstdClient(String url, boolean compressOwn) {
      this.compressOwn = compressOwn;
      this.ws =
          HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(url), this).join();
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
      byte[] b = new byte[data.remaining()];
      data.get(b);
      received.add(new String(in.decompress(b), StandardCharsets.UTF_8));
      w.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
      received.add(data.toString());
      w.request(1);
      return null;
    }

    void send(String json) {
      if (compressOwn) {
        ws.sendBinary(ByteBuffer.wrap(out.compress(json.getBytes(StandardCharsets.UTF_8))), true)
            .join();
      } else {
        ws.sendText(json, true).join();
      }
    }

    boolean saw(String fragment) {
      return received.stream().anyMatch(s -> s.contains(fragment));
    }
  }

  void session(String query, boolean compressOwn) {
    ZstdClient c = new ZstdClient(proxy.url("/?v=1&encoding=json&" + query), compressOwn);
    await().until(() -> c.saw("heartbeat_interval"));
    c.send("{\"op\":2,\"d\":{\"token\":\"valid-z\",\"properties\":{}}}");
    await().until(() -> c.saw("READY"));
    c.send("{\"op\":1,\"d\":1}");
    await().until(() -> c.received.contains("{\"op\":11}") || c.saw("\"op\":11"));
  }

  @Test
  void theContinuousVariantIsObservedInBothDirections() throws Exception {
    start(true);
    session("compress=zstd-stream&stream=1", true);

    await().until(() -> tally.rtts(RttKind.CLIENT).length == 1);
    assertThat(tally.readies(Via.IDENTIFY)).isEqualTo(1);
    assertThat(tally.decodeErrors()).isZero();
    assertThat(count("gateway.frames", "from", "client", "op", "identify")).isEqualTo(1);
  }

  @Test
  void thePerMessageVariantIsObserved() throws Exception {
    start(true);
    session("compress=zstd-stream", false);

    await().until(() -> tally.rtts(RttKind.CLIENT).length == 1);
    assertThat(tally.readies(Via.IDENTIFY)).isEqualTo(1);
    assertThat(tally.decodeErrors()).isZero();
  }

  @Test
  void withObservationOffCompressedFramesAreCountedNotRead() throws Exception {
    start(false);
    session("compress=zstd-stream&stream=1", true);

    await().until(() -> count("gatewatch.frames.unobserved", "source", "proxy") >= 5);
    assertThat(tally.readies(Via.IDENTIFY)).isZero();
    assertThat(tally.decodeErrors()).isZero();
    assertThat(count("gateway.frames", "from", "server", "op", "other")).isGreaterThanOrEqualTo(3);
  }

  double count(String name, String... tags) {
    var c = watches.registry().find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }
}
