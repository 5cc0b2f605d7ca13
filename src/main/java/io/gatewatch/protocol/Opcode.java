package io.gatewatch.protocol;

/**
 * One opcode of a profile.
 *
 * <p>The constants are the envelope opcodes every bundled profile numbers alike (Fluxer took them
 * from Discord): the state machines of the tracker, the probe and the fleet switch on them, while
 * names and labels come from the profile's registry.
 *
 * @param code the numeric opcode
 * @param name the display name ({@code Heartbeat ACK})
 * @param label the metric label value in snake_case ({@code heartbeat_ack})
 * @param sentBy who sends it: {@code server}, {@code client} or {@code both}
 */
public record Opcode(int code, String name, String label, String sentBy) {
  public static final int DISPATCH = 0;
  public static final int HEARTBEAT = 1;
  public static final int IDENTIFY = 2;
  public static final int PRESENCE_UPDATE = 3;
  public static final int RESUME = 6;
  public static final int RECONNECT = 7;
  public static final int INVALID_SESSION = 9;
  public static final int HELLO = 10;
  public static final int HEARTBEAT_ACK = 11;
}
