package io.gatewatch.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.gatewatch.protocol.EtfScanner;
import io.gatewatch.protocol.ScannedFrame;
import io.gatewatch.protocol.TokenFingerprinter;
import io.gatewatch.sim.Etf;
import io.gatewatch.sim.Json;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The ETF envelope reader ({@code encoding=etf}) against a full decode of the same term into a tree
 * (the simulator's decoder: what a reader that builds the term costs), on the scanner's corpus
 * written as Erlang terms (atom keys, binaries; {@code d} sorted first).
 *
 * <pre>
 * mvn -B -Pbench -DskipTests package
 * java -jar target/benchmarks.jar EtfBenchmark -f 1 -wi 3 -w 1 -i 5 -r 1
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EtfBenchmark {

  // The encoder sorts keys, so a "dLast" frame is written with d first like the others.
  @Param({"heartbeat_dLast", "ack", "dispatch4k_dFirst"})
  public String frame;

  private byte[] term;
  private final EtfScanner reader =
      new EtfScanner(new TokenFingerprinter("bench-salt".getBytes(UTF_8)));
  private final ScannedFrame out = new ScannedFrame();

  @Setup
  public void setUp() throws Json.MalformedException {
    term = Etf.encode(Json.parse(ScannerBenchmark.Corpus.frame(frame).getBytes(UTF_8)));
    // The two readers must agree, or the comparison is meaningless.
    if (!reader.scan(term, 0, term.length, out)) {
      throw new IllegalStateException("the reader rejects " + frame);
    }
    Object op = ((Map<?, ?>) Etf.decode(term)).get("op");
    if (!(op instanceof Long l) || l != out.op()) {
      throw new IllegalStateException("op differs for " + frame);
    }
    System.out.printf("%n[corpus] %s as a term: %d bytes%n", frame, term.length);
  }

  @Benchmark
  public void reader(Blackhole bh) {
    ScannedFrame f = out;
    bh.consume(reader.scan(term, 0, term.length, f));
    bh.consume(f.op());
    bh.consume(f.hasSeq() ? f.seq() : -1);
    bh.consume(f.event());
    bh.consume(f.heartbeatSeq());
  }

  @Benchmark
  public void fullDecode(Blackhole bh) throws Json.MalformedException {
    Map<?, ?> root = (Map<?, ?>) Etf.decode(term);
    bh.consume(root.get("op"));
    bh.consume(root.get("s"));
    bh.consume(root.get("t"));
    long d = root.get("d") instanceof Long l ? l : -1L;
    bh.consume(d);
  }
}
