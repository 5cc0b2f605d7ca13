package io.gatewatch.bench;

import java.io.IOException;

/** A proxy under test in its own process (a gatewatch JVM, or nginx with its workers). */
interface ProxyProcess extends AutoCloseable {
  /** The port clients connect to. */
  int port();

  /** The process; its descendants (nginx's workers) count with it. */
  ProcessHandle handle();

  /** Used Java heap after full GCs, in bytes; -1 for a process that has no Java heap. */
  default long heap() throws IOException {
    return -1;
  }

  /** CPU seconds (user + system) so far, the process and its descendants. */
  default double cpuSeconds() {
    return ProcStats.cpuSeconds(handle());
  }

  /** CPU seconds its JIT compiler threads used so far (0: none, nginx). */
  default double compilerCpuSeconds() {
    return ProcStats.compilerCpuSeconds(handle());
  }

  /** Resident memory now, the process and its descendants, in bytes. */
  default long rss() {
    return ProcStats.rssBytes(handle());
  }

  @Override
  void close() throws InterruptedException;
}
