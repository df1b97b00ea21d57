package io.meshfed.testing;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * An xDS client that behaves like Envoy on a state-of-the-world ADS stream, for tests and
 * benchmarks that need many proxies or a NACK on purpose: it subscribes to clusters and listeners,
 * then to the endpoints of every EDS cluster it was sent, and acknowledges each response (or
 * rejects the next response of a type when told to). It holds only versions and counts, not the
 * resources.
 */
public final class SimulatedEnvoy implements AutoCloseable {
  public static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  public static final String ENDPOINT =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  public static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";

  private final Node node;
  private final StreamObserver<DiscoveryRequest> requests;
  private final Map<String, String> acked = new ConcurrentHashMap<>();
  private final Map<String, String> rejectNext = new ConcurrentHashMap<>();
  private final AtomicInteger responses = new AtomicInteger();
  private final AtomicInteger rejected = new AtomicInteger();
  private final AtomicReference<Throwable> error = new AtomicReference<>();
  private final BiConsumer<String, String> onAck;
  private volatile Set<String> edsClusters = Set.of();

  private SimulatedEnvoy(
      Channel channel,
      String nodeId,
      Map<String, String> metadata,
      BiConsumer<String, String> onAck) {
    Struct.Builder md = Struct.newBuilder();
    metadata.forEach((k, v) -> md.putFields(k, Value.newBuilder().setStringValue(v).build()));
    this.node = Node.newBuilder().setId(nodeId).setCluster(nodeId).setMetadata(md).build();
    this.onAck = onAck;
    this.requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .streamAggregatedResources(new ResponseObserver());
  }

  /**
   * Opens an ADS stream as node {@code nodeId} with {@code metadata} and subscribes to clusters and
   * listeners. {@code onAck} is called with (type URL, version) after each acknowledgement is sent.
   */
  public static SimulatedEnvoy connect(
      Channel channel,
      String nodeId,
      Map<String, String> metadata,
      BiConsumer<String, String> onAck) {
    SimulatedEnvoy envoy = new SimulatedEnvoy(channel, nodeId, metadata, onAck);
    envoy.send(CLUSTER, List.of(), "", "", null);
    envoy.send(LISTENER, List.of(), "", "", null);
    return envoy;
  }

  /** Rejects the next response of {@code typeUrl} with {@code reason}. */
  public void rejectNext(String typeUrl, String reason) {
    rejectNext.put(typeUrl, reason);
  }

  /** The last version acknowledged per type URL. */
  public Map<String, String> ackedVersions() {
    return Map.copyOf(acked);
  }

  public int responses() {
    return responses.get();
  }

  public int rejected() {
    return rejected.get();
  }

  /** Why the stream ended, or null while it is open. */
  public Throwable error() {
    return error.get();
  }

  /**
   * Sends a request for {@code names} of {@code typeUrl}: a subscription or an ACK of {@code
   * version}, or, with a {@code rejection} reason, a NACK (INVALID_ARGUMENT) that keeps {@code
   * version} as the last accepted one.
   */
  private synchronized void send(
      String typeUrl, List<String> names, String version, String nonce, String rejection) {
    DiscoveryRequest.Builder request =
        DiscoveryRequest.newBuilder()
            .setNode(node)
            .setTypeUrl(typeUrl)
            .addAllResourceNames(names)
            .setVersionInfo(version)
            .setResponseNonce(nonce);
    if (rejection != null) {
      request.setErrorDetail(Status.newBuilder().setCode(3).setMessage(rejection));
    }
    requests.onNext(request.build());
  }

  private final class ResponseObserver implements StreamObserver<DiscoveryResponse> {
    @Override
    public void onNext(DiscoveryResponse response) {
      responses.incrementAndGet();
      String type = response.getTypeUrl();
      List<String> names = type.equals(ENDPOINT) ? List.copyOf(edsClusters) : List.of();
      String reason = rejectNext.remove(type);
      if (reason != null) {
        rejected.incrementAndGet();
        send(type, names, acked.getOrDefault(type, ""), response.getNonce(), reason);
        return;
      }
      acked.put(type, response.getVersionInfo());
      send(type, names, response.getVersionInfo(), response.getNonce(), null);
      onAck.accept(type, response.getVersionInfo());
      if (type.equals(CLUSTER)) {
        Set<String> eds = new TreeSet<>();
        for (com.google.protobuf.Any any : response.getResourcesList()) {
          try {
            Cluster c = any.unpack(Cluster.class);
            if (c.getType() == Cluster.DiscoveryType.EDS) {
              eds.add(c.getName());
            }
          } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("bad cluster in response", e);
          }
        }
        if (!eds.equals(edsClusters)) {
          edsClusters = Set.copyOf(eds);
          send(ENDPOINT, List.copyOf(eds), acked.getOrDefault(ENDPOINT, ""), "", null);
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      error.set(t);
    }

    @Override
    public void onCompleted() {
      error.set(new IllegalStateException("server closed the stream"));
    }
  }

  @Override
  public void close() {
    try {
      requests.onCompleted();
    } catch (RuntimeException e) {
      // already closed
    }
  }
}
