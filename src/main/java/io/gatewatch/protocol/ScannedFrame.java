package io.gatewatch.protocol;

import java.nio.charset.StandardCharsets;

/**
 * What {@link FrameScanner} (or, for {@code encoding=etf}, {@link EtfScanner}) read from one frame:
 * the envelope ({@code op}, {@code s}, {@code t}) and the few {@code d} fields the tracker needs.
 * Mutable and reused from frame to frame, so that scanning a control frame allocates nothing; read
 * it before the next scan into the same instance.
 */
public final class ScannedFrame {
  /** {@link #op()} when the frame has no usable integer {@code op}. */
  public static final int NO_OP = -1;

  /** {@link #event()} values: what a Dispatch's {@code t} means to the tracker. */
  public enum Event {
    /** Not a dispatch, or no {@code t}. */
    NONE,
    READY,
    RESUMED,
    /** Any other event name. */
    OTHER
  }

  /** The shape of a Heartbeat's {@code d}. */
  public enum HeartbeatData {
    ABSENT,
    NULL,
    INTEGER,
    /** Neither null nor an integer (the gateway closes with 4007). */
    INVALID
  }

  // Package-private fields: FrameScanner writes them, everyone else reads through accessors.
  boolean malformed;
  int size;
  int op;
  boolean hasSeq;
  long seq;
  Event event;
  byte[] source;
  int eventStart;
  int eventEnd;
  long heartbeatIntervalMs;
  String sessionId;
  boolean hasResumeSeq;
  long resumeSeq;
  boolean hasToken;
  long tokenFingerprint;
  int tokenStart;
  int tokenEnd;
  int shardId;
  int shardCount;
  int invalidSessionResumable;
  HeartbeatData heartbeatData;
  long heartbeatSeq;
  String os;
  String browser;
  String device;
  boolean hasErrorCode;
  long errorCode;

  /** Deepest nesting {@link FrameScanner} accepts inside a frame; deeper frames are malformed. */
  static final int MAX_NESTING = 1024;

  /** An Identify without a shard (or a frame that is no Identify). */
  public static final int NO_SHARD = -1;

  /**
   * Scratch for {@link FrameScanner}, not a result: the bit stack of open containers (1 = object, 0
   * = array) of its iterative skip, kept here so that a scan allocates nothing.
   */
  final long[] nesting = new long[MAX_NESTING / Long.SIZE];

  public ScannedFrame() {
    reset(null, 0);
  }

  void reset(byte[] source, int size) {
    this.source = source;
    this.size = size;
    malformed = false;
    op = NO_OP;
    hasSeq = false;
    seq = 0;
    event = Event.NONE;
    eventStart = -1;
    eventEnd = -1;
    heartbeatIntervalMs = -1;
    sessionId = null;
    hasResumeSeq = false;
    resumeSeq = 0;
    hasToken = false;
    tokenFingerprint = 0;
    tokenStart = -1;
    tokenEnd = -1;
    shardId = NO_SHARD;
    shardCount = -1;
    invalidSessionResumable = -1;
    heartbeatData = HeartbeatData.ABSENT;
    heartbeatSeq = 0;
    os = null;
    browser = null;
    device = null;
    hasErrorCode = false;
    errorCode = 0;
  }

  /** True when the payload is not an object (an ETF map) with an integer {@code op}. */
  public boolean malformed() {
    return malformed;
  }

  /** Payload size in bytes (UTF-8 for text). */
  public int size() {
    return size;
  }

  /** The opcode, or {@link #NO_OP}. */
  public int op() {
    return op;
  }

  public boolean hasSeq() {
    return hasSeq;
  }

  /** The dispatch sequence {@code s}; meaningful when {@link #hasSeq()}. */
  public long seq() {
    return seq;
  }

  public Event event() {
    return event;
  }

  /**
   * The dispatch event name {@code t} as a new String (raw, escapes not decoded), or null.
   * Allocates: prefer {@link #event()} on hot paths.
   */
  public String eventName() {
    if (eventStart < 0) {
      return null;
    }
    return new String(source, eventStart, eventEnd - eventStart, StandardCharsets.UTF_8);
  }

  /** Hello's {@code heartbeat_interval} in ms, or -1. */
  public long heartbeatIntervalMs() {
    return heartbeatIntervalMs;
  }

  /** READY's or Resume's {@code session_id}, or null. */
  public String sessionId() {
    return sessionId;
  }

  public boolean hasResumeSeq() {
    return hasResumeSeq;
  }

  /** Resume's {@code seq}; meaningful when {@link #hasResumeSeq()}. */
  public long resumeSeq() {
    return resumeSeq;
  }

  /** True when Identify or Resume carried a {@code token}. */
  public boolean hasToken() {
    return hasToken;
  }

  /** The salted fingerprint of the token (never the token itself). */
  public long tokenFingerprint() {
    return tokenFingerprint;
  }

  /**
   * Offset of the token's string contents (after the opening quote, or an ETF binary's length) in
   * the scanned bytes, or -1.
   */
  public int tokenStart() {
    return tokenStart;
  }

  /** End (exclusive: the closing quote, or the ETF term's end) of the token's contents, or -1. */
  public int tokenEnd() {
    return tokenEnd;
  }

  /** Identify's {@code shard[0]}, or {@link #NO_SHARD}. */
  public int shardId() {
    return shardId;
  }

  /** Identify's {@code shard[1]}, or -1. */
  public int shardCount() {
    return shardCount;
  }

  /** Invalid Session's {@code d}: 1 true, 0 false, -1 absent or not a boolean. */
  public int invalidSessionResumable() {
    return invalidSessionResumable;
  }

  public HeartbeatData heartbeatData() {
    return heartbeatData;
  }

  /** Heartbeat's {@code d} when {@link #heartbeatData()} is INTEGER. */
  public long heartbeatSeq() {
    return heartbeatSeq;
  }

  /**
   * Identify's {@code properties.os} ({@code $os} in older clients), or null when absent or not a
   * string. Names the client's platform, never its user: kept for client attribution.
   */
  public String os() {
    return os;
  }

  /** Identify's {@code properties.browser} ({@code $browser}), or null: the client library. */
  public String browser() {
    return browser;
  }

  /** Identify's {@code properties.device} ({@code $device}), or null. */
  public String device() {
    return device;
  }

  /** True when a Gateway Error (op 12) carried an integer {@code code}. */
  public boolean hasErrorCode() {
    return hasErrorCode;
  }

  /** Gateway Error's {@code code}; meaningful when {@link #hasErrorCode()}. */
  public long errorCode() {
    return errorCode;
  }

  /** The bytes last scanned (the scanner's own copy for text input); valid until the next scan. */
  public byte[] source() {
    return source;
  }
}
