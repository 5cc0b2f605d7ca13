package io.gatewatch.thirdparty;

import java.util.ArrayList;
import java.util.List;

/**
 * A Prometheus text exposition, read the way an operator's query would: sums over label matches.
 */
record Scrape(List<String> samples) {

  static Scrape of(String text) {
    List<String> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        samples.add(line);
      }
    }
    return new Scrape(samples);
  }

  /**
   * The sum of {@code metric}'s samples whose labels include every {@code label="value"} pair given
   * ({@code sum(metric{a="x",b="y"})}); 0 when none match.
   */
  double sum(String metric, String... labelPairs) {
    double total = 0;
    for (String s : samples) {
      if (!s.startsWith(metric + "{") && !s.startsWith(metric + " ")) {
        continue;
      }
      boolean all = true;
      for (int i = 0; i < labelPairs.length; i += 2) {
        all &= s.contains(labelPairs[i] + "=\"" + labelPairs[i + 1] + "\"");
      }
      if (all) {
        total += Double.parseDouble(s.substring(s.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }

  /** The samples of {@code metric} with a non-zero value, as written ({@code name{labels} 2.0}). */
  List<String> nonZero(String metric) {
    return samples.stream()
        .filter(s -> s.startsWith(metric + "{") || s.startsWith(metric + " "))
        .filter(s -> Double.parseDouble(s.substring(s.lastIndexOf(' ') + 1)) != 0)
        .toList();
  }
}
