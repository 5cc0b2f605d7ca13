package io.gatewatch.cli;

import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;
import io.gatewatch.sim.FleetObserver;
import io.gatewatch.track.Connection;
import io.gatewatch.track.ConnectionTracker;
import io.gatewatch.track.EventClock;

/** Hands the fleet's socket events to a tracker, from the clients' side: a thin in-process tap. */
final class FleetTap implements FleetObserver {
  private final ConnectionTracker tracker;
  private final EventClock clock;

  FleetTap(ConnectionTracker tracker, EventClock clock) {
    this.tracker = tracker;
    this.clock = clock;
  }

  @Override
  public void opened(String socketId) {
    tracker.open(socketId, clock.nowNanos());
  }

  @Override
  public void frame(String socketId, boolean fromServer, String text) {
    Connection c = tracker.connection(socketId);
    if (c != null) {
      c.frame(clock.nowNanos(), fromServer ? Direction.SERVER : Direction.CLIENT, text);
    }
  }

  @Override
  public void closed(String socketId, int code, String reason, String by) {
    Connection c = tracker.connection(socketId);
    if (c != null) {
      Initiator initiator = Initiator.parse(by);
      c.close(clock.nowNanos(), code, initiator == null ? Initiator.NONE : initiator);
    }
  }
}
