package io.meshfed.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.DataplaneInsightSpec;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.ZoneIngressInsightSpec;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourceStore;
import java.util.AbstractList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Proxies with their xDS status, in Kuma's shapes: {@code GET
 * /meshes/{mesh}/dataplanes+insights[/{name}]} ({@code {type: DataplaneOverview, mesh, name,
 * dataplane, dataplaneInsight}}) and {@code GET /zoneingresses+insights[/{name}]} ({@code {type:
 * ZoneIngressOverview, name, zoneIngress, zoneIngressInsight}}). Each overview adds {@code online}:
 * true while the proxy has an open xDS stream to its zone control plane; a proxy with no insight
 * never connected and is offline. Lists take {@code size} and {@code offset}.
 */
public final class ProxyOverviewEndpoints {
  private final ResourceStore store;
  private final ObjectMapper json;

  public ProxyOverviewEndpoints(ResourceStore store, ResourceCodec codec) {
    this.store = store;
    this.json = codec.jsonMapper();
  }

  public List<ApiRoute> routes() {
    return List.of(
        ApiRoute.get("/meshes/{mesh}/dataplanes+insights", this::dataplanes),
        ApiRoute.get("/meshes/{mesh}/dataplanes+insights/{name}", this::dataplane),
        ApiRoute.get("/zoneingresses+insights", this::ingresses),
        ApiRoute.get("/zoneingresses+insights/{name}", this::ingress));
  }

  private ApiResponse dataplanes(ApiRequest request) throws Exception {
    String mesh = request.pathParam("mesh");
    DataplaneFilter filter = DataplaneFilter.from(request);
    List<Resource> dps =
        await(store.list(ListQuery.inMesh(StandardTypes.DATAPLANE, mesh))).items().stream()
            .filter(d -> filter.matches(d.spec(DataplaneSpec.class)))
            .toList();
    Map<String, Resource> insights =
        byName(await(store.list(ListQuery.inMesh(StandardTypes.DATAPLANE_INSIGHT, mesh))).items());
    // Rendered lazily: only the requested page is turned into JSON (the GUI asks for 50 of
    // thousands every 2 s).
    List<ObjectNode> overviews =
        new AbstractList<>() {
          @Override
          public ObjectNode get(int i) {
            Resource d = dps.get(i);
            return dataplaneOverview(d, insights.get(d.name()));
          }

          @Override
          public int size() {
            return dps.size();
          }
        };
    return page(request, "/meshes/" + mesh + "/dataplanes+insights", overviews);
  }

  private ApiResponse dataplane(ApiRequest request) throws Exception {
    String mesh = request.pathParam("mesh");
    String name = request.pathParam("name");
    Optional<Resource> dp =
        await(store.get(ResourceKey.inMesh(StandardTypes.DATAPLANE, mesh, name)));
    if (dp.isEmpty()) {
      throw ApiException.notFound("Dataplane '" + name + "' not found in mesh '" + mesh + "'");
    }
    Optional<Resource> insight =
        await(store.get(ResourceKey.inMesh(StandardTypes.DATAPLANE_INSIGHT, mesh, name)));
    return ApiResponse.json(200, dataplaneOverview(dp.get(), insight.orElse(null)));
  }

  private ApiResponse ingresses(ApiRequest request) throws Exception {
    List<Resource> all = await(store.list(ListQuery.all(StandardTypes.ZONE_INGRESS))).items();
    Map<String, Resource> insights =
        byName(await(store.list(ListQuery.all(StandardTypes.ZONE_INGRESS_INSIGHT))).items());
    return page(
        request,
        "/zoneingresses+insights",
        all.stream().map(z -> ingressOverview(z, insights.get(z.name()))).toList());
  }

  private ApiResponse ingress(ApiRequest request) throws Exception {
    String name = request.pathParam("name");
    Optional<Resource> z = await(store.get(ResourceKey.global(StandardTypes.ZONE_INGRESS, name)));
    if (z.isEmpty()) {
      throw ApiException.notFound("ZoneIngress '" + name + "' not found");
    }
    Optional<Resource> insight =
        await(store.get(ResourceKey.global(StandardTypes.ZONE_INGRESS_INSIGHT, name)));
    return ApiResponse.json(200, ingressOverview(z.get(), insight.orElse(null)));
  }

  private ObjectNode dataplaneOverview(Resource dp, Resource insight) {
    ObjectNode item = header("DataplaneOverview", dp);
    item.put("mesh", dp.mesh());
    item.put("online", insight != null && insight.spec(DataplaneInsightSpec.class).online());
    item.set("dataplane", json.valueToTree(dp.spec()));
    item.set(
        "dataplaneInsight",
        insight == null ? JsonNodeFactory.instance.objectNode() : json.valueToTree(insight.spec()));
    return item;
  }

  private ObjectNode ingressOverview(Resource z, Resource insight) {
    ObjectNode item = header("ZoneIngressOverview", z);
    item.put("online", insight != null && insight.spec(ZoneIngressInsightSpec.class).online());
    item.set("zoneIngress", json.valueToTree(z.spec()));
    item.set(
        "zoneIngressInsight",
        insight == null ? JsonNodeFactory.instance.objectNode() : json.valueToTree(insight.spec()));
    return item;
  }

  private ObjectNode header(String type, Resource r) {
    return OverviewLists.header(type, r, json);
  }

  private static ApiResponse page(ApiRequest request, String path, List<ObjectNode> all) {
    return OverviewLists.page(request, path, all);
  }

  private static Map<String, Resource> byName(List<Resource> items) {
    Map<String, Resource> out = new HashMap<>();
    items.forEach(r -> out.put(r.name(), r));
    return out;
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    return OverviewLists.await(future);
  }
}
