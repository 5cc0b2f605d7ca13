package io.gatewatch.proxy;

import io.gatewatch.config.ConfigException;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.Errors;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The proxy's Netty transport: the native epoll one on Linux (x86-64) when its library loads, Java
 * NIO otherwise. The relay behaves the same on both; epoll costs less CPU per relayed frame and
 * less memory per socket (docs/performance.md). {@code -Dio.netty.transport.noNative=true} forces
 * NIO.
 */
record Transport(
    String name,
    Supplier<IoHandlerFactory> ioHandler,
    Class<? extends ServerSocketChannel> serverChannel,
    Class<? extends SocketChannel> socketChannel,
    Class<? extends DatagramChannel> datagramChannel) {

  static final Transport EPOLL =
      new Transport(
          "epoll",
          EpollIoHandler::newFactory,
          EpollServerSocketChannel.class,
          EpollSocketChannel.class,
          EpollDatagramChannel.class);

  /** epoll's wording of a failed system call: the call, the error number, the system's text. */
  private static final Pattern NATIVE_MESSAGE =
      Pattern.compile("\\w+\\(\\.\\.\\) failed with error\\(-\\d+\\): (.+)", Pattern.DOTALL);

  static final Transport NIO =
      new Transport(
          "nio",
          NioIoHandler::newFactory,
          NioServerSocketChannel.class,
          NioSocketChannel.class,
          NioDatagramChannel.class);

  /** epoll when it is available here, NIO otherwise. */
  static Transport best() {
    return Epoll.isAvailable() ? EPOLL : NIO;
  }

  /**
   * A failure in the system's own words, as NIO reports it ({@code Address already in use}):
   * epoll's messages carry the call and the error number before them ({@code bind(..) failed with
   * error(-98): Address already in use}).
   */
  static String describe(Throwable e) {
    String reason = ConfigException.describe(e);
    Matcher m = NATIVE_MESSAGE.matcher(reason);
    return m.matches() ? m.group(1) : reason;
  }

  /**
   * Whether the native transport failed a connect because the peer reset it. epoll reports every
   * error of a connect as a {@link java.net.ConnectException} (NIO reports a reset as a plain
   * {@link java.io.IOException}); only the text, from Netty's own table of the system's error
   * messages, tells a reset from a refusal.
   */
  static boolean isResetWhileConnecting(Throwable cause) {
    if (!(cause instanceof java.net.ConnectException) || !Epoll.isAvailable()) {
      return false; // without the native library, Errors cannot even be loaded
    }
    String message = cause.getMessage();
    // "finishConnect(..) failed with error(-104): Connection reset by peer: /127.0.0.1:8765"
    return message != null && message.contains(NativeErrors.CONNECTION_RESET);
  }

  /** Loaded only once epoll is known to be available. */
  private static final class NativeErrors {
    /** The end of Netty's native message for ECONNRESET (its number and the system's text). */
    static final String CONNECTION_RESET = connectionReset();

    private static String connectionReset() {
      String m =
          Errors.newConnectionResetException("connect", Errors.ERRNO_ECONNRESET_NEGATIVE)
              .getMessage();
      // "connect(..) failed with error(-104): Connection reset by peer": all after the method
      return m.substring(m.indexOf("failed"));
    }
  }
}
