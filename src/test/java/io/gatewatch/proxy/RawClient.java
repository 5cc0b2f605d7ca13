package io.gatewatch.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A WebSocket client on a plain socket, for what the other clients cannot do: send an upgrade
 * request byte for byte as written, and stop reading altogether.
 */
final class RawClient implements AutoCloseable {
  /** The status line and headers of a response (header names lower case, values joined). */
  record Head(String statusLine, Map<String, String> headers) {
    int status() {
      return Integer.parseInt(statusLine.split(" ")[1]);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RawClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /**
   * Connects.
   *
   * @param receiveBuffer the socket's receive buffer (small: a client that does not read is found
   *     out soon), or 0 for the default
   */
  static RawClient open(int port, int receiveBuffer) {
    try {
      Socket s = new Socket();
      if (receiveBuffer > 0) {
        s.setReceiveBufferSize(receiveBuffer);
      }
      s.setSoTimeout(10_000);
      s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      return new RawClient(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An upgrade request for {@code target} with these extra header lines ({@code Name: value}). */
  static String upgradeRequest(String target, String... headerLines) {
    StringBuilder b = new StringBuilder();
    b.append("GET ").append(target).append(" HTTP/1.1\r\n");
    b.append("Host: gateway.test\r\n");
    b.append("Upgrade: websocket\r\n");
    b.append("Connection: Upgrade\r\n");
    b.append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
    b.append("Sec-WebSocket-Version: 13\r\n");
    for (String h : headerLines) {
      b.append(h).append("\r\n");
    }
    return b.append("\r\n").toString();
  }

  void write(String text) {
    write(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  void write(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads a response's status line and headers. */
  Head readHead() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try {
      while (true) {
        int c = in.read();
        if (c < 0) {
          throw new IOException("connection ended in the response head: " + b);
        }
        b.write(c);
        byte[] a = b.toByteArray();
        int n = a.length;
        if (n >= 4
            && a[n - 4] == '\r'
            && a[n - 3] == '\n'
            && a[n - 2] == '\r'
            && a[n - 1] == '\n') {
          break;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String[] lines = b.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.merge(
            lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).trim(),
            (x, y) -> x + ", " + y);
      }
    }
    return new Head(lines[0], headers);
  }

  /** Sends one masked frame, FIN set (opcode 1 text, 2 binary, 8 close, 9 ping). */
  void sendFrame(int opcode, byte[] payload) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(0x80 | opcode);
    int n = payload.length;
    if (n < 126) {
      b.write(0x80 | n);
    } else if (n < 65536) {
      b.write(0x80 | 126);
      b.write(n >>> 8);
      b.write(n & 0xff);
    } else {
      b.write(0x80 | 127);
      for (int i = 7; i >= 0; i--) {
        b.write((int) (((long) n >>> (8 * i)) & 0xff));
      }
    }
    byte[] mask = {0x11, 0x22, 0x33, 0x44};
    b.write(mask, 0, 4);
    for (int i = 0; i < n; i++) {
      b.write(payload[i] ^ mask[i % 4]);
    }
    write(b.toByteArray());
  }

  void sendText(String text) {
    sendFrame(1, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Reads one unmasked frame from the server. */
  WireFrame readFrame() {
    try {
      int b0 = readByte();
      int b1 = readByte();
      long n = b1 & 0x7f;
      if (n == 126) {
        n = (readByte() << 8) | readByte();
      } else if (n == 127) {
        n = 0;
        for (int i = 0; i < 8; i++) {
          n = (n << 8) | readByte();
        }
      }
      byte[] p = in.readNBytes((int) n);
      String[] types = {
        "continuation", "text", "binary", "3", "4", "5", "6", "7", "close", "ping", "pong"
      };
      int op = b0 & 0x0f;
      return new WireFrame(
          op < types.length ? types[op] : String.valueOf(op),
          (b0 & 0x80) != 0,
          (b0 >> 4) & 0x7,
          io.netty.buffer.ByteBufUtil.hexDump(p));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private int readByte() throws IOException {
    int c = in.read();
    if (c < 0) {
      throw new IOException("connection ended");
    }
    return c;
  }

  /** True when the server ended the connection (reads until end of stream, up to the timeout). */
  boolean readsToEnd() {
    try {
      while (in.read() >= 0) {
        // drain
      }
      return true;
    } catch (IOException e) {
      return e.getMessage() != null && e.getMessage().contains("reset");
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
