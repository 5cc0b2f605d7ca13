package io.gatewatch.sim;

import io.gatewatch.protocol.Opcode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The server's payloads, serialized the way the Erlang gateway does: keys sorted at every level, so
 * the envelope reads {@code {"d":...,"op":0,"s":2,"t":"MESSAGE_CREATE"}} with {@code "d"} first.
 * {@code s} and {@code t} appear on Dispatch only; op 7 and op 11 carry no {@code d}.
 */
public final class Payloads {
  private static final long SNOWFLAKE_BASE = 1_300_000_000_000_000_000L;

  private Payloads() {}

  /** {@code {"d":{"heartbeat_interval":N},"op":10}}. */
  public static String hello(long heartbeatIntervalMillis) {
    return envelope(Opcode.HELLO, Map.of("heartbeat_interval", heartbeatIntervalMillis));
  }

  /** {@code {"op":11}}. */
  public static String heartbeatAck() {
    return Json.write(Map.of("op", Opcode.HEARTBEAT_ACK));
  }

  /** The server's heartbeat request: {@code {"d":null,"op":1}}. */
  public static String heartbeatRequest() {
    return envelope(Opcode.HEARTBEAT, Json.NULL);
  }

  /** {@code {"op":7}}. */
  public static String reconnect() {
    return Json.write(Map.of("op", Opcode.RECONNECT));
  }

  /** {@code {"d":false,"op":9}} (Fluxer never sends {@code true}). */
  public static String invalidSession() {
    return envelope(Opcode.INVALID_SESSION, Boolean.FALSE);
  }

  /** An op other than Dispatch with a {@code d}. */
  public static String envelope(int op, Object d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("d", d);
    m.put("op", op);
    return Json.write(m);
  }

  /** A Dispatch. */
  public static String dispatch(String type, long seq, Object d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("d", d);
    m.put("op", Opcode.DISPATCH);
    m.put("s", seq);
    m.put("t", type);
    return Json.write(m);
  }

  /**
   * READY (sequence 1): the session id, the user, and the guilds the shard owns (as unavailable
   * guilds); the first guild carries a voice state with another session id, the decoy a careless
   * scanner takes for the real one (it comes first, as {@code "guilds"} sorts before {@code
   * "session_id"}).
   */
  public static String ready(String sessionId, String userFingerprint, int guilds, int[] shard) {
    List<Object> list = new ArrayList<>(guilds);
    for (int i = 0; i < guilds; i++) {
      Map<String, Object> g = new LinkedHashMap<>();
      g.put("id", snowflake(i + 1));
      g.put("unavailable", i != 0);
      if (i == 0) {
        g.put(
            "voice_states",
            List.of(
                Map.of(
                    "channel_id", snowflake(900),
                    "session_id", new StringBuilder(sessionId).reverse().toString(),
                    "user_id", snowflake(901))));
      }
      list.add(g);
    }
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("guilds", list);
    d.put("session_id", sessionId);
    d.put("user", user(userFingerprint));
    d.put("v", 1);
    if (shard != null) {
      d.put("shard", List.of(shard[0], shard[1]));
    }
    return dispatch("READY", 1, d);
  }

  /** RESUMED. */
  public static String resumed(long seq) {
    return dispatch("RESUMED", seq, Map.of());
  }

  /** A MESSAGE_CREATE-like dispatch. */
  public static String messageCreate(long seq, long epochMillis) {
    return messageCreate(seq, epochMillis, 0);
  }

  /**
   * A MESSAGE_CREATE-like dispatch whose content is padded so the whole payload is {@code bytes}
   * long (ASCII only); a {@code bytes} below the natural size leaves it unpadded.
   */
  public static String messageCreate(long seq, long epochMillis, int bytes) {
    String content = "simulated message " + seq;
    String natural = messageCreate(seq, epochMillis, content);
    int pad = bytes - natural.length();
    return pad <= 0
        ? natural
        : messageCreate(seq, epochMillis, content + " " + "x".repeat(pad - 1));
  }

  private static String messageCreate(long seq, long epochMillis, String content) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("author", Map.of("id", snowflake(1000), "username", "sim-author"));
    d.put("channel_id", snowflake(500));
    d.put("content", content);
    d.put("guild_id", snowflake(1));
    d.put("id", snowflake(10_000 + seq));
    d.put("timestamp", Instant.ofEpochMilli(epochMillis).toString());
    return dispatch("MESSAGE_CREATE", seq, d);
  }

  private static Map<String, Object> user(String fingerprint) {
    return Map.of(
        "bot",
        false,
        "discriminator",
        "0000",
        "id",
        snowflake(2000),
        "username",
        "sim-" + fingerprint);
  }

  private static String snowflake(long n) {
    return Long.toString(SNOWFLAKE_BASE + n);
  }
}
