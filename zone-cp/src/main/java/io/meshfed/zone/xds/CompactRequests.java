package io.meshfed.zone.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.Objects;

/**
 * A decorator of java-control-plane's ADS service that hands it requests holding less memory.
 * java-control-plane keeps each stream's last request of every type (in its watch and its last
 * response) for as long as the stream is open, and Envoy repeats its node in every request: this
 * gives the requests of one stream that carry an equal node one node instance, and their type URL
 * the one string of {@link XdsTypes}. The requests read the same; only which objects hold their
 * values changes.
 *
 * <p>Confinement, per stream: its requests arrive one at a time (gRPC's inbound calls, and {@link
 * ClosableAds} around this), so the node a stream last sent is plain state of its observer.
 */
final class CompactRequests extends AggregatedDiscoveryServiceImplBase {
  private static final Map<String, String> TYPE_URLS =
      Map.of(
          XdsTypes.CLUSTER, XdsTypes.CLUSTER,
          XdsTypes.ENDPOINT, XdsTypes.ENDPOINT,
          XdsTypes.LISTENER, XdsTypes.LISTENER,
          XdsTypes.ROUTE, XdsTypes.ROUTE,
          XdsTypes.SECRET, XdsTypes.SECRET);

  private final AggregatedDiscoveryServiceImplBase delegate;

  CompactRequests(AggregatedDiscoveryServiceImplBase delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  @Override
  public StreamObserver<DiscoveryRequest> streamAggregatedResources(
      StreamObserver<DiscoveryResponse> responses) {
    return new Requests(delegate.streamAggregatedResources(responses));
  }

  @Override
  public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(
      StreamObserver<DeltaDiscoveryResponse> responses) {
    return delegate.deltaAggregatedResources(responses);
  }

  /** One stream's requests on their way to java-control-plane. */
  private static final class Requests implements StreamObserver<DiscoveryRequest> {
    private final StreamObserver<DiscoveryRequest> delegate;
    private Node node; // the node of the stream's last request that carried one

    Requests(StreamObserver<DiscoveryRequest> delegate) {
      this.delegate = delegate;
    }

    @Override
    public void onNext(DiscoveryRequest request) {
      delegate.onNext(compact(request));
    }

    @Override
    public void onError(Throwable t) {
      delegate.onError(t);
    }

    @Override
    public void onCompleted() {
      delegate.onCompleted();
    }

    private DiscoveryRequest compact(DiscoveryRequest request) {
      Node sent = request.getNode();
      Node shared = sent;
      if (request.hasNode()) {
        if (node != null && node != sent && node.equals(sent)) {
          shared = node;
        } else {
          node = sent;
        }
      }
      String typeUrl = request.getTypeUrl();
      String canonical = TYPE_URLS.getOrDefault(typeUrl, typeUrl);
      if (shared == sent && canonical == typeUrl) {
        return request;
      }
      return rebuilt(request, shared, canonical);
    }
  }

  private static DiscoveryRequest rebuilt(DiscoveryRequest request, Node node, String typeUrl) {
    DiscoveryRequest.Builder b = request.toBuilder().setTypeUrl(typeUrl);
    if (request.hasNode()) {
      b.setNode(node);
    }
    return b.build();
  }
}
