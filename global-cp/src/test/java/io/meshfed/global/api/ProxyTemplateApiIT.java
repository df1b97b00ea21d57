package io.meshfed.global.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.store.ListQuery;
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
 * Global's REST API takes a ProxyTemplate as Kuma's, and refuses with a 400 naming the field every
 * value that is not its Envoy type, every profile but default-proxy and every origin a meshfed
 * sidecar does not have; nothing refused is stored.
 */
class ProxyTemplateApiIT {
  private static final String HEAD =
      "type: ProxyTemplate\nname: pt\nmesh: m\nselectors: [{match: {kuma.io/service: '*'}}]\n";

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final ObjectMapper json = new ObjectMapper();

  @TempDir Path dataDir;

  private MemoryResourceStore store;
  private GlobalControlPlane cp;
  private String base;

  @BeforeEach
  void start() throws Exception {
    store = new MemoryResourceStore();
    GlobalConfig config =
        GlobalConfig.load(
            Map.of("api-port", "0", "kds-port", "0", "data-dir", dataDir.toString()),
            Map.of(),
            null);
    cp = new GlobalControlPlane(config, store, Clock.systemUTC()).start();
    base = "http://127.0.0.1:" + cp.apiPort();
    assertThat(put("/meshes/m", "type: Mesh\nname: m\n").statusCode()).isEqualTo(201);
  }

  @AfterEach
  void stop() {
    cp.close();
  }

  private HttpResponse<String> put(String path, String yaml) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/yaml")
            .PUT(HttpRequest.BodyPublishers.ofString(yaml))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private Map<String, String> refused(String conf) throws Exception {
    HttpResponse<String> response = put("/meshes/m/proxytemplates/pt", HEAD + conf);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    JsonNode body = json.readTree(response.body());
    assertThat(body.path("title").asText()).isEqualTo("Resource is not valid");
    Map<String, String> causes = new java.util.LinkedHashMap<>();
    body.path("causes")
        .forEach(c -> causes.put(c.path("field").asText(), c.path("message").asText()));
    return causes;
  }

  @Test
  void aTemplateOfEnvoyValuesIsStored() throws Exception {
    HttpResponse<String> r =
        put(
            "/meshes/m/proxytemplates/pt",
            HEAD
                + """
                conf:
                  imports: [default-proxy]
                  modifications:
                  - cluster:
                      operation: patch
                      match: {origin: outbound}
                      value: 'connectTimeout: 7s'
                  - networkFilter:
                      operation: patch
                      match: {name: envoy.filters.network.tcp_proxy}
                      value: |
                        name: envoy.filters.network.tcp_proxy
                        typedConfig:
                          '@type': type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          idleTimeout: 10s
                """);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    assertThat(store.list(ListQuery.all("ProxyTemplate")).join().total()).isEqualTo(1);
  }

  @Test
  void valuesThatAreNotTheirEnvoyTypeAreRefusedByField() throws Exception {
    Map<String, String> causes =
        refused(
            """
            conf:
              imports: [default-proxy]
              resources:
              - name: r
                version: v1
                resource: |
                  '@type': type.googleapis.com/envoy.config.route.v3.RouteConfiguration
                  name: r
              modifications:
              - cluster: {operation: patch, value: 'connectTimeout: soon'}
              - listener: {operation: add, value: 'adress: {}'}
              - networkFilter:
                  operation: addFirst
                  value: |
                    name: f
                    typedConfig: {'@type': type.googleapis.com/envoy.extensions.filters.network.nope.v3.Nope}
              - httpFilter: {operation: addFirst, value: 'nam: router'}
              - virtualHost: {operation: add, value: 'domains: {a: b}'}
            """);

    assertThat(causes)
        .containsOnlyKeys(
            "conf.resources[0].resource",
            "conf.modifications[0].cluster.value",
            "conf.modifications[1].listener.value",
            "conf.modifications[2].networkFilter.value",
            "conf.modifications[3].httpFilter.value",
            "conf.modifications[4].virtualHost.value");
    assertThat(causes.get("conf.modifications[0].cluster.value"))
        .startsWith("is not a valid envoy.config.cluster.v3.Cluster: ");
    assertThat(causes.get("conf.resources[0].resource"))
        .contains("envoy.config.route.v3.RouteConfiguration")
        .contains("expected");
    assertThat(store.list(ListQuery.all("ProxyTemplate")).join().total()).isZero();
  }

  @Test
  void otherProfilesAndOriginsAreNotSupportedYet() throws Exception {
    Map<String, String> causes =
        refused(
            """
            conf:
              imports: [ingress-proxy]
              modifications:
              - cluster: {operation: remove, match: {origin: prometheus}}
            """);

    assertThat(causes)
        .containsOnlyKeys(
            "conf.imports", "conf.imports[0]", "conf.modifications[0].cluster.match.origin");
    assertThat(causes.values()).allSatisfy(m -> assertThat(m).contains("not supported yet"));
    assertThat(store.list(ListQuery.all("ProxyTemplate")).join().total()).isZero();
  }
}
