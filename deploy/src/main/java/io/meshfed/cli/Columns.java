package io.meshfed.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.meshfed.model.Labels;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/** The columns `meshfed get` shows for each type, read from the API's universal JSON. */
final class Columns {
  record Column(String header, Function<JsonNode, String> value) {}

  private static final Map<String, List<Column>> BY_TYPE =
      Map.ofEntries(
          Map.entry(
              "Mesh",
              List.of(
                  new Column("MTLS", Columns::meshMtls),
                  new Column("BACKENDS", n -> names(n.path("mtls").path("backends"))))),
          Map.entry("Zone", List.of(new Column("ENABLED", n -> n.path("enabled").asText("true")))),
          Map.entry(
              "ZoneOverview",
              List.of(
                  new Column("STATUS", Columns::zoneStatus),
                  new Column("LAST SEEN", n -> zoneLastSeen(n, Instant.now())),
                  new Column(
                      "LAST CONNECTED",
                      n ->
                          ago(
                              latestSubscription(n.path("zoneInsight")).path("connectTime"),
                              Instant.now())),
                  new Column("LAST SYNC", n -> ago(lastSync(n.path("zoneInsight")), Instant.now())),
                  new Column(
                      "SENT", n -> subscriptionTotal(n.path("zoneInsight"), "responsesSent")),
                  new Column(
                      "ACKED",
                      n -> subscriptionTotal(n.path("zoneInsight"), "responsesAcknowledged")),
                  new Column(
                      "NACKED", n -> subscriptionTotal(n.path("zoneInsight"), "responsesRejected")),
                  new Column(
                      "VERSION",
                      n ->
                          latestSubscription(n.path("zoneInsight"))
                              .path("version")
                              .path("kumaCp")
                              .path("version")
                              .asText("-")))),
          Map.entry(
              "DataplaneOverview",
              List.of(
                  new Column("STATUS", Columns::onlineStatus),
                  new Column("SERVICES", n -> dataplaneServices(n.path("dataplane"))),
                  new Column(
                      "ADDRESS",
                      n -> n.path("dataplane").path("networking").path("address").asText("-")),
                  new Column("ZONE", n -> n.path("labels").path("kuma.io/zone").asText("-")),
                  new Column(
                      "LAST CONNECTED",
                      n ->
                          ago(
                              latestSubscription(n.path("dataplaneInsight")).path("connectTime"),
                              Instant.now())),
                  new Column(
                      "ACKED",
                      n -> subscriptionTotal(n.path("dataplaneInsight"), "responsesAcknowledged")),
                  new Column(
                      "NACKED",
                      n -> subscriptionTotal(n.path("dataplaneInsight"), "responsesRejected")),
                  new Column(
                      "CERT EXPIRES",
                      n ->
                          n.path("dataplaneInsight")
                              .path("mTLS")
                              .path("certificateExpirationTime")
                              .asText("-")))),
          Map.entry(
              "ZoneIngressOverview",
              List.of(
                  new Column("STATUS", Columns::ingressStatus),
                  new Column("ZONE", n -> n.path("zoneIngress").path("zone").asText("-")),
                  new Column(
                      "ADVERTISED",
                      n ->
                          hostPort(
                              n.path("zoneIngress").path("networking"),
                              "advertisedAddress",
                              "advertisedPort")),
                  new Column(
                      "SERVICES",
                      n -> String.valueOf(n.path("zoneIngress").path("availableServices").size())),
                  new Column(
                      "LAST CONNECTED",
                      n ->
                          remoteIngress(n)
                              ? "-"
                              : ago(
                                  latestSubscription(n.path("zoneIngressInsight"))
                                      .path("connectTime"),
                                  Instant.now())),
                  new Column(
                      "ACKED",
                      n ->
                          remoteIngress(n)
                              ? "-"
                              : subscriptionTotal(
                                  n.path("zoneIngressInsight"), "responsesAcknowledged")))),
          Map.entry(
              "ZoneIngress",
              List.of(
                  new Column("ZONE", n -> n.path("zone").asText("-")),
                  new Column("ADDRESS", n -> hostPort(n.path("networking"), "address", "port")),
                  new Column(
                      "ADVERTISED",
                      n -> hostPort(n.path("networking"), "advertisedAddress", "advertisedPort")),
                  new Column("SERVICES", n -> String.valueOf(n.path("availableServices").size())))),
          Map.entry(
              "Dataplane",
              List.of(
                  new Column("ADDRESS", n -> n.path("networking").path("address").asText("-")),
                  new Column("SERVICES", Columns::dataplaneServices),
                  new Column("ZONE", n -> n.path("labels").path("kuma.io/zone").asText("-")))),
          Map.entry(
              "TrafficPermission",
              List.of(
                  new Column("SOURCES", n -> selectors(n.path("sources"))),
                  new Column("DESTINATIONS", n -> selectors(n.path("destinations"))))),
          Map.entry(
              "TrafficRoute",
              List.of(
                  new Column("SOURCES", n -> selectors(n.path("sources"))),
                  new Column("DESTINATIONS", n -> selectors(n.path("destinations"))),
                  new Column("ROUTE", Columns::route))));

  private Columns() {}

  /** The type-specific columns, or a SOURCES/DESTINATIONS pair for policies, or none. */
  static List<Column> forType(String type, List<JsonNode> items) {
    List<Column> cols = BY_TYPE.get(type);
    if (cols != null) {
      return cols;
    }
    boolean policy = items.stream().anyMatch(n -> n.has("sources") || n.has("destinations"));
    if (policy) {
      return List.of(
          new Column("SOURCES", n -> selectors(n.path("sources"))),
          new Column("DESTINATIONS", n -> selectors(n.path("destinations"))));
    }
    boolean selectors = items.stream().anyMatch(n -> n.has("selectors"));
    return selectors
        ? List.of(new Column("SELECTORS", n -> selectors(n.path("selectors"))))
        : List.of();
  }

  static String age(JsonNode n, Instant now) {
    JsonNode t = n.path("creationTime");
    if (!t.isTextual()) {
      return "-";
    }
    try {
      Duration d = Duration.between(Instant.parse(t.asText()), now);
      if (d.isNegative()) {
        d = Duration.ZERO;
      }
      long s = d.getSeconds();
      if (s < 120) {
        return s + "s";
      }
      if (s < 7200) {
        return (s / 60) + "m";
      }
      if (s < 2 * 86400) {
        return (s / 3600) + "h";
      }
      return (s / 86400) + "d";
    } catch (DateTimeParseException e) {
      return "-";
    }
  }

  /** Online while the proxy has an open xDS stream (the overview's {@code online}). */
  static String onlineStatus(JsonNode overview) {
    return overview.path("online").asBoolean(false) ? "Online" : "Offline";
  }

  /**
   * On a zone, another zone's ingress (a copy from global, {@code kuma.io/origin: global}) is
   * {@code remote (ZONE)}: its xDS status lives in its own zone and on global, not here. Else
   * Online or Offline by its xDS stream.
   */
  static String ingressStatus(JsonNode overview) {
    if (remoteIngress(overview)) {
      String zone = overview.path("zoneIngress").path("zone").asText("");
      if (zone.isEmpty()) {
        zone = overview.path("labels").path(Labels.ZONE).asText("?");
      }
      return "remote (" + zone + ")";
    }
    return onlineStatus(overview);
  }

  /** An ingress copied from global into a zone: another zone's. */
  private static boolean remoteIngress(JsonNode overview) {
    return "global".equals(overview.path("labels").path(Labels.ORIGIN).asText(""));
  }

  /**
   * {@code now} while the zone is connected, else when global last heard from it: the latest of its
   * subscriptions' disconnect times, acknowledgements and health checks ({@code never} without
   * any).
   */
  static String zoneLastSeen(JsonNode overview, Instant now) {
    JsonNode insight = overview.path("zoneInsight");
    Instant last = instant(insight.path("healthCheck").path("time"));
    for (JsonNode s : insight.path("subscriptions")) {
      if (s.path("connectTime").isTextual() && !s.path("disconnectTime").isTextual()) {
        return "now";
      }
      last = latest(last, instant(s.path("disconnectTime")));
      last = latest(last, instant(s.path("status").path("lastUpdateTime")));
    }
    return last == null ? "never" : ago(TextNode.valueOf(last.toString()), now);
  }

  private static Instant latest(Instant a, Instant b) {
    return a == null || (b != null && b.isAfter(a)) ? b : a;
  }

  /** Disabled when its Zone says so, else Online while a KDS subscription is open, else Offline. */
  static String zoneStatus(JsonNode overview) {
    if (!overview.path("zone").path("enabled").asBoolean(true)) {
      return "Disabled";
    }
    for (JsonNode s : overview.path("zoneInsight").path("subscriptions")) {
      if (s.path("connectTime").isTextual() && !s.path("disconnectTime").isTextual()) {
        return "Online";
      }
    }
    return "Offline";
  }

  /**
   * The subscription with the latest connect time (ISO instants sort as text), or a missing node.
   */
  private static JsonNode latestSubscription(JsonNode insight) {
    JsonNode latest = com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    for (JsonNode s : insight.path("subscriptions")) {
      if (instant(s.path("connectTime")) != null
          && (latest.isMissingNode()
              || instant(s.path("connectTime")).isAfter(instant(latest.path("connectTime"))))) {
        latest = s;
      }
    }
    return latest;
  }

  /** The last time the zone acknowledged a response: the newest {@code status.lastUpdateTime}. */
  private static JsonNode lastSync(JsonNode insight) {
    JsonNode best = com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    for (JsonNode s : insight.path("subscriptions")) {
      JsonNode t = s.path("status").path("lastUpdateTime");
      if (instant(t) != null && (instant(best) == null || instant(t).isAfter(instant(best)))) {
        best = t;
      }
    }
    return best;
  }

  /** A counter of {@code status.total}, summed over the kept subscriptions. */
  private static String subscriptionTotal(JsonNode insight, String counter) {
    long sum = 0;
    for (JsonNode s : insight.path("subscriptions")) {
      sum += s.path("status").path("total").path(counter).asLong(0);
    }
    return String.valueOf(sum);
  }

  private static Instant instant(JsonNode t) {
    if (!t.isTextual()) {
      return null;
    }
    try {
      return Instant.parse(t.asText());
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** {@code 42s ago}, {@code 3m ago}, or {@code never}. */
  static String ago(JsonNode t, Instant now) {
    Instant at = instant(t);
    if (at == null) {
      return "never";
    }
    long s = Math.max(0, Duration.between(at, now).getSeconds());
    if (s < 120) {
      return s + "s ago";
    }
    if (s < 7200) {
      return (s / 60) + "m ago";
    }
    if (s < 2 * 86400) {
      return (s / 3600) + "h ago";
    }
    return (s / 86400) + "d ago";
  }

  private static String meshMtls(JsonNode n) {
    JsonNode mtls = n.path("mtls");
    String enabled = mtls.path("enabledBackend").asText("");
    if (enabled.isEmpty()) {
      return "off";
    }
    for (JsonNode b : mtls.path("backends")) {
      if (enabled.equals(b.path("name").asText())) {
        return b.path("type").asText("?") + "/" + enabled;
      }
    }
    return enabled;
  }

  private static String names(JsonNode list) {
    List<String> out = new ArrayList<>();
    list.forEach(b -> out.add(b.path("name").asText()));
    return out.isEmpty() ? "-" : String.join(",", out);
  }

  private static String hostPort(JsonNode net, String host, String port) {
    String h = net.path(host).asText("");
    return h.isEmpty() ? "-" : h + ":" + net.path(port).asText("?");
  }

  private static String dataplaneServices(JsonNode n) {
    TreeSet<String> services = new TreeSet<>();
    for (JsonNode in : n.path("networking").path("inbound")) {
      String s = in.path("tags").path("kuma.io/service").asText("");
      if (!s.isEmpty()) {
        services.add(s);
      }
    }
    return services.isEmpty() ? "-" : String.join(",", services);
  }

  /** {@code kuma.io/service=web,version=v1; kuma.io/service=*}. */
  static String selectors(JsonNode list) {
    List<String> out = new ArrayList<>();
    for (JsonNode sel : list) {
      out.add(tags(sel.path("match")));
    }
    return out.isEmpty() ? "-" : String.join("; ", out);
  }

  private static String tags(JsonNode match) {
    List<String> parts = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = match.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey().equals("kuma.io/service") ? "" : e.getKey() + "=";
      parts.add(key + e.getValue().asText());
    }
    return String.join(",", parts);
  }

  private static String route(JsonNode n) {
    JsonNode conf = n.path("conf");
    if (conf.has("destination")) {
      return "-> " + tags(conf.path("destination"));
    }
    List<String> parts = new ArrayList<>();
    for (JsonNode s : conf.path("split")) {
      parts.add(s.path("weight").asText() + "% " + tags(s.path("destination")));
    }
    String split = parts.isEmpty() ? "-" : "split " + String.join(", ", parts);
    int http = conf.path("http").size();
    return http > 0 ? split + " (+" + http + " http)" : split;
  }
}
