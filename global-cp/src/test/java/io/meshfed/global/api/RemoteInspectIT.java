package io.meshfed.global.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.kds.store.StoreKdsSink;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.Tags;
import io.meshfed.store.memory.MemoryResourceStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Global's answer for the inspect routes of a zone's dataplane while that zone is not connected: a
 * 503 that names the zone, never an empty or made-up view. (The relayed answers of a connected zone
 * are in the deploy module's {@code RelayedInspectIT}.)
 */
class RemoteInspectIT {
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final MemoryResourceStore store = new MemoryResourceStore();

  @TempDir Path dataDir;

  private GlobalControlPlane cp;

  @BeforeEach
  void start() throws Exception {
    ResourceCodec codec = new ResourceCodec(StandardTypes.registry());
    store.create(codec.decodeOne("type: Mesh\nname: default\n")).join();
    Resource wire =
        codec.decodeOne(
            """
                type: Dataplane
                mesh: default
                name: web-1
                networking:
                  address: 10.0.0.1
                  inbound: [{port: 8080, tags: {kuma.io/service: web}}]
                """);
    store
        .create(
            new Resource(
                ResourceKey.inMesh(StandardTypes.DATAPLANE, "default", "zone-2.web-1"),
                Meta.withLabels(
                    Map.of(
                        Tags.ZONE,
                        "zone-2",
                        Tags.ORIGIN,
                        "zone",
                        StoreKdsSink.NAME_LABEL,
                        "web-1")),
                wire.spec()))
        .join();
    GlobalConfig config =
        GlobalConfig.load(
            Map.of("api-port", "0", "kds-port", "0", "data-dir", dataDir.toString()),
            Map.of(),
            null);
    cp = new GlobalControlPlane(config, store, Clock.systemUTC()).start();
  }

  @AfterEach
  void stop() {
    cp.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.apiPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aDataplaneOfAZoneThatIsNotConnectedGets503NamingTheZone() throws Exception {
    for (String view : new String[] {"policies", "xds"}) {
      HttpResponse<String> r = get("/meshes/default/dataplanes/zone-2.web-1/" + view);

      assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
      assertThat(r.body())
          .contains("zone 'zone-2' is not connected to any global replica right now");
    }
  }

  @Test
  void anUnknownDataplaneIs404() throws Exception {
    HttpResponse<String> r = get("/meshes/default/dataplanes/zone-2.nope/policies");

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).contains("Dataplane 'zone-2.nope' not found");
  }
}
