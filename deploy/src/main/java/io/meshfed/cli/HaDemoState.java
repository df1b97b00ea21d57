package io.meshfed.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What {@code meshfed demo --ha} compares before and after its rolling restart, read from the REST
 * APIs: resource counts (meshes and policies on global, each zone's dataplanes and ingresses on
 * global, the dataplanes every replica of a zone holds) and the insights' open subscriptions
 * (connected, not disconnected), split by whether the control plane instance that holds them was
 * stopped.
 */
final class HaDemoState {
  private static final ObjectMapper JSON = new ObjectMapper();

  private HaDemoState() {}

  /** Resource counts by name; -1 where an API did not answer. */
  static Map<String, Integer> counts(
      List<HaDemoProcesses.ControlPlane> globals, List<HaDemo.Zone> zones) {
    String g = globals.get(0).api();
    Map<String, Integer> counts = new TreeMap<>();
    counts.put("global meshes", json(g, "/meshes").path("total").asInt(-1));
    for (String policy : List.of("traffic-routes", "traffic-permissions")) {
      counts.put("global " + policy, json(g, "/meshes/default/" + policy).path("total").asInt(-1));
    }
    JsonNode globalDps = json(g, "/meshes/default/dataplanes").path("items");
    JsonNode globalIngresses = json(g, "/zoneingresses").path("items");
    for (HaDemo.Zone z : zones) {
      counts.put("global dataplanes of " + z.name(), inZone(globalDps, z.name()));
      counts.put("global zone-ingresses of " + z.name(), inZone(globalIngresses, z.name()));
      Set<Integer> onReplicas = new java.util.TreeSet<>();
      for (HaDemoProcesses.ControlPlane r : z.replicas()) {
        onReplicas.add(json(r.api(), "/meshes/default/dataplanes").path("total").asInt(-1));
      }
      // one count when the replicas agree, else -1
      counts.put(
          z.name() + " dataplanes on each replica",
          onReplicas.size() == 1 ? onReplicas.iterator().next() : -1);
    }
    return counts;
  }

  /**
   * Every API answered, the replicas of each zone agree, and global holds as many dataplanes of
   * each zone as the zone (and more than none).
   */
  static boolean synced(Map<String, Integer> counts, List<HaDemo.Zone> zones) {
    for (HaDemo.Zone z : zones) {
      int onZone = counts.get(z.name() + " dataplanes on each replica");
      if (onZone <= 0 || counts.get("global dataplanes of " + z.name()) != onZone) {
        return false;
      }
    }
    return !counts.containsValue(-1);
  }

  /** Open subscriptions by insight ({@code ZoneInsight}, {@code DataplaneInsight on zone-1}...). */
  record Subscriptions(Map<String, Integer> live, List<String> fromStopped) {
    Subscriptions {
      live = Map.copyOf(live);
      fromStopped = List.copyOf(fromStopped);
    }

    /** e.g. {@code DataplaneInsight on zone-1 2, ZoneInsight 2}, sorted by name. */
    String liveText() {
      return String.join(
          ", ",
          new TreeMap<>(live)
              .entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList());
    }
  }

  /**
   * Open subscriptions of the ZoneInsights on global and of the Dataplane- and ZoneIngressInsights
   * on each zone's first replica; {@code stopped} holds the instance ids of stopped processes.
   */
  static Subscriptions subscriptions(
      List<HaDemoProcesses.ControlPlane> globals, List<HaDemo.Zone> zones, Set<String> stopped) {
    Map<String, Integer> live = new TreeMap<>();
    List<String> fromStopped = new ArrayList<>();
    collectOpen(
        json(globals.get(0).api(), "/zones+insights"),
        "globalInstanceId",
        stopped,
        "ZoneInsight",
        live,
        fromStopped);
    for (HaDemo.Zone z : zones) {
      HaDemoProcesses.ControlPlane r = z.replicas().get(0);
      collectOpen(
          json(r.api(), "/meshes/default/dataplanes+insights"),
          "controlPlaneInstanceId",
          stopped,
          "DataplaneInsight on " + z.name(),
          live,
          fromStopped);
      collectOpen(
          json(r.api(), "/zoneingresses+insights"),
          "controlPlaneInstanceId",
          stopped,
          "ZoneIngressInsight on " + z.name(),
          live,
          fromStopped);
    }
    return new Subscriptions(live, fromStopped);
  }

  private static void collectOpen(
      JsonNode node,
      String idField,
      Set<String> stopped,
      String what,
      Map<String, Integer> live,
      List<String> fromStopped) {
    if (node.isObject()) {
      if (node.has(idField)
          && !blank(node.path("connectTime"))
          && blank(node.path("disconnectTime"))) {
        if (stopped.contains(node.path(idField).asText())) {
          fromStopped.add(what + ": " + node);
        } else {
          live.merge(what, 1, Integer::sum);
        }
      }
      node.fields()
          .forEachRemaining(
              e -> collectOpen(e.getValue(), idField, stopped, what, live, fromStopped));
    } else if (node.isArray()) {
      node.forEach(e -> collectOpen(e, idField, stopped, what, live, fromStopped));
    }
  }

  private static int inZone(JsonNode items, String zone) {
    int n = 0;
    for (JsonNode item : items) {
      if (zone.equals(item.path("labels").path("kuma.io/zone").asText())) {
        n++;
      }
    }
    return n;
  }

  private static boolean blank(JsonNode n) {
    return n.isMissingNode() || n.isNull() || n.asText().isEmpty();
  }

  /** {@code GET api+path} as JSON; an empty object when it does not answer 200 with JSON. */
  static JsonNode json(String api, String path) {
    String body = DemoSteps.body(api, path);
    try {
      return body.isEmpty() ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }
}
