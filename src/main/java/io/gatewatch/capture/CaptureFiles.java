package io.gatewatch.capture;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * The files of one capture: the active file ({@code eu-west.ndjson}), appended to, and the rotated
 * ones beside it, gzip-compressed and named after the moment of rotation in UTC ({@code
 * eu-west.ndjson.20251128T101502.123Z.gz}), so that a shell glob lists them in order. At most
 * {@code keep} rotated files are kept; older ones are deleted. Used by the capture's own thread
 * only.
 *
 * <p>A file that is not a regular file (a device, a pipe) is written but never rotated.
 */
final class CaptureFiles {
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final String PART = ".part";

  private final Path file;
  private final Path dir;
  private final String name;
  private final int keep;
  private final boolean rotatable;
  private final Pattern rotatedName;
  private FileChannel channel;
  private long size;
  private long lastStampMillis = Long.MIN_VALUE;

  /**
   * Opens the active file (appending) and tidies what an earlier run left: a rotated file it did
   * not finish compressing is compressed, a half-written compressed one deleted, and only the
   * newest {@code keep} rotated files are kept.
   *
   * @throws IOException when the file cannot be opened for writing
   */
  CaptureFiles(Path file, int keep) throws IOException {
    this.file = file;
    Path absolute = file.toAbsolutePath();
    this.dir = absolute.getParent();
    this.name = absolute.getFileName().toString();
    this.keep = keep;
    this.rotatedName =
        Pattern.compile(Pattern.quote(name) + "\\.(\\d{8}T\\d{6}\\.\\d{3}Z)(\\.gz)?(\\.part)?");
    this.channel = openActive();
    this.rotatable = Files.isRegularFile(file);
    this.size = rotatable ? channel.size() : 0;
    if (rotatable) {
      tidy();
    }
  }

  /** Bytes in the active file. */
  long size() {
    return size;
  }

  /** False for a device or a pipe. */
  boolean rotatable() {
    return rotatable;
  }

  /** Appends {@code len} bytes of {@code buf}; all of them or an exception. */
  void write(byte[] buf, int len) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(buf, 0, len);
    while (b.hasRemaining()) {
      channel.write(b);
    }
    size += len;
  }

  /**
   * Closes the active file under its rotated name, starts a new active file, then compresses the
   * rotated one and deletes the oldest beyond {@code keep}.
   *
   * @param epochMillis the moment of rotation (the capture's time), which names the rotated file
   */
  void rotate(long epochMillis) throws IOException {
    channel.close();
    long stamp = Math.max(epochMillis, lastStampMillis + 1);
    Path rotated = dir.resolve(name + "." + STAMP.format(Instant.ofEpochMilli(stamp)));
    while (Files.exists(rotated) || Files.exists(gz(rotated))) {
      stamp++;
      rotated = dir.resolve(name + "." + STAMP.format(Instant.ofEpochMilli(stamp)));
    }
    lastStampMillis = stamp;
    Files.move(file, rotated, StandardCopyOption.ATOMIC_MOVE);
    channel = openActive();
    size = 0;
    if (keep == 0) {
      Files.delete(rotated); // nothing is kept: no point compressing it
      return;
    }
    compress(rotated);
    prune();
  }

  void close() throws IOException {
    channel.close();
  }

  private FileChannel openActive() throws IOException {
    return FileChannel.open(
        file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
  }

  /** {@code rotated} to {@code rotated.gz} (through a {@code .part} file), then deletes it. */
  private static void compress(Path rotated) throws IOException {
    Path part = Path.of(gz(rotated) + PART);
    try (InputStream in = Files.newInputStream(rotated);
        OutputStream out = new GZIPOutputStream(Files.newOutputStream(part), 64 * 1024)) {
      in.transferTo(out);
    } catch (IOException e) {
      Files.deleteIfExists(part); // a full disk: give back what the partial file took
      throw e;
    }
    Files.move(part, gz(rotated), StandardCopyOption.ATOMIC_MOVE);
    Files.delete(rotated);
  }

  private static Path gz(Path p) {
    return p.resolveSibling(p.getFileName() + ".gz");
  }

  /** After a crash: finish compressing, drop partial files, keep the newest {@code keep}. */
  private void tidy() throws IOException {
    for (Path p : rotated()) {
      String n = p.getFileName().toString();
      if (n.endsWith(PART)) {
        Files.deleteIfExists(p);
      } else if (!n.endsWith(".gz")) {
        compress(p);
      }
    }
    prune();
  }

  private void prune() throws IOException {
    List<Path> files = new ArrayList<>();
    for (Path p : rotated()) {
      if (!p.getFileName().toString().endsWith(PART)) {
        files.add(p);
      }
    }
    files.sort(null); // by name: by time
    for (int i = 0; i < files.size() - keep; i++) {
      try {
        Files.delete(files.get(i));
      } catch (NoSuchFileException gone) {
        // someone else tidied it already
      }
    }
  }

  /** The rotated files of this capture (compressed, partial or not yet compressed), by name. */
  private List<Path> rotated() throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, name + ".*")) {
      for (Path p : entries) {
        Matcher m = rotatedName.matcher(p.getFileName().toString());
        if (m.matches()) {
          out.add(p);
        }
      }
    }
    out.sort(null);
    return out;
  }
}
