package io.meshfed.zone.xds;

import io.meshfed.api.ApiException;
import io.meshfed.api.ApiRequest;
import io.meshfed.api.ApiResponse;
import io.meshfed.api.ReplicaHop;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneInsightSpec;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ha.LeasedKeys;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands an inspect request about a proxy whose xDS stream is not on this replica to the replica of
 * the zone that holds it ({@link ProxyOwner}), one hop, and answers what that replica answered. The
 * hop carries the caller's {@code Authorization} header, or, when the caller sent none (global's
 * relayed requests, an anonymous admin on loopback), a token this replica signs for that one path.
 *
 * <p>Answers: the owner's answer; 404 (the {@code notHere} error) when no replica holds the proxy's
 * stream or this one is named but has nothing published yet; 503 when the replica named is not live
 * or does not answer within the hop's timeout, and when a request already forwarded once finds the
 * proxy elsewhere (one hop at most). Stateless; thread-safe.
 */
final class ProxyStreamForwarder {
  private static final Logger log = LoggerFactory.getLogger(ProxyStreamForwarder.class);

  /**
   * A request as the hop needs it.
   *
   * @param path the decoded path asked
   * @param authorization the caller's {@code Authorization} header, if any
   * @param forwardedBy the replica that forwarded it here, if it was forwarded
   */
  record Asked(
      String path,
      Map<String, List<String>> query,
      Optional<String> authorization,
      Optional<String> forwardedBy) {

    static Asked of(ApiRequest request) {
      return new Asked(
          request.path(),
          request.query(),
          request.header("Authorization"),
          request.header(ReplicaHop.FORWARDED_BY));
    }

    /** Global's relayed request: no caller header, not forwarded. */
    static Asked relayed(String path) {
      return new Asked(path, Map.of(), Optional.empty(), Optional.empty());
    }
  }

  private final String zone;
  private final String self;
  private final ResourceStore store;
  private final LeasedKeys instances;
  private final ReplicaHop hop;
  private final UnaryOperator<String> tokenFor;

  /**
   * @param self this replica's instance id
   * @param instances the zone's registry of live replicas ({@code instances})
   * @param tokenFor this replica's token for a path, sent when the caller sent no authorization
   */
  ProxyStreamForwarder(
      String zone,
      String self,
      ResourceStore store,
      LeasedKeys instances,
      ReplicaHop hop,
      UnaryOperator<String> tokenFor) {
    this.zone = zone;
    this.self = self;
    this.store = store;
    this.instances = instances;
    this.hop = hop;
    this.tokenFor = tokenFor;
  }

  /**
   * The answer of the replica holding the stream of dataplane {@code mesh/name}, asked because this
   * one has nothing published for it.
   *
   * @param notHere the answer when no replica holds the proxy, or this one does
   */
  ApiResponse forward(Asked asked, String mesh, String name, ApiException notHere)
      throws InterruptedException {
    ProxyOwner owner = owner(mesh, name);
    if (asked.forwardedBy().isPresent()) {
      if (owner.kind() == ProxyOwner.Kind.NONE) {
        throw notHere;
      }
      throw unavailable(
          "dataplane '"
              + name
              + "' of mesh '"
              + mesh
              + "' has no xDS config on replica "
              + self
              + " either (its insight names "
              + owner.instanceId()
              + "; request forwarded by "
              + asked.forwardedBy().get()
              + ", forwarded at most once)");
    }
    return switch (owner.kind()) {
      case NONE, LOCAL -> throw notHere;
      case GONE ->
          throw unavailable(
              "dataplane '"
                  + name
                  + "' of mesh '"
                  + mesh
                  + "' is connected to replica "
                  + owner.instanceId()
                  + " of zone '"
                  + zone
                  + "', which is not live (its registration expired); its proxy should reconnect"
                  + " to another replica");
      case REMOTE -> hop(asked, owner, name);
    };
  }

  private ApiResponse hop(Asked asked, ProxyOwner owner, String name) throws InterruptedException {
    Optional<String> authorization =
        asked.authorization().or(() -> Optional.of("Bearer " + tokenFor.apply(asked.path())));
    try {
      return hop.get(owner.apiUrl(), asked.path(), asked.query(), self, authorization);
    } catch (IOException e) {
      log.info(
          "zone={}: inspect of {} forwarded to replica {} at {} failed: {}",
          zone,
          name,
          owner.instanceId(),
          owner.apiUrl(),
          e.toString());
      throw unavailable(
          "dataplane '"
              + name
              + "' is connected to replica "
              + owner.instanceId()
              + " ("
              + owner.apiUrl()
              + ") of zone '"
              + zone
              + "', which did not answer within "
              + hop.timeout().toSeconds()
              + "s: "
              + e);
    }
  }

  private ProxyOwner owner(String mesh, String name) throws InterruptedException {
    Optional<DataplaneInsightSpec> insight =
        await(
                store.get(ResourceKey.inMesh(StandardTypes.DATAPLANE_INSIGHT, mesh, name)),
                "DataplaneInsight " + mesh + "/" + name)
            .map(r -> r.spec(DataplaneInsightSpec.class));
    Map<String, String> live =
        insight.isPresent() ? await(instances.list(), "the zone's live replicas") : Map.of();
    return ProxyOwner.of(insight, self, live);
  }

  private <T> T await(CompletableFuture<T> read, String what) throws InterruptedException {
    try {
      return read.get(hop.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw unavailable(
          "cannot read " + what + " to find the replica holding the proxy's stream: " + cause);
    }
  }

  private static ApiException unavailable(String detail) {
    return new ApiException(503, "Service Unavailable", detail);
  }
}
