package io.gatewatch.sim;

import io.gatewatch.protocol.CloseCode;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.Resumability;
import java.util.EnumMap;
import java.util.Map;

/**
 * The close codes and reasons the simulator sends under one profile, and whether a session survives
 * them.
 *
 * <p>Reasons: {@link CloseCause#fixedReason()} when docs/protocol.md gives one, otherwise the
 * code's name in the profile ({@code Decode Error}); a code the profile lacks is named after the
 * seed.
 *
 * <p>Backpressure: only a profile whose 4013 is the seed's Acknowledgement Backpressure (label
 * {@code acknowledgement_backpressure}) gets 4013; any other (fluxer-current has no 4013, discord's
 * 4013 means Invalid Intent(s)) gets 4000 with that profile's name for it, so the 4013 path does
 * not exist there.
 *
 * <p>Sessions: after a server close, the attached session is retained unless the profile marks the
 * code {@code resumable: false} (in fluxer-seed: 4004, 4007, 4008, 4010-4013); after a client close
 * or a dropped connection it is always retained.
 */
public final class CloseTable {
  /** A close frame. */
  public record Close(int code, String reason) {}

  private static final Map<Integer, String> SEED_NAMES =
      Map.ofEntries(
          Map.entry(1001, "Going Away"),
          Map.entry(4000, "Unknown Error"),
          Map.entry(4001, "Unknown Opcode"),
          Map.entry(4002, "Decode Error"),
          Map.entry(4003, "Not Authenticated"),
          Map.entry(4004, "Authentication Failed"),
          Map.entry(4005, "Already Authenticated"),
          Map.entry(4007, "Invalid Sequence"),
          Map.entry(4008, "Rate Limited"),
          Map.entry(4009, "Session Timeout"),
          Map.entry(4010, "Invalid Shard"),
          Map.entry(4011, "Sharding Required"),
          Map.entry(4012, "Invalid API Version"),
          Map.entry(4013, "Acknowledgement Backpressure"));

  private static final String BACKPRESSURE_LABEL = "acknowledgement_backpressure";

  private final GatewayProfile profile;
  private final Map<CloseCause, Close> closes = new EnumMap<>(CloseCause.class);

  public CloseTable(GatewayProfile profile) {
    this.profile = profile;
    for (CloseCause cause : CloseCause.values()) {
      int code = cause.seedCode();
      if (cause == CloseCause.BACKPRESSURE && !hasAckBackpressure(profile)) {
        code = 4000;
      }
      String reason = cause.fixedReason() != null ? cause.fixedReason() : name(code);
      closes.put(cause, new Close(code, reason));
    }
  }

  /** True when the profile has the seed's 4013 Acknowledgement Backpressure. */
  public static boolean hasAckBackpressure(GatewayProfile profile) {
    CloseCode c = profile.closeCode(4013);
    return c != null && BACKPRESSURE_LABEL.equals(c.label());
  }

  /** The profile these closes follow. */
  public GatewayProfile profile() {
    return profile;
  }

  /** The code and reason for a cause. */
  public Close close(CloseCause cause) {
    return closes.get(cause);
  }

  /** Whether a session attached to a socket the server closed with {@code code} survives it. */
  public boolean retainsSession(int code) {
    CloseCode c = profile.closeCode(code);
    return c == null || c.resumable() != Resumability.FALSE;
  }

  private String name(int code) {
    CloseCode c = profile.closeCode(code);
    if (c != null) {
      return c.name();
    }
    return SEED_NAMES.getOrDefault(code, "Unknown Error");
  }
}
