package io.gatewatch.protocol;

import java.util.Set;

/**
 * What a gateway offers on its connection URL besides its version ({@link
 * GatewayProfile#apiVersion()}), from a profile's {@code transport} section: its encodings and
 * transport compressions, and whether it has Discord's payload compression (Identify's {@code
 * compress: true}: every server message a zlib stream of its own, in a binary message). The
 * simulator refuses what its profile does not offer; the taps read whatever a socket's URL asks
 * for, and payload compression only where the profile says the gateway has it.
 */
public record TransportOptions(
    Set<Encoding> encodings, Set<Compression> compressions, boolean payloadCompression) {

  /** Fluxer's: JSON only, zstd-stream, no payload compression. */
  public static final TransportOptions FLUXER =
      new TransportOptions(Set.of(Encoding.JSON), Set.of(Compression.ZSTD_STREAM), false);

  public TransportOptions {
    encodings = Set.copyOf(encodings);
    compressions = Set.copyOf(compressions);
  }
}
