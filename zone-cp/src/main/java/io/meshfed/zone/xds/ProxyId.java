package io.meshfed.zone.xds;

import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import java.util.Objects;

/**
 * Which proxy an xDS stream belongs to, read from Envoy's node: a sidecar's node id is {@code
 * <mesh>.<name>} (Kuma's convention; mesh names hold no dot), a zone ingress's is its name, and
 * {@code meshfed.io/proxy-type} in the node metadata tells which ({@code sidecar} when absent).
 */
record ProxyId(Kind kind, String mesh, String name) {
  static final String PROXY_TYPE = "meshfed.io/proxy-type";

  enum Kind {
    SIDECAR,
    INGRESS
  }

  ProxyId {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
  }

  /**
   * The proxy named by {@code node}.
   *
   * @throws IllegalArgumentException naming what is wrong with the node id or metadata
   */
  static ProxyId fromNode(Node node) {
    String id = node.getId();
    if (id.isEmpty()) {
      throw new IllegalArgumentException("node.id is empty (expected <mesh>.<name> or <name>)");
    }
    Value type = node.getMetadata().getFieldsMap().get(PROXY_TYPE);
    String proxyType = type == null ? "sidecar" : type.getStringValue();
    switch (proxyType) {
      case "ingress":
        return new ProxyId(Kind.INGRESS, null, id);
      case "sidecar":
        int dot = id.indexOf('.');
        if (dot <= 0 || dot == id.length() - 1) {
          throw new IllegalArgumentException(
              "node.id '" + id + "': expected <mesh>.<name> for a sidecar");
        }
        return new ProxyId(Kind.SIDECAR, id.substring(0, dot), id.substring(dot + 1));
      default:
        throw new IllegalArgumentException(
            "node.metadata."
                + PROXY_TYPE
                + ": '"
                + proxyType
                + "' (expected: one of [sidecar, ingress])");
    }
  }

  /** The node id the cache groups snapshots by. */
  String nodeId() {
    return kind == Kind.SIDECAR ? mesh + "." + name : name;
  }

  /** The key of the resource this proxy stands for (a Dataplane or a ZoneIngress). */
  ResourceKey resourceKey() {
    return kind == Kind.SIDECAR
        ? ResourceKey.inMesh(StandardTypes.DATAPLANE, mesh, name)
        : ResourceKey.global(StandardTypes.ZONE_INGRESS, name);
  }

  /** The key of the insight resource reporting this proxy's xDS streams. */
  ResourceKey insightKey() {
    return kind == Kind.SIDECAR
        ? ResourceKey.inMesh(StandardTypes.DATAPLANE_INSIGHT, mesh, name)
        : ResourceKey.global(StandardTypes.ZONE_INGRESS_INSIGHT, name);
  }

  @Override
  public String toString() {
    return (kind == Kind.SIDECAR ? "dataplane " : "zone ingress ") + nodeId();
  }
}
