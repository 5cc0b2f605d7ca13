package io.gatewatch.sim;

import io.gatewatch.protocol.Spellings;
import java.util.Locale;

/**
 * How a simulated client behaves. {@link #GOOD} follows the profile's reconnection strategy
 * exactly; each other behaviour breaks one rule the way real third-party clients do
 * (docs/protocol.md, "What real clients do").
 */
public enum Behaviour {
  /**
   * Heartbeats at 0.8 x interval with jitter, answers op 1 at once, reconnects as the seed says.
   */
  GOOD,
  /**
   * Heartbeats too late (every 1.5 x interval) and answers the server's op 1 only after 0.15 x
   * interval, so its beats come more than 1.25 intervals apart: {@code heartbeat_late}.
   */
  SLOW,
  /** Ignores the server's op 1 and heartbeats too rarely: ends in 4009 and resumes. */
  DEAF,
  /** Uses a revoked token and retries it unchanged after 4004. */
  BAD_TOKEN,
  /** Floods presence updates into 4008 and reconnects after 5 s instead of 60 s. */
  FLOODER,
  /** Resumes whatever the close code, even after 4007. */
  STALE_RESUMER,
  /** Sends unknown opcodes, oversize payloads and a second Identify now and then. */
  SLOPPY;

  /** The spelling on the command line: {@code bad-token}. */
  public String spelling() {
    return Spellings.of(this);
  }

  /**
   * What its clients call themselves in their Identify ({@code properties.browser} and {@code
   * device}): {@code gatewatch-fleet-bad-token}.
   */
  public String clientName() {
    return "gatewatch-fleet-" + spelling();
  }

  /**
   * Its {@code client} label value where the fleet's names are in the table: {@code fleet-good}.
   */
  public String clientLabel() {
    return "fleet-" + spelling();
  }

  /** Parses {@code bad-token} or {@code bad_token}; null if unknown. */
  public static Behaviour parse(String text) {
    return Spellings.find(
        values(), Behaviour::spelling, text.trim().toLowerCase(Locale.ROOT).replace('_', '-'));
  }
}
