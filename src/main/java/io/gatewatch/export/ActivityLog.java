package io.gatewatch.export;

import io.gatewatch.protocol.CloseCode;
import io.gatewatch.track.ResumeOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Close, resume and reconnect activity, logged as one summary line per interval (and only when
 * something happened), never one line per event: a reconnect storm of any size costs one line every
 * interval. Counting is a {@link LongAdder} increment; it never blocks or throws. The line holds
 * close codes and registry names only, never a session id or token.
 */
public final class ActivityLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ActivityLog.class);

  /** Close codes named in one line at most; the rest are summed as "n more". */
  static final int MAX_CODES = 8;

  private final Duration every;
  private final LongAdder closes = new LongAdder();
  private final Map<String, LongAdder> closesByCode = new ConcurrentHashMap<>();
  private final LongAdder[] resumes = new LongAdder[ResumeOutcome.values().length];
  private final LongAdder reconnects = new LongAdder();
  private final LongAdder abandoned = new LongAdder();
  private ScheduledExecutorService timer;
  private volatile long lastFlushNanos = System.nanoTime();

  public ActivityLog(Duration every) {
    this.every = every;
    for (int i = 0; i < resumes.length; i++) {
      resumes[i] = new LongAdder();
    }
  }

  /** Logs a summary every interval from a daemon thread, until {@link #close()}. */
  public synchronized ActivityLog start() {
    if (timer == null) {
      timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "gatewatch-activity-log");
                t.setDaemon(true);
                return t;
              });
      long ms = every.toMillis();
      timer.scheduleAtFixedRate(this::flush, ms, ms, TimeUnit.MILLISECONDS);
    }
    return this;
  }

  void closed(int code, CloseCode close) {
    closes.increment();
    String key = close == null ? "other" : code + " " + close.label();
    LongAdder n = closesByCode.get(key);
    if (n == null) {
      n = closesByCode.computeIfAbsent(key, k -> new LongAdder());
    }
    n.increment();
  }

  void resumed(ResumeOutcome outcome) {
    resumes[outcome.ordinal()].increment();
  }

  void reconnected() {
    reconnects.increment();
  }

  void abandoned() {
    abandoned.increment();
  }

  /** Logs and resets what happened since the last line; returns the line, or null when quiet. */
  public String flush() {
    long now = System.nanoTime();
    long seconds = Math.max(1, Math.round((now - lastFlushNanos) / 1e9));
    lastFlushNanos = now;
    long closeCount = closes.sumThenReset();
    List<Map.Entry<String, Long>> codes = new ArrayList<>();
    for (Map.Entry<String, LongAdder> e : closesByCode.entrySet()) {
      long n = e.getValue().sumThenReset();
      if (n > 0) {
        codes.add(Map.entry(e.getKey(), n));
      }
    }
    long resumeCount = 0;
    StringBuilder resumeText = new StringBuilder();
    for (ResumeOutcome o : ResumeOutcome.values()) {
      long n = resumes[o.ordinal()].sumThenReset();
      if (n > 0) {
        resumeCount += n;
        resumeText.append(resumeText.length() == 0 ? "" : ", ").append(o.label()).append(' ');
        resumeText.append(n);
      }
    }
    long reconnectCount = reconnects.sumThenReset();
    long abandonedCount = abandoned.sumThenReset();
    if (closeCount + resumeCount + reconnectCount + abandonedCount == 0) {
      return null;
    }
    codes.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
    StringBuilder closeText = new StringBuilder();
    long rest = 0;
    for (int i = 0; i < codes.size(); i++) {
      if (i < MAX_CODES) {
        closeText.append(i == 0 ? "" : ", ").append(codes.get(i).getKey()).append(' ');
        closeText.append(codes.get(i).getValue());
      } else {
        rest += codes.get(i).getValue();
      }
    }
    if (rest > 0) {
      closeText.append(", others ").append(rest);
    }
    String line =
        String.format(
            "last %ds: %d closes (%s); %d resumes (%s); %d reconnects, %d given up",
            seconds,
            closeCount,
            closeText,
            resumeCount,
            resumeText,
            reconnectCount,
            abandonedCount);
    log.atInfo()
        .addKeyValue("closes", closeCount)
        .addKeyValue("resumes", resumeCount)
        .addKeyValue("reconnects", reconnectCount)
        .addKeyValue("abandoned", abandonedCount)
        .log(line);
    return line;
  }

  /** Stops the timer and logs what is left. */
  @Override
  public synchronized void close() {
    if (timer != null) {
      timer.shutdownNow();
      timer = null;
    }
    flush();
  }
}
