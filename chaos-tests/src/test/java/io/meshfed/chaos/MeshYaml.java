package io.meshfed.chaos;

import java.util.ArrayList;
import java.util.List;

/** YAML of the resources the chaos ITs apply again and again: the mTLS mesh and proxies. */
final class MeshYaml {
  /**
   * Mesh {@code default} with a builtin CA and mTLS on, Kuma's default policies kept (so the
   * default allow-all permission lets traffic through).
   */
  static final String MESH_MTLS_ON =
      """
      type: Mesh
      name: default
      mtls:
        enabledBackend: ca-1
        backends:
        - name: ca-1
          type: builtin
      """;

  private MeshYaml() {}

  /** {@link #MESH_MTLS_ON} followed by more top-level sections, e.g. {@code logging:}. */
  static String meshMtlsOn(String sections) {
    return MESH_MTLS_ON + sections;
  }

  /** A TrafficPermission of mesh {@code default} from {@code source} to {@code destination}. */
  static String trafficPermission(String name, String source, String destination) {
    return """
        type: TrafficPermission
        name: %s
        mesh: default
        sources:
        - match:
            kuma.io/service: %s
        destinations:
        - match:
            kuma.io/service: %s
        """
        .formatted(name, source, destination);
  }

  /**
   * A ZoneIngress on loopback that advertises its own {@code port}, with its admin on {@code
   * admin}.
   */
  static String zoneIngress(String name, int port, int admin) {
    return """
        type: ZoneIngress
        name: %s
        networking:
          address: 127.0.0.1
          port: %d
          advertisedAddress: 127.0.0.1
          advertisedPort: %d
          admin:
            port: %d
        """
        .formatted(name, port, port, admin);
  }

  /** A Dataplane of mesh {@code default} on loopback, built inbound by inbound. */
  static Sidecar sidecar(String name) {
    return new Sidecar(name);
  }

  /** Builds a sidecar's Dataplane YAML; each call adds one inbound, outbound or the admin port. */
  static final class Sidecar {
    private final String name;
    private final List<String> inbounds = new ArrayList<>();
    private final List<String> outbounds = new ArrayList<>();
    private Integer admin;

    private Sidecar(String name) {
      this.name = name;
    }

    /** An inbound tagged with {@code service} only (TCP). */
    Sidecar inbound(int port, int servicePort, String service) {
      inbounds.add(
          """
            - port: %d
              servicePort: %d
              tags:
                kuma.io/service: %s
          """
              .formatted(port, servicePort, service));
      return this;
    }

    /** An inbound tagged with {@code service} and {@code kuma.io/protocol: http}. */
    Sidecar inboundHttp(int port, int servicePort, String service) {
      inbounds.add(
          """
            - port: %d
              servicePort: %d
              tags:
                kuma.io/service: %s
                kuma.io/protocol: http
          """
              .formatted(port, servicePort, service));
      return this;
    }

    Sidecar outbound(int port, String service) {
      outbounds.add(
          """
            - port: %d
              tags:
                kuma.io/service: %s
          """
              .formatted(port, service));
      return this;
    }

    String name() {
      return name;
    }

    Sidecar admin(int port) {
      this.admin = port;
      return this;
    }

    String yaml() {
      StringBuilder y =
          new StringBuilder(
              """
              type: Dataplane
              mesh: default
              name: %s
              networking:
                address: 127.0.0.1
              """
                  .formatted(name));
      if (!inbounds.isEmpty()) {
        y.append("  inbound:\n");
        inbounds.forEach(y::append);
      }
      if (!outbounds.isEmpty()) {
        y.append("  outbound:\n");
        outbounds.forEach(y::append);
      }
      if (admin != null) {
        y.append("  admin:\n    port: ").append(admin).append('\n');
      }
      return y.toString();
    }
  }
}
