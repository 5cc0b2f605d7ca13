package io.gatewatch.capture;

import io.gatewatch.protocol.Encoding;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.track.Connection;
import io.gatewatch.track.ConnectionTracker;
import java.util.Locale;

/**
 * Hands capture events to a tracker: the tap behind {@code replay} and {@code /v1/capture}. A frame
 * or close for a socket whose open the capture does not hold (a capture that starts mid-stream)
 * opens it implicitly at that event's time. A socket's binary frames ({@code frame_b64}) are read
 * in the encoding its {@code open} line's URL names; text frames are JSON.
 */
public final class CaptureTap {
  private final ConnectionTracker tracker;

  public CaptureTap(ConnectionTracker tracker) {
    this.tracker = tracker;
  }

  /**
   * Hands one event to the tracker.
   *
   * @throws CaptureFormatException when the event is earlier than the last one of its socket:
   *     nothing of it is recorded (a socket's lines must be in time order: a round trip cannot be
   *     measured backwards)
   */
  public void accept(CaptureEvent e) throws CaptureFormatException {
    Connection open = tracker.connection(e.conn());
    if (open != null && e.nanos() < open.lastEventNanos()) {
      throw new CaptureFormatException(
          String.format(
              Locale.ROOT,
              "ts: %.3f s before this socket's previous line; a socket's lines must be in time"
                  + " order",
              (open.lastEventNanos() - e.nanos()) / 1e9));
    }
    switch (e.type()) {
      case OPEN -> tracker.open(e.conn(), e.nanos(), Encoding.fromUrl(e.url()));
      case FRAME -> {
        Connection c = socket(e);
        if (e.unread() != null) {
          c.frameNotRead(
              e.nanos(), e.from(), e.size(), e.unread() == CaptureEvent.Unread.UNDECODABLE);
        } else {
          Encoding encoding = e.binary() ? c.encoding() : Encoding.JSON;
          c.frame(e.nanos(), e.from(), encoding, e.payload(), 0, e.payload().length, e.size());
        }
      }
      case CLOSE -> socket(e).close(e.nanos(), e.code(), e.by() == null ? Initiator.NONE : e.by());
    }
  }

  private Connection socket(CaptureEvent e) {
    Connection conn = tracker.connection(e.conn());
    return conn != null ? conn : tracker.open(e.conn(), e.nanos());
  }
}
