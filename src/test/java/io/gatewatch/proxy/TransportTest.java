package io.gatewatch.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gatewatch.proxy.RelayObserver.UpstreamError;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Errors;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import org.junit.jupiter.api.Test;

/** The transport the proxy picks, and how a failed connect is told apart on each transport. */
class TransportTest {

  @Test
  void epollWhereItLoadsNioOtherwise() {
    assertThat(Transport.best()).isSameAs(Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO);
    assertThat(Transport.EPOLL.name()).isEqualTo("epoll");
    assertThat(Transport.NIO.name()).isEqualTo("nio");
  }

  @Test
  void aResetWhileConnectingOnEpollIsAResetAsOnNio() {
    assumeTrue(Epoll.isAvailable(), "the native transport does not load here");
    // what epoll hands the relay: its connect error, annotated with the address by Netty
    String reset =
        Errors.newConnectionResetException("finishConnect", Errors.ERRNO_ECONNRESET_NEGATIVE)
                .getMessage()
            + ": /127.0.0.1:8765";
    assertThat(reset).startsWith("finishConnect(..) failed").contains("-104");
    assertThat(Relay.classify(new ConnectException(reset))).isEqualTo(UpstreamError.RESET);
    // NIO's own report of the same event
    assertThat(Relay.classify(new SocketException("Connection reset")))
        .isEqualTo(UpstreamError.RESET);
  }

  @Test
  void failuresAreToldInTheSystemsWordsOnBoth() {
    assertThat(
            Transport.describe(
                new IOException("bind(..) failed with error(-98): Address already in use")))
        .isEqualTo("Address already in use");
    assertThat(Transport.describe(new java.net.BindException("Address already in use")))
        .isEqualTo("Address already in use");
    assertThat(Transport.describe(new IOException("connection closed")))
        .isEqualTo("connection closed");
  }

  @Test
  void aRefusedConnectIsUnreachableOnBoth() {
    String refused = "finishConnect(..) failed with error(-111): Connection refused: /127.0.0.1:1";
    assertThat(Relay.classify(new ConnectException(refused))).isEqualTo(UpstreamError.UNREACHABLE);
    assertThat(Relay.classify(new ConnectException("Connection refused")))
        .isEqualTo(UpstreamError.UNREACHABLE);
    assertThat(Transport.isResetWhileConnecting(new IOException("Connection reset by peer")))
        .isFalse();
  }
}
