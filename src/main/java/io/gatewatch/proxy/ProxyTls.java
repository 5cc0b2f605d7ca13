package io.gatewatch.proxy;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The proxy's TLS contexts, from PEM files. Errors name the files by their configuration keys
 * ({@code tls.cert}, {@code upstream_ca}), as the operator wrote them.
 */
final class ProxyTls {
  private ProxyTls() {}

  /**
   * For a {@code wss://} upstream: trusts the certificates in {@code caPem}, or the JDK's default
   * trust store when null; verifies the upstream's host name (SNI and the name to check are set per
   * connection from the upstream URL).
   */
  static SslContext upstream(Path caPem) throws IOException {
    SslContextBuilder b = SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS");
    if (caPem != null) {
      readable(caPem, "upstream_ca");
      try {
        b.trustManager(caPem.toFile());
      } catch (IllegalArgumentException e) {
        throw new IOException("upstream_ca: no PEM certificates in " + caPem, e);
      }
    }
    try {
      return b.build();
    } catch (IOException | RuntimeException e) {
      throw new IOException("upstream TLS: " + e.getMessage(), e);
    }
  }

  /** TLS on the listener, from a PEM certificate chain and a PEM PKCS#8 private key. */
  static SslContext listener(ProxySettings.ListenerTls tls) throws IOException {
    readable(tls.certificateChain(), "tls.cert");
    readable(tls.privateKey(), "tls.key");
    try {
      return SslContextBuilder.forServer(tls.certificateChain().toFile(), tls.privateKey().toFile())
          .build();
    } catch (IOException | RuntimeException e) {
      throw new IOException(
          "tls: cannot use "
              + tls.certificateChain()
              + " and "
              + tls.privateKey()
              + " (PEM certificate chain and unencrypted PKCS#8 key expected): "
              + e.getMessage(),
          e);
    }
  }

  private static void readable(Path p, String what) throws IOException {
    if (!Files.isReadable(p)) {
      throw new IOException(what + ": cannot read " + p);
    }
  }
}
