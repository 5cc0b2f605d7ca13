package io.gatewatch.proxy;

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
import java.util.function.Supplier;

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
}
