package io.meshfed.global.api;

import io.meshfed.api.ApiException;
import io.meshfed.api.ApiRequest;
import io.meshfed.api.ApiResponse;
import io.meshfed.api.ApiRoute;
import io.meshfed.kds.store.StoreKdsSink;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.Tags;
import io.meshfed.store.ResourceStore;
import java.util.List;

/**
 * The inspect routes of a zone's API ({@code /meshes/{mesh}/dataplanes/{name}/policies} and {@code
 * .../xds}) on global. Only the owning zone knows the answer (its view and its published
 * snapshots), and zones dial global, so global cannot call a zone's API; asking the zone over KDS
 * is not built yet. Until it is, a known dataplane gets a 501 naming its zone and the path to ask
 * there, an unknown one a 404; nothing pretends to answer.
 */
public final class RemoteInspectEndpoints {
  private final ResourceStore store;

  public RemoteInspectEndpoints(ResourceStore store) {
    this.store = store;
  }

  public List<ApiRoute> routes() {
    return List.of(
        ApiRoute.get("/meshes/{mesh}/dataplanes/{name}/policies", r -> answer(r, "policies")),
        ApiRoute.get("/meshes/{mesh}/dataplanes/{name}/xds", r -> answer(r, "xds")));
  }

  private ApiResponse answer(ApiRequest request, String view) throws Exception {
    String mesh = request.pathParam("mesh");
    String name = request.pathParam("name");
    Resource dataplane =
        Await.of(store.get(ResourceKey.inMesh(StandardTypes.DATAPLANE, mesh, name)))
            .orElseThrow(
                () ->
                    ApiException.notFound(
                        "Dataplane '" + name + "' not found in mesh '" + mesh + "'"));
    String zone = dataplane.labels().getOrDefault(Tags.ZONE, "?");
    String zoneName = dataplane.labels().getOrDefault(StoreKdsSink.NAME_LABEL, name);
    throw new ApiException(
        501,
        "Not Implemented",
        "not supported yet: ask the zone API: global does not relay "
            + view
            + " from zones yet; dataplane '"
            + name
            + "' belongs to zone '"
            + zone
            + "': GET /meshes/"
            + mesh
            + "/dataplanes/"
            + zoneName
            + "/"
            + view
            + " on that zone's API");
  }
}
