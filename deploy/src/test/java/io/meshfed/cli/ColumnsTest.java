package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The columns of {@code inspect zone-ingresses} and {@code inspect zones}. */
class ColumnsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text.replace('\'', '"'));
  }

  private static List<String> row(String type, JsonNode item) {
    return Columns.forType(type, List.of(item)).stream()
        .map(c -> c.header() + "=" + c.value().apply(item))
        .toList();
  }

  @Test
  void anotherZonesIngressOnAZoneIsRemoteNotOffline() throws Exception {
    JsonNode remote =
        json(
            "{'type':'ZoneIngressOverview','name':'zone-2.ingress-2','online':false,"
                + "'labels':{'kuma.io/origin':'global','kuma.io/zone':'zone-2'},"
                + "'zoneIngress':{'zone':'zone-2','networking':{'advertisedAddress':'10.0.0.2',"
                + "'advertisedPort':10001},'availableServices':[{'instances':1}]},"
                + "'zoneIngressInsight':{}}");

    assertThat(row("ZoneIngressOverview", remote))
        .containsExactly(
            "STATUS=remote (zone-2)",
            "ZONE=zone-2",
            "ADVERTISED=10.0.0.2:10001",
            "SERVICES=1",
            "LAST CONNECTED=-",
            "ACKED=-");
  }

  @Test
  void aZonesOwnIngressShowsItsXdsStatus() throws Exception {
    JsonNode local =
        json(
            "{'type':'ZoneIngressOverview','name':'ingress-1','online':false,"
                + "'labels':{'kuma.io/origin':'zone','kuma.io/zone':'zone-1'},"
                + "'zoneIngress':{'zone':'zone-1','networking':{}},'zoneIngressInsight':{}}");

    assertThat(Columns.ingressStatus(local)).isEqualTo("Offline");
    assertThat(
            Columns.ingressStatus(
                ((com.fasterxml.jackson.databind.node.ObjectNode) local).put("online", true)))
        .isEqualTo("Online");
  }

  @Test
  void anOfflineZoneIsLastSeenAtItsDisconnectNotItsConnect() throws Exception {
    JsonNode offline =
        json(
            "{'zoneInsight':{'subscriptions':[{'connectTime':'2026-01-01T10:00:00Z',"
                + "'disconnectTime':'2026-01-01T11:55:00Z',"
                + "'status':{'lastUpdateTime':'2026-01-01T11:50:00Z'}}]}}");

    assertThat(Columns.zoneLastSeen(offline, NOW)).isEqualTo("5m ago");
  }

  @Test
  void lastSeenIsTheLatestOfDisconnectAcknowledgementAndHealthCheck() throws Exception {
    JsonNode z =
        json(
            "{'zoneInsight':{'healthCheck':{'time':'2026-01-01T11:59:00Z'},'subscriptions':["
                + "{'connectTime':'2026-01-01T09:00:00Z','disconnectTime':'2026-01-01T09:30:00Z'},"
                + "{'connectTime':'2026-01-01T10:00:00Z','disconnectTime':'2026-01-01T11:00:00Z',"
                + "'status':{'lastUpdateTime':'2026-01-01T11:20:00Z'}}]}}");

    assertThat(Columns.zoneLastSeen(z, NOW)).isEqualTo("60s ago");
  }

  @Test
  void anOnlineZoneIsSeenNowAndOneNeverConnectedNever() throws Exception {
    assertThat(
            Columns.zoneLastSeen(
                json("{'zoneInsight':{'subscriptions':[{'connectTime':'2026-01-01T10:00:00Z'}]}}"),
                NOW))
        .isEqualTo("now");
    assertThat(Columns.zoneLastSeen(json("{'zoneInsight':{}}"), NOW)).isEqualTo("never");
  }
}
