package io.gatewatch.sim;

/**
 * Sees what the fleet's sockets do, from the client's side: how the demo measures the fleet
 * in-process. Called on the fleet's threads; must not block or throw.
 */
public interface FleetObserver {
  /** A socket of client {@code socketId} opened. */
  void opened(String socketId);

  /** A text frame went one way; {@code fromServer} tells which. */
  void frame(String socketId, boolean fromServer, String text);

  /**
   * The socket ended.
   *
   * @param by {@code server}, {@code client}, or {@code none} (no close frame)
   */
  void closed(String socketId, int code, String reason, String by);

  /**
   * A socket of client {@code socketId} could not connect (refused, timed out, the upgrade
   * refused): it never opened, so it has no close; the client tries again later.
   *
   * @param reason why, in a few words
   */
  default void connectFailed(String socketId, String reason) {}

  FleetObserver NONE =
      new FleetObserver() {
        @Override
        public void opened(String socketId) {}

        @Override
        public void frame(String socketId, boolean fromServer, String text) {}

        @Override
        public void closed(String socketId, int code, String reason, String by) {}
      };
}
