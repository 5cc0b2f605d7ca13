package io.gatewatch.sim;

import io.gatewatch.protocol.Encoding;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.LongSupplier;

/**
 * What the sockets of one simulated gateway share: the settings, the close table of the active
 * profile, the session store and the clocks. No network; {@link GatewaySimulator} wraps it in a
 * Netty server and tests drive it directly with their own clocks.
 */
public final class GatewayCore {
  private final SimulatorSettings settings;
  private final CloseTable closes;
  private final SessionStore sessions;
  private final LongSupplier nanos;
  private final LongSupplier epochMillis;

  /**
   * @param nanos a monotonic nanosecond clock for timeouts and windows ({@code System::nanoTime})
   * @param epochMillis wall-clock milliseconds for event timestamps ({@code
   *     System::currentTimeMillis})
   */
  public GatewayCore(SimulatorSettings settings, LongSupplier nanos, LongSupplier epochMillis) {
    this.settings = settings;
    this.closes = new CloseTable(settings.profile());
    this.sessions =
        new SessionStore(
            settings.sessionRetention(),
            settings.replayBufferEvents(),
            settings.replayBufferBytes(),
            nanos);
    this.nanos = nanos;
    this.epochMillis = epochMillis;
  }

  /** With the system clocks. */
  public GatewayCore(SimulatorSettings settings) {
    this(settings, System::nanoTime, System::currentTimeMillis);
  }

  public SimulatorSettings settings() {
    return settings;
  }

  public CloseTable closes() {
    return closes;
  }

  public SessionStore sessions() {
    return sessions;
  }

  long nanos() {
    return nanos.getAsLong();
  }

  long epochMillis() {
    return epochMillis.getAsLong();
  }

  /** A new socket's protocol state, numbered {@code number} (seeds its random faults). */
  public GatewayConnection newConnection(GatewayConnection.Transport transport, long number) {
    return new GatewayConnection(this, transport, number, Encoding.JSON);
  }

  /** A connection whose client payloads are in {@code encoding}. */
  public GatewayConnection newConnection(
      GatewayConnection.Transport transport, long number, Encoding encoding) {
    return new GatewayConnection(this, transport, number, encoding);
  }

  /** The hex SHA-256 of a token: how sessions remember who made them (never the token). */
  public static String tokenKey(String token) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /** A short fingerprint of a token key for logs and user names: its first 6 hex digits. */
  public static String fingerprint(String tokenKey) {
    return tokenKey.substring(0, 6);
  }
}
