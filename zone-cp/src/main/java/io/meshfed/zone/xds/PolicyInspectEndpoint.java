package io.meshfed.zone.xds;

import io.meshfed.api.ApiRequest;
import io.meshfed.api.ApiResponse;
import io.meshfed.api.ApiRoute;
import io.meshfed.api.PolicyTypes;
import io.meshfed.model.Resource;
import io.meshfed.model.TypeRegistry;
import io.meshfed.store.ResourceStore;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.sidecar.PolicyDataplanes;

/**
 * {@code GET /meshes/{mesh}/{plural}/{name}/dataplanes} on a zone: the zone's sidecars the policy
 * applies to and where ({@code kumactl inspect <policy> NAME}), computed by {@link
 * PolicyDataplanes} over the view the config builds read, in Kuma's {@code PolicyInspectEntryList}
 * shape. 404 for a type that is not a policy, a policy or mesh that does not exist; 503 while the
 * zone has not loaded its resources.
 */
final class PolicyInspectEndpoint {
  private final ConfigPublisher publisher;
  private final ResourceStore store;
  private final TypeRegistry registry;

  PolicyInspectEndpoint(ConfigPublisher publisher, ResourceStore store, TypeRegistry registry) {
    this.publisher = publisher;
    this.store = store;
    this.registry = registry;
  }

  ApiRoute route() {
    return ApiRoute.get(PolicyTypes.DATAPLANES_OF_POLICY, this::dataplanes);
  }

  private ApiResponse dataplanes(ApiRequest request) throws Exception {
    Resource policy = PolicyTypes.policyOf(request, registry, store);
    MeshState state = DataplaneInspectEndpoints.meshState(publisher, policy.mesh());
    return ApiResponse.json(
        200, PolicyDataplanes.toJson(PolicyDataplanes.of(state, policy.type(), policy.name())));
  }
}
