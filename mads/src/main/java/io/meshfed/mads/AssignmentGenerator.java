package io.meshfed.mads;

import io.meshfed.model.Labels;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.xds.PrometheusBackend;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Computes the monitoring assignments of a set of meshes, dataplanes and zone ingresses, as Kuma's
 * MADS generator does ({@code pkg/mads/v1/generator/assignments.go}): only meshes whose enabled
 * metrics backend is of type {@code prometheus} count, and every dataplane of such a mesh gets one
 * assignment whose target uses the mesh's backend merged with the dataplane's own {@code metrics}.
 *
 * <p>Zone ingresses (a meshfed extension: Kuma lists dataplanes only) get one assignment each,
 * service {@code zone-ingress}, in the first mesh by name that enables a prometheus backend, whose
 * port and path they serve ({@link io.meshfed.xds.sidecar.PrometheusEndpoint#forIngress}).
 *
 * <p>On a zone ({@code localZone} set) the ingresses of other zones, which the zone holds for
 * cross-zone traffic, are left out.
 *
 * <p>A pure function: equal inputs give equal output, sorted by mesh, then service, then name.
 */
public final class AssignmentGenerator {
  /** The service of zone ingress assignments. */
  public static final String INGRESS_SERVICE = "zone-ingress";

  private static final Pattern NOT_LABEL_CHAR = Pattern.compile("[^a-zA-Z0-9_]");

  private AssignmentGenerator() {}

  /**
   * The assignments of {@code dataplanes} and {@code ingresses}.
   *
   * @param meshes Mesh resources
   * @param dataplanes Dataplane resources of any mesh
   * @param ingresses ZoneIngress resources
   * @param localZone the zone of resources that carry no zone (a zone control plane's own), or null
   */
  public static List<MonitoringAssignment> generate(
      List<Resource> meshes,
      List<Resource> dataplanes,
      List<Resource> ingresses,
      String localZone) {
    Map<String, PrometheusBackend> backends = new TreeMap<>();
    for (Resource mesh : meshes) {
      PrometheusBackend.resolve(mesh.spec(MeshSpec.class), null)
          .ifPresent(b -> backends.put(mesh.name(), b));
    }
    List<MonitoringAssignment> out = new ArrayList<>();
    for (Resource dp : dataplanes) {
      Resource mesh = find(meshes, dp.mesh());
      if (mesh == null || !backends.containsKey(dp.mesh())) {
        continue;
      }
      dataplane(mesh.spec(MeshSpec.class), dp, localZone).ifPresent(out::add);
    }
    if (!backends.isEmpty()) {
      Map.Entry<String, PrometheusBackend> first = backends.entrySet().iterator().next();
      for (Resource ingress : ingresses) {
        if (localZone != null && !localZone.equals(ingressZone(ingress, localZone))) {
          continue; // another zone's ingress, copied to this zone for cross-zone traffic
        }
        ingress(first.getKey(), first.getValue(), ingress, localZone).ifPresent(out::add);
      }
    }
    out.sort(
        Comparator.comparing(MonitoringAssignment::mesh)
            .thenComparing(MonitoringAssignment::service)
            .thenComparing(a -> a.target().name()));
    return List.copyOf(out);
  }

  private static Optional<MonitoringAssignment> dataplane(
      MeshSpec mesh, Resource dp, String localZone) {
    DataplaneSpec spec = dp.spec(DataplaneSpec.class);
    DataplaneSpec.Networking net = spec.networking();
    if (net == null || net.address() == null) {
      return Optional.empty();
    }
    Optional<PrometheusBackend> backend = PrometheusBackend.resolve(mesh, spec.metrics());
    if (backend.isEmpty()) {
      return Optional.empty();
    }
    Map<String, Set<String>> tags = new TreeMap<>();
    String service = null;
    for (DataplaneSpec.Inbound in : net.inbound()) {
      if (in == null) {
        continue;
      }
      if (service == null) {
        service = in.tags().get(Tags.SERVICE);
      }
      in.tags().forEach((k, v) -> tags.computeIfAbsent(k, x -> new TreeSet<>()).add(v));
    }
    if (service == null && net.gateway() != null && net.gateway().tags() != null) {
      service = net.gateway().tags().get(Tags.SERVICE);
      net.gateway().tags().forEach((k, v) -> tags.computeIfAbsent(k, x -> new TreeSet<>()).add(v));
    }
    String zone = zoneOf(dp, localZone);
    if (zone != null && !tags.containsKey(Tags.ZONE)) {
      tags.put(Tags.ZONE, new TreeSet<>(List.of(zone)));
    }
    String host = net.advertisedAddress() != null ? net.advertisedAddress() : net.address();
    PrometheusBackend b = backend.get();
    return Optional.of(
        new MonitoringAssignment(
            dp.mesh(),
            service == null ? "" : service,
            new MonitoringAssignment.Target(
                dp.name(),
                "http", // tls.mode providedTLS, Kuma's https, is refused (NotSupported)
                hostPort(host, b.port()),
                b.path(),
                labels(tags))));
  }

  private static Optional<MonitoringAssignment> ingress(
      String mesh, PrometheusBackend backend, Resource ingress, String localZone) {
    ZoneIngressSpec spec = ingress.spec(ZoneIngressSpec.class);
    ZoneIngressSpec.Networking net = spec.networking();
    if (net == null || net.address() == null) {
      return Optional.empty();
    }
    String host = net.address();
    if (("0.0.0.0".equals(host) || "::".equals(host)) && net.advertisedAddress() != null) {
      host = net.advertisedAddress();
    }
    Map<String, Set<String>> tags = new TreeMap<>();
    tags.put(Tags.SERVICE, new TreeSet<>(List.of(INGRESS_SERVICE)));
    String zone = ingressZone(ingress, localZone);
    if (zone != null) {
      tags.put(Tags.ZONE, new TreeSet<>(List.of(zone)));
    }
    return Optional.of(
        new MonitoringAssignment(
            mesh,
            INGRESS_SERVICE,
            new MonitoringAssignment.Target(
                ingress.name(),
                "http",
                hostPort(host, backend.port()),
                backend.path(),
                labels(tags))));
  }

  /** Kuma's target labels: {@code name → first value} and {@code names → ,v1,v2,}. */
  static Map<String, String> labels(Map<String, Set<String>> tags) {
    Map<String, String> labels = new LinkedHashMap<>();
    tags.forEach(
        (tag, values) -> {
          String name = sanitize(tag);
          labels.put(name, values.iterator().next());
          labels.put(name + "s", "," + String.join(",", values) + ",");
        });
    return labels;
  }

  /** A tag name as a Prometheus label name: every character outside {@code [a-zA-Z0-9_]} → _. */
  static String sanitize(String tag) {
    return NOT_LABEL_CHAR.matcher(tag).replaceAll("_");
  }

  private static String ingressZone(Resource ingress, String localZone) {
    ZoneIngressSpec spec = ingress.spec(ZoneIngressSpec.class);
    return spec.zone() != null && !spec.zone().isEmpty() ? spec.zone() : zoneOf(ingress, localZone);
  }

  private static String zoneOf(Resource r, String localZone) {
    String labelled = r.labels().get(Labels.ZONE);
    return labelled != null ? labelled : localZone;
  }

  private static Resource find(List<Resource> meshes, String name) {
    for (Resource m : meshes) {
      if (m.name().equals(name)) {
        return m;
      }
    }
    return null;
  }

  private static String hostPort(String host, int port) {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
