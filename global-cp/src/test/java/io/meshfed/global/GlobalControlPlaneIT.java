package io.meshfed.global;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.store.memory.MemoryResourceStore;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GlobalControlPlaneIT {
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesTheGlobalApiUntilClosed() throws Exception {
    MemoryResourceStore store = new MemoryResourceStore();
    GlobalConfig config =
        GlobalConfig.load(
            Map.of("api-port", "0", "kds-port", "0", "max-body-bytes", "512"), Map.of(), null);
    GlobalControlPlane cp = new GlobalControlPlane(config, store, Clock.systemUTC());
    assertThat(cp.isReady()).isFalse();
    cp.start();
    int port = cp.apiPort();
    assertThat(port).isPositive();
    assertThat(cp.isReady()).isTrue();
    String base = "http://127.0.0.1:" + port;

    HttpResponse<String> index = send(HttpRequest.newBuilder(URI.create(base + "/")).build());
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.body())
        .contains("\"mode\":\"global\"")
        .contains("\"tagline\":\"Kuma\"")
        .contains("\"product\":\"meshfed\"")
        .contains("\"clusterId\":\"" + cp.clusterId() + "\"");
    assertThat(send(HttpRequest.newBuilder(URI.create(base + "/ready")).build()).statusCode())
        .isEqualTo(200);

    HttpResponse<String> created =
        send(
            HttpRequest.newBuilder(URI.create(base + "/meshes/default"))
                .header("Content-Type", "application/yaml")
                .PUT(HttpRequest.BodyPublishers.ofString("type: Mesh\nname: default\n"))
                .build());
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(store.list(io.meshfed.store.ListQuery.all("Mesh")).join().total()).isEqualTo(1);

    HttpResponse<String> tooBig =
        send(
            HttpRequest.newBuilder(URI.create(base + "/meshes/big"))
                .header("Content-Type", "application/yaml")
                .PUT(
                    HttpRequest.BodyPublishers.ofString(
                        "type: Mesh\nname: big\n#" + "x".repeat(600)))
                .build());
    assertThat(tooBig.statusCode()).isEqualTo(413);

    HttpResponse<String> metrics =
        send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build());
    assertThat(metrics.body()).contains("api_server_http_request_duration_seconds_count");

    cp.close();
    assertThat(cp.isReady()).isFalse();
    assertThatThrownBy(() -> send(HttpRequest.newBuilder(URI.create(base + "/")).build()))
        .isInstanceOf(ConnectException.class);
    assertThat(store.currentRevision()).isCompletedExceptionally();
    assertThatThrownBy(cp::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void apiPortBeforeStartIsAnError() {
    GlobalControlPlane cp =
        new GlobalControlPlane(
            GlobalConfig.defaults(), new MemoryResourceStore(), Clock.systemUTC());
    assertThatThrownBy(cp::apiPort)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not started");
    cp.close();
  }
}
