package io.gatewatch.protocol;

import io.gatewatch.config.ConfigException;
import io.gatewatch.config.ConfigNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Loads {@link GatewayProfile}s from YAML: the bundled ones ({@code fluxer-seed}, the default;
 * {@code fluxer-current}; {@code discord}) or an operator's file. Every profile also gets the
 * standard WebSocket close codes 1000-1015 ({@code websocket.yaml}); its own entry for one of those
 * codes wins.
 *
 * <p>The schema (documented at the top of {@code fluxer-seed.yaml}):
 *
 * <pre>
 * profile: my-gateway                 # required
 * description: free text              # optional
 * api_version: "1"                    # optional: the v= clients connect with (default 1)
 * limits:                             # optional
 *   max_client_payload_bytes: 4096    # default 4096
 * policy:                             # optional: what the gateway tolerates from clients
 *   heartbeat_grace: 0.25             # fraction of the interval a heartbeat may be late (0.25)
 *   rate_limit_backoff: 60s           # the wait asked for after 4008; 0s: none (default 0s)
 *   server_requests_heartbeats: true  # asks with op 1 at 90% of the interval (default true)
 * opcodes:                            # required
 *   - {code: 0, name: Dispatch, sent_by: server}         # code 0-255; sent_by server|client|both
 * close_codes:                        # required
 *   - code: 4009                      # 1000-4999
 *     name: Session Timeout
 *     label: session_timeout          # optional: defaults to the name in snake_case
 *     resumable: true                 # true | false | conditional
 *     fatal: false                    # optional: retrying unchanged fails again (default false)
 *     cause: ...                      # optional
 *     recovery: ...                   # optional
 * transport:                          # optional; Fluxer's when absent
 *   encodings: [json]                 # json | etf
 *   compress: [zstd-stream]           # zlib-stream | zstd-stream
 *   payload_compression: false        # Identify's compress: true (zlib per server message)
 * drain:                              # optional: how a draining proxy asks clients to reconnect
 *   reconnect_op: 7                   # optional: a server opcode sent before the close
 *   close_code: 4000                  # a code of the profile, resumable true or conditional
 *   reason: Session drain requested   # optional: defaults to the code's name
 * clients:                            # optional: the client label's values, first match wins
 *   - client: discord.js              # [a-z0-9][a-z0-9._-]*, at most 29 distinct values
 *     browser: ["@discordjs/ws", discord.js]  # Identify's properties.browser starts with one
 *     device: []                      # optional: the same for properties.device
 *     os: []                          # optional: the same for properties.os
 * </pre>
 *
 * Errors name the file, the path and the line: {@code my.yaml: close_codes[2].resumable (line 14):
 * expected one of [true, false, conditional], got "maybe"}.
 */
public final class ProfileLoader {
  /** The profile used when none is configured. */
  public static final String DEFAULT_PROFILE = "fluxer-seed";

  /** The gateway version assumed when a profile names none. */
  public static final String DEFAULT_API_VERSION = "1";

  /** Largest client payload assumed when a profile has no {@code limits}. */
  public static final int DEFAULT_MAX_CLIENT_PAYLOAD_BYTES = 4096;

  private static final List<String> BUNDLED = List.of("fluxer-seed", "fluxer-current", "discord");
  private static final String RESOURCE_DIR = "/io/gatewatch/protocol/profiles/";
  private static final String STANDARD = "websocket";
  private static final Pattern LABEL = Pattern.compile("[a-z][a-z0-9_]*");

  /** The drain's close when a profile has no {@code drain} section: 1012 Service Restart. */
  public static final int DEFAULT_DRAIN_CLOSE_CODE = 1012;

  /** Close codes an endpoint reports locally and never sends in a close frame (RFC 6455 7.4.1). */
  private static final Set<Integer> NEVER_SENT = Set.of(1005, 1006, 1015);

  /** A close frame's reason is at most 123 bytes of UTF-8 (RFC 6455 5.5). */
  private static final int MAX_REASON_BYTES = 123;

  /** Label values reserved for unknown codes in metrics. */
  private static final String RESERVED_LABEL = "other";

  private static final Map<String, GatewayProfile> CACHE = new ConcurrentHashMap<>();

  private ProfileLoader() {}

  /** The bundled profile names, the default first. */
  public static List<String> bundledNames() {
    return BUNDLED;
  }

  /** The default profile ({@code fluxer-seed}); loaded once. */
  public static GatewayProfile defaultProfile() {
    return load(DEFAULT_PROFILE);
  }

  /**
   * A bundled profile by name, or an operator's profile from a YAML file.
   *
   * @param nameOrPath {@code fluxer-seed}, {@code fluxer-current}, {@code discord}, or a path
   * @throws ConfigException for an unknown name, an unreadable file ({@code cannot read profile
   *     FILE: reason}) or an invalid document (naming the file, path and line)
   */
  public static GatewayProfile load(String nameOrPath) {
    if (BUNDLED.contains(nameOrPath)) {
      return CACHE.computeIfAbsent(nameOrPath, ProfileLoader::loadBundled);
    }
    Optional<Path> file = asFile(nameOrPath);
    if (file.isEmpty()) {
      throw new ConfigException(
          "unknown profile \""
              + nameOrPath
              + "\"; expected one of "
              + BUNDLED
              + " or a path to a YAML file");
    }
    return load(file.get());
  }

  /** An operator's profile from a YAML file; see {@link #load(String)}. */
  public static GatewayProfile load(Path file) {
    String text;
    try {
      text = ConfigNode.readText(file);
    } catch (IOException e) {
      throw new ConfigException(
          "cannot read profile " + file + ": " + ConfigException.describe(e), e);
    }
    return build(ConfigNode.parse(file.toString(), text));
  }

  /** Anything that is not a bundled name but names an existing file or looks like a path. */
  private static Optional<Path> asFile(String nameOrPath) {
    String lower = nameOrPath.toLowerCase(Locale.ROOT);
    boolean looksLikePath =
        nameOrPath.contains("/")
            || nameOrPath.contains("\\")
            || lower.endsWith(".yaml")
            || lower.endsWith(".yml");
    try {
      Path path = Path.of(nameOrPath);
      return looksLikePath || Files.exists(path) ? Optional.of(path) : Optional.empty();
    } catch (InvalidPathException e) {
      return Optional.empty();
    }
  }

  private static GatewayProfile loadBundled(String name) {
    return build(readBundled(name));
  }

  private static ConfigNode readBundled(String name) {
    String resource = RESOURCE_DIR + name + ".yaml";
    InputStream in = ProfileLoader.class.getResourceAsStream(resource);
    if (in == null) {
      throw new IllegalStateException("bundled profile missing from the class path: " + resource);
    }
    try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
      return ConfigNode.parse("profile " + name, reader);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The standard WebSocket close codes, parsed once. */
  private static final class Standard {
    static final List<CloseCode> CLOSE_CODES = parseStandard();

    private static List<CloseCode> parseStandard() {
      ConfigNode root = readBundled(STANDARD);
      root.rejectUnknownKeys("profile", "description", "close_codes");
      profileName(root);
      root.find("description").ifPresent(ConfigNode::text);
      return closeCodes(root.get("close_codes"));
    }
  }

  /** A profile document the caller has read ({@code gatewatch check}); as {@link #load(Path)}. */
  public static GatewayProfile fromConfig(ConfigNode root) {
    return build(root);
  }

  /** Validates a profile document and merges the standard close codes into it. */
  static GatewayProfile build(ConfigNode root) {
    root.rejectUnknownKeys(
        "profile",
        "description",
        "api_version",
        "limits",
        "policy",
        "transport",
        "opcodes",
        "close_codes",
        "drain",
        "clients");
    String name = profileName(root);
    root.find("description").ifPresent(ConfigNode::text);
    String apiVersion =
        root.find("api_version").map(ProfileLoader::apiVersion).orElse(DEFAULT_API_VERSION);
    int maxPayload = DEFAULT_MAX_CLIENT_PAYLOAD_BYTES;
    Optional<ConfigNode> limits = root.find("limits");
    if (limits.isPresent()) {
      limits.get().rejectUnknownKeys("max_client_payload_bytes");
      Optional<ConfigNode> max = limits.get().find("max_client_payload_bytes");
      if (max.isPresent()) {
        maxPayload = max.get().intValue();
        if (maxPayload < 1) {
          throw max.get().error("must be a positive number of bytes, got " + maxPayload);
        }
      }
    }
    List<Opcode> opcodes = opcodes(root.get("opcodes"));
    Map<Integer, CloseCode> merged = new LinkedHashMap<>();
    for (CloseCode standard : Standard.CLOSE_CODES) {
      merged.put(standard.code(), standard);
    }
    for (CloseCode own : closeCodes(root.get("close_codes"))) {
      merged.put(own.code(), own);
    }
    GatewayProfile.Policy policy =
        root.find("policy").map(ProfileLoader::policy).orElse(GatewayProfile.Policy.DEFAULT);
    TransportOptions transport =
        root.find("transport").map(ProfileLoader::transport).orElse(TransportOptions.FLUXER);
    GatewayProfile.Drain drain = drain(root, opcodes, merged);
    ClientTable clients =
        root.find("clients").map(ProfileLoader::clients).orElse(ClientTable.EMPTY);
    return new GatewayProfile(
        name, apiVersion, maxPayload, policy, opcodes, merged.values(), transport, drain, clients);
  }

  private static String apiVersion(ConfigNode node) {
    String v = node.text().strip();
    if (!v.matches("[0-9]{1,3}")) {
      throw node.error("must be a version number such as 1 or 10, got \"" + v + "\"");
    }
    return v;
  }

  private static GatewayProfile.Policy policy(ConfigNode node) {
    node.rejectUnknownKeys("heartbeat_grace", "rate_limit_backoff", "server_requests_heartbeats");
    double grace = GatewayProfile.Policy.DEFAULT.heartbeatGrace();
    Optional<ConfigNode> graceNode = node.find("heartbeat_grace");
    if (graceNode.isPresent()) {
      grace = graceNode.get().doubleValue();
      if (!(grace >= 0 && grace <= 10)) {
        throw graceNode
            .get()
            .error("must be a fraction of the interval from 0 to 10, got " + grace);
      }
    }
    Duration backoff =
        node.find("rate_limit_backoff")
            .map(ConfigNode::duration)
            .orElse(GatewayProfile.Policy.DEFAULT.rateLimitBackoff());
    boolean requests =
        node.find("server_requests_heartbeats")
            .map(ConfigNode::bool)
            .orElse(GatewayProfile.Policy.DEFAULT.serverRequestsHeartbeats());
    return new GatewayProfile.Policy(grace, backoff, requests);
  }

  private static TransportOptions transport(ConfigNode node) {
    node.rejectUnknownKeys("encodings", "compress", "payload_compression");
    TransportOptions fluxer = TransportOptions.FLUXER;
    Set<Encoding> encodings = EnumSet.noneOf(Encoding.class);
    node.find("encodings")
        .ifPresent(
            list ->
                list.items().forEach(e -> encodings.add(Encoding.parse(e.oneOf("json", "etf")))));
    Set<Compression> compressions = EnumSet.noneOf(Compression.class);
    node.find("compress")
        .ifPresent(
            list ->
                list.items()
                    .forEach(
                        c ->
                            compressions.add(
                                Compression.parse(c.oneOf("zlib-stream", "zstd-stream")))));
    return new TransportOptions(
        node.find("encodings").isPresent() ? encodings : fluxer.encodings(),
        node.find("compress").isPresent() ? compressions : fluxer.compressions(),
        node.find("payload_compression").map(ConfigNode::bool).orElse(false));
  }

  /**
   * The {@code drain} section: a server opcode (optional) and a close code the profile marks
   * resumable, so that a drained client Resumes instead of Identifying. Without the section: no
   * opcode, 1012 Service Restart.
   */
  private static GatewayProfile.Drain drain(
      ConfigNode root, List<Opcode> opcodes, Map<Integer, CloseCode> closeCodes) {
    Optional<ConfigNode> section = root.find("drain");
    if (section.isEmpty()) {
      CloseCode restart = closeCodes.get(DEFAULT_DRAIN_CLOSE_CODE);
      if (restart == null || restart.resumable() == Resumability.FALSE) {
        throw root.error(
            "without a drain section a drain closes with "
                + DEFAULT_DRAIN_CLOSE_CODE
                + ", which this profile does not mark resumable; add drain.close_code",
            root.pathOf("close_codes"));
      }
      return new GatewayProfile.Drain(null, restart, restart.name());
    }
    ConfigNode drain = section.get();
    drain.rejectUnknownKeys("reconnect_op", "close_code", "reason");
    Opcode reconnect = null;
    Optional<ConfigNode> opNode = drain.find("reconnect_op");
    if (opNode.isPresent()) {
      int op = opNode.get().intValue();
      reconnect =
          opcodes.stream()
              .filter(o -> o.code() == op && !o.sentBy().equals("client"))
              .findFirst()
              .orElseThrow(
                  () ->
                      opNode
                          .get()
                          .error(
                              "must be an opcode of this profile sent by the server, got " + op,
                              root.pathOf("opcodes")));
    }
    ConfigNode codeNode = drain.get("close_code");
    int code = codeNode.intValue();
    CloseCode close = closeCodes.get(code);
    if (close == null) {
      throw codeNode.error(
          "must be a close code of this profile, got " + code, root.pathOf("close_codes"));
    }
    if (NEVER_SENT.contains(code)) {
      throw codeNode.error(code + " is never sent in a close frame");
    }
    if (close.resumable() == Resumability.FALSE) {
      throw codeNode.error(
          code
              + " "
              + close.name()
              + " is not resumable in this profile; a drain must leave the session resumable",
          root.pathOf("close_codes"));
    }
    String reason = drain.find("reason").map(ProfileLoader::prose).orElse(close.name());
    if (reason.getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
      throw drain.get("reason").error("at most " + MAX_REASON_BYTES + " bytes of UTF-8");
    }
    return new GatewayProfile.Drain(reconnect, close, reason);
  }

  /**
   * The {@code clients} table: each entry names its label value and, for at least one of the
   * properties, the names that select it.
   */
  private static ClientTable clients(ConfigNode list) {
    List<ClientTable.Entry> entries = new ArrayList<>();
    Set<String> distinct = new HashSet<>();
    for (ConfigNode entry : list.items()) {
      entry.rejectUnknownKeys("client", "browser", "device", "os");
      ConfigNode clientNode = entry.get("client");
      String client = clientNode.check(clientNode.text().strip(), ClientTable::validClient);
      if (distinct.add(client) && distinct.size() > ClientTable.MAX_CLIENTS) {
        throw clientNode.error("at most " + ClientTable.MAX_CLIENTS + " distinct client values");
      }
      List<String> browser = names(entry, "browser");
      List<String> device = names(entry, "device");
      List<String> os = names(entry, "os");
      if (browser.isEmpty() && device.isEmpty() && os.isEmpty()) {
        throw entry.error("names no browser, device or os to match");
      }
      entries.add(new ClientTable.Entry(client, browser, device, os));
    }
    return new ClientTable(entries);
  }

  private static List<String> names(ConfigNode entry, String key) {
    List<String> names = new ArrayList<>();
    for (ConfigNode item : entry.find(key).map(ConfigNode::items).orElse(List.of())) {
      String name = item.text().strip();
      if (name.isEmpty()) {
        throw item.error("must not be empty");
      }
      names.add(name);
    }
    return names;
  }

  private static String profileName(ConfigNode root) {
    ConfigNode node = root.get("profile");
    String name = node.text().strip();
    if (name.isEmpty()) {
      throw node.error("must not be empty");
    }
    return name;
  }

  private static List<Opcode> opcodes(ConfigNode list) {
    List<Opcode> result = new ArrayList<>();
    Map<Integer, ConfigNode> byCode = new HashMap<>();
    Map<String, Integer> byLabel = new HashMap<>();
    for (ConfigNode entry : list.items()) {
      entry.rejectUnknownKeys("code", "name", "label", "sent_by");
      ConfigNode codeNode = entry.get("code");
      int code = codeNode.intValue();
      if (code < 0 || code >= GatewayProfile.MAX_OPCODE) {
        throw codeNode.error(
            "opcode must be between 0 and " + (GatewayProfile.MAX_OPCODE - 1) + ", got " + code);
      }
      checkUnique(byCode, code, codeNode, "opcode");
      String name = name(entry);
      String label = label(entry, name, code, byLabel, "opcode");
      String sentBy = entry.get("sent_by").oneOf("server", "client", "both");
      result.add(new Opcode(code, name, label, sentBy));
    }
    return result;
  }

  private static List<CloseCode> closeCodes(ConfigNode list) {
    List<CloseCode> result = new ArrayList<>();
    Map<Integer, ConfigNode> byCode = new HashMap<>();
    Map<String, Integer> byLabel = new HashMap<>();
    for (ConfigNode entry : list.items()) {
      entry.rejectUnknownKeys("code", "name", "label", "resumable", "fatal", "cause", "recovery");
      ConfigNode codeNode = entry.get("code");
      int code = codeNode.intValue();
      if (code < 1000 || code > 4999) {
        throw codeNode.error("close code must be between 1000 and 4999, got " + code);
      }
      checkUnique(byCode, code, codeNode, "close code");
      String name = name(entry);
      String label = label(entry, name, code, byLabel, "close code");
      Resumability resumable =
          Resumability.parse(entry.get("resumable").oneOf("true", "false", "conditional"));
      boolean fatal = entry.find("fatal").map(ConfigNode::bool).orElse(false);
      String cause = entry.find("cause").map(ProfileLoader::prose).orElse("");
      String recovery = entry.find("recovery").map(ProfileLoader::prose).orElse("");
      result.add(new CloseCode(code, name, label, resumable, fatal, cause, recovery));
    }
    return result;
  }

  private static void checkUnique(
      Map<Integer, ConfigNode> byCode, int code, ConfigNode codeNode, String what) {
    ConfigNode first = byCode.putIfAbsent(code, codeNode);
    if (first != null) {
      throw codeNode.error(
          "duplicate " + what + " " + code + " (first defined at line " + first.line() + ")");
    }
  }

  private static String name(ConfigNode entry) {
    ConfigNode node = entry.get("name");
    String name = node.text().strip();
    if (name.isEmpty()) {
      throw node.error("must not be empty");
    }
    return name;
  }

  private static String label(
      ConfigNode entry, String name, int code, Map<String, Integer> byLabel, String what) {
    Optional<ConfigNode> explicit = entry.find("label");
    ConfigNode at = explicit.orElseGet(() -> entry.get("name"));
    String label;
    if (explicit.isPresent()) {
      label = explicit.get().text();
      if (!LABEL.matcher(label).matches()) {
        throw at.error("label must match [a-z][a-z0-9_]*, got \"" + label + "\"");
      }
    } else {
      label = deriveLabel(name);
      if (!LABEL.matcher(label).matches()) {
        throw at.error(
            "cannot derive a label matching [a-z][a-z0-9_]* from this name; add a label");
      }
    }
    if (RESERVED_LABEL.equals(label)) {
      throw at.error("label \"other\" is reserved for unknown codes");
    }
    Integer previous = byLabel.putIfAbsent(label, code);
    if (previous != null) {
      throw at.error("duplicate label \"" + label + "\" (also " + what + " " + previous + ")");
    }
    return label;
  }

  /**
   * The default label for a name: lower case, parentheses and apostrophes dropped, every other run
   * of non-alphanumerics collapsed to {@code _}, trimmed of {@code _} ({@code Session Timeout} to
   * {@code session_timeout}, {@code Invalid Intent(s)} to {@code invalid_intents}).
   */
  static String deriveLabel(String name) {
    String label =
        name.toLowerCase(Locale.ROOT)
            .replaceAll("[()'\u2019]", "")
            .replaceAll("[^a-z0-9]+", "_")
            .replaceAll("^_+|_+$", "");
    return label;
  }

  /** Free text with YAML's folding leftovers removed: runs of whitespace become one space. */
  private static String prose(ConfigNode node) {
    return node.text().strip().replaceAll("\\s+", " ");
  }
}
