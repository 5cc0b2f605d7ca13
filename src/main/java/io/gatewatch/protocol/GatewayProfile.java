package io.gatewatch.protocol;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The opcode and close-code registries of one gateway flavour, plus the protocol limits the tracker
 * checks. Immutable; built by {@link ProfileLoader} from a bundled or operator-supplied YAML file.
 */
public final class GatewayProfile {
  /** Opcodes at or above this value never get their own label; it keeps the lookup an array. */
  static final int MAX_OPCODE = 256;

  private final String name;
  private final int maxClientPayloadBytes;
  private final Map<Integer, Opcode> opcodes;
  private final Map<Integer, CloseCode> closeCodes;
  private final Opcode[] opcodeByCode = new Opcode[MAX_OPCODE];
  private final TransportOptions transport;

  /** A profile with Fluxer's transport options ({@link TransportOptions#FLUXER}). */
  public GatewayProfile(
      String name,
      int maxClientPayloadBytes,
      Collection<Opcode> opcodes,
      Collection<CloseCode> closeCodes) {
    this(name, maxClientPayloadBytes, opcodes, closeCodes, TransportOptions.FLUXER);
  }

  public GatewayProfile(
      String name,
      int maxClientPayloadBytes,
      Collection<Opcode> opcodes,
      Collection<CloseCode> closeCodes,
      TransportOptions transport) {
    this.name = name;
    this.transport = transport;
    this.maxClientPayloadBytes = maxClientPayloadBytes;
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

  /** What the gateway offers on its URL: versions, encodings, compressions. */
  public TransportOptions transport() {
    return transport;
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
