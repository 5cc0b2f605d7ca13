package io.gatewatch.probe;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The JDK transport, keeping every message the probe sends, in order. */
final class RecordingTransport implements Transport {
  private final Transport inner = new JdkTransport(Duration.ofSeconds(5));
  final List<String> sent = new CopyOnWriteArrayList<>();

  @Override
  public void connect(URI url, Listener listener) {
    inner.connect(
        url,
        new Listener() {
          @Override
          public void opened(Socket socket) {
            listener.opened(
                new Socket() {
                  @Override
                  public void send(String text) {
                    sent.add(text);
                    socket.send(text);
                  }

                  @Override
                  public void close(int code, String reason) {
                    socket.close(code, reason);
                  }

                  @Override
                  public void abort() {
                    socket.abort();
                  }
                });
          }

          @Override
          public void text(String message) {
            listener.text(message);
          }

          @Override
          public void closed(int code, String reason) {
            listener.closed(code, reason);
          }

          @Override
          public void failed(Throwable error) {
            listener.failed(error);
          }
        });
  }
}
