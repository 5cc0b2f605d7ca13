package io.gatewatch.bench;

import io.gatewatch.compress.InboundDecoder;
import io.gatewatch.compress.ZlibCodec;
import io.gatewatch.compress.ZstdCodec;
import io.gatewatch.protocol.Compression;
import io.gatewatch.sim.Payloads;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What one observed socket's decompression state costs: N server-direction decoders (as the proxy
 * holds one per compressed socket) each fed the same stream, and the process's resident set read
 * before and after (native memory is what the contexts hold; the heap is measured too). A
 * measurement for docs/performance.md, not a benchmark of speed.
 *
 * <pre>
 * java -XX:+AlwaysPreTouch -Xms512m -Xmx512m -cp target/benchmarks.jar \
 *     io.gatewatch.bench.DecoderMemory zlib-stream 1000 600
 * </pre>
 *
 * Arguments: the compression, how many decoders, how many 4 KB messages each decodes. Pre-touch the
 * heap: otherwise the pages the garbage of the decoded messages first touches count as growth.
 */
public final class DecoderMemory {
  private DecoderMemory() {}

  public static void main(String[] args) throws Exception {
    Compression compression = Compression.parse(args[0]);
    int decoders = Integer.parseInt(args[1]);
    int messages = Integer.parseInt(args[2]);
    List<byte[]> stream = stream(compression, messages);
    System.gc();
    long rssBefore = rssKb();
    long heapBefore = heapBytes();
    List<InboundDecoder> held = new ArrayList<>(decoders);
    for (int i = 0; i < decoders; i++) {
      InboundDecoder d = new InboundDecoder(compression, true, false, true, 1 << 20);
      for (byte[] m : stream) {
        if (d.decode(m, m.length) != InboundDecoder.Status.PAYLOAD) {
          throw new IllegalStateException("message not decoded");
        }
        d.takePayload();
      }
      held.add(d);
    }
    System.gc();
    long rss = rssKb() - rssBefore;
    long heap = heapBytes() - heapBefore;
    System.out.printf(
        "%s, %d decoders, %d messages of 4 KB each (%d bytes compressed): RSS %.1f KB and heap"
            + " %.1f KB per decoder%n",
        compression.spelling(),
        decoders,
        messages,
        stream.stream().mapToLong(b -> b.length).sum(),
        rss / (double) decoders,
        heap / 1024.0 / decoders);
    held.forEach(InboundDecoder::close);
  }

  /** One server direction's messages: the simulator's 4 KB dispatches, compressed. */
  static List<byte[]> stream(Compression compression, int messages) {
    List<byte[]> out = new ArrayList<>();
    if (compression == Compression.ZLIB_STREAM) {
      try (ZlibCodec.StreamCompressor c = new ZlibCodec.StreamCompressor()) {
        for (int i = 0; i < messages; i++) {
          out.add(c.compress(message(i)));
        }
      }
    } else {
      try (ZstdCodec.StreamCompressor c = new ZstdCodec.StreamCompressor()) {
        for (int i = 0; i < messages; i++) {
          out.add(c.compress(message(i)));
        }
      }
    }
    return out;
  }

  /** Dispatch {@code i}: a 4 KB MESSAGE_CREATE as the simulator sends it. */
  private static byte[] message(int i) {
    return Payloads.messageCreate(i + 1, 1_732_790_000_000L + i * 1000L, 4096)
        .getBytes(StandardCharsets.UTF_8);
  }

  private static long rssKb() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  private static long heapBytes() {
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }
}
