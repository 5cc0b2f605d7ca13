package io.gatewatch.server;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;

/**
 * TLS for the agent's HTTP server, from the same PEM files the proxy's listener takes (a
 * certificate chain and an unencrypted PKCS#8 key), loaded by the same code (Netty's, here with the
 * JDK provider so the JDK's HTTPS server can use the context).
 */
public final class ServerTls {
  private ServerTls() {}

  /** The context, or an IOException naming what could not be used. */
  public static SSLContext fromPem(Path certificateChain, Path privateKey) throws IOException {
    for (Path p : new Path[] {certificateChain, privateKey}) {
      if (!Files.isReadable(p)) {
        throw new IOException("cannot read " + p);
      }
    }
    try {
      JdkSslContext ctx =
          (JdkSslContext)
              SslContextBuilder.forServer(certificateChain.toFile(), privateKey.toFile())
                  .sslProvider(SslProvider.JDK)
                  .build();
      return ctx.context();
    } catch (IOException | RuntimeException e) {
      throw new IOException(
          "cannot use "
              + certificateChain
              + " and "
              + privateKey
              + " (PEM certificate chain and unencrypted PKCS#8 key expected): "
              + e.getMessage(),
          e);
    }
  }
}
