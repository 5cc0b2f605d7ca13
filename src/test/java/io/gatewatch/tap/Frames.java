package io.gatewatch.tap;

/** Gateway payloads for tap tests. */
final class Frames {
  private Frames() {}

  static String hello() {
    return "{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}";
  }

  static String identify(String token) {
    return identify(token, "test");
  }

  /** An Identify whose properties name the client library {@code browser}. */
  static String identify(String token, String browser) {
    return "{\"op\":2,\"d\":{\"token\":\""
        + token
        + "\",\"properties\":{\"os\":\"linux\",\"browser\":\""
        + browser
        + "\",\"device\":\""
        + browser
        + "\"}}}";
  }

  static String ready(String sessionId) {
    return "{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"session_id\":\"" + sessionId + "\"}}";
  }

  static String resume(String token, String sessionId, long seq) {
    return "{\"op\":6,\"d\":{\"token\":\""
        + token
        + "\",\"session_id\":\""
        + sessionId
        + "\",\"seq\":"
        + seq
        + "}}";
  }

  static String resumed(long seq) {
    return "{\"op\":0,\"s\":" + seq + ",\"t\":\"RESUMED\",\"d\":{}}";
  }

  static String heartbeat(long seq) {
    return "{\"op\":1,\"d\":" + seq + "}";
  }

  static String ack() {
    return "{\"op\":11}";
  }
}
