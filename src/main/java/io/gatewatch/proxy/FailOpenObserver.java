package io.gatewatch.proxy;

import io.gatewatch.protocol.Direction;
import io.gatewatch.protocol.Initiator;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls a {@link RelayObserver} so that nothing it throws reaches the relay: every call is guarded,
 * a failure is reported through {@link RelayObserver#observerFailed} (itself guarded), and the
 * relay goes on. Only errors the JVM cannot survive ({@link VirtualMachineError}s other than {@link
 * StackOverflowError}: out of memory, internal errors) are rethrown; {@link LinkageError}s, stack
 * overflows, assertion errors and every exception are absorbed.
 */
final class FailOpenObserver {
  private static final Logger LOG = LoggerFactory.getLogger(FailOpenObserver.class);

  /** Listens to nothing: stands in when {@code opened} failed or returned null. */
  static final RelayObserver.SocketListener IGNORE =
      new RelayObserver.SocketListener() {
        @Override
        public void frame(Direction from, ByteBuf payload, boolean text, boolean finalFragment) {}

        @Override
        public void closed(int code, String reason, Initiator by) {}
      };

  private final RelayObserver delegate;
  private final AtomicBoolean warnedFailedFailure = new AtomicBoolean();
  private final AtomicBoolean warnedFailure = new AtomicBoolean();

  FailOpenObserver(RelayObserver delegate) {
    this.delegate = delegate;
  }

  /** The socket's listener; {@link #IGNORE} when the observer failed or gave none. */
  RelayObserver.SocketListener opened(String pathAndQuery) {
    try {
      RelayObserver.SocketListener l = delegate.opened(pathAndQuery);
      return l == null ? IGNORE : l;
    } catch (Throwable t) {
      failed(t);
      return IGNORE;
    }
  }

  void refused() {
    try {
      delegate.refused();
    } catch (Throwable t) {
      failed(t);
    }
  }

  void upstreamError(RelayObserver.UpstreamError reason) {
    try {
      delegate.upstreamError(reason);
    } catch (Throwable t) {
      failed(t);
    }
  }

  /**
   * Reports a data frame. The listener gets a read-only view of the payload with its own indices,
   * so reading it (or trying to write it) cannot change what is relayed.
   */
  void frame(
      RelayObserver.SocketListener l,
      Direction from,
      ByteBuf payload,
      boolean text,
      boolean finalFragment) {
    if (l == IGNORE) {
      return;
    }
    try {
      ByteBuf view = payload.isReadOnly() ? payload.duplicate() : payload.asReadOnly();
      l.frame(from, view, text, finalFragment);
    } catch (Throwable t) {
      failed(t);
    }
  }

  void closed(RelayObserver.SocketListener l, int code, String reason, Initiator by) {
    if (l == IGNORE) {
      return;
    }
    try {
      l.closed(code, reason, by);
    } catch (Throwable t) {
      failed(t);
    }
  }

  private void failed(Throwable t) {
    rethrowIfFatal(t);
    if (warnedFailure.compareAndSet(false, true)) {
      LOG.warn("the relay observer failed; relaying goes on (later failures: debug)", t);
    } else {
      LOG.debug("the relay observer failed; relaying goes on", t);
    }
    try {
      delegate.observerFailed(t);
    } catch (Throwable t2) {
      rethrowIfFatal(t2);
      if (warnedFailedFailure.compareAndSet(false, true)) {
        LOG.warn("observerFailed itself failed (later failures: debug)", t2);
      } else {
        LOG.debug("observerFailed itself failed", t2);
      }
    }
  }

  /** Out of memory and internal JVM errors are not the observer's to swallow. */
  private static void rethrowIfFatal(Throwable t) {
    if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
      throw (VirtualMachineError) t;
    }
  }
}
