package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The requests java-control-plane gets: one node instance per stream, the known type URLs. */
class CompactRequestsTest {
  private final List<DiscoveryRequest> handedOn = new ArrayList<>();
  private final List<String> ends = new ArrayList<>();

  /** Stands for java-control-plane: records what it is handed. */
  private final class Recording extends AggregatedDiscoveryServiceImplBase {
    @Override
    public StreamObserver<DiscoveryRequest> streamAggregatedResources(
        StreamObserver<DiscoveryResponse> responses) {
      return new StreamObserver<>() {
        @Override
        public void onNext(DiscoveryRequest r) {
          handedOn.add(r);
        }

        @Override
        public void onError(Throwable t) {
          ends.add("error " + t.getMessage());
        }

        @Override
        public void onCompleted() {
          ends.add("completed");
        }
      };
    }
  }

  private final CompactRequests ads = new CompactRequests(new Recording());

  @Test
  void requestsOfAStreamWithAnEqualNodeShareOneNodeInstance() {
    StreamObserver<DiscoveryRequest> stream = ads.streamAggregatedResources(null);
    DiscoveryRequest first = request(XdsTypes.CLUSTER, node("default.web-1"));
    DiscoveryRequest second = request(XdsTypes.LISTENER, node("default.web-1"));
    assertThat(second.getNode()).isNotSameAs(first.getNode());

    stream.onNext(first);
    stream.onNext(second);

    assertThat(handedOn).hasSize(2);
    assertThat(handedOn.get(0)).isSameAs(first);
    assertThat(handedOn.get(1)).isEqualTo(second);
    assertThat(handedOn.get(1).getNode()).isSameAs(first.getNode());
  }

  @Test
  void aChangedNodeIsHandedOnAsSentAndSharedFromThen() {
    StreamObserver<DiscoveryRequest> stream = ads.streamAggregatedResources(null);
    DiscoveryRequest first = request(XdsTypes.CLUSTER, node("default.web-1"));
    DiscoveryRequest changed = request(XdsTypes.CLUSTER, node("default.web-2"));
    DiscoveryRequest again = request(XdsTypes.LISTENER, node("default.web-2"));

    stream.onNext(first);
    stream.onNext(changed);
    stream.onNext(again);

    assertThat(handedOn.get(1)).isSameAs(changed);
    assertThat(handedOn.get(2)).isEqualTo(again);
    assertThat(handedOn.get(2).getNode()).isSameAs(changed.getNode());
  }

  @Test
  void streamsDoNotShareNodes() {
    StreamObserver<DiscoveryRequest> one = ads.streamAggregatedResources(null);
    StreamObserver<DiscoveryRequest> two = ads.streamAggregatedResources(null);
    DiscoveryRequest first = request(XdsTypes.CLUSTER, node("default.web-1"));
    DiscoveryRequest second = request(XdsTypes.CLUSTER, node("default.web-1"));

    one.onNext(first);
    two.onNext(second);

    assertThat(handedOn.get(1)).isSameAs(second);
  }

  @Test
  void aKnownTypeUrlIsTheOneStringOfXdsTypes() {
    StreamObserver<DiscoveryRequest> stream = ads.streamAggregatedResources(null);
    String parsed = new String(XdsTypes.ENDPOINT.toCharArray()); // as read off the wire
    DiscoveryRequest request = request(parsed, node("default.web-1"));

    stream.onNext(request);

    assertThat(handedOn.get(0)).isEqualTo(request);
    assertThat(handedOn.get(0).getTypeUrl()).isSameAs(XdsTypes.ENDPOINT);
  }

  @Test
  void requestsWithoutANodeAndTheStreamsEndPassThrough() {
    StreamObserver<DiscoveryRequest> stream = ads.streamAggregatedResources(null);
    stream.onNext(request(XdsTypes.CLUSTER, node("default.web-1")));
    DiscoveryRequest bare = DiscoveryRequest.newBuilder().setTypeUrl(XdsTypes.LISTENER).build();

    stream.onNext(bare);
    stream.onError(new IllegalStateException("gone"));
    stream.onCompleted();

    assertThat(handedOn.get(1)).isSameAs(bare);
    assertThat(ends).containsExactly("error gone", "completed");
  }

  private static DiscoveryRequest request(String typeUrl, Node node) {
    return DiscoveryRequest.newBuilder().setTypeUrl(typeUrl).setNode(node).build();
  }

  /** A node as Envoy sends it, built anew for every request (as parsing does). */
  private static Node node(String id) {
    return Node.newBuilder()
        .setId(id)
        .setCluster("web")
        .setMetadata(
            Struct.newBuilder()
                .putFields(
                    "meshfed.io/proxy-type", Value.newBuilder().setStringValue("sidecar").build()))
        .build();
  }
}
