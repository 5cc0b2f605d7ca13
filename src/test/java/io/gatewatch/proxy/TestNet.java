package io.gatewatch.proxy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

/** The event loops of the tests' own Netty clients and servers (daemon threads, shared). */
final class TestNet {
  static final EventLoopGroup GROUP =
      new MultiThreadIoEventLoopGroup(
          2, new DefaultThreadFactory("proxy-test", true), NioIoHandler.newFactory());

  private TestNet() {}
}
