package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceType;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.SyncDirection;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.codec.Decoded;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.testing.MeshfedProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A global and two zones as separate processes over TLS with zone tokens: what global writes
 * reaches every zone, what zones write reaches global and (for ingresses) the other zone, and the
 * ownership rules hold. Run on the memory store and on etcd by the subclasses.
 *
 * <p>One federation serves every test of a class: each test writes its own resources and asserts on
 * them, and none stops, disables or restarts a control plane. The one test that disables a zone
 * starts a federation of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FederationContract {
  static final Duration SYNC = Duration.ofSeconds(30);
  static final TypeRegistry REGISTRY = StandardTypes.registry();
  static final ResourceCodec CODEC = new ResourceCodec(REGISTRY);

  Path dir;

  Federation f;

  /** The federation of the running test when it is not the shared one, for the failure logs. */
  Federation own;

  @org.junit.jupiter.api.extension.RegisterExtension
  final LogsOnFailure logsOnFailure = new LogsOnFailure(() -> own != null ? own : f);

  Federation.Node zone1;
  Federation.Node zone2;

  abstract Federation configure(Federation federation);

  @BeforeAll
  void start(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tempDir) throws IOException {
    dir = tempDir;
    f = configure(new Federation(Files.createDirectories(dir.resolve("shared")))).startGlobal();
    List<Federation.Node> zones = f.startZones("zone-1", "zone-2");
    zone1 = zones.get(0);
    zone2 = zones.get(1);
  }

  @BeforeEach
  void notOwn() {
    own = null;
  }

  @AfterAll
  void stop() throws Exception {
    if (f != null) {
      f.close();
    }
  }

  /**
   * Policies of the types whose Kuma examples all use a field meshfed refuses (HTTP timeouts and
   * retries), written with what meshfed applies.
   */
  static final List<String> TCP_ONLY_EXAMPLES =
      List.of(
          """
          type: Timeout
          mesh: default
          name: timeout-tcp
          sources: [{match: {kuma.io/service: web}}]
          destinations: [{match: {kuma.io/service: backend}}]
          conf: {connectTimeout: 3s, tcp: {idleTimeout: 10m}}
          """,
          """
          type: Retry
          mesh: default
          name: retry-tcp
          sources: [{match: {kuma.io/service: web}}]
          destinations: [{match: {kuma.io/service: backend}}]
          conf: {tcp: {maxConnectAttempts: 3}}
          """);

  /**
   * Every example of Kuma's docs whose type global sends to zones and that meshfed accepts, plus
   * the meshes they need.
   */
  static List<Resource> globalOwnedExamples() throws IOException {
    Map<String, Resource> byKey = new LinkedHashMap<>();
    for (String yaml : TCP_ONLY_EXAMPLES) {
      Resource r = CODEC.decodeOne(yaml);
      byKey.put(r.key().toString(), r);
    }
    Path examples = Path.of(System.getProperty("meshfed.examples"));
    try (var files = Files.list(examples)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        for (Decoded d : CODEC.decodeYaml(Files.readString(file)).documents()) {
          if (!d.isOk()) {
            continue;
          }
          ResourceType type = REGISTRY.require(d.resource().type());
          if (type.sync() == SyncDirection.GLOBAL_TO_ZONES && type.syncs(d.resource())) {
            byKey.put(d.resource().key().toString(), d.resource());
          }
        }
      }
    }
    List<Resource> meshes = new ArrayList<>();
    List<Resource> rest = new ArrayList<>();
    TreeSet<String> meshNames = new TreeSet<>();
    for (Resource r : byKey.values()) {
      if (r.type().equals(StandardTypes.MESH)) {
        meshes.add(r);
        meshNames.add(r.name());
      } else {
        rest.add(r);
      }
    }
    for (Resource r : rest) {
      if (r.mesh() != null && !meshNames.contains(r.mesh())) {
        meshNames.add(r.mesh());
        meshes.add(CODEC.decodeOne("type: Mesh\nname: " + r.mesh() + "\n"));
      }
    }
    List<Resource> all = new ArrayList<>(meshes);
    all.addAll(rest);
    return all;
  }

  static String path(Resource r) {
    ResourceType t = REGISTRY.require(r.type());
    return t.isMeshScoped()
        ? "/meshes/" + r.mesh() + "/" + t.plural() + "/" + r.name()
        : "/" + t.plural() + "/" + r.name();
  }

  /** The resource read back from a control plane's API, or null. */
  Resource read(String api, String path) {
    JsonNode json = f.get(api, path);
    if (json == null) {
      return null;
    }
    Decoded d = CODEC.decodeNode(json, 0);
    assertThat(d.isOk()).as("%s%s: %s", api, path, d.problems()).isTrue();
    return d.resource();
  }

  @Test
  void everyGlobalOwnedTypeReachesEveryZoneAndFollowsUpdatesAndDeletes() throws Exception {
    List<Resource> examples = globalOwnedExamples();
    TreeSet<String> types = new TreeSet<>();
    examples.forEach(r -> types.add(r.type()));
    assertThat(types)
        .as("the examples cover the policy types")
        .contains(
            "Mesh",
            "TrafficPermission",
            "TrafficRoute",
            "HealthCheck",
            "CircuitBreaker",
            "Timeout",
            "Retry");
    for (Resource r : examples) {
      f.apply(f.global.api, path(r), CODEC.toJson(r));
    }
    Map<String, java.time.Instant> createdOnGlobal = new LinkedHashMap<>();
    for (Resource r : examples) {
      createdOnGlobal.put(path(r), read(f.global.api, path(r)).meta().creationTime());
    }

    for (Federation.Node zone : List.of(zone1, zone2)) {
      await("all " + examples.size() + " resources in " + zone.name)
          .atMost(SYNC)
          .untilAsserted(
              () -> {
                for (Resource r : examples) {
                  Resource copy = read(zone.api, path(r));
                  assertThat(copy).as("%s in %s", r.key(), zone.name).isNotNull();
                  assertThat(copy.spec()).as("%s in %s", r.key(), zone.name).isEqualTo(r.spec());
                  assertThat(copy.labels()).containsEntry("kuma.io/origin", "global");
                  assertThat(copy.meta().creationTime())
                      .as(
                          "%s in %s keeps global's creation time (newest-wins ties)",
                          r.key(), zone.name)
                      .isEqualTo(createdOnGlobal.get(path(r)));
                }
              });
    }

    // An update and a delete follow.
    Resource route =
        examples.stream().filter(r -> r.type().equals("TrafficRoute")).findFirst().orElseThrow();
    String changed =
        "type: TrafficRoute\nname: "
            + route.name()
            + "\nmesh: "
            + route.mesh()
            + "\nsources: [{match: {kuma.io/service: changed}}]\n"
            + "destinations: [{match: {kuma.io/service: backend}}]\n"
            + "conf: {destination: {kuma.io/service: backend}}\n";
    f.apply(f.global.api, path(route), changed);
    Resource permission =
        examples.stream()
            .filter(r -> r.type().equals("TrafficPermission"))
            .findFirst()
            .orElseThrow();
    assertThat(f.delete(f.global.api, path(permission)).statusCode()).isEqualTo(200);

    for (Federation.Node zone : List.of(zone1, zone2)) {
      await("update and delete in " + zone.name)
          .atMost(SYNC)
          .untilAsserted(
              () -> {
                assertThat(
                        f.get(zone.api, path(route))
                            .path("sources")
                            .get(0)
                            .path("match")
                            .path("kuma.io/service")
                            .asText())
                    .isEqualTo("changed");
                assertThat(f.get(zone.api, path(permission))).isNull();
              });
    }
  }

  static final String DATAPLANE =
      """
      type: Dataplane
      mesh: default
      name: backend-1
      networking:
        address: 127.0.0.1
        inbound:
        - port: 18000
          servicePort: 8000
          tags:
            kuma.io/service: backend
            kuma.io/zone: zone-9
      """;

  static final String INGRESS =
      """
      type: ZoneIngress
      name: ingress-1
      networking:
        address: 127.0.0.1
        port: 10001
        advertisedAddress: 127.0.0.1
        advertisedPort: 10001
      """;

  @Test
  void zoneResourcesReachGlobalAndIngressesReachOnlyTheOtherZone() {
    f.apply(f.global.api, "/meshes/default", "type: Mesh\nname: default\n");
    await("mesh in zone-1").atMost(SYNC).until(() -> f.get(zone1.api, "/meshes/default") != null);

    f.apply(zone1.api, "/meshes/default/dataplanes/backend-1", DATAPLANE);
    f.apply(zone1.api, "/zone-ingresses/ingress-1", INGRESS);

    await("zone-1's dataplane on global")
        .atMost(SYNC)
        .untilAsserted(
            () -> {
              JsonNode dp = f.get(f.global.api, "/meshes/default/dataplanes/zone-1.backend-1");
              assertThat(dp).isNotNull();
              assertThat(dp.path("labels").path("kuma.io/zone").asText()).isEqualTo("zone-1");
              assertThat(dp.path("labels").path("kuma.io/origin").asText()).isEqualTo("zone");
              assertThat(
                      dp.path("networking")
                          .path("inbound")
                          .get(0)
                          .path("tags")
                          .path("kuma.io/zone")
                          .asText())
                  .as("the zone tag is stamped, never taken from input")
                  .isEqualTo("zone-1");
            });
    await("zone-1's ingress in zone-2")
        .atMost(SYNC)
        .untilAsserted(
            () -> assertThat(f.names(zone2.api, "/zone-ingresses")).contains("zone-1.ingress-1"));
    assertThat(f.names(zone1.api, "/zone-ingresses"))
        .as("a zone never gets its own ingress back")
        .containsExactly("ingress-1");

    // Deleting on the zone removes the copies.
    assertThat(f.delete(zone1.api, "/meshes/default/dataplanes/backend-1").statusCode())
        .isEqualTo(200);
    await("dataplane gone from global")
        .atMost(SYNC)
        .until(() -> f.get(f.global.api, "/meshes/default/dataplanes/zone-1.backend-1") == null);
  }

  @Test
  void disablingAZoneWithdrawsItsIngressFromTheOthers() throws Exception {
    // A disabled zone is refused and backs off before it dials again: a federation of its own,
    // so that the shared zone-1 stays connected for the other tests. Its zones back off 200 ms
    // doubling to 2 s (not 5 s to 1 min), so zone-1 is back soon after it is enabled again.
    own =
        configure(new Federation(Files.createDirectories(dir.resolve("disable"))))
            .withZoneReconnect(Duration.ofMillis(200), Duration.ofSeconds(2))
            .startGlobal();
    try {
      List<Federation.Node> zones = own.startZones("zone-1", "zone-2");
      Federation.Node zone1 = zones.get(0);
      Federation.Node zone2 = zones.get(1);
      own.apply(zone1.api, "/zone-ingresses/ingress-1", INGRESS);
      await()
          .atMost(SYNC)
          .until(() -> own.names(zone2.api, "/zone-ingresses").contains("zone-1.ingress-1"));

      own.apply(own.global.api, "/zones/zone-1", "type: Zone\nname: zone-1\nenabled: false\n");
      await("zone-1's ingress withdrawn from zone-2")
          .atMost(SYNC)
          .until(() -> !own.names(zone2.api, "/zone-ingresses").contains("zone-1.ingress-1"));
      assertThat(statusOf(own, "zone-1").path("active").asBoolean()).isFalse();

      own.apply(own.global.api, "/zones/zone-1", "type: Zone\nname: zone-1\nenabled: true\n");
      await("zone-1's ingress back in zone-2")
          .atMost(SYNC)
          .until(() -> own.names(zone2.api, "/zone-ingresses").contains("zone-1.ingress-1"));
    } finally {
      own.close();
    }
  }

  JsonNode statusOf(String zone) {
    return statusOf(f, zone);
  }

  static JsonNode statusOf(Federation f, String zone) {
    for (JsonNode z : f.get(f.global.api, "/status/zones")) {
      if (z.path("name").asText().equals(zone)) {
        return z;
      }
    }
    return Federation.JSON.createObjectNode();
  }

  @Test
  void zonesGetThePublicHalfOfTheTokenKeyAndNothingPrivate() {
    f.apply(
        f.global.api,
        "/global-secrets/operator-secret",
        "type: GlobalSecret\nname: operator-secret\ndata: c2VjcmV0\n");
    await("the zone-token public key reaches the zones")
        .atMost(SYNC)
        .untilAsserted(
            () -> {
              for (Federation.Node zone : List.of(zone1, zone2)) {
                JsonNode key = f.get(zone.api, "/global-secrets/zone-token-signing-public-key-1");
                assertThat(key).as("public key in %s", zone.name).isNotNull();
                assertThat(
                        new String(java.util.Base64.getDecoder().decode(key.path("data").asText())))
                    .startsWith("-----BEGIN PUBLIC KEY-----");
              }
            });
    for (Federation.Node zone : List.of(zone1, zone2)) {
      assertThat(f.names(zone.api, "/global-secrets"))
          .containsExactlyInAnyOrder(
              "zone-token-signing-public-key-1", "user-token-signing-public-key-user-1");
      assertThat(f.getRaw(zone.api, "/global-secrets/zone-token-signing-key-1").statusCode())
          .isEqualTo(404);
      assertThat(f.getRaw(zone.api, "/global-secrets/user-token-signing-key-1").statusCode())
          .isEqualTo(404);
      assertThat(f.getRaw(zone.api, "/global-secrets/kds-ca").statusCode()).isEqualTo(404);
    }
  }

  @Test
  void readOnlyRulesHoldOnBothSides() {
    var onZone = f.put(zone1.api, "/meshes/other", "type: Mesh\nname: other\n");
    assertThat(onZone.statusCode()).isEqualTo(405);
    assertThat(onZone.body()).contains("owned by the global control plane");

    f.apply(f.global.api, "/meshes/default", "type: Mesh\nname: default\n");
    var onGlobal = f.put(f.global.api, "/meshes/default/dataplanes/backend-1", DATAPLANE);
    assertThat(onGlobal.statusCode()).isEqualTo(405);
    assertThat(onGlobal.body()).contains("reported by zones");
  }

  @Test
  void aTokenForZoneOneCannotActAsAnotherZone() throws Exception {
    // refused zones never sync, so they never report ready: do not wait for it. The impostor and
    // the forger (below) are started together and checked one after the other.
    Federation.Node impostor = f.startZone("zone-3", f.token("zone-1"), f.kdsPort, false);
    Path forged = dir.resolve("forged-token");
    Federation.write(forged, "eyJhbGciOiJub25lIn0.eyJ6b25lIjoiem9uZS00In0.");
    Federation.Node forger = f.startZone("zone-4", forged, f.kdsPort, false);
    await("the impostor is refused")
        .ignoreExceptions()
        .atMost(SYNC)
        .untilAsserted(
            () -> {
              JsonNode s = f.get(impostor.api, "/status/global");
              assertThat(s.path("connected").asBoolean()).isFalse();
              assertThat(s.path("lastErrorCode").asText()).isEqualTo("PERMISSION_DENIED");
            });
    assertThat(f.names(f.global.api, "/zones")).doesNotContain("zone-3");
    assertThat(f.getRaw(impostor.api, "/ready").statusCode()).isEqualTo(503);
    assertThat(statusOf("zone-1").path("active").asBoolean()).isTrue();

    // A forged token is refused before any data flows, too.
    await("the forger is refused")
        .ignoreExceptions()
        .atMost(SYNC)
        .untilAsserted(
            () ->
                assertThat(f.get(forger.api, "/status/global").path("lastErrorCode").asText())
                    .isEqualTo("UNAUTHENTICATED"));
    assertThat(f.names(f.global.api, "/zones")).doesNotContain("zone-4");
    // The federation goes on serving the other tests: the refused zones stop dialling it.
    impostor.process.close();
    forger.process.close();
  }

  @Test
  void zonesAreRegisteredWithInsightsAndShownByInspect() {
    f.apply(f.global.api, "/meshes/default", "type: Mesh\nname: default\n");
    await("both zones online")
        .atMost(SYNC)
        .untilAsserted(
            () -> {
              assertThat(statusOf("zone-1").path("active").asBoolean()).isTrue();
              assertThat(statusOf("zone-2").path("active").asBoolean()).isTrue();
            });
    assertThat(f.names(f.global.api, "/zones")).contains("zone-1", "zone-2");
    JsonNode insights = f.get(f.global.api, "/zones+insights");
    assertThat(insights.path("total").asInt()).isGreaterThanOrEqualTo(2);
    await("the mesh is acknowledged by both zones")
        .atMost(SYNC)
        .untilAsserted(
            () -> {
              JsonNode sync = f.get(f.global.api, "/meshes/default/_sync");
              List<String> upToDate = new ArrayList<>();
              sync.path("zones")
                  .forEach(
                      z -> {
                        if (z.path("upToDate").asBoolean()) {
                          upToDate.add(z.path("zone").asText());
                        }
                      });
              assertThat(upToDate).contains("zone-1", "zone-2");
            });
    MeshfedProcess.Result inspect =
        MeshfedProcess.run(null, "inspect", "zones", "--api", f.global.api);
    assertThat(inspect.exitCode()).as(inspect.stderr()).isZero();
    assertThat(inspect.stdout()).contains("zone-1").contains("zone-2").contains("Online");
  }
}
