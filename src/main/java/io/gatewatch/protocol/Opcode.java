package io.gatewatch.protocol;

/**
 * One opcode of a profile.
 *
 * @param code the numeric opcode
 * @param name the display name ({@code Heartbeat ACK})
 * @param label the metric label value in snake_case ({@code heartbeat_ack})
 * @param sentBy who sends it: {@code server}, {@code client} or {@code both}
 */
public record Opcode(int code, String name, String label, String sentBy) {}
