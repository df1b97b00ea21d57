package io.meshfed.zone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshfed.model.DataplaneTokenHeader;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.FreePorts;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The zone's REST API while global is unreachable. */
class ZoneControlPlaneIT {
  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final MemoryResourceStore store = new MemoryResourceStore();
  private ZoneControlPlane cp;

  @AfterEach
  void tearDown() {
    if (cp != null) {
      cp.close();
    }
  }

  private ZoneControlPlane start(Map<String, String> extra) throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "t\n");
    Map<String, String> flags = new java.util.HashMap<>(extra);
    flags.put("zone", "zone-1");
    flags.putIfAbsent("global-address", "grpc://127.0.0.1:" + FreePorts.one());
    flags.putIfAbsent("kds-insecure", "true");
    flags.put("zone-token-file", token.toString());
    flags.put("api-port", "0");
    flags.put("xds-port", "0");
    cp = new ZoneControlPlane(ZoneConfig.load(flags, Map.of(), null), store, Clock.systemUTC());
    return cp.start();
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.apiPort() + path));
    if (body != null) {
      b.header("Content-Type", "application/yaml");
    }
    if (method.equals("PUT") && path.startsWith("/meshes/default/dataplanes/")) {
      // The zone requires a dataplane token on registration (the default): ask it for one.
      b.header(
          DataplaneTokenHeader.NAME,
          dataplaneToken(path.substring("/meshes/default/dataplanes/".length())));
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String dataplaneToken(String name) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + cp.apiPort() + "/tokens/dataplane"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"mesh\": \"default\", \"name\": \"" + name + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body().strip();
  }

  @Test
  void servesTheZoneApiStampsWritesAndRefusesGlobalTypesWhileGlobalIsDown() throws Exception {
    start(Map.of());
    // never synced with global (an empty store): the API serves, but the zone is not ready
    assertThat(cp.isReady()).isFalse();

    HttpResponse<String> index = send("GET", "/", null);
    assertThat(index.body()).contains("\"mode\":\"zone\"").contains("zone-1");
    assertThat(send("GET", "/ready", null).statusCode()).isEqualTo(503);
    assertThat(send("GET", "/status/global", null).body())
        .contains("\"firstSyncDone\":false")
        .contains("\"firstSyncMissingTypes\":[")
        .contains("\"Mesh\"");

    HttpResponse<String> mesh = send("PUT", "/meshes/default", "type: Mesh\nname: default\n");
    assertThat(mesh.statusCode()).isEqualTo(405);
    assertThat(mesh.body()).contains("owned by the global control plane");
    assertThat(send("DELETE", "/meshes/default", null).statusCode()).isEqualTo(405);

    // The mesh arrived from global earlier; the zone registers a dataplane in it.
    store
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.MESH, "default"),
                Meta.withLabels(Map.of(Tags.ORIGIN, "global")),
                MeshSpec.ofMtls(null)))
        .join();
    HttpResponse<String> dp =
        send(
            "PUT",
            "/meshes/default/dataplanes/web-1",
            "type: Dataplane\nmesh: default\nname: web-1\nlabels:\n  kuma.io/zone: other\n"
                + "networking:\n  address: 10.0.0.1\n  inbound:\n  - port: 8080\n"
                + "    servicePort: 80\n    tags:\n      kuma.io/service: web\n"
                + "      kuma.io/zone: other\n");
    assertThat(dp.statusCode()).as(dp.body()).isEqualTo(201);
    Resource stored =
        store
            .get(ResourceKey.inMesh(StandardTypes.DATAPLANE, "default", "web-1"))
            .join()
            .orElseThrow();
    assertThat(stored.labels())
        .containsEntry(Tags.ZONE, "zone-1")
        .containsEntry(Tags.ORIGIN, "zone");
    assertThat(stored.spec(DataplaneSpec.class).inbounds().get(0).tags())
        .containsEntry(Tags.ZONE, "zone-1");

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              HttpResponse<String> status = send("GET", "/status/global", null);
              assertThat(status.statusCode()).isEqualTo(200);
              assertThat(status.body())
                  .contains("\"connected\":false")
                  .contains("\"lastErrorCode\":\"UNAVAILABLE\"")
                  .contains("Connection refused")
                  .contains("\"lastConnectTime\":null");
            });
    assertThat(send("GET", "/ready", null).statusCode()).isEqualTo(503);

    int port = cp.apiPort();
    cp.close();
    assertThat(cp.isReady()).isFalse();
    assertThatThrownBy(
            () ->
                http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(ConnectException.class);
    assertThat(store.currentRevision()).isCompletedExceptionally();
  }

  @Test
  void aStoreHoldingGlobalsCopiesFromAnEarlierRunIsReadyAtOnceWhileGlobalIsDown() throws Exception {
    store
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.MESH, "default"),
                Meta.withLabels(Map.of(Tags.ORIGIN, "global")),
                MeshSpec.ofMtls(null)))
        .join();
    start(Map.of());

    assertThat(cp.isReady()).isTrue();
    assertThat(send("GET", "/ready", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/status/global", null).body()).contains("\"firstSyncDone\":true");
  }

  @Test
  void anUnusableCaFileFailsStartAndFreesThePort() throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.crt"), "not a certificate\n");
    int apiPort = FreePorts.one();
    Path token = Files.writeString(dir.resolve("token"), "t\n");
    ZoneConfig config =
        ZoneConfig.load(
            Map.of(
                "zone",
                "zone-1",
                "global-address",
                "grpcs://127.0.0.1:5685",
                "zone-token-file",
                token.toString(),
                "ca-file",
                ca.toString(),
                "api-port",
                String.valueOf(apiPort),
                "xds-port",
                "0"),
            Map.of(),
            null);
    ZoneControlPlane bad = new ZoneControlPlane(config, store, Clock.systemUTC());
    assertThatThrownBy(bad::start)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--ca-file " + ca)
        .hasMessageContaining("BEGIN CERTIFICATE");
    assertThat(bad.isReady()).isFalse();
    bad.close();
    assertThatThrownBy(
            () ->
                http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + "/")).build(),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(ConnectException.class);
  }
}
