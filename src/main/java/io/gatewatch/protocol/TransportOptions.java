package io.gatewatch.protocol;

import java.util.List;
import java.util.Set;

/**
 * What a gateway offers on its connection URL, from a profile's {@code transport} section: the
 * {@code v} values it accepts, its encodings and transport compressions, and whether it has
 * Discord's payload compression (Identify's {@code compress: true}: every server message a zlib
 * stream of its own, in a binary message). The simulator refuses what its profile does not offer;
 * the taps read whatever a socket's URL asks for, and payload compression only where the profile
 * says the gateway has it.
 *
 * @param versions the accepted {@code v} values, the preferred first
 */
public record TransportOptions(
    List<String> versions,
    Set<Encoding> encodings,
    Set<Compression> compressions,
    boolean payloadCompression) {

  /** Fluxer's: {@code v=1}, JSON only, zstd-stream, no payload compression. */
  public static final TransportOptions FLUXER =
      new TransportOptions(
          List.of("1"), Set.of(Encoding.JSON), Set.of(Compression.ZSTD_STREAM), false);

  public TransportOptions {
    versions = List.copyOf(versions);
    encodings = Set.copyOf(encodings);
    compressions = Set.copyOf(compressions);
    if (versions.isEmpty()) {
      throw new IllegalArgumentException("at least one version");
    }
  }

  /** The preferred {@code v}: the one to put in URLs. */
  public String version() {
    return versions.get(0);
  }
}
