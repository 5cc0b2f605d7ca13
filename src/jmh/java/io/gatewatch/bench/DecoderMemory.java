package io.gatewatch.bench;

import io.gatewatch.compress.InboundDecoder;
import io.gatewatch.compress.ZlibCodec;
import io.gatewatch.compress.ZstdCodec;
import io.gatewatch.protocol.Compression;
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
 * java -cp target/benchmarks.jar io.gatewatch.bench.DecoderMemory zlib-stream 2000 2
 * java -cp target/benchmarks.jar io.gatewatch.bench.DecoderMemory zstd-stream 2000 600
 * </pre>
 *
 * Arguments: the compression, how many decoders, how many 4 KB messages each decodes.
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
        "%s, %d decoders, %d messages of 4 KB each (%d KB compressed): RSS %.1f KB and heap %.1f KB"
            + " per decoder%n",
        compression.spelling(),
        decoders,
        messages,
        stream.stream().mapToLong(b -> b.length).sum() / 1024,
        rss / (double) decoders,
        heap / 1024.0 / decoders);
    held.forEach(InboundDecoder::close);
  }

  /** One server direction's messages: 4 KB dispatches of the scanner's corpus, compressed. */
  static List<byte[]> stream(Compression compression, int messages) {
    byte[] plain = Corpus.frame("dispatch4k_dFirst").getBytes(StandardCharsets.UTF_8);
    List<byte[]> out = new ArrayList<>();
    if (compression == Compression.ZLIB_STREAM) {
      try (ZlibCodec.StreamCompressor c = new ZlibCodec.StreamCompressor()) {
        for (int i = 0; i < messages; i++) {
          out.add(c.compress(vary(plain, i)));
        }
      }
    } else {
      try (ZstdCodec.StreamCompressor c = new ZstdCodec.StreamCompressor()) {
        for (int i = 0; i < messages; i++) {
          out.add(c.compress(vary(plain, i)));
        }
      }
    }
    return out;
  }

  /** The message with its sequence number written in, so that no two are the same. */
  private static byte[] vary(byte[] plain, int i) {
    byte[] b = plain.clone();
    byte[] n = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(n, 0, b, b.length / 2, n.length);
    return b;
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
