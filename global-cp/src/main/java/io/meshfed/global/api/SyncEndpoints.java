package io.meshfed.global.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.api.ApiException;
import io.meshfed.api.ApiRequest;
import io.meshfed.api.ApiResponse;
import io.meshfed.api.ApiRoute;
import io.meshfed.global.kds.SyncStatus;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.ResourceType;
import io.meshfed.model.TypeRegistry;
import io.meshfed.store.ResourceStore;
import java.util.List;
import java.util.Optional;

/**
 * Which zones hold which version of a resource: {@code GET /meshes/{mesh}/{plural}/{name}/_sync}
 * and {@code GET /{plural}/{name}/_sync} answer {@code {"resource": {type, mesh?, name}, "version":
 * <current content version>, "zones": [{zone, version, state, time, reason?, upToDate}]}}; 404 for
 * a resource that does not exist.
 */
public final class SyncEndpoints {
  private final ResourceStore store;
  private final TypeRegistry registry;
  private final SyncStatus status;

  public SyncEndpoints(ResourceStore store, TypeRegistry registry, SyncStatus status) {
    this.store = store;
    this.registry = registry;
    this.status = status;
  }

  public List<ApiRoute> routes() {
    return List.of(
        ApiRoute.get("/meshes/{mesh}/{plural}/{name}/_sync", this::meshScoped),
        ApiRoute.get("/{plural}/{name}/_sync", this::globalScoped));
  }

  private ResourceType type(String plural) {
    return registry
        .byPlural(plural)
        .orElseThrow(
            () ->
                ApiException.notFound(
                    "unknown resource type '"
                        + plural
                        + "' (expected one of "
                        + registry.all().stream().map(ResourceType::plural).toList()
                        + ")"));
  }

  private ApiResponse meshScoped(ApiRequest request) throws Exception {
    ResourceType type = type(request.pathParam("plural"));
    if (!type.isMeshScoped()) {
      throw ApiException.notFound(
          type.name()
              + " is global-scoped: its sync status is at /"
              + type.plural()
              + "/{name}/_sync");
    }
    return report(
        ResourceKey.inMesh(type.name(), request.pathParam("mesh"), request.pathParam("name")));
  }

  private ApiResponse globalScoped(ApiRequest request) throws Exception {
    ResourceType type = type(request.pathParam("plural"));
    if (type.isMeshScoped()) {
      throw ApiException.notFound(
          type.name()
              + " is mesh-scoped: its sync status is at /meshes/{mesh}/"
              + type.plural()
              + "/{name}/_sync");
    }
    return report(ResourceKey.global(type.name(), request.pathParam("name")));
  }

  private ApiResponse report(ResourceKey key) throws Exception {
    Optional<Resource> current = Await.of(store.get(key));
    if (current.isEmpty()) {
      throw ApiException.notFound(key + " not found");
    }
    String version = status.versionOf(current.get());
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    ObjectNode resource = body.putObject("resource");
    resource.put("type", key.type());
    if (key.mesh() != null) {
      resource.put("mesh", key.mesh());
    }
    resource.put("name", key.name());
    body.put("version", version);
    ArrayNode zones = body.putArray("zones");
    for (SyncStatus.ZoneSync z : Await.of(status.zonesOf(key))) {
      ObjectNode item = zones.addObject();
      item.put("zone", z.zone());
      item.put("version", z.version());
      item.put("state", z.state());
      if (z.time() != null) {
        item.put("time", z.time().toString());
      }
      if (z.reason() != null) {
        item.put("reason", z.reason());
      }
      item.put("upToDate", SyncStatus.ACKED.equals(z.state()) && z.version().equals(version));
    }
    return ApiResponse.json(200, body);
  }
}
