package io.gatewatch.metrics;

import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.Opcode;
import io.gatewatch.track.ConnectionTracker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One tap's sockets, sessions and frames: {@code gateway_connections_opened_total}, {@code
 * gateway_connections_active}, {@code gateway_sessions_active}, {@code gateway_frames_total} and
 * {@code gateway_frame_size_bytes}.
 */
final class ConnectionMetrics extends TapBinder {
  private final OpcodeIndex ops;
  private volatile ConnectionTracker tracker;
  private Counter opened;
  private Counter[][] frames;
  private DistributionSummary[] frameSizes;

  ConnectionMetrics(GatewayProfile profile, Source source, String gateway) {
    super(source, gateway);
    this.ops = new OpcodeIndex(profile);
  }

  /** The tracker whose sockets and sessions the gauges report. */
  void observe(ConnectionTracker tracker) {
    this.tracker = tracker;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    opened = counter(registry, Metric.CONNECTIONS_OPENED);
    keep(Metric.CONNECTIONS_ACTIVE.gauge(this, m -> m.gauge(true)).tags(common).register(registry));
    keep(Metric.SESSIONS_ACTIVE.gauge(this, m -> m.gauge(false)).tags(common).register(registry));

    frames = new Counter[Direction.values().length][ops.size()];
    for (Direction from : Direction.values()) {
      for (int i = 0; i < ops.size(); i++) {
        frames[from.ordinal()][i] =
            keep(
                Metric.FRAMES
                    .counter()
                    .tags(common)
                    .tags(
                        Metric.Label.FROM.key(), from.label(), Metric.Label.OP.key(), ops.label(i))
                    .register(registry));
      }
    }
    frameSizes = keep(Metric.FRAME_SIZE.summaries(registry, common, Metric.Label.FROM));
  }

  private double gauge(boolean connections) {
    ConnectionTracker t = tracker;
    if (t == null) {
      return 0;
    }
    return connections ? t.activeConnections() : t.activeSessions();
  }

  void opened() {
    opened.increment();
  }

  void frame(Direction from, int op, int sizeBytes) {
    frames[from.ordinal()][ops.index(op)].increment();
    frameSizes[from.ordinal()].record(sizeBytes);
  }

  /** Maps opcodes to dense label indexes: the profile's opcodes in order, then {@code other}. */
  static final class OpcodeIndex {
    private final int[] indexByOp = new int[256];
    private final String[] labels;

    OpcodeIndex(GatewayProfile profile) {
      List<String> names = new ArrayList<>();
      Arrays.fill(indexByOp, -1);
      for (Opcode op : profile.opcodes()) {
        if (op.code() >= 0 && op.code() < indexByOp.length) {
          indexByOp[op.code()] = names.size();
          names.add(op.label());
        }
      }
      names.add(Metric.OTHER);
      labels = names.toArray(new String[0]);
    }

    int size() {
      return labels.length;
    }

    String label(int index) {
      return labels[index];
    }

    int index(int op) {
      int i = op >= 0 && op < indexByOp.length ? indexByOp[op] : -1;
      return i < 0 ? labels.length - 1 : i;
    }
  }
}
