package io.meshfed.global.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.api.ApiException;
import io.meshfed.api.ApiRequest;
import io.meshfed.api.ApiResponse;
import io.meshfed.api.ApiRoute;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.DiscoveryServiceStats;
import io.meshfed.model.spec.ZoneInsightSpec;
import io.meshfed.model.spec.ZoneSpec;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourceStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Zone overviews in Kuma's shapes: {@code GET /zones+insights} (a list of {@code {type:
 * ZoneOverview, name, creationTime, modificationTime, zone: {...}, zoneInsight: {...}}}, paged with
 * {@code size}/{@code offset}), {@code GET /zones+insights/{name}}, and {@code GET /status/zones}
 * ({@code [{name, active, status}]}, active = online and enabled, status = {@code Online}, {@code
 * Offline} or {@code Disabled}). Each overview also carries {@code kdsAcks}: per type, the last
 * response the zone acknowledged, from the stored {@code ZoneInsight} (so every replica answers the
 * same).
 */
public final class ZoneEndpoints {
  private static final List<String> COUNTERS =
      List.of("responsesSent", "responsesAcknowledged", "responsesRejected");

  private final ResourceStore store;
  private final ObjectMapper json;

  /**
   * @param store the global store
   * @param codec the codec (its JSON mapper renders specs)
   */
  public ZoneEndpoints(ResourceStore store, ResourceCodec codec) {
    this.store = store;
    this.json = codec.jsonMapper();
  }

  public List<ApiRoute> routes() {
    return List.of(
        ApiRoute.get("/zones+insights", this::list),
        ApiRoute.get("/zones+insights/{name}", this::one),
        // Kuma's current paths; /zones+insights is their legacy alias
        ApiRoute.get("/zones/_overview", this::list),
        ApiRoute.get("/zones/{name}/_overview", this::one),
        ApiRoute.get("/status/zones", this::status));
  }

  /** A zone with its insight (either may be missing). */
  private record Overview(String name, Resource zone, Resource insight) {
    boolean online() {
      return insight != null && insight.spec(ZoneInsightSpec.class).online();
    }

    boolean enabled() {
      return zone == null || zone.spec(ZoneSpec.class).enabledOrDefault();
    }
  }

  private List<Overview> overviews() throws Exception {
    List<Resource> zones = Await.of(store.list(ListQuery.all(StandardTypes.ZONE))).items();
    Map<String, Resource> insights = new HashMap<>();
    for (Resource r : Await.of(store.list(ListQuery.all(StandardTypes.ZONE_INSIGHT))).items()) {
      insights.put(r.name(), r);
    }
    return zones.stream().map(z -> new Overview(z.name(), z, insights.get(z.name()))).toList();
  }

  private ApiResponse list(ApiRequest request) throws Exception {
    List<Overview> all = overviews();
    int offset = intParam(request, "offset", 0);
    int size = intParam(request, "size", 0);
    int end = size == 0 ? all.size() : Math.min(all.size(), offset + size);
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("total", all.size());
    ArrayNode items = body.putArray("items");
    for (int i = Math.min(offset, all.size()); i < end; i++) {
      items.add(render(all.get(i)));
    }
    if (end < all.size()) {
      body.put(
          "next",
          request.baseUrl() + "/zones+insights?offset=" + end + (size > 0 ? "&size=" + size : ""));
    } else {
      body.putNull("next");
    }
    return ApiResponse.json(200, body);
  }

  private ApiResponse one(ApiRequest request) throws Exception {
    String name = request.pathParam("name");
    Optional<Resource> zone = Await.of(store.get(ResourceKey.global(StandardTypes.ZONE, name)));
    if (zone.isEmpty()) {
      throw ApiException.notFound("Zone '" + name + "' not found");
    }
    Optional<Resource> insight =
        Await.of(store.get(ResourceKey.global(StandardTypes.ZONE_INSIGHT, name)));
    return ApiResponse.json(200, render(new Overview(name, zone.get(), insight.orElse(null))));
  }

  private ApiResponse status(ApiRequest request) throws Exception {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    for (Overview o : overviews()) {
      ObjectNode item = out.addObject();
      item.put("name", o.name());
      item.put("active", o.online() && o.enabled());
      item.put("status", !o.enabled() ? "Disabled" : o.online() ? "Online" : "Offline");
    }
    return new ApiResponse(200, Map.of(), out, null, ApiResponse.JSON);
  }

  private ObjectNode render(Overview o) {
    ObjectNode item = JsonNodeFactory.instance.objectNode();
    item.put("type", "ZoneOverview");
    item.put("name", o.name());
    if (o.zone().meta().creationTime() != null) {
      item.put("creationTime", o.zone().meta().creationTime().toString());
    }
    if (o.zone().meta().modificationTime() != null) {
      item.put("modificationTime", o.zone().meta().modificationTime().toString());
    }
    item.set("zone", json.valueToTree(o.zone().spec()));
    item.set(
        "zoneInsight",
        o.insight() == null
            ? JsonNodeFactory.instance.objectNode()
            : countersAsStrings(json.valueToTree(o.insight().spec())));
    ObjectNode kdsAcks = item.putObject("kdsAcks");
    lastAcks(o.insight())
        .forEach(
            (type, ack) -> {
              ObjectNode a = kdsAcks.putObject(type);
              a.put("lastAckedVersion", ack.lastAckedVersion());
              a.put("lastAckTime", ack.lastAckTime().toString());
              if (ack.lastAckLatencySeconds() != null) {
                a.put("ackLatencySeconds", ack.lastAckLatencySeconds());
              }
            });
    return item;
  }

  /**
   * Per type, the newest ACK any subscription of the stored insight recorded: the same on every
   * replica and across restarts, whichever replica served the zone.
   */
  static Map<String, DiscoveryServiceStats> lastAcks(Resource insight) {
    Map<String, DiscoveryServiceStats> out = new TreeMap<>();
    if (insight == null) {
      return out;
    }
    for (ZoneInsightSpec.KdsSubscription sub :
        insight.spec(ZoneInsightSpec.class).subscriptions()) {
      if (sub == null || sub.status() == null) {
        continue;
      }
      sub.status()
          .stat()
          .forEach(
              (type, stats) -> {
                if (stats != null
                    && stats.lastAckTime() != null
                    && stats.lastAckedVersion() != null) {
                  out.merge(
                      type, stats, (a, b) -> b.lastAckTime().isAfter(a.lastAckTime()) ? b : a);
                }
              });
    }
    return out;
  }

  /**
   * Kuma renders the uint64 KDS counters of a subscription ({@code status.total} and {@code
   * status.stat.<type>}) as JSON strings (protobuf JSON); so does the overview.
   */
  private static ObjectNode countersAsStrings(ObjectNode insight) {
    for (JsonNode sub : insight.path("subscriptions")) {
      JsonNode status = sub.path("status");
      stringify(status.path("total"));
      status.path("stat").forEach(ZoneEndpoints::stringify);
    }
    return insight;
  }

  private static void stringify(JsonNode counters) {
    if (counters instanceof ObjectNode o) {
      for (String field : COUNTERS) {
        if (o.get(field) != null && o.get(field).isIntegralNumber()) {
          o.put(field, o.get(field).asText());
        }
      }
    }
  }

  private static int intParam(ApiRequest request, String name, int dflt) {
    Optional<String> v = request.queryParam(name);
    if (v.isEmpty()) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v.get());
      if (n < 0) {
        throw ApiException.badRequest(name, "must not be negative (got " + n + ")");
      }
      return n;
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(name, "'" + v.get() + "' is not a number");
    }
  }
}
