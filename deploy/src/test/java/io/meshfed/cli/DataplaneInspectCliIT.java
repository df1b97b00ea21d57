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
import io.meshfed.model.DataplaneTokenHeader;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.SimulatedEnvoy;
import io.meshfed.zone.ZoneConfig;
import io.meshfed.zone.ZoneControlPlane;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code meshfed inspect dataplane} against an in-process zone control plane. */
class DataplaneInspectCliIT {
  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final MemoryResourceStore store = new MemoryResourceStore();
  private ZoneControlPlane zone;
  private ManagedChannel channel;
  private String api;

  /** What a CLI run printed and returned. */
  private record Run(int code, String out, String err) {}

  @BeforeEach
  void start() throws Exception {
    ResourceCodec codec = new ResourceCodec(StandardTypes.registry());
    store.create(codec.decodeOne("type: Mesh\nname: default\n")).join();
    store
        .create(
            codec.decodeOne(
                """
                type: Timeout
                mesh: default
                name: web-to-backend
                sources: [{match: {kuma.io/service: web}}]
                destinations: [{match: {kuma.io/service: backend}}]
                conf: {connectTimeout: 2s, tcp: {idleTimeout: 1h}}
                """))
        .join();
    Map<String, String> flags = new HashMap<>();
    flags.put("zone", "zone-1");
    flags.put("global-address", "grpc://127.0.0.1:" + FreePorts.one());
    flags.put("kds-insecure", "true");
    flags.put("zone-token-file", Files.writeString(dir.resolve("token"), "t\n").toString());
    flags.put("api-port", "0");
    flags.put("xds-port", "0");
    flags.put("data-dir", dir.resolve("data").toString());
    zone = new ZoneControlPlane(ZoneConfig.load(flags, Map.of(), null), store, Clock.systemUTC());
    zone.start();
    api = "http://127.0.0.1:" + zone.apiPort();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", zone.xdsPort()).usePlaintext().build();
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(api + "/meshes/default/dataplanes/web-1"))
                .header("Content-Type", "application/json")
                .header(DataplaneTokenHeader.NAME, token("web-1"))
                .PUT(
                    HttpRequest.BodyPublishers.ofString(
                        """
                        {"type": "Dataplane", "mesh": "default", "name": "web-1",
                         "networking": {"address": "127.0.0.1",
                           "inbound": [{"port": 20002, "servicePort": 8082,
                                        "tags": {"kuma.io/service": "web"}}],
                           "outbound": [{"port": 10001, "tags": {"kuma.io/service": "backend"}}]}}
                        """))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (zone != null) {
      zone.close();
    }
  }

  private String token(String name) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(api + "/tokens/dataplane"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"mesh\": \"default\", \"name\": \"" + name + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body().strip();
  }

  private Run run(String... args) {
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
  void policiesAsTextAndJson() throws Exception {
    Run text = run("inspect", "dataplane", "web-1", "-m", "default", "--api", api);

    assertThat(text.code()).as(text.err()).isZero();
    assertThat(text.out())
        .contains(
            "inbound 127.0.0.1:20002:8082 (web):\n  (no policy)\n",
            "outbound 127.0.0.1:10001 (backend):\n  Timeout\n    web-to-backend\n",
            "service backend:\n");

    Run json =
        run("inspect", "dataplane", "web-1", "--type", "policies", "-o", "json", "--api", api);
    JsonNode body = new ObjectMapper().readTree(json.out());
    assertThat(body.get("kind").asText()).isEqualTo("SidecarDataplane");
    assertThat(body.get("total").asInt()).isEqualTo(3);

    Run unknown = run("inspect", "dataplane", "nope", "--api", api);
    assertThat(unknown.code()).isNotZero();
    assertThat(unknown.err()).contains("Dataplane 'nope' not found");
  }

  @Test
  void configIsTheConfigDumpWhileTheProxyIsConnected() throws Exception {
    Run offline = run("inspect", "dataplane", "web-1", "--type", "config", "--api", api);
    assertThat(offline.code()).isNotZero();
    assertThat(offline.err()).contains("not connected to this zone");

    Metadata md = new Metadata();
    md.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + token("web-1"));
    try (SimulatedEnvoy envoy =
        SimulatedEnvoy.connect(
            ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md)),
            "default.web-1",
            Map.of(),
            (t, v) -> {})) {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> envoy.ackedVersions().containsKey(SimulatedEnvoy.LISTENER));

      Run config = run("inspect", "dataplane", "web-1", "--type", "config", "--api", api);

      assertThat(config.code()).as(config.err()).isZero();
      JsonNode dump = new ObjectMapper().readTree(config.out());
      assertThat(dump.get("configs").get(0).get("@type").asText())
          .isEqualTo("type.googleapis.com/envoy.admin.v3.ClustersConfigDump");
      assertThat(config.out()).contains("outbound:127.0.0.1:10001").contains("\"2s\"");
    }
  }
}
