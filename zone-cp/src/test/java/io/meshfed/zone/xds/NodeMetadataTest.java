package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The access log FIFO and the admin port come from kuma-dp's node metadata fields. */
class NodeMetadataTest {
  @Test
  void readsTheAccessLogSocketPathAndTheAdminPort() {
    Node node =
        Node.newBuilder()
            .setMetadata(
                Struct.newBuilder()
                    .putFields(
                        "accessLogSocketPath",
                        Value.newBuilder().setStringValue("/r/al.sock").build())
                    .putFields(
                        "dataplane.admin.port", Value.newBuilder().setStringValue("9901").build()))
            .build();

    assertThat(NodeMetadata.of(node))
        .isEqualTo(new NodeMetadata(Optional.of(9901), Optional.of("/r/al.sock")));
    assertThat(NodeMetadata.of(Node.getDefaultInstance())).isEqualTo(NodeMetadata.NONE);
    assertThat(
            NodeMetadata.of(
                    Node.newBuilder()
                        .setMetadata(
                            Struct.newBuilder()
                                .putFields(
                                    "accessLogSocketPath",
                                    Value.newBuilder().setStringValue(" ").build()))
                        .build())
                .accessLogSocketPath())
        .isEmpty();
  }
}
