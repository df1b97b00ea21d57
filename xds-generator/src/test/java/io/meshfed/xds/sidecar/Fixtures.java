package io.meshfed.xds.sidecar;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.Selector;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.TrafficPermissionSpec;
import io.meshfed.model.spec.TrafficRouteSpec;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.xds.Identity;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Resource builders for the sidecar generator's tests. */
final class Fixtures {
  static final String MESH = "default";
  static final String ZONE = "zone-1";

  /** Placeholder PEMs: golden files need stable text, Envoy validation uses {@link TestCerts}. */
  static final Identity FAKE_IDENTITY =
      new Identity(
          "-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n",
          "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n",
          "-----BEGIN CERTIFICATE-----\nROOT\n-----END CERTIFICATE-----\n",
          Instant.parse("2030-01-01T00:00:00Z"));

  private Fixtures() {}

  static Resource mesh(boolean mtls) {
    MeshSpec spec =
        mtls
            ? MeshSpec.ofMtls(
                new MeshSpec.Mtls(
                    "ca-1",
                    List.of(
                        new MeshSpec.Backend(
                            "ca-1", MeshSpec.Backend.BUILTIN, null, null, null, null)),
                    null))
            : MeshSpec.ofMtls(null);
    return new Resource(ResourceKey.global(StandardTypes.MESH, MESH), Meta.EMPTY, spec);
  }

  static Map<String, String> svc(String service, String... moreTags) {
    java.util.TreeMap<String, String> tags = new java.util.TreeMap<>();
    tags.put(Tags.SERVICE, service);
    for (int i = 0; i < moreTags.length; i += 2) {
      tags.put(moreTags[i], moreTags[i + 1]);
    }
    return tags;
  }

  static DataplaneSpec.Inbound inbound(int port, int servicePort, Map<String, String> tags) {
    return DataplaneSpec.Inbound.of(port, servicePort, withZone(tags));
  }

  static DataplaneSpec.Inbound notReady(int port, int servicePort, Map<String, String> tags) {
    return new DataplaneSpec.Inbound(
        port,
        servicePort,
        null,
        null,
        withZone(tags),
        new DataplaneSpec.Health(false),
        null,
        null,
        null);
  }

  private static Map<String, String> withZone(Map<String, String> tags) {
    java.util.TreeMap<String, String> t = new java.util.TreeMap<>(tags);
    t.putIfAbsent(Tags.ZONE, ZONE);
    return t;
  }

  static Resource dataplane(
      String name,
      String address,
      List<DataplaneSpec.Inbound> inbounds,
      List<DataplaneSpec.Outbound> outbounds) {
    return new Resource(
        ResourceKey.inMesh(StandardTypes.DATAPLANE, MESH, name),
        Meta.EMPTY,
        DataplaneSpec.of(
            new DataplaneSpec.Networking(address, null, inbounds, outbounds, null, null, null)));
  }

  static ZoneIngressSpec.AvailableService available(Map<String, String> tags, int instances) {
    return new ZoneIngressSpec.AvailableService(tags, instances, MESH, null);
  }

  static Resource ingress(
      String name,
      String zone,
      String advertisedAddress,
      int advertisedPort,
      List<ZoneIngressSpec.AvailableService> services) {
    return new Resource(
        ResourceKey.global(StandardTypes.ZONE_INGRESS, name),
        Meta.EMPTY,
        new ZoneIngressSpec(
            zone,
            new ZoneIngressSpec.Networking(
                "10.99.0.1", advertisedAddress, 10001, advertisedPort, null),
            services));
  }

  static Resource permission(
      String name, List<Map<String, String>> sources, List<Map<String, String>> destinations) {
    return new Resource(
        ResourceKey.inMesh(StandardTypes.TRAFFIC_PERMISSION, MESH, name),
        Meta.EMPTY,
        new TrafficPermissionSpec(selectors(sources), selectors(destinations)));
  }

  static Resource route(
      String name,
      List<Map<String, String>> sources,
      List<Map<String, String>> destinations,
      TrafficRouteSpec.Conf conf) {
    return new Resource(
        ResourceKey.inMesh(StandardTypes.TRAFFIC_ROUTE, MESH, name),
        Meta.EMPTY,
        new TrafficRouteSpec(selectors(sources), selectors(destinations), conf));
  }

  /** A policy of {@code type} whose spec is {@code spec}, created at {@code created}. */
  static Resource policy(String type, String name, Instant created, io.meshfed.model.Spec spec) {
    return new Resource(
        ResourceKey.inMesh(type, MESH, name), new Meta(Map.of(), 1, created, created), spec);
  }

  static TrafficRouteSpec.Conf split(TrafficRouteSpec.Split... entries) {
    return new TrafficRouteSpec.Conf(List.of(entries), null, null, null);
  }

  static TrafficRouteSpec.Split weight(int weight, Map<String, String> destination) {
    return new TrafficRouteSpec.Split(weight, destination);
  }

  static List<Selector> selectors(List<Map<String, String>> matches) {
    return matches.stream().map(Selector::of).toList();
  }
}
