package io.gatewatch.server;

import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * Server-rendered SVG charts for the status page: no chart library, no script, nothing fetched.
 * Colours come from CSS classes (the stylesheet switches them for dark mode; a strict
 * Content-Security-Policy forbids inline styles). Every chart carries {@code data-chart} and {@code
 * data-points} (marks drawn), every mark its {@code data-value}, for tests and scrapers.
 */
final class Svg {
  private Svg() {}

  static final int W = 400;
  private static final int LEFT = 50;
  private static final int RIGHT = 392;
  private static final int TOP = 10;
  private static final int BOTTOM = 140;
  private static final int H = 160;

  /** One series of a chart; {@code cls} picks its colour in the stylesheet. */
  record Bars(String label, String cls, long[] values) {}

  record Line(String label, String cls, Double[] values) {}

  record Category(String label, long value) {}

  /** Stacked bars over time: one bar per reading, ending at the reading's time. */
  static String stackedOverTime(
      String id, String title, long[] t, List<Bars> series, long from, long to, long barMillis) {
    long max = 0;
    for (int i = 0; i < t.length; i++) {
      long sum = 0;
      for (Bars s : series) {
        sum += s.values()[i];
      }
      max = Math.max(max, sum);
    }
    double top = nice(max);
    StringBuilder b = open(id, title, "stacked", H);
    grid(b, top, Svg::count);
    timeAxis(b, from, to);
    double barW = Math.max(1.5, (RIGHT - LEFT) * (double) barMillis / (to - from) - 1);
    int marks = 0;
    for (int i = 0; i < t.length; i++) {
      double x = x(t[i], from, to) - barW;
      double base = BOTTOM;
      for (Bars s : series) {
        long v = s.values()[i];
        if (v == 0) {
          continue;
        }
        double h = (BOTTOM - TOP) * v / top;
        base -= h;
        bar(b, s.cls(), f(Math.max(LEFT, x)), f(base), f(barW), f(h), s.label(), v);
        marks++;
      }
    }
    return close(b, marks);
  }

  /** Lines over time; a null value breaks the line (no samples in that window). */
  static String linesOverTime(
      String id,
      String title,
      long[] t,
      List<Line> series,
      long from,
      long to,
      DoubleFunction<String> format) {
    double max = 0;
    for (Line s : series) {
      for (Double v : s.values()) {
        if (v != null) {
          max = Math.max(max, v);
        }
      }
    }
    double top = nice(max);
    StringBuilder b = open(id, title, "lines", H);
    grid(b, top, format);
    timeAxis(b, from, to);
    int marks = 0;
    for (Line s : series) {
      StringBuilder path = new StringBuilder();
      boolean pen = false;
      for (int i = 0; i < t.length; i++) {
        Double v = s.values()[i];
        if (v == null) {
          pen = false;
          continue;
        }
        double px = x(t[i], from, to);
        double py = BOTTOM - (BOTTOM - TOP) * v / top;
        path.append(pen ? 'L' : 'M').append(f(px)).append(',').append(f(py));
        pen = true;
        // A dot per point keeps a lone point (a line of one) visible.
        b.append("<circle class=\"")
            .append(s.cls())
            .append("\" cx=\"")
            .append(f(px))
            .append("\" cy=\"")
            .append(f(py))
            .append("\" r=\"1.8");
        markData(b, s.label(), v);
        marks++;
      }
      if (path.length() > 0) {
        b.append("<path class=\"line ")
            .append(s.cls())
            .append("\" d=\"")
            .append(path)
            .append("\"/>");
      }
    }
    return close(b, marks);
  }

  /** Vertical bars by category (a histogram's buckets); every other label, so they fit. */
  static String columns(String id, String title, List<Category> categories) {
    long max = 0;
    for (Category c : categories) {
      max = Math.max(max, c.value());
    }
    double top = nice(max);
    StringBuilder b = open(id, title, "columns", H);
    grid(b, top, Svg::count);
    double slot = (RIGHT - LEFT) / (double) Math.max(1, categories.size());
    int marks = 0;
    for (int i = 0; i < categories.size(); i++) {
      Category c = categories.get(i);
      double x = LEFT + i * slot;
      if (i % 2 == 0 || categories.size() <= 8) {
        text(b, "axis", x + slot / 2, BOTTOM + 13, "middle", c.label());
      }
      if (c.value() == 0) {
        continue;
      }
      double h = (BOTTOM - TOP) * c.value() / top;
      bar(b, "s0", f(x + 1), f(BOTTOM - h), f(slot - 2), f(h), c.label(), c.value());
      marks++;
    }
    return close(b, marks);
  }

  /** Horizontal bars with their label and count (resume outcomes). */
  static String rows(String id, String title, List<Category> categories, String firstCls) {
    long max = 1;
    for (Category c : categories) {
      max = Math.max(max, c.value());
    }
    int rowH = 20;
    int height = categories.size() * rowH + 6;
    int labelW = 132;
    StringBuilder b = open(id, title, "rows", height);
    int marks = 0;
    for (int i = 0; i < categories.size(); i++) {
      Category c = categories.get(i);
      double y = 4 + i * rowH;
      text(b, "label", labelW - 6, y + 13, "end", c.label());
      double w = (RIGHT - 40 - labelW) * c.value() / (double) max;
      if (c.value() > 0) {
        bar(
            b,
            i == 0 ? firstCls : "s3",
            String.valueOf(labelW),
            f(y + 2),
            f(Math.max(1, w)),
            String.valueOf(rowH - 6),
            c.label(),
            c.value());
        marks++;
      }
      text(b, "label", labelW + Math.max(1, w) + 5, y + 13, "start", Long.toString(c.value()));
    }
    return close(b, marks);
  }

  // ---- pieces -------------------------------------------------------------------------------

  private static StringBuilder open(String id, String title, String kind, int height) {
    StringBuilder b = new StringBuilder();
    b.append("<svg class=\"chart\" viewBox=\"0 0 ")
        .append(W)
        .append(' ')
        .append(height)
        .append("\" role=\"img\" aria-labelledby=\"")
        .append(id)
        .append("-t\" data-chart=\"")
        .append(id)
        .append("\" data-kind=\"")
        .append(kind)
        .append("\" data-points=\"@POINTS@\">");
    b.append("<title id=\"").append(id).append("-t\">").append(Html.esc(title)).append("</title>");
    return b;
  }

  private static String close(StringBuilder b, int marks) {
    b.append("</svg>");
    int at = b.indexOf("@POINTS@");
    b.replace(at, at + "@POINTS@".length(), Integer.toString(marks));
    return b.toString();
  }

  /** A bar (coordinates already formatted) that carries its series and value. */
  private static void bar(
      StringBuilder b,
      String cls,
      String x,
      String y,
      String width,
      String height,
      String series,
      Object value) {
    b.append("<rect class=\"")
        .append(cls)
        .append("\" x=\"")
        .append(x)
        .append("\" y=\"")
        .append(y)
        .append("\" width=\"")
        .append(width)
        .append("\" height=\"")
        .append(height);
    markData(b, series, value);
  }

  /** Ends a mark's open tag with its {@code data-series} and {@code data-value}. */
  private static void markData(StringBuilder b, String series, Object value) {
    b.append("\" data-series=\"")
        .append(Html.esc(series))
        .append("\" data-value=\"")
        .append(value)
        .append("\"/>");
  }

  /** Three horizontal grid lines with their values. */
  private static void grid(StringBuilder b, double top, DoubleFunction<String> format) {
    for (int i = 0; i <= 2; i++) {
      double v = top * i / 2;
      double y = BOTTOM - (BOTTOM - TOP) * i / 2.0;
      b.append("<line class=\"grid\" x1=\"")
          .append(LEFT)
          .append("\" x2=\"")
          .append(RIGHT)
          .append("\" y1=\"")
          .append(f(y))
          .append("\" y2=\"")
          .append(f(y))
          .append("\"/>");
      text(b, "axis", LEFT - 4, y + 3.5, "end", format.apply(v));
    }
  }

  /** Minutes before the newest reading: "-4m" ... "now". */
  private static void timeAxis(StringBuilder b, long from, long to) {
    long span = to - from;
    long step = span <= 120_000 ? 30_000 : span <= 300_000 ? 60_000 : 300_000;
    for (long ago = 0; ago <= span; ago += step) {
      String label =
          ago == 0 ? "now" : ago % 60_000 == 0 ? "-" + ago / 60_000 + "m" : "-" + ago / 1000 + "s";
      double px = x(to - ago, from, to);
      text(b, "axis", px, BOTTOM + 13, ago == 0 ? "end" : "middle", label);
    }
  }

  private static void text(
      StringBuilder b, String cls, double x, double y, String anchor, String text) {
    b.append("<text class=\"")
        .append(cls)
        .append("\" x=\"")
        .append(f(x))
        .append("\" y=\"")
        .append(f(y))
        .append("\" text-anchor=\"")
        .append(anchor)
        .append("\">")
        .append(Html.esc(text))
        .append("</text>");
  }

  private static double x(long t, long from, long to) {
    return LEFT + (RIGHT - LEFT) * (double) (t - from) / Math.max(1, to - from);
  }

  /** A count on an axis: halves of an odd maximum keep their decimal. */
  static String count(double v) {
    return v == Math.rint(v) ? Long.toString(Math.round(v)) : String.format(Locale.ROOT, "%.1f", v);
  }

  /** A round axis maximum at or above {@code max}: 1, 2 or 5 times a power of ten. */
  static double nice(double max) {
    if (max <= 0) {
      return 1;
    }
    double p = Math.pow(10, Math.floor(Math.log10(max)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * p >= max * 0.999999) {
        return m * p;
      }
    }
    return 10 * p;
  }

  private static String f(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }
}
