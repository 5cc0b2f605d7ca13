package io.gatewatch.protocol;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The profile's table of client libraries: turns what an Identify says of its sender ({@code
 * properties.browser}, {@code device}, {@code os}) into a {@code client} label value from a set the
 * configuration fixes. Free text from a client is only ever compared, never used as a label.
 *
 * <p>An entry matches when one of its names is, ignoring case, the property's value or the start of
 * it up to a character that is neither a letter nor a digit ({@code @discordjs/ws} matches {@code
 * "@discordjs/ws 2.0.4"}; {@code Chrome} does not match {@code "Chromebook"}). The first entry that
 * matches wins; {@code gatewatch-probe} (gatewatch's own probe) is tried before the table, {@code
 * other} is what an Identify that matches nothing gets, and {@code unknown} is a socket whose
 * Identify carried no properties or was never seen.
 */
public final class ClientTable {
  public static final String UNKNOWN = "unknown";
  public static final String OTHER = "other";
  public static final String PROBE = "gatewatch-probe";

  /** The most label values a table may define besides the three reserved ones. */
  public static final int MAX_CLIENTS = 29;

  /** What a label value looks like: short, lower case, stable. */
  public static final Pattern VALUE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,31}");

  /**
   * One row: the label {@code client} for an Identify whose {@code browser}, {@code device} or
   * {@code os} starts with one of the names listed for it.
   */
  public record Entry(String client, List<String> browser, List<String> device, List<String> os) {
    public Entry {
      validClient(client);
      browser = List.copyOf(browser);
      device = List.copyOf(device);
      os = List.copyOf(os);
    }

    /** An entry that matches {@code browser} names only. */
    public static Entry browser(String client, String... names) {
      return new Entry(client, List.of(names), List.of(), List.of());
    }
  }

  /** The table of a profile without a {@code clients} section: every Identify is {@code other}. */
  public static final ClientTable EMPTY = new ClientTable(List.of());

  private static final List<String> PROBE_NAMES = List.of(PROBE);

  private final List<Entry> entries;
  private final List<ClientLibrary> libraries;
  private final Map<String, ClientLibrary> byLabel = new LinkedHashMap<>();

  /**
   * @throws IllegalArgumentException when the table defines more than {@link #MAX_CLIENTS} values
   */
  public ClientTable(List<Entry> entries) {
    this.entries = List.copyOf(entries);
    for (String reserved : List.of(UNKNOWN, OTHER, PROBE)) {
      add(reserved);
    }
    for (Entry e : this.entries) {
      add(e.client());
    }
    if (byLabel.size() - 3 > MAX_CLIENTS) {
      throw new IllegalArgumentException(
          "at most " + MAX_CLIENTS + " client values, got " + (byLabel.size() - 3));
    }
    this.libraries = List.copyOf(byLabel.values());
  }

  /**
   * A table's own value as given: a label value, none of the three every table has.
   *
   * @throws IllegalArgumentException otherwise, saying why
   */
  public static String validClient(String client) {
    if (!VALUE.matcher(client).matches()) {
      throw new IllegalArgumentException(
          "must match " + VALUE.pattern() + " (a label value), got \"" + client + "\"");
    }
    if (client.equals(UNKNOWN) || client.equals(OTHER) || client.equals(PROBE)) {
      throw new IllegalArgumentException("\"" + client + "\" is reserved");
    }
    return client;
  }

  private void add(String label) {
    byLabel.computeIfAbsent(label, l -> new ClientLibrary(byLabel.size(), l));
  }

  /** This table with {@code more} entries after its own (the demo adds the fleet's names). */
  public ClientTable with(List<Entry> more) {
    List<Entry> all = new ArrayList<>(entries);
    all.addAll(more);
    return new ClientTable(all);
  }

  public List<Entry> entries() {
    return entries;
  }

  /**
   * Every value, {@link ClientLibrary#index()} order: unknown, other, gatewatch-probe, then own.
   */
  public List<ClientLibrary> libraries() {
    return libraries;
  }

  public ClientLibrary unknown() {
    return libraries.get(0);
  }

  /** The library of a label value (another replica's answer); unknown when not in this table. */
  public ClientLibrary byLabel(String label) {
    ClientLibrary library = label == null ? null : byLabel.get(label);
    return library == null ? unknown() : library;
  }

  /** The library an Identify's properties name; any of them may be null (absent). */
  public ClientLibrary classify(String browser, String device, String os) {
    if (browser == null && device == null && os == null) {
      return unknown();
    }
    if (startsWithAny(browser, PROBE_NAMES)) {
      return byLabel.get(PROBE);
    }
    for (Entry e : entries) {
      if (matches(e, browser, device, os)) {
        return byLabel.get(e.client());
      }
    }
    return byLabel.get(OTHER);
  }

  private static boolean matches(Entry e, String browser, String device, String os) {
    return startsWithAny(browser, e.browser())
        || startsWithAny(device, e.device())
        || startsWithAny(os, e.os());
  }

  private static boolean startsWithAny(String value, List<String> names) {
    if (value == null) {
      return false;
    }
    for (String name : names) {
      if (value.regionMatches(true, 0, name, 0, name.length())
          && (value.length() == name.length()
              || !Character.isLetterOrDigit(value.charAt(name.length())))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "ClientTable" + byLabel.keySet();
  }
}
