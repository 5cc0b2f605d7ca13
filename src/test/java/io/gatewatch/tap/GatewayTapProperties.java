package io.gatewatch.tap;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/** Whatever a host reports, in whatever order, the tap never throws and counts no failure. */
class GatewayTapProperties {

  /** One call on an observer: which, with what. */
  record Call(int kind, int socket, String text, byte[] bytes, int code, CloseInitiator by) {}

  @Property(tries = 300)
  void neverThrowsOnAnyInput(@ForAll("calls") @Size(max = 60) List<Call> calls) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MockClock clock = new MockClock();
    try (GatewayTap tap = GatewayTap.builder(registry).gateway("p").clock(clock).build()) {
      SocketObserver[] sockets = {tap.socket(), tap.socket(), tap.socket()};
      for (Call c : calls) {
        SocketObserver s = sockets[c.socket()];
        clock.add(Duration.ofMillis(c.code() % 50));
        switch (c.kind()) {
          case 0 -> s.opened();
          case 1 -> s.frameFromServer(c.text());
          case 2 -> s.frameFromClient(c.text());
          case 3 -> s.frameFromServer(c.bytes() == null ? null : ByteBuffer.wrap(c.bytes()));
          case 4 -> s.frameFromClient(c.bytes() == null ? null : ByteBuffer.wrap(c.bytes()));
          default -> s.closed(c.code(), c.text(), c.by());
        }
      }
      assertThat(registry.get("gatewatch.observer.errors").counter().count()).isZero();
    }
    assertThat(registry.getMeters()).isEmpty();
  }

  @Provide
  Arbitrary<List<Call>> calls() {
    Arbitrary<String> text =
        Arbitraries.oneOf(
            Arbitraries.strings().ofMaxLength(200),
            Arbitraries.of(
                Frames.hello(),
                Frames.identify("valid-x"),
                Frames.ready("s"),
                Frames.resume("valid-x", "s", 1),
                Frames.resumed(2),
                Frames.heartbeat(1),
                Frames.ack(),
                "{\"op\":9,\"d\":false}",
                "{\"op\":7}",
                "{\"op\":",
                "{\"token\":\"",
                "{\"op\":1e999}",
                "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
                ""),
            Arbitraries.just(null));
    Arbitrary<byte[]> bytes =
        Arbitraries.oneOf(
            Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
            text.filter(t -> t != null)
                .map(t -> t.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
            Arbitraries.just(null));
    Arbitrary<Integer> code =
        Arbitraries.oneOf(
            Arbitraries.integers(), Arbitraries.of(1000, 1006, 4000, 4004, 4007, 4008, 4009));
    Arbitrary<CloseInitiator> by =
        Arbitraries.oneOf(Arbitraries.of(CloseInitiator.class), Arbitraries.just(null));
    Arbitrary<Call> call =
        Combinators.combine(
                Arbitraries.integers().between(0, 5),
                Arbitraries.integers().between(0, 2),
                text,
                bytes,
                code,
                by)
            .as(Call::new);
    return call.list();
  }
}
