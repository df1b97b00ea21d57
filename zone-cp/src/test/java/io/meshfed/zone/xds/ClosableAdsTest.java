package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ADS decorator over in-process gRPC: a stream closed by the server reaches the client as the
 * given status, the wrapped service sees the stream end as a cancellation, and what it sends later
 * is dropped instead of failing.
 */
class ClosableAdsTest {
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final AtomicReference<ClosableAds.StreamCloser> closer = new AtomicReference<>();
  private final AtomicReference<StreamObserver<DiscoveryResponse>> out = new AtomicReference<>();
  private Server server;
  private ManagedChannel channel;

  /** Stands for java-control-plane: records requests, remembers the stream's closer. */
  private final class Recording
      extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
    @Override
    public StreamObserver<DiscoveryRequest> streamAggregatedResources(
        StreamObserver<DiscoveryResponse> responses) {
      out.set(responses);
      return new StreamObserver<>() {
        @Override
        public void onNext(DiscoveryRequest r) {
          seen.add("request " + r.getTypeUrl());
          closer.set(ClosableAds.current());
          responses.onNext(DiscoveryResponse.newBuilder().setVersionInfo("v1").build());
        }

        @Override
        public void onError(Throwable t) {
          seen.add("error " + Status.fromThrowable(t).getCode() + ": " + t.getMessage());
        }

        @Override
        public void onCompleted() {
          seen.add("completed");
        }
      };
    }
  }

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.shutdownNow();
    }
  }

  @Test
  void theServerClosesAnOpenStreamWithAStatus() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .addService(new ClosableAds(new Recording()))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
    List<String> client = new CopyOnWriteArrayList<>();
    StreamObserver<DiscoveryRequest> requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .streamAggregatedResources(
                new StreamObserver<>() {
                  @Override
                  public void onNext(DiscoveryResponse r) {
                    client.add("response " + r.getVersionInfo());
                  }

                  @Override
                  public void onError(Throwable t) {
                    Status s = Status.fromThrowable(t);
                    client.add("error " + s.getCode() + ": " + s.getDescription());
                  }

                  @Override
                  public void onCompleted() {
                    client.add("completed");
                  }
                });
    requests.onNext(DiscoveryRequest.newBuilder().setTypeUrl("clusters").build());
    await().atMost(Duration.ofSeconds(10)).until(() -> client.contains("response v1"));

    closer.get().close(Status.UNAUTHENTICATED.withDescription("the dataplane token was revoked"));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> client.contains("error UNAUTHENTICATED: the dataplane token was revoked"));
    assertThat(seen)
        .containsExactly(
            "request clusters", "error CANCELLED: CANCELLED: the dataplane token was revoked");
    out.get().onNext(DiscoveryResponse.newBuilder().setVersionInfo("v2").build());
    closer.get().close(Status.UNAUTHENTICATED);
    requests.onNext(DiscoveryRequest.newBuilder().setTypeUrl("listeners").build());
    assertThat(client)
        .containsExactly("response v1", "error UNAUTHENTICATED: the dataplane token was revoked");
    assertThat(seen).hasSize(2);
  }
}
