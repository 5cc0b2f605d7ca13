package io.gatewatch.config;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.UnaryOperator;
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
 * accepts it. Readers with a range ({@link #positiveInt()}, {@link #intValue(int, int)}, ...) check
 * it too, so a settings type reads itself ({@code ProxySettings.fromConfig(node)}) and every error
 * names the path and the line without the caller mapping messages back to keys.
 *
 * <p>{@link #withEnvironment} lays environment variables over the document: a variable named after
 * a node's path replaces its value, and the typed readers' errors then name the variable.
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

  /** The variables laid over the document, and the variable of a path; null when none are. */
  private final Map<String, String> env;

  private final UnaryOperator<String> variableOf;

  /** Parts of the document read as if absent ({@link #skipping}); empty normally. */
  private final Set<String> skipped;

  /** Mapping entries by key in document order; null unless the node is a mapping. */
  private final Map<String, NodeTuple> entries;

  private ConfigNode(
      String source,
      String path,
      Node node,
      Map<String, String> env,
      UnaryOperator<String> variableOf,
      Set<String> skipped) {
    this.source = source;
    this.path = path;
    this.node = node;
    this.env = env;
    this.variableOf = variableOf;
    this.skipped = skipped;
    if (node instanceof MappingNode) {
      Map<String, NodeTuple> map = new LinkedHashMap<>();
      for (NodeTuple tuple : ((MappingNode) node).getValue()) {
        // parse() rejects non-scalar and duplicate keys; skipping them here keeps that check
        // simple.
        if (tuple.getKeyNode() instanceof ScalarNode key
            && !skipped.contains(child(key.getValue()))) {
          map.putIfAbsent(key.getValue(), tuple);
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
    ConfigNode result = new ConfigNode(sourceName, "", root, null, null, Set.of());
    result.checkTree(Collections.newSetFromMap(new IdentityHashMap<>()), new IdentityHashMap<>());
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

  /**
   * This node with {@code env} laid over it: wherever a variable named {@code variableOf(path)} is
   * set, its value replaces the value at that path (as read by {@link #text()} and the typed
   * readers). A variable cannot add a key the document does not have.
   */
  public ConfigNode withEnvironment(Map<String, String> env, UnaryOperator<String> variableOf) {
    return new ConfigNode(source, path, node, Map.copyOf(env), variableOf, skipped);
  }

  /**
   * This node with the part at {@code partPath} (a key's path such as {@code http}, or an item's
   * such as {@code proxies[1]}) read as if it were absent; the other parts keep their paths and
   * lines. What {@link ConfigCheck} reads again after a problem, to find the next one.
   */
  public ConfigNode skipping(String partPath) {
    Set<String> more = new HashSet<>(skipped);
    more.add(partPath);
    return new ConfigNode(source, path, node, env, variableOf, Set.copyOf(more));
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
        .orElseThrow(
            () -> new ConfigException(source + ": " + child(key) + ": required", child(key)));
  }

  /** The value under an optional key of this mapping (present even if its value is null). */
  public Optional<ConfigNode> find(String key) {
    NodeTuple tuple = mapping().get(key);
    return tuple == null
        ? Optional.empty()
        : Optional.of(childNode(child(key), tuple.getValueNode()));
  }

  /** The value under an optional key; absent when the key is missing or its value is null. */
  public Optional<ConfigNode> findValue(String key) {
    return find(key).filter(n -> !n.isNull());
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
      String itemPath = path + "[" + i + "]";
      if (!skipped.contains(itemPath)) {
        items.add(childNode(itemPath, values.get(i)));
      }
    }
    return Collections.unmodifiableList(items);
  }

  /** A mapping of names to strings, in document order: {@code headers: {Authorization: ...}}. */
  public Map<String, String> textMap() {
    if (!isMapping()) {
      throw error("expected a mapping of names to values");
    }
    Map<String, String> map = new LinkedHashMap<>();
    for (String key : keys()) {
      map.put(key, get(key).text());
    }
    return Collections.unmodifiableMap(map);
  }

  /** The scalar's text, as written (without quotes). */
  public String text() {
    return raw("a string");
  }

  /**
   * The scalar's text, which must be one of {@code choices}: {@code expected one of [server,
   * client, both], got "x"}. Comparison is exact (case-sensitive).
   */
  public String oneOf(String... choices) {
    String description = "one of " + Arrays.toString(choices);
    String text = raw(description);
    for (String choice : choices) {
      if (choice.equals(text)) {
        return choice;
      }
    }
    throw error("expected " + description + ", got " + show(text));
  }

  /** A 32-bit decimal integer ({@code 4096}, {@code 4_096}, {@code -1}). */
  public int intValue() {
    if (override() != null) {
      return fromVariable(t -> Integer.parseInt(t.trim()), "expected an integer");
    }
    long value = parseInteger("an integer");
    if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
      throw error("expected an integer, got " + show(text()) + " (out of range)");
    }
    return (int) value;
  }

  /** A 64-bit decimal integer. */
  public long longValue() {
    if (override() != null) {
      return fromVariable(t -> Long.parseLong(t.trim()), "expected an integer");
    }
    return parseInteger("an integer");
  }

  /** An integer of at least 1: {@code must be at least 1}. */
  public int positiveInt() {
    int value = intValue();
    if (value < 1) {
      throw error("must be at least 1");
    }
    return value;
  }

  /** An integer of at least 0: {@code must not be negative}. */
  public int nonNegativeInt() {
    int value = intValue();
    if (value < 0) {
      throw error("must not be negative");
    }
    return value;
  }

  /**
   * An integer from {@code min} to {@code max}: {@code must be from 0 to 255, got 300}, or {@code
   * must be at least 1, got 0} when {@code max} is {@link Integer#MAX_VALUE}.
   */
  public int intValue(int min, int max) {
    return (int) inRange(intValue(), min, max, Integer.MAX_VALUE);
  }

  /** A 64-bit integer from {@code min} to {@code max}, as {@link #intValue(int, int)} says. */
  public long longValue(long min, long max) {
    return inRange(longValue(), min, max, Long.MAX_VALUE);
  }

  /** A decimal number ({@code 0.5}, {@code 1e-3}, {@code 10}). */
  public double doubleValue() {
    if (override() != null) {
      return fromVariable(t -> Double.parseDouble(t.trim()), "expected a number");
    }
    String text = scalar("a number");
    if (!DECIMAL.matcher(text).matches() || !text.matches(".*[0-9].*")) {
      throw error("expected a number, got " + show(text));
    }
    return Double.parseDouble(text.replace("_", ""));
  }

  /** A number from {@code min} to {@code max}: {@code must be from 0 to 1, got 2}. */
  public double doubleValue(double min, double max) {
    double value = doubleValue();
    if (!(value >= min && value <= max)) {
      throw error("must be from " + plain(min) + " to " + plain(max) + ", got " + text());
    }
    return value;
  }

  /** {@code true}/{@code false}; YAML 1.1's {@code yes}/{@code no}/{@code on}/{@code off} too. */
  public boolean bool() {
    if (override() != null) {
      return fromVariable(ConfigNode::variableBool, "expected true or false");
    }
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
    if (override() != null) {
      return fromVariable(Durations::parse, null);
    }
    return as(Durations::parse, "a duration");
  }

  /** A duration above zero: {@code must be positive, got 0s}. */
  public Duration positiveDuration() {
    Duration d = duration();
    if (d.isZero()) {
      throw error("must be positive, got " + text());
    }
    return d;
  }

  /** A size in bytes, written with a binary unit: {@code 512KiB}, {@code 100MiB}, {@code 1GiB}. */
  public long size() {
    if (override() != null) {
      return fromVariable(Sizes::parse, null);
    }
    return as(Sizes::parse, "a size");
  }

  /** A listen address, {@code HOST:PORT} ({@link HostPort}), not resolved. */
  public InetSocketAddress hostPort() {
    return as(HostPort::parse);
  }

  /**
   * A URL with a host and one of {@code schemes} (compared ignoring case): {@code not a ws:// or
   * wss:// URL} otherwise.
   */
  public URI url(String... schemes) {
    String text = text();
    try {
      URI uri = new URI(text);
      for (String scheme : schemes) {
        if (scheme.equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null) {
          return uri;
        }
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    throw error("not a " + String.join(":// or ", schemes) + ":// URL");
  }

  /** The path of a file that can be read: {@code cannot read PATH} otherwise. */
  public Path readableFile() {
    Path file = Path.of(text());
    if (!Files.isReadable(file)) {
      throw error("cannot read " + file);
    }
    return file;
  }

  /**
   * {@code value} (read from this node) as {@code validate} returns it; its {@link
   * IllegalArgumentException} becomes an error at this node: {@code node.check(node.positiveInt(),
   * ProxySettings::validMaxFrameBytes)}.
   */
  public <T> T check(T value, UnaryOperator<T> validate) {
    try {
      return validate.apply(value);
    } catch (IllegalArgumentException e) {
      throw error(e.getMessage());
    }
  }

  /**
   * The text as {@code parse} reads it; its {@link IllegalArgumentException} (or {@link
   * ConfigException}) becomes an error at this node, so the parser need not know the path: {@code
   * node.as(RateLimit::parse)}.
   */
  public <T> T as(Function<String, T> parse) {
    return as(parse, "a string");
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
                + known,
            child(entry.getKey()));
      }
    }
  }

  /**
   * An exception reporting a problem with this node's value: {@code source: path (line N):
   * message}. Callers throw it: {@code throw node.error("not a ws:// or wss:// URL")}.
   */
  public ConfigException error(String message) {
    return error(message, new String[0]);
  }

  /**
   * As {@link #error(String)}, for a rule that also reads other parts of the document ({@code
   * capture_keep: needs capture} reads {@code capture}): their paths let {@code gatewatch check}
   * tell a problem of its own from one that only follows from a part it left out.
   */
  public ConfigException error(String message, String... alsoReads) {
    String variable = override() == null ? "" : variableOf.apply(path) + ": ";
    return new ConfigException(
        location(path, node) + ": " + variable + message, path, Set.of(alsoReads));
  }

  /**
   * Whether {@code gatewatch check} left the part at {@code partPath} (from the root) out after a
   * problem there; never at start-up. A variable that stands in for a key the file lacks is then
   * not read again, so that its problem is reported once.
   */
  public boolean leftOut(String partPath) {
    return skipped.contains(partPath);
  }

  /** Where this node is in messages: {@code source: path (line N)}. */
  public String where() {
    return location(path, node);
  }

  /** The path of {@code key} under this mapping, whether the key is there or not. */
  public String pathOf(String key) {
    return child(key);
  }

  @Override
  public String toString() {
    return path.isEmpty() ? source : source + ": " + path;
  }

  // --- internals ---

  private ConfigNode childNode(String childPath, Node valueNode) {
    return new ConfigNode(source, childPath, valueNode, env, variableOf, skipped);
  }

  /** The value of the variable laid over this node, or null. */
  private String override() {
    return variableOf == null ? null : env.get(variableOf.apply(path));
  }

  /** The variable's value, else the scalar's text. */
  private String raw(String what) {
    String override = override();
    return override != null ? override : scalar(what);
  }

  private <T> T as(Function<String, T> parse, String what) {
    String text = raw(what);
    try {
      return parse.apply(text);
    } catch (IllegalArgumentException | ConfigException e) {
      throw error(e.getMessage());
    }
  }

  /**
   * Parses the variable laid over this node; an error names the variable and says {@code expected},
   * or the parser's own message when that is null.
   */
  private <T> T fromVariable(Function<String, T> parse, String expected) {
    String variable = variableOf.apply(path);
    try {
      return parse.apply(env.get(variable));
    } catch (IllegalArgumentException e) {
      throw error(expected != null ? expected : e.getMessage());
    }
  }

  private long inRange(long value, long min, long max, long unbounded) {
    if (value < min || value > max) {
      throw error(
          "must be "
              + (max == unbounded ? "at least " + min : "from " + min + " to " + max)
              + ", got "
              + value);
    }
    return value;
  }

  /** A boolean as variables write it: as in YAML, and {@code 1} and {@code 0} as in shells. */
  private static boolean variableBool(String text) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw new IllegalArgumentException(text);
    };
  }

  /** {@code 1} rather than {@code 1.0}, for messages. */
  private static String plain(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

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
  private void checkTree(Set<Node> done, Map<Node, Boolean> onStack) {
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
        childNode(child(key), tuple.getValueNode()).checkTree(done, onStack);
      }
    } else if (node instanceof SequenceNode) {
      List<Node> values = ((SequenceNode) node).getValue();
      for (int i = 0; i < values.size(); i++) {
        childNode(path + "[" + i + "]", values.get(i)).checkTree(done, onStack);
      }
    }
    onStack.remove(node);
    done.add(node);
  }
}
