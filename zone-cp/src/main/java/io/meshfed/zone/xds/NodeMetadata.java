package io.meshfed.zone.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Objects;
import java.util.Optional;

/**
 * What a proxy's node metadata tells the zone, in kuma-dp's field names.
 *
 * @param adminPort Envoy's admin port ({@code dataplane.admin.port})
 * @param accessLogSocketPath the FIFO that {@code meshfed dp run} reads and forwards to the mesh's
 *     {@code tcp} logging backends ({@code accessLogSocketPath})
 */
record NodeMetadata(Optional<Integer> adminPort, Optional<String> accessLogSocketPath) {
  /** Kuma's name of the access log socket field. */
  static final String ACCESS_LOG_SOCKET_PATH = "accessLogSocketPath";

  static final NodeMetadata NONE = new NodeMetadata(Optional.empty(), Optional.empty());

  NodeMetadata {
    Objects.requireNonNull(adminPort, "adminPort");
    Objects.requireNonNull(accessLogSocketPath, "accessLogSocketPath");
  }

  static NodeMetadata of(Node node) {
    com.google.protobuf.Value path = node.getMetadata().getFieldsMap().get(ACCESS_LOG_SOCKET_PATH);
    return new NodeMetadata(
        ProxyStreams.adminPort(node),
        path == null || path.getStringValue().isBlank()
            ? Optional.empty()
            : Optional.of(path.getStringValue()));
  }
}
