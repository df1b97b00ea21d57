package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The per-proxy stream count of {@link ProxyStreams} against a reconnect racing the close of the
 * proxy's last stream. The race is made deterministic by holding the closing thread in the listener
 * callback it makes while closing, and opening the new stream meanwhile.
 */
class ProxyStreamsTest {
  private static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  private static final ProxyId WEB = new ProxyId(ProxyId.Kind.SIDECAR, "default", "web");

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final CountDownLatch closingHeld = new CountDownLatch(1);
  private final CountDownLatch releaseClosing = new CountDownLatch(1);
  private volatile boolean holdClosing;

  private final ProxyStreams streams =
      new ProxyStreams(
          "zone-1",
          "cp-1",
          clock,
          meters,
          new ProxyStreams.Listener() {
            @Override
            public void onConnected(ProxyId proxy, NodeMetadata metadata) {
              events.add("connected " + proxy.nodeId());
            }

            @Override
            public void onDisconnected(ProxyId proxy, Subscription last) {
              events.add("disconnected " + proxy.nodeId());
            }

            @Override
            public void onChanged(Subscription subscription) {
              if (subscription.disconnectTime() != null && holdClosing) {
                holdClosing = false;
                closingHeld.countDown();
                await(releaseClosing);
              }
            }
          });

  @Test
  void reconnectRacingTheCloseOfTheLastStreamLeavesTheProxyConnected() throws Exception {
    streams.onV3StreamRequest(1, request());
    assertThat(events).containsExactly("connected default.web");

    holdClosing = true;
    CompletableFuture<Void> closing =
        CompletableFuture.runAsync(() -> streams.onStreamClose(1, CDS));
    await(closingHeld); // stream 1 is closing, its close callback not done yet
    streams.onV3StreamRequest(2, request()); // the proxy reconnects
    releaseClosing.countDown();
    closing.get(10, TimeUnit.SECONDS);

    // stream 2 is open: the listener must see the proxy connected, so that it keeps building it
    assertThat(lastEvent()).isEqualTo("connected default.web");
    assertThat(streams.connectedProxies()).containsExactly(WEB);
    assertThat(meters.get("xds_proxies_connected").gauge().value()).isEqualTo(1.0);

    // and once stream 2 closes, it is disconnected exactly once more
    streams.onStreamClose(2, CDS);
    assertThat(lastEvent()).isEqualTo("disconnected default.web");
    assertThat(events.stream().filter(e -> e.startsWith("connected")).count())
        .isEqualTo(events.stream().filter(e -> e.startsWith("disconnected")).count());
    assertThat(streams.connectedProxies()).isEmpty();
    assertThat(meters.get("xds_proxies_connected").gauge().value()).isZero();
  }

  @Test
  void onlyTheFirstOpenAndTheLastCloseReachTheListener() throws Exception {
    streams.onV3StreamRequest(1, request());
    streams.onV3StreamRequest(2, request());
    streams.onStreamClose(1, CDS);
    assertThat(events).containsExactly("connected default.web");
    streams.onStreamCloseWithError(2, CDS, new IllegalStateException("reset"));
    streams.onStreamClose(2, CDS); // a second close of the same stream changes nothing
    assertThat(events).containsExactly("connected default.web", "disconnected default.web");
    assertThat(streams.connectedProxies()).isEmpty();
  }

  private String lastEvent() {
    return events.get(events.size() - 1);
  }

  private static DiscoveryRequest request() {
    return DiscoveryRequest.newBuilder()
        .setTypeUrl(CDS)
        .setNode(Node.newBuilder().setId(WEB.nodeId()))
        .build();
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new AssertionError("timed out waiting for the other thread");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
