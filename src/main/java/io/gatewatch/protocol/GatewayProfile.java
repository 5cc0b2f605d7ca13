package io.gatewatch.protocol;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The opcode and close-code registries of one gateway flavour, plus the protocol limits and client
 * policy the tracker checks. Immutable; built by {@link ProfileLoader} from a bundled or
 * operator-supplied YAML file.
 */
public final class GatewayProfile {
  /**
   * What the gateway tolerates from a client, which the policy rules are measured against.
   *
   * @param heartbeatGrace how far past the advertised interval, as a fraction of it, a client
   *     heartbeat may come before it is late ({@code 0.25}: a heartbeat more than 1.25 intervals
   *     after the previous one); also how long a server's heartbeat request may stay unanswered
   *     when the socket closes
   * @param rateLimitBackoff the wait the gateway asks for after a 4008 before a new socket; zero
   *     when it asks for none
   * @param serverRequestsHeartbeats the gateway asks for a heartbeat (op 1) at 90% of the interval
   *     and closes only if that goes unanswered (Fluxer), rather than only closing a silent socket
   *     (Discord, which rarely asks)
   */
  public record Policy(
      double heartbeatGrace, Duration rateLimitBackoff, boolean serverRequestsHeartbeats) {
    /** Used where a profile has no {@code policy} section. */
    public static final Policy DEFAULT = new Policy(0.25, Duration.ZERO, true);

    public Policy {
      if (!(heartbeatGrace >= 0 && heartbeatGrace <= 10)) {
        throw new IllegalArgumentException("heartbeat grace must be from 0 to 10");
      }
      if (rateLimitBackoff == null || rateLimitBackoff.isNegative()) {
        throw new IllegalArgumentException("rate limit backoff must not be negative");
      }
    }
  }

  /** Opcodes at or above this value never get their own label; it keeps the lookup an array. */
  static final int MAX_OPCODE = 256;

  private final String name;
  private final String apiVersion;
  private final int maxClientPayloadBytes;
  private final Policy policy;
  private final Map<Integer, Opcode> opcodes;
  private final Map<Integer, CloseCode> closeCodes;
  private final Opcode[] opcodeByCode = new Opcode[MAX_OPCODE];
  private final TransportOptions transport;
  private final Drain drain;
  private final ClientTable clients;

  /**
   * How a draining proxy asks a client to reconnect: the server opcode sent first (op 7 Reconnect
   * on the bundled profiles), then a close with a code the profile marks resumable (true or
   * conditional), so that the client Resumes elsewhere instead of Identifying.
   *
   * @param reconnectOp the opcode sent before the close, or null to send none
   * @param close the close code; never one the profile marks non-resumable
   * @param reason the close frame's reason text
   */
  public record Drain(Opcode reconnectOp, CloseCode close, String reason) {}

  public GatewayProfile(
      String name,
      String apiVersion,
      int maxClientPayloadBytes,
      Policy policy,
      Collection<Opcode> opcodes,
      Collection<CloseCode> closeCodes,
      TransportOptions transport,
      Drain drain,
      ClientTable clients) {
    this.name = name;
    this.clients = clients;
    this.apiVersion = apiVersion;
    this.transport = transport;
    this.maxClientPayloadBytes = maxClientPayloadBytes;
    this.policy = policy;
    this.drain = drain;
    Map<Integer, Opcode> ops = new TreeMap<>();
    for (Opcode op : opcodes) {
      ops.put(op.code(), op);
      if (op.code() >= 0 && op.code() < MAX_OPCODE) {
        opcodeByCode[op.code()] = op;
      }
    }
    Map<Integer, CloseCode> codes = new TreeMap<>();
    for (CloseCode c : closeCodes) {
      codes.put(c.code(), c);
    }
    this.opcodes = Collections.unmodifiableMap(ops);
    this.closeCodes = Collections.unmodifiableMap(codes);
  }

  public String name() {
    return name;
  }

  /** What the gateway offers on its URL besides its version: encodings, compressions. */
  public TransportOptions transport() {
    return transport;
  }

  /**
   * The gateway version clients ask for in the URL ({@code v=1} on Fluxer, {@code v=10} on
   * Discord).
   */
  public String apiVersion() {
    return apiVersion;
  }

  /** What the gateway tolerates from clients: the thresholds of the policy rules. */
  public Policy policy() {
    return policy;
  }

  /** Inbound limit per client message; larger ones are a {@code payload_too_large} violation. */
  public int maxClientPayloadBytes() {
    return maxClientPayloadBytes;
  }

  /** The opcode registered under {@code code}, or null. */
  public Opcode opcode(int code) {
    return code >= 0 && code < MAX_OPCODE ? opcodeByCode[code] : null;
  }

  /** The close code registered under {@code code}, or null. */
  public CloseCode closeCode(int code) {
    return closeCodes.get(code);
  }

  /**
   * How a draining proxy asks this gateway's clients to reconnect (the profile's {@code drain}).
   */
  public Drain drain() {
    return drain;
  }

  /** The client libraries this gateway's clients are told apart by: the {@code client} label. */
  public ClientTable clients() {
    return clients;
  }

  /** This profile with {@code more} client entries after its own (the demo adds the fleet's). */
  public GatewayProfile withClients(List<ClientTable.Entry> more) {
    return new GatewayProfile(
        name,
        apiVersion,
        maxClientPayloadBytes,
        policy,
        opcodes.values(),
        closeCodes.values(),
        transport,
        drain,
        clients.with(more));
  }

  /** Every opcode, ordered by code. */
  public Collection<Opcode> opcodes() {
    return opcodes.values();
  }

  /** Every close code (the profile's and the standard WebSocket ones), ordered by code. */
  public Collection<CloseCode> closeCodes() {
    return closeCodes.values();
  }

  @Override
  public String toString() {
    return "GatewayProfile[" + name + "]";
  }
}
