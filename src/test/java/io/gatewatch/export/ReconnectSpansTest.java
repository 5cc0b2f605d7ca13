package io.gatewatch.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.metrics.Source;
import io.gatewatch.protocol.ClientTable;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import io.gatewatch.track.ReconnectEpisode;
import io.gatewatch.track.ResumeOutcome;
import io.gatewatch.track.Via;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The reconnect span names the session's client library, finished or given up. */
class ReconnectSpansTest {
  private final List<SpanData> exported = new ArrayList<>();
  private final SdkTracerProvider provider =
      SdkTracerProvider.builder()
          .addSpanProcessor(
              SimpleSpanProcessor.create(
                  new SpanExporter() {
                    @Override
                    public CompletableResultCode export(Collection<SpanData> spans) {
                      exported.addAll(spans);
                      return CompletableResultCode.ofSuccess();
                    }

                    @Override
                    public CompletableResultCode flush() {
                      return CompletableResultCode.ofSuccess();
                    }

                    @Override
                    public CompletableResultCode shutdown() {
                      return CompletableResultCode.ofSuccess();
                    }
                  }))
          .build();
  private final GatewayProfile profile = ProfileLoader.load("fluxer-seed");
  private final ReconnectSpans spans =
      new ReconnectSpans(provider.get("test"), Source.PROXY, "g", new LongAdder());

  @AfterEach
  void close() {
    provider.close();
  }

  private ReconnectEpisode episode(Via via, String client) {
    ClientTable clients = profile.clients();
    return new ReconnectEpisode(
        1_000_000_000L,
        1_500_000_000L,
        4000,
        profile.closeCode(4000),
        via,
        ResumeOutcome.SUCCESS,
        1,
        client == null ? null : clients.byLabel(client));
  }

  @Test
  void finishedAndGivenUpEpisodesNameTheirLibrary() {
    spans.record(episode(Via.RESUME, "jda"), false);
    spans.record(episode(null, "discord.js"), true);
    spans.record(episode(Via.IDENTIFY, null), false);

    assertThat(exported)
        .extracting(s -> s.getAttributes().get(ReconnectSpans.CLIENT))
        .containsExactly("jda", "discord.js", "unknown");
    assertThat(exported)
        .extracting(s -> s.getStatus().getStatusCode())
        .containsExactly(StatusCode.UNSET, StatusCode.ERROR, StatusCode.UNSET);
    assertThat(exported.get(0).getAttributes().size()).isEqualTo(9);
  }
}
