package io.meshfed.cli;

/** Resources the CLI tests apply. */
final class Samples {
  private Samples() {}

  static final String MESH_PERMISSION_ROUTE =
      """
      type: Mesh
      name: default
      mtls:
        enabledBackend: ca-1
        backends:
        - name: ca-1
          type: builtin
      ---
      type: TrafficPermission
      name: allow-all
      mesh: default
      sources:
      - match:
          kuma.io/service: '*'
      destinations:
      - match:
          kuma.io/service: '*'
      ---
      type: TrafficRoute
      name: route-all-to-zone-2
      mesh: default
      sources:
      - match:
          kuma.io/service: '*'
      destinations:
      - match:
          kuma.io/service: backend
      conf:
        destination:
          kuma.io/service: backend
          kuma.io/zone: zone-2
      """;

  static String permission(String name, String service) {
    return "{\"type\":\"TrafficPermission\",\"mesh\":\"default\",\"name\":\""
        + name
        + "\",\"sources\":[{\"match\":{\"kuma.io/service\":\""
        + service
        + "\"}}],\"destinations\":[{\"match\":{\"kuma.io/service\":\"*\"}}]}";
  }
}
