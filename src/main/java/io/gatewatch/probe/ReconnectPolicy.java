package io.gatewatch.probe;

import io.gatewatch.protocol.CloseCode;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.Resumability;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * The reconnection strategy the active profile describes, as one probe session follows it: what to
 * do after each close code and after op 9, and how long to wait first. Pure: no clock, no network;
 * the random source (jitter of the op 9 wait) is injected. One instance per session; not
 * thread-safe.
 *
 * <ul>
 *   <li>resumable code (the profile's {@code true} or {@code conditional}, or a code it does not
 *       know) with a session to resume: Resume after a short delay, backing off when the previous
 *       attempt also failed;
 *   <li>non-resumable code, or no session: clear the session, Identify after a backoff;
 *   <li>4008 where the profile asks for a wait ({@code policy.rate_limit_backoff}; Fluxer's seed:
 *       60 s): clear the session, Identify after that wait, at least 60 s;
 *   <li>a code the profile marks {@code fatal} (Fluxer: 4004, 4010, 4011, 4012; Discord also 4013,
 *       4014; the cause must be fixed first, retrying unchanged reproduces them): Identify after a
 *       backoff, and give up once they have ended {@code fatalAttempts} sockets in a row;
 *   <li>op 9: the session is gone; Identify on the same socket after 2.5-3.5 s (as Fluxer's client
 *       does).
 * </ul>
 */
public final class ReconnectPolicy {

  /** What to do next. */
  public enum Action {
    /** Reconnect and Resume the session. */
    RESUME,
    /** Clear the session; reconnect (or, after op 9, stay on the socket) and Identify. */
    IDENTIFY,
    /** Stop retrying: reconnecting unchanged cannot succeed. */
    GIVE_UP
  }

  /**
   * @param action what to do
   * @param delay how long to wait before doing it
   * @param reason why, for the log and the report (never holds a token)
   */
  public record Decision(Action action, Duration delay, String reason) {}

  /**
   * @param resumeDelay before a Resume after a socket that held the session ("at once, or after a
   *     short delay")
   * @param backoffMin first backoff before a reconnect that Identifies, doubling per consecutive
   *     failed socket
   * @param backoffMax the backoff's ceiling
   * @param rateLimitWait the least wait after 4008 (the seed: at least 60 s)
   * @param invalidSessionMin least wait after op 9 before Identify
   * @param invalidSessionMax most wait after op 9 before Identify
   * @param fatalAttempts sockets in a row ended by a code the profile marks fatal before giving up
   *     (1: give up at the first)
   */
  public record Settings(
      Duration resumeDelay,
      Duration backoffMin,
      Duration backoffMax,
      Duration rateLimitWait,
      Duration invalidSessionMin,
      Duration invalidSessionMax,
      int fatalAttempts) {

    public static final Settings DEFAULTS =
        new Settings(
            Duration.ofMillis(500),
            Duration.ofSeconds(1),
            Duration.ofSeconds(30),
            Duration.ofSeconds(60),
            Duration.ofMillis(2_500),
            Duration.ofMillis(3_500),
            3);

    public Settings {
      if (resumeDelay.isNegative()
          || backoffMin.isNegative()
          || backoffMax.compareTo(backoffMin) < 0
          || rateLimitWait.compareTo(Duration.ofSeconds(60)) < 0
          || invalidSessionMin.isNegative()
          || invalidSessionMax.compareTo(invalidSessionMin) < 0
          || fatalAttempts < 1) {
        throw new IllegalArgumentException(
            "reconnect settings: delays must not be negative, maxima not below minima, the 4008"
                + " wait at least 60 s, fatal attempts at least 1");
      }
    }

    public Settings withFatalAttempts(int n) {
      return new Settings(
          resumeDelay,
          backoffMin,
          backoffMax,
          rateLimitWait,
          invalidSessionMin,
          invalidSessionMax,
          n);
    }
  }

  private final GatewayProfile profile;
  private final Settings settings;
  private final DoubleSupplier random;

  /** Sockets in a row that ended without holding a session. */
  private int failures;

  /** Sockets in a row ended by a code the profile marks fatal. */
  private int fatalCloses;

  /**
   * @param random values in [0, 1): the jitter of the op 9 wait
   */
  public ReconnectPolicy(GatewayProfile profile, Settings settings, DoubleSupplier random) {
    this.profile = profile;
    this.settings = settings;
    this.random = random;
  }

  /** A socket reached READY or RESUMED: the failure counts start again. */
  public void established() {
    failures = 0;
    fatalCloses = 0;
  }

  /**
   * A socket ended.
   *
   * @param code its close code (1006 when it dropped, or never opened)
   * @param haveSession a session id is known that a Resume could take back
   * @param established this socket reached READY or RESUMED
   */
  public Decision afterClose(int code, boolean haveSession, boolean established) {
    if (established) {
      established();
    } else {
      failures++;
    }
    CloseCode close = profile.closeCode(code);
    String what = "close " + code + (close == null ? "" : " " + close.name());
    if (close != null && close.fatal()) {
      fatalCloses++;
      if (fatalCloses >= settings.fatalAttempts()) {
        String advice = close == null || close.recovery().isEmpty() ? "" : ": " + close.recovery();
        return new Decision(
            Action.GIVE_UP,
            Duration.ZERO,
            what + " " + times(fatalCloses) + "; not retrying" + advice);
      }
      return new Decision(
          Action.IDENTIFY, backoff(), what + " (" + times(fatalCloses) + "); Identify again");
    }
    fatalCloses = 0;
    Duration asked = profile.policy().rateLimitBackoff();
    if (code == CloseCode.RATE_LIMITED && !asked.isZero()) {
      Duration wait = max(max(settings.rateLimitWait(), asked), backoff());
      return new Decision(Action.IDENTIFY, wait, what + "; Identify after the rate-limit wait");
    }
    Resumability resumable = close == null ? Resumability.TRUE : close.resumable();
    if (resumable != Resumability.FALSE && haveSession) {
      Duration delay = failures == 0 ? settings.resumeDelay() : backoff();
      return new Decision(Action.RESUME, delay, what + "; Resume");
    }
    return new Decision(
        Action.IDENTIFY,
        backoff(),
        what + (haveSession ? " is not resumable" : " with no session") + "; Identify");
  }

  /** op 9: the session is gone and the socket stays open; Identify on it after 2.5-3.5 s. */
  public Decision afterInvalidSession() {
    long min = settings.invalidSessionMin().toNanos();
    long span = settings.invalidSessionMax().toNanos() - min;
    Duration wait = Duration.ofNanos(min + (long) (span * clamp(random.getAsDouble())));
    return new Decision(Action.IDENTIFY, wait, "op 9 Invalid Session; Identify");
  }

  /** {@code backoffMin} doubled per consecutive failure beyond the first, up to the maximum. */
  private Duration backoff() {
    Duration d = settings.backoffMin();
    for (int i = 1; i < failures && d.compareTo(settings.backoffMax()) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(settings.backoffMax()) > 0 ? settings.backoffMax() : d;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private static double clamp(double r) {
    return r < 0 ? 0 : Math.min(r, 1);
  }

  private static String times(int n) {
    return n == 1 ? "once" : n + " times in a row";
  }
}
