package io.gatewatch.server;

import java.util.Locale;

/** Escaping and number formats shared by the status page's HTML and SVG. */
final class Html {
  private Html() {}

  /** Escapes text for an element or a quoted attribute. */
  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** Milliseconds below a second, seconds above; a dash for no value. */
  static String seconds(Double s) {
    if (s == null) {
      return "–";
    }
    if (s < 1) {
      return String.format(Locale.ROOT, "%.1f ms", s * 1000);
    }
    return String.format(Locale.ROOT, "%.2f s", s);
  }

  /** Axis labels: short, no trailing zeros (0, 2.5 ms, 50 ms, 1.5 s). */
  static String axisSeconds(double s) {
    if (s == 0) {
      return "0";
    }
    if (s < 0.01) {
      return trim(String.format(Locale.ROOT, "%.1f", s * 1000)) + " ms";
    }
    if (s < 1) {
      return Math.round(s * 1000) + " ms";
    }
    return trim(String.format(Locale.ROOT, "%.1f", s)) + " s";
  }

  private static String trim(String decimal) {
    return decimal.endsWith(".0") ? decimal.substring(0, decimal.length() - 2) : decimal;
  }

  static String percent(Double ratio) {
    return ratio == null ? "–" : String.format(Locale.ROOT, "%.1f%%", ratio * 100);
  }

  /** A bucket bound as a short duration: 100ms, 2s, 5m, +Inf. */
  static String bound(double seconds) {
    if (Double.isInfinite(seconds)) {
      return "+Inf";
    }
    if (seconds < 1) {
      return Math.round(seconds * 1000) + "ms";
    }
    if (seconds >= 60 && seconds % 60 == 0) {
      return Math.round(seconds / 60) + "m";
    }
    return (seconds == Math.rint(seconds) ? Long.toString(Math.round(seconds)) : seconds) + "s";
  }

  static String uptime(long seconds) {
    if (seconds < 60) {
      return seconds + " s";
    }
    if (seconds < 3600) {
      return String.format(Locale.ROOT, "%d min %d s", seconds / 60, seconds % 60);
    }
    return String.format(Locale.ROOT, "%d h %d min", seconds / 3600, (seconds % 3600) / 60);
  }
}
