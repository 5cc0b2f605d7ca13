package io.gatewatch.capture;

import com.fasterxml.jackson.core.JsonGenerator;
import io.gatewatch.protocol.Opcode;
import io.gatewatch.protocol.ScannedFrame;
import io.gatewatch.protocol.TokenFingerprinter;
import java.io.IOException;

/**
 * What a metadata-only capture keeps of one frame (docs/capture-format.md, "What a capture holds"):
 * the envelope and the few {@code d} fields the tracker reads, copied from the scan the tracker has
 * just made, so the payload itself is never copied and the record is the same whatever encoding the
 * frame came in. {@link #write} gives it back as a small JSON frame that scans to the same result,
 * which is why replaying a metadata-only capture gives the metrics the live agent had.
 *
 * <p>Built on the relay's thread (a few fields, no parsing), written on the capture's thread.
 */
final class FrameMetadata {
  /** Fluxer's Gateway Error, as the scanners read it; not every profile numbers it alike. */
  private static final int GATEWAY_ERROR = 12;

  private final boolean malformed;
  private final int op;
  private final boolean hasSeq;
  private final long seq;
  private final String event;
  private final ScannedFrame.Event kind;
  private final long heartbeatIntervalMs;
  private final String sessionId;
  private final boolean hasResumeSeq;
  private final long resumeSeq;
  private final boolean hasToken;
  private final long tokenFingerprint;
  private final int shardId;
  private final int shardCount;
  private final int invalidSessionResumable;
  private final ScannedFrame.HeartbeatData heartbeatData;
  private final long heartbeatSeq;
  private final String os;
  private final String browser;
  private final String device;
  private final boolean hasErrorCode;
  private final long errorCode;

  private FrameMetadata(ScannedFrame f) {
    malformed = f.malformed();
    op = f.op();
    hasSeq = f.hasSeq();
    seq = f.seq();
    event = f.eventName();
    kind = f.event();
    heartbeatIntervalMs = f.heartbeatIntervalMs();
    sessionId = f.sessionId();
    hasResumeSeq = f.hasResumeSeq();
    resumeSeq = f.resumeSeq();
    hasToken = f.hasToken();
    tokenFingerprint = f.tokenFingerprint();
    shardId = f.shardId();
    shardCount = f.shardCount();
    invalidSessionResumable = f.invalidSessionResumable();
    heartbeatData = f.heartbeatData();
    heartbeatSeq = f.heartbeatSeq();
    os = f.os();
    browser = f.browser();
    device = f.device();
    hasErrorCode = f.hasErrorCode();
    errorCode = f.errorCode();
  }

  /** The fields of {@code f}, read now (a scanned frame is reused for the next frame). */
  static FrameMetadata of(ScannedFrame f) {
    return new FrameMetadata(f);
  }

  /**
   * Writes the {@code frame} value: an object with {@code op}, {@code s} and {@code t} when the
   * frame had them and the {@code d} fields of its opcode; an empty string for a frame that could
   * not be read (it replays as the decode error it was).
   */
  void write(JsonGenerator g) throws IOException {
    if (malformed) {
      g.writeString("");
      return;
    }
    g.writeStartObject();
    g.writeNumberField("op", op);
    if (hasSeq) {
      g.writeNumberField("s", seq);
    }
    if (event != null) {
      // The raw name, escapes undecoded: written as a string it compares to READY and RESUMED
      // exactly as it did live (a name with a backslash equals neither, before or after).
      g.writeStringField("t", event);
    }
    switch (op) {
      case Opcode.DISPATCH -> {
        if (kind == ScannedFrame.Event.READY && sessionId != null) {
          g.writeObjectFieldStart("d");
          g.writeStringField("session_id", sessionId);
          g.writeEndObject();
        }
      }
      case Opcode.HEARTBEAT -> {
        switch (heartbeatData) {
          case NULL -> g.writeNullField("d");
          case INTEGER -> g.writeNumberField("d", heartbeatSeq);
          case INVALID -> g.writeBooleanField("d", false); // neither null nor an integer
          case ABSENT -> {}
        }
      }
      case Opcode.IDENTIFY -> {
        if (hasToken || os != null || browser != null || device != null || shardId >= 0) {
          g.writeObjectFieldStart("d");
          token(g);
          if (os != null || browser != null || device != null) {
            g.writeObjectFieldStart("properties");
            if (os != null) {
              g.writeStringField("os", os);
            }
            if (browser != null) {
              g.writeStringField("browser", browser);
            }
            if (device != null) {
              g.writeStringField("device", device);
            }
            g.writeEndObject();
          }
          if (shardId >= 0) {
            g.writeArrayFieldStart("shard");
            g.writeNumber(shardId);
            g.writeNumber(shardCount);
            g.writeEndArray();
          }
          g.writeEndObject();
        }
      }
      case Opcode.RESUME -> {
        if (hasToken || sessionId != null || hasResumeSeq) {
          g.writeObjectFieldStart("d");
          token(g);
          if (sessionId != null) {
            g.writeStringField("session_id", sessionId);
          }
          if (hasResumeSeq) {
            g.writeNumberField("seq", resumeSeq);
          }
          g.writeEndObject();
        }
      }
      case Opcode.INVALID_SESSION -> {
        if (invalidSessionResumable >= 0) {
          g.writeBooleanField("d", invalidSessionResumable == 1);
        }
      }
      case Opcode.HELLO -> {
        if (heartbeatIntervalMs >= 0) {
          g.writeObjectFieldStart("d");
          g.writeNumberField("heartbeat_interval", heartbeatIntervalMs);
          g.writeEndObject();
        }
      }
      case GATEWAY_ERROR -> {
        if (hasErrorCode) {
          g.writeObjectFieldStart("d");
          g.writeNumberField("code", errorCode);
          g.writeEndObject();
        }
      }
      default -> {}
    }
    g.writeEndObject();
  }

  /** The token as its fingerprint, the form a replay reads back to the same fingerprint. */
  private void token(JsonGenerator g) throws IOException {
    if (hasToken) {
      g.writeStringField("token", TokenFingerprinter.redacted(tokenFingerprint));
    }
  }
}
