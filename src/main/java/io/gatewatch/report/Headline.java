package io.gatewatch.report;

import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.RttKind;
import java.util.Locale;

/** One line with the four numbers so far, for a terminal that is watching. */
public final class Headline {
  private Headline() {}

  /**
   * {@code closes 4000x2 4009x1 | resume 75.0% (3/4) | reconnect p95 1.2 s | heartbeat p99 40.1 ms}
   */
  public static String of(Tally t) {
    StringBuilder s = new StringBuilder("closes");
    var closes = t.closes();
    if (closes.isEmpty()) {
      s.append(" none");
    }
    for (Tally.CloseCount c : closes) {
      s.append(' ').append(c.code()).append('x').append(c.total());
    }
    long resumes = t.resumesTotal();
    long ok = t.resumes(ResumeOutcome.SUCCESS);
    s.append(" | resume ");
    s.append(
        resumes == 0
            ? "-"
            : String.format(Locale.ROOT, "%.1f%% (%d/%d)", 100.0 * ok / resumes, ok, resumes));
    long[] reconnects = t.reconnects();
    s.append(" | reconnect p95 ")
        .append(
            reconnects.length == 0 ? "-" : ReplayReport.duration(Tally.percentile(reconnects, 95)));
    long[] rtt = t.rtts(RttKind.CLIENT);
    s.append(" | heartbeat p99 ")
        .append(rtt.length == 0 ? "-" : ReplayReport.duration(Tally.percentile(rtt, 99)));
    return s.toString();
  }
}
