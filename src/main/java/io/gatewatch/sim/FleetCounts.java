package io.gatewatch.sim;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/** Counts what the fleet's sockets did, for the {@code fleet} command's summary lines. */
public final class FleetCounts implements FleetObserver {
  private final AtomicLong opened = new AtomicLong();
  private final AtomicLong frames = new AtomicLong();
  private final Map<Integer, Long> closes = new TreeMap<>();
  private long connectsFailed;
  private String lastConnectFailure;

  @Override
  public void opened(String socketId) {
    opened.incrementAndGet();
  }

  @Override
  public void frame(String socketId, boolean fromServer, String text) {
    frames.incrementAndGet();
  }

  @Override
  public synchronized void closed(String socketId, int code, String reason, String by) {
    closes.merge(code, 1L, Long::sum);
  }

  @Override
  public synchronized void connectFailed(String socketId, String reason) {
    connectsFailed++;
    lastConnectFailure = reason;
  }

  /**
   * {@code sockets 12, frames 340, closes 4009x2 1006x1}, then {@code , connects failed 3 (last:
   * Connection refused)} when some did.
   */
  public synchronized String summary() {
    StringBuilder s =
        new StringBuilder("sockets ").append(opened.get()).append(", frames ").append(frames.get());
    s.append(", closes");
    if (closes.isEmpty()) {
      s.append(" none");
    }
    closes.forEach((code, n) -> s.append(' ').append(code).append('x').append(n));
    if (connectsFailed > 0) {
      s.append(", connects failed ")
          .append(connectsFailed)
          .append(" (last: ")
          .append(lastConnectFailure)
          .append(')');
    }
    return s.toString();
  }
}
