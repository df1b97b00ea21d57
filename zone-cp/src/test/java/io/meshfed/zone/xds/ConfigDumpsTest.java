package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.GenericSecret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigDumpsTest {
  private static final String KEY = "-----BEGIN PRIVATE KEY-----\nSECRET-KEY-BYTES\n";

  private static Snapshot snapshot() {
    return Snapshot.create(
        List.of(Cluster.newBuilder().setName("backend").build()),
        "c1",
        List.of(),
        "e1",
        List.of(Listener.newBuilder().setName("outbound:127.0.0.1:10001").build()),
        "l1",
        List.of(),
        "r1",
        List.of(
            Secret.newBuilder()
                .setName("identity_cert:default")
                .setTlsCertificate(
                    TlsCertificate.newBuilder()
                        .setCertificateChain(DataSource.newBuilder().setInlineString("LEAF-CERT"))
                        .setPrivateKey(DataSource.newBuilder().setInlineString(KEY)))
                .build(),
            Secret.newBuilder()
                .setName("mesh_ca:default")
                .setValidationContext(
                    CertificateValidationContext.newBuilder()
                        .setTrustedCa(DataSource.newBuilder().setInlineString("ROOT-CERT")))
                .build(),
            Secret.newBuilder()
                .setName("generic")
                .setGenericSecret(
                    GenericSecret.newBuilder()
                        .setSecret(DataSource.newBuilder().setInlineString("GENERIC-BYTES")))
                .build()),
        "s1");
  }

  @Test
  void dumpsEachTypeInEnvoysConfigDumpShapeWithVersions() {
    ObjectNode dump = ConfigDumps.of(snapshot());

    JsonNode configs = dump.get("configs");
    assertThat(configs).hasSize(5);
    assertThat(configs.get(0).get("@type").asText())
        .isEqualTo("type.googleapis.com/envoy.admin.v3.ClustersConfigDump");
    assertThat(configs.get(0).get("version_info").asText()).isEqualTo("c1");
    JsonNode cluster = configs.get(0).get("dynamic_active_clusters").get(0);
    assertThat(cluster.get("version_info").asText()).isEqualTo("c1");
    assertThat(cluster.get("cluster").get("@type").asText())
        .isEqualTo("type.googleapis.com/envoy.config.cluster.v3.Cluster");
    assertThat(cluster.get("cluster").get("name").asText()).isEqualTo("backend");
    JsonNode listener = configs.get(2).get("dynamic_listeners").get(0);
    assertThat(listener.get("name").asText()).isEqualTo("outbound:127.0.0.1:10001");
    assertThat(listener.get("active_state").get("version_info").asText()).isEqualTo("l1");
    assertThat(configs.get(4).get("@type").asText())
        .isEqualTo("type.googleapis.com/envoy.admin.v3.SecretsConfigDump");
  }

  @Test
  void privateKeysAndGenericSecretsAreRedactedCertificatesKept() {
    String text = ConfigDumps.of(snapshot()).toString();

    assertThat(text).doesNotContain("SECRET-KEY-BYTES").doesNotContain("GENERIC-BYTES");
    assertThat(text).contains("LEAF-CERT").contains("ROOT-CERT");
    JsonNode secrets = ConfigDumps.of(snapshot()).get("configs").get(4);
    JsonNode identity = secrets.get("dynamic_active_secrets").get(0);
    assertThat(identity.get("name").asText()).isEqualTo("identity_cert:default");
    assertThat(
            identity
                .get("secret")
                .get("tls_certificate")
                .get("private_key")
                .get("inline_string")
                .asText())
        .isEqualTo(ConfigDumps.REDACTED);
  }
}
