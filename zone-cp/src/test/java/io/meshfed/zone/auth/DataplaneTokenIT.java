package io.meshfed.zone.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

/**
 * A zone with {@code dp-token-required: true}, over its real REST API and real xDS gRPC port: a
 * proxy registers and streams config only with a token issued to it.
 */
class DataplaneTokenIT {
  private static final String DATAPLANE =
      """
      {"type": "Dataplane", "mesh": "default", "name": "%s",
       "networking": {"address": "127.0.0.1",
         "inbound": [{"port": 20001, "servicePort": 8081, "tags": {"kuma.io/service": "web"}}]}}
      """;

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final MemoryResourceStore store = new MemoryResourceStore();
  private ZoneControlPlane cp;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    store
        .create(
            new ResourceCodec(StandardTypes.registry()).decodeOne("type: Mesh\nname: default\n"))
        .join();
    Map<String, String> flags = new HashMap<>();
    flags.put("zone", "zone-1");
    flags.put("global-address", "grpc://127.0.0.1:" + FreePorts.one());
    flags.put("kds-insecure", "true");
    flags.put("zone-token-file", Files.writeString(dir.resolve("token"), "t\n").toString());
    flags.put("api-port", "0");
    flags.put("xds-port", "0");
    flags.put("data-dir", dir.resolve("data").toString());
    flags.put("dp-token-required", "true");
    cp = new ZoneControlPlane(ZoneConfig.load(flags, Map.of(), null), store, Clock.systemUTC());
    cp.start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", cp.xdsPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (cp != null) {
      cp.close();
    }
  }

  private HttpResponse<String> send(String method, String path, String body, String token)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.apiPort() + path))
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header(DataplaneTokenHeader.NAME, token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String token(String name) throws Exception {
    HttpResponse<String> r =
        send(
            "POST",
            "/tokens/dataplane",
            "{\"mesh\": \"default\", \"name\": \"" + name + "\", \"validFor\": \"1h\"}",
            null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body().strip();
  }

  private Channel withToken(String token) {
    if (token == null) {
      return channel;
    }
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md));
  }

  @Test
  void registrationNeedsTheProxysOwnToken() throws Exception {
    String web1 = token("web-1");
    String web2 = token("web-2");
    String path = "/meshes/default/dataplanes/web-1";

    HttpResponse<String> none = send("PUT", path, DATAPLANE.formatted("web-1"), null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.body()).contains("no dataplane token");
    HttpResponse<String> other = send("PUT", path, DATAPLANE.formatted("web-1"), web2);
    assertThat(other.statusCode()).isEqualTo(401);
    assertThat(other.body()).contains("issued to dataplane default/web-2");
    HttpResponse<String> forged = send("PUT", path, DATAPLANE.formatted("web-1"), web1 + "x");
    assertThat(forged.statusCode()).isEqualTo(401);
    assertThat(
            store.get(io.meshfed.model.ResourceKey.inMesh("Dataplane", "default", "web-1")).join())
        .isEmpty();

    HttpResponse<String> right = send("PUT", path, DATAPLANE.formatted("web-1"), web1);
    assertThat(right.statusCode()).as(right.body()).isEqualTo(201);
    // the signing key never shows through the API
    assertThat(send("GET", "/global-secrets", "", null).body())
        .doesNotContain(DataplaneTokenKey.SECRET_NAME);
  }

  @Test
  void anXdsStreamNeedsTheProxysOwnToken() throws Exception {
    String web1 = token("web-1");
    assertThat(
            send("PUT", "/meshes/default/dataplanes/web-1", DATAPLANE.formatted("web-1"), web1)
                .statusCode())
        .isEqualTo(201);

    for (String wrong : new String[] {null, token("web-2"), web1.substring(0, web1.length() - 2)}) {
      try (SimulatedEnvoy envoy =
          SimulatedEnvoy.connect(withToken(wrong), "default.web-1", Map.of(), (t, v) -> {})) {
        await().atMost(Duration.ofSeconds(10)).until(() -> envoy.error() != null);
        assertThat(Status.fromThrowable(envoy.error()).getCode())
            .as("token %s", wrong == null ? "absent" : "wrong")
            .isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(envoy.responses()).isZero();
      }
    }

    try (SimulatedEnvoy envoy =
        SimulatedEnvoy.connect(withToken(web1), "default.web-1", Map.of(), (t, v) -> {})) {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> envoy.ackedVersions().containsKey(SimulatedEnvoy.LISTENER));
      assertThat(envoy.error()).isNull();
    }
  }
}
