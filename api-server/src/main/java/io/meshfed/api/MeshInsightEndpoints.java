package io.meshfed.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.ResourceType;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.DataplaneInsightSpec;
import io.meshfed.model.spec.DiscoverySubscription;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourceStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code GET /mesh-insights[/{name}]}: one {@code MeshInsight} per mesh in Kuma's shape ({@code
 * dataplanes}, {@code dataplanesByType}, {@code policies}, {@code services}, {@code mTLS}, {@code
 * dpVersions}), computed from the store on each call: on global over the proxies of every zone, on
 * a zone over its own (and those global copied to it).
 */
public final class MeshInsightEndpoints {
  private static final String UNKNOWN = "unknown";

  private final ResourceStore store;
  private final TypeRegistry registry;
  private final ObjectMapper json;

  public MeshInsightEndpoints(ResourceStore store, ResourceCodec codec) {
    this.store = store;
    this.registry = codec.registry();
    this.json = codec.jsonMapper();
  }

  public List<ApiRoute> routes() {
    return List.of(
        ApiRoute.get("/mesh-insights", this::list),
        ApiRoute.get("/mesh-insights/{name}", this::one));
  }

  private ApiResponse list(ApiRequest request) throws Exception {
    List<ObjectNode> all = new ArrayList<>();
    for (Resource mesh :
        OverviewLists.await(store.list(ListQuery.all(StandardTypes.MESH))).items()) {
      all.add(insight(mesh));
    }
    return OverviewLists.page(request, "/mesh-insights", all);
  }

  private ApiResponse one(ApiRequest request) throws Exception {
    String name = request.pathParam("name");
    Optional<Resource> mesh =
        OverviewLists.await(store.get(ResourceKey.global(StandardTypes.MESH, name)));
    if (mesh.isEmpty()) {
      throw ApiException.notFound("MeshInsight '" + name + "' not found (no such mesh)");
    }
    return ApiResponse.json(200, insight(mesh.get()));
  }

  private ObjectNode insight(Resource mesh) throws Exception {
    List<ProxyStatus> proxies = proxies(store, mesh.name());
    ObjectNode item = OverviewLists.header("MeshInsight", mesh, json);
    DataplaneStat dataplanes = new DataplaneStat();
    DataplaneStat standard = new DataplaneStat();
    DataplaneStat gateway = new DataplaneStat();
    Map<String, DataplaneStat> issued = new TreeMap<>();
    Map<String, DataplaneStat> supported = new TreeMap<>();
    Map<String, DataplaneStat> dpVersions = new TreeMap<>();
    Map<String, DataplaneStat> envoyVersions = new TreeMap<>();
    Set<String> services = new TreeSet<>();
    for (ProxyStatus p : proxies) {
      ProxyStatus.State state = p.state();
      dataplanes.add(state);
      (p.gateway() ? gateway : standard).add(state);
      p.issuedBackend()
          .ifPresent(b -> issued.computeIfAbsent(b, k -> new DataplaneStat()).add(state));
      p.supportedBackends()
          .forEach(b -> supported.computeIfAbsent(b, k -> new DataplaneStat()).add(state));
      Optional<DiscoverySubscription.Version> v = p.version();
      String dp =
          v.map(DiscoverySubscription.Version::kumaDp)
              .map(DiscoverySubscription.DpVersion::version)
              .orElse(UNKNOWN);
      String envoy =
          v.map(DiscoverySubscription.Version::envoy)
              .map(DiscoverySubscription.EnvoyVersion::version)
              .orElse(UNKNOWN);
      dpVersions.computeIfAbsent(dp, k -> new DataplaneStat()).add(state);
      envoyVersions.computeIfAbsent(envoy, k -> new DataplaneStat()).add(state);
      p.spec().inbounds().stream()
          .filter(i -> i != null && i.service() != null)
          .forEach(i -> services.add(i.service()));
      p.spec().firstService().filter(s -> p.gateway()).ifPresent(services::add);
    }
    item.set("dataplanes", dataplanes.toJson());
    ObjectNode byType = item.putObject("dataplanesByType");
    byType.set("standard", standard.toJson());
    byType.set("gateway", gateway.toJson());
    ObjectNode policies = item.putObject("policies");
    for (ResourceType type : registry.meshScoped()) {
      if (type.name().equals(StandardTypes.DATAPLANE)
          || type.name().equals(StandardTypes.DATAPLANE_INSIGHT)) {
        continue;
      }
      long total =
          OverviewLists.await(
                  store.list(ListQuery.inMesh(type.name(), mesh.name()).page(0, 1).onlyVisible()))
              .total();
      if (total > 0) {
        policies.putObject(type.name()).put("total", total);
      }
    }
    ObjectNode versions = item.putObject("dpVersions");
    putStats(versions.putObject("kumaDp"), dpVersions);
    putStats(versions.putObject("envoy"), envoyVersions);
    ObjectNode mtls = item.putObject("mTLS");
    putStats(mtls.putObject("issuedBackends"), issued);
    putStats(mtls.putObject("supportedBackends"), supported);
    ObjectNode svc = item.putObject("services");
    svc.put("total", services.size());
    svc.put("internal", services.size());
    svc.put("external", 0);
    return item;
  }

  private static void putStats(ObjectNode into, Map<String, DataplaneStat> stats) {
    stats.forEach((k, v) -> into.set(k, v.toJson()));
  }

  /** The proxies of {@code mesh}, each with its insight (null when it never connected). */
  static List<ProxyStatus> proxies(ResourceStore store, String mesh) throws Exception {
    List<Resource> dps =
        OverviewLists.await(store.list(ListQuery.inMesh(StandardTypes.DATAPLANE, mesh))).items();
    Map<String, DataplaneInsightSpec> insights = new TreeMap<>();
    for (Resource r :
        OverviewLists.await(store.list(ListQuery.inMesh(StandardTypes.DATAPLANE_INSIGHT, mesh)))
            .items()) {
      insights.put(r.name(), r.spec(DataplaneInsightSpec.class));
    }
    return dps.stream().map(d -> new ProxyStatus(d, insights.get(d.name()))).toList();
  }
}
