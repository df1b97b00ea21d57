package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

/** The builders of {@link MeshYaml} give the same documents the ITs used to write out by hand. */
class MeshYamlTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void aSidecarWithEveryPartIsTheDataplaneWrittenByHand() throws Exception {
    String built =
        MeshYaml.sidecar("web-1")
            .inboundHttp(10001, 10002, "web")
            .inbound(10003, 10002, "web-tcp")
            .outbound(10004, "backend")
            .outbound(10005, "backend-tcp")
            .admin(10006)
            .yaml();
    String byHand =
        """
        type: Dataplane
        mesh: default
        name: web-1
        networking:
          address: 127.0.0.1
          inbound:
          - port: 10001
            servicePort: 10002
            tags:
              kuma.io/service: web
              kuma.io/protocol: http
          - port: 10003
            servicePort: 10002
            tags:
              kuma.io/service: web-tcp
          outbound:
          - port: 10004
            tags:
              kuma.io/service: backend
          - port: 10005
            tags:
              kuma.io/service: backend-tcp
          admin:
            port: 10006
        """;
    assertThat(YAML.readTree(built)).isEqualTo(YAML.readTree(byHand));
  }

  @Test
  void aSidecarWithOnlyAnInboundHasNoOutboundOrAdmin() throws Exception {
    JsonNode built = YAML.readTree(MeshYaml.sidecar("backend-1").inbound(1, 2, "backend").yaml());
    assertThat(built.path("networking").has("outbound")).isFalse();
    assertThat(built.path("networking").has("admin")).isFalse();
    assertThat(built.path("networking").path("inbound")).hasSize(1);
  }

  @Test
  void theIngressAdvertisesItsOwnPortAndTheMeshAppendsSections() throws Exception {
    JsonNode ingress = YAML.readTree(MeshYaml.zoneIngress("ingress-2", 7001, 7002));
    assertThat(ingress.path("type").asText()).isEqualTo("ZoneIngress");
    assertThat(ingress.path("networking").path("port").asInt()).isEqualTo(7001);
    assertThat(ingress.path("networking").path("advertisedPort").asInt()).isEqualTo(7001);
    assertThat(ingress.path("networking").path("admin").path("port").asInt()).isEqualTo(7002);

    JsonNode mesh = YAML.readTree(MeshYaml.meshMtlsOn("tracing:\n  defaultBackend: zipkin-1\n"));
    assertThat(mesh.path("mtls").path("enabledBackend").asText()).isEqualTo("ca-1");
    assertThat(mesh.path("tracing").path("defaultBackend").asText()).isEqualTo("zipkin-1");
    assertThat(mesh.has("skipCreatingInitialPolicies")).isFalse();
  }
}
