package io.gatewatch.protocol;

/**
 * One close code of a profile.
 *
 * @param code the numeric close code
 * @param name the display name ({@code Session Timeout})
 * @param label the metric label value in snake_case ({@code session_timeout})
 * @param resumable whether the session survives it
 * @param cause why the gateway sends it
 * @param recovery what a client should do, in the seed's words
 */
public record CloseCode(
    int code, String name, String label, Resumability resumable, String cause, String recovery) {}
