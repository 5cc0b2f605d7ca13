package io.gatewatch.proxy;

import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records everything the relay reports, with the thread each call came on. */
class RecordingObserver implements RelayObserver {
  /** One observed data frame. */
  record Frame(String path, Direction from, String hex, boolean text, boolean fin, String thread) {
    WireFrame wire(String type) {
      return new WireFrame(type, fin, 0, hex);
    }
  }

  /** One observed close. */
  record Closed(String path, int code, String reason, Initiator by, String thread) {}

  final List<String> opened = new CopyOnWriteArrayList<>();
  final List<Frame> frames = new CopyOnWriteArrayList<>();
  final List<Closed> closed = new CopyOnWriteArrayList<>();
  final List<UpstreamError> upstreamErrors = new CopyOnWriteArrayList<>();
  final List<Throwable> failures = new CopyOnWriteArrayList<>();

  /** Every call in order, as text. */
  final List<String> log = new CopyOnWriteArrayList<>();

  @Override
  public SocketListener opened(String pathAndQuery) {
    log.add("opened " + pathAndQuery); // the log first: tests wait on the lists
    opened.add(pathAndQuery);
    return new SocketListener() {
      @Override
      public void frame(Direction from, ByteBuf payload, boolean text, boolean finalFragment) {
        log.add("frame " + from.label());
        frames.add(
            new Frame(
                pathAndQuery,
                from,
                ByteBufUtil.hexDump(payload),
                text,
                finalFragment,
                Thread.currentThread().getName()));
      }

      @Override
      public void closed(int code, String reason, Initiator by) {
        log.add("closed " + code);
        closed.add(new Closed(pathAndQuery, code, reason, by, Thread.currentThread().getName()));
      }
    };
  }

  @Override
  public void upstreamError(UpstreamError reason) {
    log.add("upstreamError " + reason.label());
    upstreamErrors.add(reason);
  }

  @Override
  public void observerFailed(Throwable error) {
    log.add("observerFailed " + error);
    failures.add(error);
  }

  List<Frame> frames(Direction from) {
    List<Frame> out = new ArrayList<>();
    for (Frame f : frames) {
      if (f.from() == from) {
        out.add(f);
      }
    }
    return out;
  }
}
