package io.meshfed.global.api;

import io.meshfed.api.ApiException;
import io.meshfed.api.ApiRequest;
import io.meshfed.api.ApiResponse;
import io.meshfed.api.ApiRoute;
import io.meshfed.api.PolicyTypes;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.spec.Tags;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourceStore;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.sidecar.PolicyDataplanes;
import io.meshfed.xds.sidecar.SidecarGenerator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /meshes/{mesh}/{plural}/{name}/dataplanes} on global ({@code kumactl inspect <policy>
 * NAME}): the sidecars of every zone the policy applies to, and where, in Kuma's {@code
 * PolicyInspectEntryList} shape, as {@code <zone>.<name>}. Global holds every zone's dataplanes and
 * ingresses and the policies it sends them, so it runs the zones' own matcher ({@link
 * PolicyDataplanes}) over one state per zone built from its store, without asking the zones; zones
 * ordered by name. What a zone has not received yet (a policy just written) it may not apply yet:
 * its own API answers for what it applies now.
 */
public final class PolicyInspectEndpoint {
  private final ResourceStore store;
  private final TypeRegistry registry;

  public PolicyInspectEndpoint(ResourceStore store, TypeRegistry registry) {
    this.store = store;
    this.registry = registry;
  }

  public ApiRoute route() {
    return ApiRoute.get(PolicyTypes.DATAPLANES_OF_POLICY, this::dataplanes);
  }

  private ApiResponse dataplanes(ApiRequest request) throws Exception {
    Resource policy = PolicyTypes.policyOf(request, registry, store);
    String mesh = policy.mesh();
    Resource meshResource =
        Await.of(store.get(ResourceKey.global(StandardTypes.MESH, mesh)))
            .orElseThrow(() -> ApiException.notFound("Mesh '" + mesh + "' not found"));
    Map<String, List<Resource>> byZone = new TreeMap<>();
    for (Resource dp : list(StandardTypes.DATAPLANE, mesh)) {
      String zone = dp.labels().get(Tags.ZONE);
      if (zone != null) {
        byZone.computeIfAbsent(zone, z -> new ArrayList<>()).add(dp);
      }
    }
    List<Resource> ingresses =
        Await.of(store.list(ListQuery.all(StandardTypes.ZONE_INGRESS))).items();
    List<Resource> permissions = list(StandardTypes.TRAFFIC_PERMISSION, mesh);
    List<Resource> routes = list(StandardTypes.TRAFFIC_ROUTE, mesh);
    Map<String, List<Resource>> policies = new HashMap<>();
    for (String type : SidecarGenerator.CONNECTION_POLICY_TYPES) {
      policies.put(type, list(type, mesh));
    }
    List<PolicyDataplanes.Affected> affected = new ArrayList<>();
    byZone.forEach(
        (zone, dataplanes) ->
            affected.addAll(
                PolicyDataplanes.of(
                    new MeshState(
                        zone, meshResource, dataplanes, ingresses, permissions, routes, policies),
                    policy.type(),
                    policy.name())));
    return ApiResponse.json(200, PolicyDataplanes.toJson(affected));
  }

  private List<Resource> list(String type, String mesh) throws Exception {
    return Await.of(store.list(ListQuery.inMesh(type, mesh))).items();
  }
}
