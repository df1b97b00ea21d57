package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.EnvoyAdmin;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Envoy's admin port reaches the generator from the node metadata {@code dataplane.admin.port}. */
class AdminPortMetadataTest {

  private static Node node(Value adminPort) {
    Struct.Builder meta = Struct.newBuilder();
    if (adminPort != null) {
      meta.putFields(ProxyStreams.ADMIN_PORT, adminPort);
    }
    return Node.newBuilder().setId("default.web-1").setMetadata(meta).build();
  }

  @Test
  void theAdminPortIsReadAsKumaDpSendsItOrAsANumber() {
    assertThat(ProxyStreams.adminPort(node(Value.newBuilder().setStringValue("9901").build())))
        .contains(9901);
    assertThat(ProxyStreams.adminPort(node(Value.newBuilder().setNumberValue(9902).build())))
        .contains(9902);
    assertThat(ProxyStreams.adminPort(node(null))).isEmpty();
    assertThat(ProxyStreams.adminPort(node(Value.newBuilder().setStringValue("x").build())))
        .isEmpty();
    assertThat(ProxyStreams.adminPort(node(Value.newBuilder().setStringValue("0").build())))
        .isEmpty();
  }

  @Test
  void theReportedPortWinsOverTheResourcesAndNothingElseChanges() {
    Resource dp = dataplane(null);
    Resource with = ConfigPublisher.withAdminPort(dp, 9901);
    assertThat(with.spec(DataplaneSpec.class).networking().admin()).isEqualTo(new EnvoyAdmin(9901));
    assertThat(with.spec(DataplaneSpec.class).networking().inbound())
        .isEqualTo(dp.spec(DataplaneSpec.class).networking().inbound());
    assertThat(ConfigPublisher.withAdminPort(dataplane(1234), 9901).spec(DataplaneSpec.class))
        .isEqualTo(dataplane(9901).spec(DataplaneSpec.class));
    assertThat(ConfigPublisher.withAdminPort(dp, null)).isSameAs(dp);
  }

  private static Resource dataplane(Integer adminPort) {
    return new Resource(
        ResourceKey.inMesh(StandardTypes.DATAPLANE, "default", "web-1"),
        Meta.EMPTY,
        DataplaneSpec.of(
            new DataplaneSpec.Networking(
                "127.0.0.1",
                null,
                List.of(
                    DataplaneSpec.Inbound.of(
                        10080, 8080, java.util.Map.of("kuma.io/service", "web"))),
                List.of(),
                null,
                null,
                adminPort == null ? null : new EnvoyAdmin(adminPort))));
  }
}
