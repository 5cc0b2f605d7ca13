package io.gatewatch.config;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * An immutable view of one node of a YAML document, for reading configuration by hand and failing
 * with messages that name the source, the path and the line, in the style of jmx_exporter:
 *
 * <pre>
 * config.yaml: proxies[0].upstream (line 4): not a ws:// or wss:// URL
 * </pre>
 *
 * <p>Paths use dots for mapping keys and brackets for sequence items ({@code proxies[0].upstream});
 * the root's path is empty. Lines are 1-based. The document is composed, never constructed, so no
 * Java object is ever instantiated from a tag. Aliases are limited (no "billion laughs"), duplicate
 * keys and recursive aliases are rejected when the document is parsed, and merge keys ({@code <<:
 * *defaults}) are resolved.
 *
 * <p>Typed readers ({@link #intValue()}, {@link #bool()}, {@link #duration()}, ...) read the
 * scalar's text whether or not it was quoted: {@code port: "9470"} and {@code port: 9470} are the
 * same. A missing value ({@code key:} or {@code key: ~}) is {@code null} and no typed reader
 * accepts it.
 */
public final class ConfigNode {
  /** Largest document accepted, in code points (SnakeYAML's default is 3 MiB). */
  static final int MAX_CODE_POINTS = 1024 * 1024;

  /** Largest file {@link #parse(Path)} reads, in bytes (4 bytes per code point at worst). */
  static final long MAX_FILE_BYTES = 4L * MAX_CODE_POINTS;

  /** Aliases to mappings or sequences per document; configuration rarely needs more than a few. */
  static final int MAX_COLLECTION_ALIASES = 50;

  private static final Pattern SIMPLE_KEY = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9][0-9_]*");
  private static final Pattern DECIMAL =
      Pattern.compile("[-+]?([0-9][0-9_]*)?(\\.[0-9]*)?([eE][-+]?[0-9]+)?");
  private static final int MAX_SHOWN_CHARS = 60;

  private final String source;
  private final String path;
  private final Node node;

  /** Mapping entries by key in document order; null unless the node is a mapping. */
  private final Map<String, NodeTuple> entries;

  private ConfigNode(String source, String path, Node node) {
    this.source = source;
    this.path = path;
    this.node = node;
    if (node instanceof MappingNode) {
      Map<String, NodeTuple> map = new LinkedHashMap<>();
      for (NodeTuple tuple : ((MappingNode) node).getValue()) {
        // parse() rejects non-scalar and duplicate keys; skipping them here keeps that check
        // simple.
        if (tuple.getKeyNode() instanceof ScalarNode) {
          map.putIfAbsent(((ScalarNode) tuple.getKeyNode()).getValue(), tuple);
        }
      }
      this.entries = Collections.unmodifiableMap(map);
    } else {
      this.entries = null;
    }
  }

  /**
   * Parses one YAML document. An empty document (nothing, only comments, or only {@code ---}) is an
   * empty mapping.
   *
   * @param sourceName how messages name the document: a file name, or e.g. {@code profile
   *     fluxer-seed}
   * @throws ConfigException on a syntax error ({@code source (line N, column C): invalid YAML:
   *     ...}), several documents, duplicate keys, non-scalar keys or recursive aliases
   */
  public static ConfigNode parse(String sourceName, Reader reader) {
    LoaderOptions options = new LoaderOptions();
    options.setCodePointLimit(MAX_CODE_POINTS);
    options.setMaxAliasesForCollections(MAX_COLLECTION_ALIASES);
    options.setAllowRecursiveKeys(false);
    options.setMergeOnCompose(true);
    Yaml yaml = new Yaml(new SafeConstructor(options));
    Node root;
    try {
      root = yaml.compose(reader);
    } catch (MarkedYAMLException e) {
      throw new ConfigException(syntaxMessage(sourceName, e), e);
    } catch (YAMLException e) {
      Throwable cause = e.getCause();
      String message =
          cause instanceof IOException
              ? sourceName + ": cannot read: " + ConfigException.describe((IOException) cause)
              : sourceName + ": invalid YAML: " + e.getMessage();
      throw new ConfigException(message, e);
    }
    if (root == null || (root instanceof ScalarNode && Tag.NULL.equals(root.getTag()))) {
      root = new MappingNode(Tag.MAP, new ArrayList<>(), DumperOptions.FlowStyle.BLOCK);
    }
    ConfigNode result = new ConfigNode(sourceName, "", root);
    result.check(Collections.newSetFromMap(new IdentityHashMap<>()), new IdentityHashMap<>());
    return result;
  }

  /** Parses a document held in a string; see {@link #parse(String, Reader)}. */
  public static ConfigNode parse(String sourceName, String text) {
    return parse(sourceName, new StringReader(text));
  }

  /**
   * Reads and parses a UTF-8 file; messages name it as given ({@code config.yaml: ...}).
   *
   * @throws ConfigException {@code cannot read FILE: reason}, or as {@link #parse(String, Reader)}
   */
  public static ConfigNode parse(Path file) {
    String text;
    try {
      text = readText(file);
    } catch (IOException e) {
      throw new ConfigException("cannot read " + file + ": " + ConfigException.describe(e), e);
    }
    return parse(file.toString(), text);
  }

  /**
   * Reads a whole UTF-8 file of at most {@link #MAX_FILE_BYTES} bytes; a directory or a larger file
   * fails with an IOException whose message is the reason ({@link ConfigException#describe}).
   */
  public static String readText(Path file) throws IOException {
    if (Files.isDirectory(file)) {
      throw new IOException("is a directory");
    }
    long size = Files.size(file);
    if (size > MAX_FILE_BYTES) {
      throw new IOException("too large (" + size + " bytes; the limit is " + MAX_FILE_BYTES + ")");
    }
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  /** The document's name in messages. */
  public String source() {
    return source;
  }

  /** Where this node sits, e.g. {@code proxies[0].upstream}; empty for the root. */
  public String path() {
    return path;
  }

  /** The 1-based line the node starts on. */
  public int line() {
    Mark mark = node.getStartMark();
    return mark == null ? 1 : mark.getLine() + 1;
  }

  public boolean isMapping() {
    return node instanceof MappingNode;
  }

  public boolean isSequence() {
    return node instanceof SequenceNode;
  }

  /** True for a scalar other than null. */
  public boolean isScalar() {
    return node instanceof ScalarNode && !isNull();
  }

  /** True for a missing value: {@code key:}, {@code key: ~} or {@code key: null}. */
  public boolean isNull() {
    return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
  }

  /**
   * The value under a required key of this mapping.
   *
   * @throws ConfigException {@code source: path.key: required} when absent
   */
  public ConfigNode get(String key) {
    return find(key)
        .orElseThrow(() -> new ConfigException(source + ": " + child(key) + ": required"));
  }

  /** The value under an optional key of this mapping (present even if its value is null). */
  public Optional<ConfigNode> find(String key) {
    NodeTuple tuple = mapping().get(key);
    return tuple == null
        ? Optional.empty()
        : Optional.of(new ConfigNode(source, child(key), tuple.getValueNode()));
  }

  /** This mapping's keys, in document order. */
  public Set<String> keys() {
    return mapping().keySet();
  }

  /** This sequence's elements, with paths {@code path[0]}, {@code path[1]}, ... */
  public List<ConfigNode> items() {
    if (!(node instanceof SequenceNode)) {
      throw expected("a sequence");
    }
    List<Node> values = ((SequenceNode) node).getValue();
    List<ConfigNode> items = new ArrayList<>(values.size());
    for (int i = 0; i < values.size(); i++) {
      items.add(new ConfigNode(source, path + "[" + i + "]", values.get(i)));
    }
    return Collections.unmodifiableList(items);
  }

  /** The scalar's text, as written (without quotes). */
  public String text() {
    return scalar("a string");
  }

  /**
   * The scalar's text, which must be one of {@code choices}: {@code expected one of [server,
   * client, both], got "x"}. Comparison is exact (case-sensitive).
   */
  public String oneOf(String... choices) {
    String description = "one of " + Arrays.toString(choices);
    String text = scalar(description);
    for (String choice : choices) {
      if (choice.equals(text)) {
        return choice;
      }
    }
    throw error("expected " + description + ", got " + show(text));
  }

  /** A 32-bit decimal integer ({@code 4096}, {@code 4_096}, {@code -1}). */
  public int intValue() {
    long value = parseInteger("an integer");
    if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
      throw error("expected an integer, got " + show(text()) + " (out of range)");
    }
    return (int) value;
  }

  /** A 64-bit decimal integer. */
  public long longValue() {
    return parseInteger("an integer");
  }

  /** A decimal number ({@code 0.5}, {@code 1e-3}, {@code 10}). */
  public double doubleValue() {
    String text = scalar("a number");
    if (!DECIMAL.matcher(text).matches() || !text.matches(".*[0-9].*")) {
      throw error("expected a number, got " + show(text));
    }
    return Double.parseDouble(text.replace("_", ""));
  }

  /** {@code true}/{@code false}; YAML 1.1's {@code yes}/{@code no}/{@code on}/{@code off} too. */
  public boolean bool() {
    String text = scalar("true or false");
    switch (text.toLowerCase(Locale.ROOT)) {
      case "true":
      case "yes":
      case "on":
        return true;
      case "false":
      case "no":
      case "off":
        return false;
      default:
        throw error("expected true or false, got " + show(text));
    }
  }

  /**
   * A non-negative duration as {@link Durations} reads it: {@code 41250ms}, {@code 45s}, {@code
   * 10m}, {@code 1h}; a number without a unit is an error (only {@code 0} may stand alone).
   */
  public Duration duration() {
    String text = scalar("a duration");
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw error(e.getMessage());
    }
  }

  /** A size in bytes, written with a binary unit: {@code 512KiB}, {@code 100MiB}, {@code 1GiB}. */
  public long size() {
    String text = scalar("a size");
    try {
      return Sizes.parse(text);
    } catch (IllegalArgumentException e) {
      throw error(e.getMessage());
    }
  }

  /**
   * Fails on the first key of this mapping (in document order) that is not one of {@code allowed}:
   * {@code source: path.key (line N): unknown key; expected one of [a, b, c]}.
   */
  public void rejectUnknownKeys(String... allowed) {
    Set<String> known = new TreeSet<>(Arrays.asList(allowed));
    for (Map.Entry<String, NodeTuple> entry : mapping().entrySet()) {
      if (!known.contains(entry.getKey())) {
        throw new ConfigException(
            location(child(entry.getKey()), entry.getValue().getKeyNode())
                + ": unknown key; expected one of "
                + known);
      }
    }
  }

  /**
   * An exception reporting a problem with this node's value: {@code source: path (line N):
   * message}. Callers throw it: {@code throw node.error("not a ws:// or wss:// URL")}.
   */
  public ConfigException error(String message) {
    return new ConfigException(location(path, node) + ": " + message);
  }

  @Override
  public String toString() {
    return path.isEmpty() ? source : source + ": " + path;
  }

  // --- internals ---

  private Map<String, NodeTuple> mapping() {
    if (entries == null) {
      throw expected("a mapping");
    }
    return entries;
  }

  private String scalar(String what) {
    if (!isScalar()) {
      throw expected(what);
    }
    return ((ScalarNode) node).getValue();
  }

  private long parseInteger(String what) {
    String text = scalar(what);
    if (!INTEGER.matcher(text).matches()) {
      throw error("expected " + what + ", got " + show(text));
    }
    try {
      return Long.parseLong(text.replace("_", ""));
    } catch (NumberFormatException e) {
      throw error("expected " + what + ", got " + show(text) + " (out of range)");
    }
  }

  private ConfigException expected(String what) {
    return error("expected " + what + ", got " + describeNode());
  }

  private String describeNode() {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a sequence";
    }
    return isNull() ? "null" : show(((ScalarNode) node).getValue());
  }

  private String child(String key) {
    String segment = SIMPLE_KEY.matcher(key).matches() ? key : "[" + show(key) + "]";
    if (path.isEmpty() || segment.startsWith("[")) {
      return path + segment;
    }
    return path + "." + segment;
  }

  private String location(String nodePath, Node at) {
    Mark mark = at.getStartMark();
    String line = " (line " + (mark == null ? 1 : mark.getLine() + 1) + ")";
    return nodePath.isEmpty() ? source + line : source + ": " + nodePath + line;
  }

  /** Quotes a value for a message, escaping quotes and control characters, shortening long ones. */
  static String show(String value) {
    StringBuilder sb = new StringBuilder("\"");
    int shown = 0;
    for (int i = 0; i < value.length(); i++) {
      if (shown++ == MAX_SHOWN_CHARS) {
        sb.append("...");
        break;
      }
      char c = value.charAt(i);
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\t':
          sb.append("\\t");
          break;
        case '\r':
          sb.append("\\r");
          break;
        default:
          if (c < 0x20) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
      }
    }
    return sb.append('"').toString();
  }

  private static String syntaxMessage(String source, MarkedYAMLException e) {
    Mark problemMark = e.getProblemMark();
    Mark contextMark = e.getContextMark();
    StringBuilder sb = new StringBuilder(source);
    if (problemMark != null) {
      sb.append(" (line ")
          .append(problemMark.getLine() + 1)
          .append(", column ")
          .append(problemMark.getColumn() + 1)
          .append(')');
    } else if (contextMark != null) {
      sb.append(" (line ").append(contextMark.getLine() + 1).append(')');
    }
    sb.append(": invalid YAML: ");
    String context = e.getContext();
    if (context != null && !context.isBlank()) {
      sb.append(context.strip());
      if (contextMark != null
          && (problemMark == null || contextMark.getLine() != problemMark.getLine())) {
        sb.append(" (line ").append(contextMark.getLine() + 1).append(')');
      }
      if (e.getProblem() != null) {
        sb.append(", ");
      }
    }
    if (e.getProblem() != null) {
      sb.append(e.getProblem().strip());
    }
    return sb.toString();
  }

  /**
   * Checks the whole tree once: mapping keys are unique scalars and no alias refers to a node that
   * contains it. Nodes shared through aliases are checked once.
   */
  private void check(Set<Node> done, Map<Node, Boolean> onStack) {
    if (done.contains(node)) {
      return;
    }
    if (onStack.containsKey(node)) {
      throw error("recursive alias: a node cannot contain itself");
    }
    onStack.put(node, Boolean.TRUE);
    if (node instanceof MappingNode) {
      Map<String, Node> seen = new LinkedHashMap<>();
      for (NodeTuple tuple : ((MappingNode) node).getValue()) {
        Node keyNode = tuple.getKeyNode();
        if (!(keyNode instanceof ScalarNode)) {
          throw new ConfigException(location(path, keyNode) + ": mapping keys must be scalars");
        }
        String key = ((ScalarNode) keyNode).getValue();
        Node first = seen.putIfAbsent(key, keyNode);
        if (first != null) {
          throw new ConfigException(
              location(child(key), keyNode)
                  + ": duplicate key (first defined at line "
                  + (first.getStartMark() == null ? 1 : first.getStartMark().getLine() + 1)
                  + ")");
        }
        new ConfigNode(source, child(key), tuple.getValueNode()).check(done, onStack);
      }
    } else if (node instanceof SequenceNode) {
      List<Node> values = ((SequenceNode) node).getValue();
      for (int i = 0; i < values.size(); i++) {
        new ConfigNode(source, path + "[" + i + "]", values.get(i)).check(done, onStack);
      }
    }
    onStack.remove(node);
    done.add(node);
  }
}
