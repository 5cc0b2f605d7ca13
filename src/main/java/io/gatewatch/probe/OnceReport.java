package io.gatewatch.probe;

import io.gatewatch.track.ResumeOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code probe --once} verdict and its table. Healthy means: every session got READY, every
 * heartbeat was acknowledged, every Resume succeeded, and no session gave up or ran out of time.
 *
 * @param text the table, verdict last
 * @param healthy the verdict
 */
public record OnceReport(String text, boolean healthy) {

  /**
   * @param finished every session completed its check in time
   */
  public static OnceReport of(Probe probe, boolean finished) {
    ProbeSettings settings = probe.settings();
    ProbeTally tally = probe.tally();
    List<String> problems = new ArrayList<>(probe.gaveUp());
    List<Long> ready = probe.readyNanos();
    List<Long> rtt = tally.rtt();
    Map<ResumeOutcome, Integer> resumes = tally.resumes();
    int resumed = resumes.getOrDefault(ResumeOutcome.SUCCESS, 0);
    int resumesTried = resumes.values().stream().mapToInt(Integer::intValue).sum();

    if (ready.stream().anyMatch(n -> n < 0)) {
      problems.add("no READY");
    }
    if (tally.heartbeatsMissed() > 0) {
      problems.add(tally.heartbeatsMissed() + " heartbeat(s) not acknowledged");
    }
    if (resumesTried > resumed) {
      problems.add("resume failed: " + outcomes(resumes));
    } else if (resumed == 0 && problems.isEmpty()) {
      problems.add("no resume completed");
    }
    if (!finished && probe.gaveUp().isEmpty()) {
      problems.add("timed out before the check completed");
    }
    boolean healthy = problems.isEmpty();

    StringBuilder b = new StringBuilder();
    b.append("gatewatch probe --once: ")
        .append(settings.url())
        .append(" (gateway ")
        .append(settings.gateway())
        .append(", ")
        .append(settings.sessions())
        .append(settings.sessions() == 1 ? " session)" : " sessions)")
        .append('\n');
    row(b, "ready time", join(ready));
    row(
        b,
        "heartbeats",
        tally.heartbeatsAcked() + " acknowledged, " + tally.heartbeatsMissed() + " missed");
    row(
        b,
        "RTT p50 / p99",
        rtt.isEmpty()
            ? "-"
            : Probe.millis(ProbeTally.percentile(rtt, 0.50))
                + " / "
                + Probe.millis(ProbeTally.percentile(rtt, 0.99)));
    row(b, "resume", resumesTried == 0 ? "-" : outcomes(resumes));
    List<String> reconnects = new ArrayList<>();
    for (ProbeTally.Reconnect r : tally.reconnects()) {
      reconnects.add(Probe.millis(r.nanos()) + " via " + r.via().label());
    }
    row(b, "reconnect time", reconnects.isEmpty() ? "-" : String.join(", ", reconnects));
    List<String> closes = new ArrayList<>();
    tally.closes().forEach((k, n) -> closes.add(k + (n == 1 ? "" : " x" + n)));
    row(b, "closes seen", closes.isEmpty() ? "-" : String.join(", ", closes));
    row(b, "verdict", healthy ? "HEALTHY" : "UNHEALTHY: " + String.join("; ", problems));
    return new OnceReport(b.toString(), healthy);
  }

  private static String join(List<Long> nanos) {
    List<String> out = new ArrayList<>();
    for (long n : nanos) {
      out.add(n < 0 ? "-" : Probe.millis(n));
    }
    return String.join(", ", out);
  }

  private static String outcomes(Map<ResumeOutcome, Integer> resumes) {
    List<String> out = new ArrayList<>();
    resumes.forEach((o, n) -> out.add(o.label() + (n == 1 ? "" : " x" + n)));
    return String.join(", ", out);
  }

  private static void row(StringBuilder b, String name, String value) {
    b.append(String.format(Locale.ROOT, "  %-16s %s%n", name, value));
  }
}
