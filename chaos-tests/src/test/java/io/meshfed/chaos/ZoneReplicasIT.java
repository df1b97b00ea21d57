package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.testing.FreePorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas of zone-1 ({@code zone run} twice on the zone's etcd) under one global: exactly one
 * holds the zone's KDS connection (the other neither dials nor is refused: no fight), both serve
 * the zone API and xDS and are ready, a sidecar on the follower gets its certificate from the
 * follower's own intermediate CA, and a policy written on global reaches it.
 */
class ZoneReplicasIT {
  static final Duration SYNC = Duration.ofSeconds(45);
  static final String LEADER_GAUGE = "cp_leader\\{[^}]*role=\"zone-zone-1\"[^}]*\\} ";

  @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
  Path dir;

  final ZoneReplicaPair pair = new ZoneReplicaPair();
  final Proxies proxies = pair.proxies;
  Federation f;

  @org.junit.jupiter.api.extension.RegisterExtension
  final LogsOnFailure logsOnFailure = new LogsOnFailure(pair::federation);

  @AfterEach
  void stop() throws Exception {
    pair.close();
  }

  @Test
  @Timeout(240)
  void oneReplicaHoldsKdsBothServeAndTheFollowerIssuesCertificates() throws Exception {
    pair.start(dir, "zone-1");
    f = pair.federation();
    Federation.Node a = pair.a();
    Federation.Node b = pair.b();
    f.startReplica(b, false);
    a.process.awaitReady(a.api, SYNC);
    b.process.awaitReady(b.api, SYNC);

    await("one leader, known to both")
        .atMost(SYNC)
        .until(
            () ->
                f.get(a.api, "/").path("leader").asBoolean()
                    != f.get(b.api, "/").path("leader").asBoolean());
    Federation.Node leader = f.get(a.api, "/").path("leader").asBoolean() ? a : b;
    Federation.Node follower = leader == a ? b : a;
    String leaderId = f.get(leader.api, "/").path("instanceId").asText();
    await().atMost(SYNC).until(() -> globalStatus(leader).path("connected").asBoolean());

    // No fight: the follower never dials global, global sees one open subscription of zone-1.
    // The follower's /status/global tells the zone's connection, as the leader sees it.
    String followerId = f.get(follower.api, "/").path("instanceId").asText();
    await("the follower stays off KDS, shows the leader's connection; one zone-1 connection")
        .during(Duration.ofSeconds(10))
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              JsonNode s = globalStatus(follower);
              assertThat(s.path("leader").asBoolean()).isFalse();
              assertThat(s.path("leaderInstance").asText()).isEqualTo(leaderId);
              assertThat(s.path("statusFrom").asText()).as(s.toString()).isEqualTo(leaderId);
              assertThat(s.path("connected").asBoolean()).as("the leader's connection").isTrue();
              JsonNode own = s.path("thisReplica");
              assertThat(own.path("instanceId").asText()).isEqualTo(followerId);
              assertThat(own.path("connected").asBoolean()).isFalse();
              assertThat(own.path("attempts").asLong()).as("follower's KDS attempts").isZero();
              assertThat(globalStatus(leader).path("statusFrom").asText()).isEqualTo(leaderId);
              assertThat(globalStatus(leader).path("leader").asBoolean()).isTrue();
              assertThat(f.openZoneSubscriptions("zone-1")).isEqualTo(1);
            });
    assertThat(f.get(follower.api, "/").path("leaderInstance").asText()).isEqualTo(leaderId);
    assertThat(metrics(leader)).containsPattern(LEADER_GAUGE + "1(\\.0)?\n");
    assertThat(metrics(follower)).containsPattern(LEADER_GAUGE + "0(\\.0)?\n");
    assertThat(follower.process.logText()).doesNotContain("ALREADY_EXISTS");

    // Both serve the zone API with global's resources.
    for (Federation.Node replica : List.of(leader, follower)) {
      assertThat(f.get(replica.api, "/meshes/default")).as(replica.api).isNotNull();
    }

    // A sidecar on the follower: xDS and a certificate from the follower's own intermediate.
    int admin = FreePorts.one();
    proxies.sidecar(
        f, follower, MeshYaml.sidecar("web").inbound(FreePorts.one(), 18080, "web").admin(admin));
    await("web's certificate from the follower")
        .atMost(SYNC)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              JsonNode web = f.get(follower.api, "/meshes/default/dataplanes+insights/web");
              assertThat(web.path("online").asBoolean()).isTrue();
              JsonNode insight = web.path("dataplaneInsight");
              assertThat(insight.path("mTLS").path("certificateExpirationTime").asText())
                  .isNotEmpty();
              JsonNode subs = insight.path("subscriptions");
              assertThat(subs.get(subs.size() - 1).path("controlPlaneInstanceId").asText())
                  .isEqualTo(followerId);
            });
    assertThat(follower.process.logText()).doesNotContain("cannot issue");

    // A policy written on global reaches the proxy on the follower (through the leader's sync).
    f.apply(
        f.global.api,
        "/meshes/default/traffic-permissions/replica-web",
        MeshYaml.trafficPermission("replica-web", "web", "web"));
    await("global's permission in the follower's config of web")
        .atMost(SYNC)
        .ignoreExceptions()
        .until(
            () ->
                f.getRaw(follower.api, "/meshes/default/dataplanes/web/policies")
                    .body()
                    .contains("replica-web"));
    assertThat(f.openZoneSubscriptions("zone-1")).isEqualTo(1);

    // web's stream is on the follower: global asks the zone leader over KDS, the leader hands
    // the request to the follower (one hop), and the follower's own config dump comes back.
    // So does the leader's zone API. Before the hop, both answered 404.
    await("web's xDS config dump through global and through the leader's API")
        .atMost(SYNC)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              JsonNode own = xds(follower.api, "web");
              assertThat(own.toString()).contains("inbound:");
              assertThat(xds(f.global.api, "zone-1.web")).isEqualTo(own);
              assertThat(xds(leader.api, "web")).isEqualTo(own);
            });
  }

  /** The xDS config dump of dataplane {@code name} from {@code api}, which must answer 200. */
  private JsonNode xds(String api, String name) throws Exception {
    var r = f.getRaw(api, "/meshes/default/dataplanes/" + name + "/xds");
    assertThat(r.statusCode()).as("%s %s: %s", api, name, r.body()).isEqualTo(200);
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
  }

  private String metrics(Federation.Node zone) {
    return f.getRaw(zone.api, "/metrics").body();
  }

  private JsonNode globalStatus(Federation.Node zone) {
    return f.get(zone.api, "/status/global");
  }
}
