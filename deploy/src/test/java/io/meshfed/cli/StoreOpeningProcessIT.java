package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.testing.EtcdProcess;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import io.meshfed.testing.TcpProxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code global run} on an etcd it cannot reach yet, as a real process: its API answers {@code GET
 * /} before the store is open, refuses the rest with 503 and {@code Retry-After}, and serves once
 * etcd answers; an etcd that never answers still fails the process with the store's error.
 */
class StoreOpeningProcessIT {
  @TempDir Path dir;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private EtcdProcess etcd;
  private TcpProxy toEtcd;
  private final int apiPort = FreePorts.one();
  private final String api = "http://127.0.0.1:" + apiPort;

  @BeforeEach
  void startEtcdBehindAProxyThatRefuses() {
    etcd = EtcdProcess.launch();
    toEtcd = TcpProxy.to(etcd.clientPort());
    toEtcd.mode(TcpProxy.Mode.REFUSE);
  }

  @AfterEach
  void stop() {
    toEtcd.close();
    etcd.close();
  }

  private MeshfedProcess global(String log) {
    return MeshfedProcess.start(
        dir.resolve(log),
        "global",
        "run",
        "--store",
        "etcd",
        "--etcd-endpoints",
        "http://127.0.0.1:" + toEtcd.port(),
        "--api-port",
        String.valueOf(apiPort),
        "--kds-port",
        String.valueOf(FreePorts.one()),
        "--data-dir",
        dir.resolve("data").toString());
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder putMesh(String name) {
    return HttpRequest.newBuilder(URI.create(api + "/meshes/" + name))
        .header("Content-Type", "application/yaml")
        .PUT(HttpRequest.BodyPublishers.ofString("type: Mesh\nname: " + name + "\n"));
  }

  private HttpResponse<String> awaitIndex(MeshfedProcess p) {
    return await("GET / while etcd cannot be reached")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptions()
        .failFast("the process ended", () -> !p.isAlive())
        .until(
            () -> send(HttpRequest.newBuilder(URI.create(api + "/"))), r -> r.statusCode() == 200);
  }

  @Test
  void answersBeforeItsStoreIsOpenAndTakesWritesOnceStarted() throws Exception {
    try (MeshfedProcess global = global("global.log")) {
      HttpResponse<String> index = awaitIndex(global);
      assertThat(index.body()).contains("\"mode\":\"global\"");
      HttpResponse<String> ready = send(HttpRequest.newBuilder(URI.create(api + "/ready")));
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).isEqualTo("starting: the store");
      HttpResponse<String> read = send(HttpRequest.newBuilder(URI.create(api + "/meshes/early")));
      assertThat(read.statusCode()).isEqualTo(503);
      assertThat(read.headers().firstValue("Retry-After")).contains("1");
      HttpResponse<String> write = send(putMesh("early"));
      assertThat(write.statusCode()).isEqualTo(503);
      assertThat(write.headers().firstValue("Retry-After")).contains("1");
      assertThat(write.body())
          .contains("PUT /meshes/early: the control plane is starting (the store not ready yet)");

      toEtcd.mode(TcpProxy.Mode.FORWARD);
      global.awaitReady(api, Duration.ofSeconds(60));

      assertThat(send(HttpRequest.newBuilder(URI.create(api + "/meshes/early"))).statusCode())
          .as("the write refused while the store opened was not taken")
          .isEqualTo(404);
      HttpResponse<String> later = send(putMesh("later"));
      assertThat(later.statusCode()).as(later.body()).isEqualTo(201);
      assertThat(send(HttpRequest.newBuilder(URI.create(api + "/meshes/later"))).statusCode())
          .isEqualTo(200);
    }
  }

  @Test
  void aStoreThatNeverOpensFailsTheProcessWithItsError() throws Exception {
    MeshfedProcess global = global("global-fails.log");
    try {
      awaitIndex(global);
      await("the start fails")
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> !global.isAlive());
    } finally {
      global.close();
    }
    assertThat(global.exitCode()).as(global.logText()).hasValue(1);
    assertThat(global.logText()).contains("Error: cannot start the global control plane: ");
  }
}
