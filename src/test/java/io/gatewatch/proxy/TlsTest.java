package io.gatewatch.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gatewatch.protocol.Initiator;
import io.gatewatch.proxy.RelayObserver.UpstreamError;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code wss://} upstreams (trust, hostname verification) and TLS on the listener. */
class TlsTest extends ProxyTestSupport {
  @TempDir Path dir;
  TestPki.PemFiles pem;

  @BeforeEach
  void writePki() {
    pem = TestPki.write(dir);
  }

  static SslContext server(Path cert, Path key) throws SSLException {
    return SslContextBuilder.forServer(cert.toFile(), key.toFile()).build();
  }

  static SslContext clientTrusting(Path ca) throws SSLException {
    return SslContextBuilder.forClient()
        .trustManager(ca.toFile())
        .endpointIdentificationAlgorithm("HTTPS")
        .build();
  }

  @Test
  void tlsOnBothSidesRelaysExactly() throws SSLException {
    EchoUpstream up =
        track(new EchoUpstream(server(pem.serverCert(), pem.serverKey()), null).start());
    assertThat(up.uri().getScheme()).isEqualTo("wss");
    GatewayProxy proxy =
        proxy(
            settings(up.uri()).upstreamCa(pem.ca()).listenerTls(pem.serverCert(), pem.serverKey()));
    SslContext client = clientTrusting(pem.ca());
    URI wss = URI.create("wss://127.0.0.1:" + proxy.port() + "/?v=1&encoding=json");
    TransparencyTest.Transcript t =
        TransparencyTest.run(
            () -> FrameClient.connect(wss, new DefaultHttpHeaders(), null, client),
            up,
            TransparencyTest.CLIENT_CLOSES);
    assertThat(t.upstreamReceived()).containsExactlyElementsOf(TransparencyTest.CLIENT_CLOSES);
    assertThat(t.clientReceived())
        .containsExactlyElementsOf(TransparencyTest.echoed(TransparencyTest.CLIENT_CLOSES));
    assertThat(t.uri()).isEqualTo("/?v=1&encoding=json");
    await().until(() -> observer.closed.size() == 1);
    assertThat(observer.closed.get(0).by()).isEqualTo(Initiator.CLIENT);
    assertThat(observer.upstreamErrors).isEmpty();
  }

  @Test
  void anUpstreamCertificateNotTrustedGives1014Tls() throws SSLException {
    EchoUpstream up =
        track(new EchoUpstream(server(pem.serverCert(), pem.serverKey()), null).start());
    GatewayProxy proxy = proxy(settings(up.uri())); // the JDK's trust store: not our test CA
    assertTlsFailure(proxy);
  }

  @Test
  void anUpstreamCertificateForAnotherHostGives1014Tls() throws SSLException {
    EchoUpstream up =
        track(new EchoUpstream(server(pem.otherCert(), pem.otherKey()), null).start());
    GatewayProxy proxy = proxy(settings(up.uri()).upstreamCa(pem.ca())); // trusted, wrong name
    assertTlsFailure(proxy);
  }

  private void assertTlsFailure(GatewayProxy proxy) {
    try (FrameClient c = FrameClient.connect(uri(proxy, "/"))) {
      assertThat(c.next()).isEqualTo(TransparencyTest.close(1014, "Bad Gateway"));
    }
    await().until(() -> observer.upstreamErrors.size() == 1);
    assertThat(observer.upstreamErrors).containsExactly(UpstreamError.TLS);
    assertThat(proxy.upstreamFailures(UpstreamError.TLS)).isEqualTo(1);
  }

  @Test
  void unusableTlsFilesFailAtStart() {
    URI wss = URI.create("wss://127.0.0.1:1");
    assertThatThrownBy(
            () ->
                new GatewayProxy(
                        settings(wss).upstreamCa(dir.resolve("nope.pem")).build(), observer)
                    .start())
        .isInstanceOf(IOException.class)
        .hasMessage("upstream_ca: cannot read " + dir.resolve("nope.pem"));
    assertThatThrownBy(
            () ->
                new GatewayProxy(
                        settings(wss).listenerTls(pem.serverCert(), pem.ca()).build(), observer)
                    .start())
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(
            "tls: cannot use "
                + pem.serverCert()
                + " and "
                + pem.ca()
                + " (PEM certificate chain and unencrypted PKCS#8 key expected): ");
  }
}
