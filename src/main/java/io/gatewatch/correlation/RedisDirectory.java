package io.gatewatch.correlation;

import io.gatewatch.protocol.Spellings;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.SessionDirectory;
import io.lettuce.core.ScriptOutputType;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * One tracker's session directory in Redis: its source and gateway are the keys' scope, and a
 * random owner id tells its own episode records from other replicas'. Every call is one script and
 * one round trip; answers arrive on Lettuce's thread.
 */
final class RedisDirectory implements SessionDirectory {
  private final RedisCorrelation redis;
  private final String scope;
  private final String owner;

  RedisDirectory(RedisCorrelation redis, String scope) {
    this.redis = redis;
    this.scope = scope;
    byte[] id = new byte[8];
    new SecureRandom().nextBytes(id);
    this.owner = HexFormat.of().formatHex(id);
  }

  @Override
  public boolean shared() {
    return true;
  }

  @Override
  public CompletionStage<Boolean> ended(SocketEnd end) {
    return this.<Long>run(
            Scripts.ENDED,
            ScriptOutputType.INTEGER,
            end.key(),
            Long.toString(end.at()),
            Integer.toString(end.code()),
            end.closed() ? "1" : "0",
            end.heldSession() ? "1" : "0",
            end.authFailedFingerprint() < 0 ? "" : Long.toString(end.authFailedFingerprint()),
            owner,
            Long.toString(redis.ttlMillis()),
            end.client() == null ? "" : end.client())
        .thenApply(stored -> stored != null && stored == 1L);
  }

  @Override
  public CompletionStage<Facts> lookup(Key key, long fingerprint, boolean attempt) {
    return this.<List<Object>>run(
            Scripts.LOOKUP,
            ScriptOutputType.MULTI,
            key,
            fingerprint < 0 ? "" : Long.toString(fingerprint),
            attempt ? "1" : "0")
        .thenApply(
            v ->
                new Facts(
                    time(v.get(0)),
                    (int) number(v.get(1), 0),
                    time(v.get(2)),
                    time(v.get(3)),
                    v.size() > 4 ? text(v.get(4)) : null));
  }

  @Override
  public void resumeFailed(Key key, ResumeOutcome outcome) {
    run(Scripts.RESUME_FAILED, ScriptOutputType.INTEGER, key, outcome.label());
  }

  @Override
  public CompletionStage<Episode> claim(Key key, Key next, long at) {
    return this.<List<Object>>run(
            Scripts.CLAIM,
            ScriptOutputType.MULTI,
            key,
            sessionId(next),
            linkKey(next),
            Long.toString(redis.ttlMillis()))
        .thenApply(
            v ->
                v == null || v.isEmpty() || v.get(0) == null // the script's false: none open
                    ? null
                    : new Episode(
                        time(v.get(0)),
                        (int) number(v.get(1), -1),
                        (int) number(v.get(2), 0),
                        outcome(v.get(3)),
                        owner.equals(v.get(4))));
  }

  @Override
  public CompletionStage<Boolean> release(Key key, long endedAt) {
    return this.<Long>run(
            Scripts.RELEASE, ScriptOutputType.INTEGER, key, Long.toString(endedAt), owner)
        .thenApply(mine -> mine != null && mine == 1L);
  }

  @Override
  public void clockSkew() {
    redis.clockSkew();
  }

  /** Runs a script about {@code key}: every script's first arguments are the scope and the key. */
  private <T> CompletionStage<T> run(
      String script, ScriptOutputType type, Key key, String... more) {
    String[] args = new String[3 + more.length];
    args[0] = scope;
    args[1] = sessionId(key);
    args[2] = linkKey(key);
    System.arraycopy(more, 0, args, 3, more.length);
    return redis.run(script, type, args);
  }

  private static String sessionId(Key key) {
    return key.sessionId() == null ? "" : key.sessionId();
  }

  private static String linkKey(Key key) {
    return key.linkKey() < 0 ? "" : Long.toString(key.linkKey());
  }

  /** A string field, null when absent or empty. */
  private static String text(Object v) {
    return v == null || v.toString().isEmpty() ? null : v.toString();
  }

  private static long time(Object v) {
    return number(v, -1);
  }

  private static long number(Object v, long none) {
    if (v == null || v.toString().isEmpty()) {
      return none;
    }
    try {
      return Long.parseLong(v.toString());
    } catch (NumberFormatException e) {
      return none; // not written by gatewatch: ignored
    }
  }

  private static ResumeOutcome outcome(Object v) {
    if (v == null) {
      return null;
    }
    return Spellings.find(ResumeOutcome.values(), ResumeOutcome::label, v.toString());
  }
}
