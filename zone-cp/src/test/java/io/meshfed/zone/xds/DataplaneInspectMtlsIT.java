package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.meshfed.api.ApiServer;
import io.meshfed.api.IndexInfo;
import io.meshfed.model.ControlPlaneMode;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.SimulatedEnvoy;
import io.meshfed.xds.Identity;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The inspect routes over a real xDS server and API server in an mTLS mesh: the permissions of an
 * inbound are listed, and the config dump carries the certificates but never the private key.
 */
class DataplaneInspectMtlsIT {
  private static final String KEY = "PRIVATE-KEY-MATERIAL-0123456789";

  private final ResourceCodec codec = new ResourceCodec(StandardTypes.registry());
  private final MemoryResourceStore store = new MemoryResourceStore();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final ObjectMapper json = new ObjectMapper();
  private XdsServer xds;
  private ApiServer api;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    for (String yaml :
        new String[] {
          """
          type: Mesh
          name: default
          mtls:
            enabledBackend: ca-1
            backends: [{name: ca-1, type: builtin}]
          """,
          """
          type: TrafficPermission
          mesh: default
          name: allow-all
          sources: [{match: {kuma.io/service: '*'}}]
          destinations: [{match: {kuma.io/service: '*'}}]
          """,
          """
          type: TrafficPermission
          mesh: default
          name: only-to-backend
          sources: [{match: {kuma.io/service: web}}]
          destinations: [{match: {kuma.io/service: backend}}]
          """,
          """
          type: Dataplane
          mesh: default
          name: web-1
          networking:
            address: 127.0.0.1
            inbound:
            - port: 20002
              servicePort: 8082
              tags: {kuma.io/service: web}
          """
        }) {
      store.create(codec.decodeOne(yaml)).get();
    }
    XdsServer.CertificateAuthority ca =
        new XdsServer.CertificateAuthority() {
          @Override
          public CompletableFuture<Identity> issue(
              String mesh, io.meshfed.model.spec.MeshSpec spec, Map<String, Set<String>> tags) {
            return CompletableFuture.completedFuture(
                new Identity(
                    "LEAF-CERTIFICATE", KEY, "MESH-ROOT", Instant.now().plus(Duration.ofHours(1))));
          }

          @Override
          public Instant rotateAt(Identity identity) {
            return identity.notAfter().minus(Duration.ofMinutes(30));
          }
        };
    xds =
        new XdsServer(
                "zone-1",
                "zone-1-test",
                store,
                ca,
                Clock.systemUTC(),
                scheduler,
                new SimpleMeterRegistry(),
                Duration.ofMillis(100))
            .start("127.0.0.1", 0);
    api =
        ApiServer.builder()
            .mode(ControlPlaneMode.ZONE)
            .bind("127.0.0.1", 0)
            .store(store)
            .codec(codec)
            .meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
            .index(IndexInfo.zone("1.2.3", "zone-1-test", "zone-1"))
            .clock(Clock.systemUTC())
            .routes(xds.inspectRoutes(codec))
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", xds.port()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (api != null) {
      api.close();
    }
    if (xds != null) {
      xds.close();
    }
    scheduler.shutdownNow();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void listsTheInboundsPermissionsAndRedactsThePrivateKey() throws Exception {
    JsonNode policies = json.readTree(get("/meshes/default/dataplanes/web-1/policies").body());
    JsonNode inbound = policies.get("items").get(0);
    assertThat(inbound.get("name").asText()).isEqualTo("127.0.0.1:20002:8082");
    assertThat(inbound.get("matchedPolicies").get("TrafficPermission").findValuesAsText("name"))
        .containsExactly("allow-all");

    try (SimulatedEnvoy envoy =
        SimulatedEnvoy.connect(channel, "default.web-1", Map.of(), (t, v) -> {})) {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> envoy.ackedVersions().containsKey(SimulatedEnvoy.LISTENER));
      HttpResponse<String> r = get("/meshes/default/dataplanes/web-1/xds");

      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body())
          .doesNotContain(KEY)
          .contains("LEAF-CERTIFICATE")
          .contains("MESH-ROOT")
          .contains(ConfigDumps.REDACTED)
          .contains("\"allow-all\""); // the inbound's RBAC policy
    }
  }
}
