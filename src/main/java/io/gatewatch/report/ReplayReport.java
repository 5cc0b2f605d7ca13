package io.gatewatch.report;

import io.gatewatch.track.PolicyRule;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.RttKind;
import io.gatewatch.track.Via;
import java.util.Locale;
import java.util.Map;

/** The readable summary of a tally: the four numbers first, then what else went wrong. */
public final class ReplayReport {
  private ReplayReport() {}

  public static String format(String title, Tally t) {
    StringBuilder out = new StringBuilder();
    line(out, "%s", title);
    line(
        out,
        "  sockets opened %d, frames %d (unclassifiable %d)",
        t.opened(),
        t.frames(),
        t.decodeErrors());
    out.append('\n');

    line(out, "Closes by code");
    var closes = t.closes();
    if (closes.isEmpty()) {
      line(out, "  none");
    } else {
      line(
          out,
          "  %-5s %-29s %-11s %7s %7s %7s %7s",
          "code",
          "name",
          "resumable",
          "server",
          "client",
          "none",
          "total");
      for (Tally.CloseCount c : closes) {
        line(
            out,
            "  %-5d %-29s %-11s %7d %7d %7d %7d",
            c.code(),
            c.close() == null ? "(not in profile)" : c.close().name(),
            c.close() == null ? "-" : c.close().resumable().label(),
            c.server(),
            c.client(),
            c.none(),
            c.total());
      }
    }
    out.append('\n');

    long resumes = t.resumesTotal();
    long ok = t.resumes(ResumeOutcome.SUCCESS);
    if (resumes == 0) {
      line(out, "Resume success rate: no resumes");
    } else {
      line(out, "Resume success rate: %.1f%% (%d of %d)", 100.0 * ok / resumes, ok, resumes);
      StringBuilder failures = new StringBuilder();
      for (ResumeOutcome o : ResumeOutcome.values()) {
        if (o != ResumeOutcome.SUCCESS && t.resumes(o) > 0) {
          failures.append(' ').append(o.label()).append(' ').append(t.resumes(o));
        }
      }
      line(out, "  failures:%s", failures.length() == 0 ? " none" : failures);
    }

    long[] reconnects = t.reconnects();
    if (reconnects.length == 0) {
      line(out, "Reconnect time: no reconnect episodes");
    } else {
      line(
          out,
          "Reconnect time (%d episodes: %d via identify, %d via resume): p50 %s  p95 %s  max %s",
          reconnects.length,
          t.readiesAfterReconnect(Via.IDENTIFY),
          t.readiesAfterReconnect(Via.RESUME),
          duration(Tally.percentile(reconnects, 50)),
          duration(Tally.percentile(reconnects, 95)),
          duration(reconnects[reconnects.length - 1]));
    }
    if (t.abandoned() > 0) {
      line(out, "  given up (no session back within the link window): %d", t.abandoned());
    }

    for (RttKind kind : RttKind.values()) {
      long[] rtt = t.rtts(kind);
      if (rtt.length == 0) {
        line(out, "Heartbeat RTT %s: none", kind.label());
      } else {
        line(
            out,
            "Heartbeat RTT %s (%d): p50 %s  p99 %s",
            kind.label(),
            rtt.length,
            duration(Tally.percentile(rtt, 50)),
            duration(Tally.percentile(rtt, 99)));
      }
    }
    line(out, "  missed heartbeats: %d", t.missed());
    line(
        out,
        "Sessions: %d READY, %d RESUMED; op 9 %d, op 7 %d",
        t.readies(Via.IDENTIFY),
        t.readies(Via.RESUME),
        t.invalidSessions(),
        t.reconnectRequests());
    out.append('\n');

    line(out, "Policy violations");
    boolean any = false;
    for (PolicyRule rule : PolicyRule.values()) {
      if (t.violations(rule) > 0) {
        line(out, "  %-38s %d  (%s)", rule.label(), t.violations(rule), byClient(t, rule));
        any = true;
      }
    }
    if (!any) {
      line(out, "  none");
    }
    return out.toString();
  }

  /** {@code fleet-slow 4, other 2}: who broke the rule, by client library. */
  private static String byClient(Tally t, PolicyRule rule) {
    StringBuilder s = new StringBuilder();
    for (Map.Entry<String, Long> e : t.violationsByClient(rule)) {
      s.append(s.isEmpty() ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue());
    }
    return s.toString();
  }

  /** Milliseconds below a second, seconds above. */
  public static String duration(long nanos) {
    if (nanos < 1_000_000_000L) {
      return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }
    return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
  }

  private static void line(StringBuilder out, String format, Object... args) {
    out.append(String.format(Locale.ROOT, format, args)).append('\n');
  }
}
