package io.gatewatch.export;

import io.opentelemetry.sdk.common.CompletableResultCode;
import java.util.concurrent.atomic.LongAdder;

/** What a counting exporter tallies: items that went out and items whose export failed. */
abstract class ExportCounts {
  final LongAdder exported = new LongAdder();
  final LongAdder failed = new LongAdder();

  /** Adds {@code n} to exported or failed once {@code result} completes; returns it. */
  CompletableResultCode counted(CompletableResultCode result, long n) {
    result.whenComplete(() -> (result.isSuccess() ? exported : failed).add(n));
    return result;
  }
}
