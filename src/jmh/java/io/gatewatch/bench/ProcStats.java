package io.gatewatch.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What Linux says a process (with its child processes: nginx's workers) has used: CPU time from
 * {@code /proc/PID/stat} and resident memory from {@code /proc/PID/status}. The same reading for a
 * JVM and for nginx, so that their figures compare.
 */
final class ProcStats {
  private ProcStats() {}

  /** Clock ticks per second of {@code /proc/PID/stat}'s times ({@code getconf CLK_TCK}). */
  static final long CLOCK_TICKS = clockTicks();

  /** The process and its descendants, as pids. */
  static List<Long> tree(ProcessHandle p) {
    List<Long> pids = new ArrayList<>();
    pids.add(p.pid());
    p.descendants().forEach(d -> pids.add(d.pid()));
    return pids;
  }

  /** User plus system CPU seconds of the process and its descendants (threads included). */
  static double cpuSeconds(ProcessHandle p) {
    long ticks = 0;
    for (long pid : tree(p)) {
      String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
      if (stat == null) {
        continue; // it exited meanwhile
      }
      // fields after the command name, which is in parentheses and may hold spaces; utime and
      // stime are fields 14 and 15 of the whole line, 12th and 13th after the name
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
      ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
    return ticks / (double) CLOCK_TICKS;
  }

  /**
   * CPU seconds a JVM's JIT compiler threads ({@code C1/C2 CompilerThread*}) used so far; 0 for a
   * process that has none (nginx).
   */
  static double compilerCpuSeconds(ProcessHandle p) {
    long ticks = 0;
    File[] tasks = new File("/proc/" + p.pid() + "/task").listFiles();
    if (tasks == null) {
      return 0;
    }
    for (File task : tasks) {
      String stat = read(task.toPath().resolve("stat"));
      if (stat == null) {
        continue;
      }
      String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
      }
    }
    return ticks / (double) CLOCK_TICKS;
  }

  /** Resident set size of the process and its descendants ({@code VmRSS}, summed), in bytes. */
  static long rssBytes(ProcessHandle p) {
    long kib = 0;
    for (long pid : tree(p)) {
      String status = read(Path.of("/proc", Long.toString(pid), "status"));
      if (status == null) {
        continue;
      }
      for (String line : status.split("\n")) {
        if (line.startsWith("VmRSS:")) {
          kib += Long.parseLong(line.substring(6).replace("kB", "").trim());
        }
      }
    }
    return kib * 1024;
  }

  private static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      return null;
    }
  }

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
      p.waitFor();
      return Long.parseLong(out);
    } catch (IOException | RuntimeException e) {
      return 100; // the Linux default
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }
}
