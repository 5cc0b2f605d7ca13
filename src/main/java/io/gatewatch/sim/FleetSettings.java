package io.gatewatch.sim;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A fleet: where it connects, how many clients, which behaviours in which share, and how each
 * behaviour speaks.
 *
 * @param url the gateway ({@code ws://host:port/?v=1&encoding=json}); its query's encoding and
 *     compression are the fleet's own unless {@code wires} says otherwise
 * @param clients how many clients
 * @param mix relative weights per behaviour
 * @param rateLimitWait how long a good client waits after 4008 (the seed: at least 60 s)
 * @param maxBackoff the longest reconnect delay of the good strategy (Fluxer's client: 10 s)
 * @param seed randomness (jitter, delays) is drawn from it, so a run is repeatable in its choices
 * @param wires the encoding and compression of the behaviours that do not speak as the URL says
 */
public record FleetSettings(
    URI url,
    int clients,
    Map<Behaviour, Integer> mix,
    Duration rateLimitWait,
    Duration maxBackoff,
    long seed,
    Map<Behaviour, Wire> wires) {

  public FleetSettings(
      URI url,
      int clients,
      Map<Behaviour, Integer> mix,
      Duration rateLimitWait,
      Duration maxBackoff,
      long seed) {
    this(url, clients, mix, rateLimitWait, maxBackoff, seed, Map.of());
  }

  public FleetSettings {
    if (clients < 0) {
      throw new IllegalArgumentException("clients must not be negative");
    }
    mix = Collections.unmodifiableMap(new EnumMap<>(mix));
    wires = wires.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(wires));
    if (clients > 0 && mix.values().stream().mapToInt(Integer::intValue).sum() <= 0) {
      throw new IllegalArgumentException("the mix needs at least one behaviour with a weight");
    }
  }

  public static FleetSettings of(URI url, int clients, Map<Behaviour, Integer> mix) {
    return new FleetSettings(url, clients, mix, Duration.ofSeconds(60), Duration.ofSeconds(10), 1);
  }

  /** This fleet with {@code wires} as the behaviours' own wires. */
  public FleetSettings withWires(Map<Behaviour, Wire> wires) {
    return new FleetSettings(url, clients, mix, rateLimitWait, maxBackoff, seed, wires);
  }

  /** How clients of {@code b} speak: their own wire, or the URL's. */
  public Wire wire(Behaviour b) {
    Wire w = wires.get(b);
    return w != null ? w : Wire.of(url);
  }

  /**
   * Parses a mix such as {@code good=70,slow=5,deaf=5}.
   *
   * @throws IllegalArgumentException naming the bad part
   */
  public static Map<Behaviour, Integer> parseMix(String text) {
    return parseMix(text, new EnumMap<>(Behaviour.class));
  }

  /**
   * Parses a mix whose behaviours may name their wire: {@code good=10,deaf:etf+zlib-stream=2} (a
   * behaviour's clients then speak ETF with zlib-stream); the wires go into {@code wires}.
   *
   * @throws IllegalArgumentException naming the bad part
   */
  public static Map<Behaviour, Integer> parseMix(String text, Map<Behaviour, Wire> wires) {
    Map<Behaviour, Integer> mix = new EnumMap<>(Behaviour.class);
    for (String part : text.split(",")) {
      String[] kv = part.split("=", 2);
      String[] named = kv[0].split(":", 2);
      Behaviour b = Behaviour.parse(named[0]);
      if (b == null) {
        List<String> known = new ArrayList<>();
        for (Behaviour each : Behaviour.values()) {
          known.add(each.spelling());
        }
        throw new IllegalArgumentException(
            "--mix: unknown behaviour \"" + named[0].trim() + "\"; expected one of " + known);
      }
      if (named.length == 2) {
        try {
          wires.put(b, Wire.parse(named[1]));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("--mix: " + b.spelling() + ": " + e.getMessage());
        }
      }
      int weight;
      try {
        weight = kv.length == 1 ? 1 : Integer.parseInt(kv[1].trim());
      } catch (NumberFormatException e) {
        weight = -1;
      }
      if (weight < 0) {
        throw new IllegalArgumentException(
            "--mix: weight of " + b.spelling() + " must be a non-negative integer");
      }
      mix.put(b, weight);
    }
    return mix;
  }

  /** Client i's behaviour: the mix spread by largest remainder, interleaved by index. */
  public List<Behaviour> assignments() {
    int total = mix.values().stream().mapToInt(Integer::intValue).sum();
    List<Behaviour> out = new ArrayList<>();
    if (clients == 0) {
      return out;
    }
    Map<Behaviour, Integer> counts = new EnumMap<>(Behaviour.class);
    int assigned = 0;
    for (Map.Entry<Behaviour, Integer> e : mix.entrySet()) {
      int n = (int) ((long) clients * e.getValue() / total);
      counts.put(e.getKey(), n);
      assigned += n;
    }
    List<Map.Entry<Behaviour, Integer>> byRemainder = new ArrayList<>(mix.entrySet());
    byRemainder.sort(
        (a, b) ->
            Long.compare(
                (long) clients * b.getValue() % total, (long) clients * a.getValue() % total));
    for (int i = 0; assigned < clients; i++, assigned++) {
      counts.merge(byRemainder.get(i % byRemainder.size()).getKey(), 1, Integer::sum);
    }
    // Interleave, so the first few clients already show several behaviours.
    while (out.size() < clients) {
      for (Behaviour b : Behaviour.values()) {
        int left = counts.getOrDefault(b, 0);
        if (left > 0) {
          out.add(b);
          counts.put(b, left - 1);
        }
      }
    }
    return out;
  }
}
