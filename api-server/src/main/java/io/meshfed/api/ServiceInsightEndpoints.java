package io.meshfed.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.store.ResourceStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code GET /meshes/{mesh}/service-insights[/{name}]}: one {@code ServiceInsight} per {@code
 * kuma.io/service} of the mesh in Kuma's shape ({@code status}, {@code dataplanes}, {@code zones},
 * {@code issuedBackends}, {@code serviceType}), computed from the proxies and their insights on
 * each call. An inbound counts online when its proxy is connected and the inbound is ready. Status:
 * {@code online} when all are, {@code offline} when none is, else {@code partially_degraded}.
 */
public final class ServiceInsightEndpoints {
  private final ResourceStore store;

  public ServiceInsightEndpoints(ResourceStore store) {
    this.store = store;
  }

  public List<ApiRoute> routes() {
    return List.of(
        ApiRoute.get("/meshes/{mesh}/service-insights", this::list),
        ApiRoute.get("/meshes/{mesh}/service-insights/{name}", this::one));
  }

  /** What is counted for one service. */
  private static final class Service {
    final String type;
    int total;
    int online;
    final Set<String> zones = new TreeSet<>();
    final Map<String, Integer> issued = new TreeMap<>();

    Service(String type) {
      this.type = type;
    }

    String status() {
      if (total == 0) {
        return "not_available";
      }
      return online == total ? "online" : online == 0 ? "offline" : "partially_degraded";
    }
  }

  private Map<String, Service> services(String mesh) throws Exception {
    if (OverviewLists.await(store.get(ResourceKey.global(StandardTypes.MESH, mesh))).isEmpty()) {
      throw ApiException.notFound("Mesh '" + mesh + "' not found");
    }
    Map<String, Service> out = new TreeMap<>();
    for (ProxyStatus p : MeshInsightEndpoints.proxies(store, mesh)) {
      boolean connected = p.insight() != null && p.insight().online();
      if (p.gateway()) {
        String name = p.spec().firstService().orElse(null);
        if (name != null) {
          count(
              out.computeIfAbsent(name, k -> new Service("gateway_delegated")),
              p,
              connected,
              p.spec().networking().gateway().tags());
        }
        continue;
      }
      for (DataplaneSpec.Inbound in : p.spec().inbounds()) {
        if (in != null && in.service() != null) {
          count(
              out.computeIfAbsent(in.service(), k -> new Service("internal")),
              p,
              connected && in.ready(),
              in.tags());
        }
      }
    }
    return out;
  }

  private static void count(Service s, ProxyStatus p, boolean online, Map<String, String> tags) {
    s.total++;
    if (online) {
      s.online++;
    }
    if (tags.get(Tags.ZONE) != null) {
      s.zones.add(tags.get(Tags.ZONE));
    }
    p.issuedBackend().ifPresent(b -> s.issued.merge(b, 1, Integer::sum));
  }

  private ApiResponse list(ApiRequest request) throws Exception {
    String mesh = request.pathParam("mesh");
    List<ObjectNode> all = new ArrayList<>();
    services(mesh).forEach((name, s) -> all.add(render(mesh, name, s)));
    return OverviewLists.page(request, "/meshes/" + mesh + "/service-insights", all);
  }

  private ApiResponse one(ApiRequest request) throws Exception {
    String mesh = request.pathParam("mesh");
    String name = request.pathParam("name");
    Service s = services(mesh).get(name);
    if (s == null) {
      throw ApiException.notFound(
          "ServiceInsight '" + name + "' not found in mesh '" + mesh + "' (no proxy serves it)");
    }
    return ApiResponse.json(200, render(mesh, name, s));
  }

  private static ObjectNode render(String mesh, String name, Service s) {
    ObjectNode item = JsonNodeFactory.instance.objectNode();
    item.put("type", "ServiceInsight");
    item.put("mesh", mesh);
    item.put("name", name);
    item.put("status", s.status());
    ObjectNode dps = item.putObject("dataplanes");
    dps.put("total", s.total);
    dps.put("online", s.online);
    dps.put("offline", s.total - s.online);
    item.put("serviceType", s.type);
    s.zones.forEach(item.putArray("zones")::add);
    ObjectNode issued = item.putObject("issuedBackends");
    s.issued.forEach(issued::put);
    return item;
  }
}
