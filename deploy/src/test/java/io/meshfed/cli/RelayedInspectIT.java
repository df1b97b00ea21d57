package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.model.DataplaneTokenHeader;
import io.meshfed.testfed.InProcessFederation;
import io.meshfed.testing.SimulatedEnvoy;
import io.meshfed.zone.ZoneControlPlane;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inspect routes through global for a zone's proxy, over a real federation in one process
 * (global with TLS KDS and zone tokens, one zone with a builtin-mTLS mesh, a simulated Envoy on the
 * zone's xDS port): global relays the request over the zone's {@code InspectRelay} stream and
 * answers the same JSON as the zone's own API, the private keys still redacted; the CLI works
 * against global; a stopped zone is a 503 naming it.
 */
class RelayedInspectIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final ObjectMapper json = new ObjectMapper();
  private GlobalControlPlane global;
  private ZoneControlPlane zone;
  private ManagedChannel xds;
  private String globalApi;
  private String zoneApi;

  /** What a CLI run printed and returned. */
  private record Run(int code, String out, String err) {}

  @BeforeEach
  void startFederation() throws Exception {
    global = InProcessFederation.startGlobal(dir);
    globalApi = "http://127.0.0.1:" + global.apiPort();
    HttpResponse<String> mesh =
        send(
            HttpRequest.newBuilder(URI.create(globalApi + "/meshes/default"))
                .header("Content-Type", "application/yaml")
                .PUT(
                    HttpRequest.BodyPublishers.ofString(
                        """
                        type: Mesh
                        name: default
                        mtls:
                          enabledBackend: ca-1
                          backends: [{name: ca-1, type: builtin}]
                        """)));
    assertThat(mesh.statusCode()).as(mesh.body()).isEqualTo(201);

    zone = InProcessFederation.zone(global, dir, "zone-1", Map.of());
    zone.start();
    zoneApi = "http://127.0.0.1:" + zone.apiPort();
    xds = NettyChannelBuilder.forAddress("127.0.0.1", zone.xdsPort()).usePlaintext().build();
    await().atMost(WAIT).until(() -> get(zoneApi + "/meshes/default").statusCode() == 200);
    register(
        "backend-1",
        "{\"port\": 20001, \"servicePort\": 8081, \"tags\": {\"kuma.io/service\": \"backend\"}}",
        "");
    register(
        "web-1",
        "{\"port\": 20002, \"servicePort\": 8082, \"tags\": {\"kuma.io/service\": \"web\"}}",
        ", \"outbound\": [{\"port\": 10001, \"tags\": {\"kuma.io/service\": \"backend\"}}]");
    await()
        .atMost(WAIT)
        .until(
            () ->
                get(globalApi + "/meshes/default/dataplanes/zone-1.web-1").statusCode() == 200
                    && get(globalApi + "/meshes/default/dataplanes/zone-1.backend-1").statusCode()
                        == 200);
  }

  @AfterEach
  void stop() throws Exception {
    if (xds != null) {
      xds.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (zone != null) {
      zone.close();
    }
    if (global != null) {
      global.close();
    }
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(
        request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String url) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(url)));
  }

  private String dataplaneToken(String name) throws Exception {
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create(zoneApi + "/tokens/dataplane"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"mesh\": \"default\", \"name\": \"" + name + "\"}")));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body().strip();
  }

  private void register(String name, String inbound, String outbounds) throws Exception {
    String body =
        "{\"type\": \"Dataplane\", \"mesh\": \"default\", \"name\": \""
            + name
            + "\", \"networking\": {\"address\": \"127.0.0.1\", \"inbound\": ["
            + inbound
            + "]"
            + outbounds
            + "}}";
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create(zoneApi + "/meshes/default/dataplanes/" + name))
                .header("Content-Type", "application/json")
                .header(DataplaneTokenHeader.NAME, dataplaneToken(name))
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  /** The zone's answer for {@code name} and global's for {@code zone-1.name}, once they agree. */
  private JsonNode sameOnZoneAndGlobal(String name, String view) {
    JsonNode[] agreed = new JsonNode[1];
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              HttpResponse<String> onZone =
                  get(zoneApi + "/meshes/default/dataplanes/" + name + "/" + view);
              HttpResponse<String> onGlobal =
                  get(globalApi + "/meshes/default/dataplanes/zone-1." + name + "/" + view);
              assertThat(onZone.statusCode()).as(onZone.body()).isEqualTo(200);
              assertThat(onGlobal.statusCode()).as(onGlobal.body()).isEqualTo(200);
              assertThat(json.readTree(onGlobal.body())).isEqualTo(json.readTree(onZone.body()));
              agreed[0] = json.readTree(onGlobal.body());
            });
    return agreed[0];
  }

  private Run cli(String... args) {
    PrintStream savedOut = System.out;
    PrintStream savedErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = Main.run(args);
      return new Run(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(savedOut);
      System.setErr(savedErr);
    }
  }

  @Test
  void globalAnswersTheZonesJsonForPoliciesAndXdsWithKeysRedacted() throws Exception {
    JsonNode policies = sameOnZoneAndGlobal("web-1", "policies");
    assertThat(policies.get("kind").asText()).isEqualTo("SidecarDataplane");
    assertThat(policies.get("total").asInt()).isEqualTo(3);

    // No proxy connected yet: the zone's 404 comes back through global as it is.
    HttpResponse<String> offline = get(globalApi + "/meshes/default/dataplanes/zone-1.web-1/xds");
    assertThat(offline.statusCode()).as(offline.body()).isEqualTo(404);
    assertThat(offline.body()).contains("Dataplane 'web-1' of mesh 'default' has no xDS config");

    Metadata md = new Metadata();
    md.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + dataplaneToken("web-1"));
    try (SimulatedEnvoy envoy =
        SimulatedEnvoy.connect(
            ClientInterceptors.intercept(xds, MetadataUtils.newAttachHeadersInterceptor(md)),
            "default.web-1",
            Map.of(),
            (t, v) -> {})) {
      await().atMost(WAIT).until(() -> envoy.ackedVersions().containsKey(SimulatedEnvoy.LISTENER));

      JsonNode dump = sameOnZoneAndGlobal("web-1", "xds");

      String text = dump.toString();
      assertThat(dump.get("configs").get(0).get("@type").asText())
          .isEqualTo("type.googleapis.com/envoy.admin.v3.ClustersConfigDump");
      assertThat(text).contains("outbound:127.0.0.1:10001").contains("[redacted]");
      assertThat(text).doesNotContain("PRIVATE KEY");

      Run config =
          cli(
              "inspect",
              "dataplane",
              "zone-1.web-1",
              "-m",
              "default",
              "--type",
              "config",
              "--api",
              globalApi);
      assertThat(config.code()).as(config.err()).isZero();
      assertThat(json.readTree(config.out()).get("configs").get(0).get("@type").asText())
          .isEqualTo("type.googleapis.com/envoy.admin.v3.ClustersConfigDump");
    }

    Run text =
        cli(
            "inspect",
            "dataplane",
            "zone-1.web-1",
            "-m",
            "default",
            "--type",
            "policies",
            "--api",
            globalApi);
    assertThat(text.code()).as(text.err()).isZero();
    assertThat(text.out())
        .contains("inbound 127.0.0.1:20002:8082 (web):")
        .contains("outbound 127.0.0.1:10001 (backend):");
    Run unknown = cli("inspect", "dataplane", "zone-1.nope", "-m", "default", "--api", globalApi);
    assertThat(unknown.code()).isNotZero();
    assertThat(unknown.err()).contains("Dataplane 'zone-1.nope' not found");
  }

  @Test
  void aReaderWithoutTheAdminGroupMayAskAndABadTokenMayNot() throws Exception {
    sameOnZoneAndGlobal("backend-1", "policies");
    String path = globalApi + "/meshes/default/dataplanes/zone-1.backend-1/policies";
    String reader =
        global.userTokenIssuer().issue("jane", Set.of("team-a"), Duration.ofHours(1)).token();

    HttpResponse<String> asReader =
        send(HttpRequest.newBuilder(URI.create(path)).header("Authorization", "Bearer " + reader));
    HttpResponse<String> forged =
        send(
            HttpRequest.newBuilder(URI.create(path))
                .header("Authorization", "Bearer " + reader.substring(0, reader.length() - 4)));

    assertThat(asReader.statusCode()).as(asReader.body()).isEqualTo(200);
    assertThat(forged.statusCode()).as(forged.body()).isEqualTo(401);
  }

  @Test
  void aStoppedZoneIs503NamingItWithinSeconds() throws Exception {
    sameOnZoneAndGlobal("backend-1", "policies");

    zone.close();
    zone = null;
    long stoppedAt = System.nanoTime();

    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              HttpResponse<String> r =
                  get(globalApi + "/meshes/default/dataplanes/zone-1.backend-1/policies");
              assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
              assertThat(r.body()).contains("zone 'zone-1'");
            });
    System.out.printf(
        "RelayedInspectIT: 503 naming the zone %d ms after the zone stopped%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt));
  }
}
