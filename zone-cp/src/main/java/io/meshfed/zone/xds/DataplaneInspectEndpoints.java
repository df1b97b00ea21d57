package io.meshfed.zone.xds;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.meshfed.api.ApiException;
import io.meshfed.api.ApiRequest;
import io.meshfed.api.ApiResponse;
import io.meshfed.api.ApiRoute;
import io.meshfed.kds.InspectViews;
import io.meshfed.model.Resource;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.sidecar.DataplanePolicies;
import io.meshfed.zone.auth.ReplicaTokens;
import io.meshfed.zone.kds.DataplaneViews;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the zone applies to one of its sidecars, in the shapes of Kuma's inspect API:
 *
 * <ul>
 *   <li>{@code GET /meshes/{mesh}/dataplanes/{name}/policies}: {@code {total, kind:
 *       SidecarDataplane, items: [{type: inbound|outbound|service, name, service, matchedPolicies:
 *       {TYPE: [resource]}}]}}, computed by {@link DataplanePolicies} from the view the config
 *       builds read.
 *   <li>{@code GET /meshes/{mesh}/dataplanes/{name}/xds}: the snapshot last published to the proxy
 *       as an Envoy config dump (see {@link ConfigDumps}; private keys redacted); 404 while the
 *       proxy is not connected, since nothing is being sent to it then. With several replicas of
 *       the zone, a proxy connected to another replica is asked of that one ({@link
 *       ProxyStreamForwarder}).
 * </ul>
 *
 * <p>The same views answer global's relayed requests ({@link DataplaneViews}, see {@link
 * io.meshfed.zone.kds.InspectResponder}).
 */
final class DataplaneInspectEndpoints implements DataplaneViews {
  static final String POLICIES = "/meshes/{mesh}/dataplanes/{name}/policies";
  static final String XDS = "/meshes/{mesh}/dataplanes/{name}/xds";
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final ConfigPublisher publisher;
  private final ResourceCodec codec;
  private final ProxyStreamForwarder forwarder;

  /** One replica: a proxy not connected here is not connected at all. */
  DataplaneInspectEndpoints(ConfigPublisher publisher, ResourceCodec codec) {
    this(publisher, codec, null);
  }

  /**
   * Replicas of the zone: the xDS view of a proxy connected to another replica is asked of that
   * replica ({@code forwarder}, one hop). The policies view needs no hop: every replica computes it
   * from the shared store.
   */
  DataplaneInspectEndpoints(
      ConfigPublisher publisher, ResourceCodec codec, ProxyStreamForwarder forwarder) {
    this.publisher = publisher;
    this.codec = codec;
    this.forwarder = forwarder;
  }

  List<ApiRoute> routes() {
    return List.of(
        ApiRoute.get(
            POLICIES,
            r -> {
              checkPath(r);
              return policies(r.pathParam("mesh"), r.pathParam("name"));
            }),
        ApiRoute.get(
            XDS,
            r -> {
              checkPath(r);
              return xds(
                  ProxyStreamForwarder.Asked.of(r), r.pathParam("mesh"), r.pathParam("name"));
            }));
  }

  /** A replica's token is good for the one path it was signed for. */
  private static void checkPath(ApiRequest request) {
    if (!ReplicaTokens.allows(request.principal(), request.path())) {
      throw new ApiException(
          403,
          "Forbidden",
          request.principal().name() + " may not read " + request.path() + " with that token");
    }
  }

  @Override
  public ApiResponse view(String type, String mesh, String name) throws Exception {
    return switch (type) {
      case InspectViews.POLICIES -> policies(mesh, name);
      case InspectViews.XDS ->
          xds(
              ProxyStreamForwarder.Asked.relayed(
                  "/meshes/" + mesh + "/dataplanes/" + name + "/xds"),
              mesh,
              name);
      default ->
          throw ApiException.notFound(
              "no inspect view '" + type + "' (expected one of " + InspectViews.ALL + ")");
    };
  }

  private ApiResponse policies(String mesh, String name) throws Exception {
    MeshState state = meshState(mesh);
    Resource dataplane = dataplane(state, mesh, name);
    List<DataplanePolicies.Attachment> attachments;
    try {
      attachments = DataplanePolicies.of(state, dataplane);
    } catch (IllegalArgumentException e) {
      throw new ApiException(
          409, "Conflict", "Dataplane '" + name + "' cannot be configured: " + e.getMessage());
    }
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("total", attachments.size());
    body.put("kind", "SidecarDataplane");
    ArrayNode items = body.putArray("items");
    for (DataplanePolicies.Attachment a : attachments) {
      ObjectNode item = items.addObject();
      item.put("type", a.kind().wireName());
      item.put("name", a.name());
      item.put("service", a.service());
      ObjectNode matched = item.putObject("matchedPolicies");
      for (Map.Entry<String, List<Resource>> e : a.matched().entrySet()) {
        ArrayNode list = matched.putArray(e.getKey());
        e.getValue().forEach(p -> list.add(codec.toTree(p)));
      }
    }
    return ApiResponse.json(200, body);
  }

  private ApiResponse xds(ProxyStreamForwarder.Asked asked, String mesh, String name)
      throws Exception {
    dataplane(meshState(mesh), mesh, name);
    Optional<Snapshot> snapshot =
        publisher.publishedSnapshot(new ProxyId(ProxyId.Kind.SIDECAR, mesh, name));
    if (snapshot.isPresent()) {
      return ApiResponse.json(200, ConfigDumps.of(snapshot.get()));
    }
    ApiException notConnected =
        ApiException.notFound(
            "Dataplane '"
                + name
                + "' of mesh '"
                + mesh
                + "' has no xDS config: its proxy is not connected to this zone (or its first"
                + " config is still being built)");
    if (forwarder == null) {
      throw notConnected;
    }
    return forwarder.forward(asked, mesh, name, notConnected);
  }

  private MeshState meshState(String mesh) throws Exception {
    return meshState(publisher, mesh);
  }

  /**
   * The state of {@code mesh} that {@code publisher}'s last build read: 404 when the mesh does not
   * exist, 503 while the zone has not loaded its resources or the builder does not answer.
   */
  static MeshState meshState(ConfigPublisher publisher, String mesh) throws Exception {
    Optional<MeshState> state;
    try {
      state = publisher.meshState(mesh).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IllegalStateException notReady) {
        throw new ApiException(503, "Service Unavailable", notReady.getMessage());
      }
      throw e;
    } catch (TimeoutException e) {
      throw new ApiException(
          503,
          "Service Unavailable",
          "the zone's config builder did not answer within " + TIMEOUT.toSeconds() + "s");
    }
    return state.orElseThrow(() -> ApiException.notFound("Mesh '" + mesh + "' not found"));
  }

  private static Resource dataplane(MeshState state, String mesh, String name) {
    return state
        .index()
        .dataplane(name)
        .orElseThrow(
            () ->
                ApiException.notFound(
                    "Dataplane '" + name + "' not found in mesh '" + mesh + "' of this zone"));
  }
}
