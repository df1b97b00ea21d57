package io.meshfed.mads;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AssignmentGeneratorTest {
  private static final String MESHES =
      """
      type: Mesh
      name: default
      metrics:
        enabledBackend: prom-1
        backends:
        - name: prom-1
          type: prometheus
          conf: {port: 5670, path: /metrics, skipMTLS: true}
      ---
      type: Mesh
      name: quiet
      ---
      type: Mesh
      name: other
      metrics:
        enabledBackend: prom-2
        backends:
        - name: prom-2
          type: prometheus
          conf: {port: 1234, path: /stats, tls: {mode: disabled}}
      """;

  private static final String DATAPLANES =
      """
      ---
      type: Dataplane
      mesh: default
      name: web-01
      networking:
        address: 10.0.0.1
        inbound:
        - port: 8080
          tags: {kuma.io/service: web, kuma.io/zone: zone-1, version: v1}
        - port: 8081
          tags: {kuma.io/service: web-admin, kuma.io/zone: zone-1, version: v2}
      ---
      type: Dataplane
      mesh: default
      name: backend-01
      networking:
        address: 10.0.0.2
        advertisedAddress: 192.168.0.2
        inbound:
        - port: 8080
          tags: {kuma.io/service: backend}
      metrics:
        type: prometheus
        conf: {port: 9999, path: /own}
      ---
      type: Dataplane
      mesh: quiet
      name: silent-01
      networking:
        address: 10.0.0.3
        inbound:
        - port: 8080
          tags: {kuma.io/service: silent}
      ---
      type: Dataplane
      mesh: other
      name: tls-01
      networking:
        address: 10.0.0.4
        inbound:
        - port: 8080
          tags: {kuma.io/service: tls}
      ---
      type: ZoneIngress
      name: ingress-1
      networking:
        address: 127.0.0.5
        port: 10001
      ---
      type: ZoneIngress
      name: ingress-of-zone-2
      zone: zone-2
      networking:
        address: 127.0.0.6
        port: 10001
      """;

  private static List<MonitoringAssignment> generate(String zone) {
    List<Resource> all = Yaml.all(MESHES + DATAPLANES);
    return AssignmentGenerator.generate(
        Yaml.ofType(all, StandardTypes.MESH),
        Yaml.ofType(all, StandardTypes.DATAPLANE),
        Yaml.ofType(all, StandardTypes.ZONE_INGRESS),
        zone);
  }

  @Test
  void oneAssignmentPerDataplaneOfAMeshWithAPrometheusBackendWithKumasLabels() {
    List<MonitoringAssignment> out = generate("zone-1");

    assertThat(out)
        .extracting(a -> a.mesh() + "/" + a.service() + "/" + a.target().name())
        .containsExactly(
            "default/backend/backend-01",
            "default/web/web-01",
            "default/zone-ingress/ingress-1",
            "other/tls/tls-01");
    MonitoringAssignment web = out.get(1);
    assertThat(web.target().address()).isEqualTo("10.0.0.1:5670");
    assertThat(web.target().metricsPath()).isEqualTo("/metrics");
    assertThat(web.target().scheme()).isEqualTo("http");
    assertThat(web.target().labels())
        .containsExactlyEntriesOf(
            new java.util.TreeMap<>(
                Map.of(
                    "kuma_io_service", "web",
                    "kuma_io_services", ",web,web-admin,",
                    "kuma_io_zone", "zone-1",
                    "kuma_io_zones", ",zone-1,",
                    "version", "v1",
                    "versions", ",v1,v2,")));
  }

  @Test
  void theDataplanesOwnMetricsWinAndTheAdvertisedAddressIsScraped() {
    MonitoringAssignment backend = generate("zone-1").get(0);

    assertThat(backend.target().address()).isEqualTo("192.168.0.2:9999");
    assertThat(backend.target().metricsPath()).isEqualTo("/own");
    // the zone of a resource without a kuma.io/zone tag or label is the local zone
    assertThat(backend.target().labels()).containsEntry("kuma_io_zone", "zone-1");
  }

  @Test
  void eachMeshUsesItsOwnBackendAndNoZoneIsInventedOnGlobal() {
    MonitoringAssignment tls =
        generate(null).stream().filter(a -> a.mesh().equals("other")).findFirst().orElseThrow();

    assertThat(tls.target().scheme()).isEqualTo("http");
    assertThat(tls.target().metricsPath()).isEqualTo("/stats");
    assertThat(tls.target().address()).isEqualTo("10.0.0.4:1234");
    assertThat(tls.target().labels()).doesNotContainKey("kuma_io_zone");
  }

  @Test
  void anIngressUsesTheFirstMeshByNameWithAPrometheusBackend() {
    MonitoringAssignment ingress = generate("zone-1").get(2);

    assertThat(ingress.mesh()).isEqualTo("default");
    assertThat(ingress.target().address()).isEqualTo("127.0.0.5:5670");
    assertThat(ingress.target().labels())
        .containsEntry("kuma_io_service", "zone-ingress")
        .containsEntry("kuma_io_zone", "zone-1");
  }

  @Test
  void globalListsTheIngressesOfEveryZone() {
    assertThat(generate(null))
        .filteredOn(a -> a.service().equals("zone-ingress"))
        .extracting(a -> a.target().name() + "@" + a.target().labels().get("kuma_io_zone"))
        .containsExactly("ingress-1@null", "ingress-of-zone-2@zone-2");
  }

  @Test
  void withoutAnyPrometheusBackendThereIsNothingToScrape() {
    List<Resource> all = Yaml.all(DATAPLANES.replace("mesh: default", "mesh: quiet"));
    List<Resource> meshes = Yaml.all("type: Mesh\nname: quiet\n---\ntype: Mesh\nname: default\n");

    assertThat(
            AssignmentGenerator.generate(
                meshes,
                Yaml.ofType(all, StandardTypes.DATAPLANE),
                Yaml.ofType(all, StandardTypes.ZONE_INGRESS),
                "zone-1"))
        .isEmpty();
  }

  @Test
  void tagNamesAreSanitised() {
    assertThat(AssignmentGenerator.sanitize("k8s.kuma.io/service-name"))
        .isEqualTo("k8s_kuma_io_service_name");
  }

  @Test
  void theVersionIsADigestOfTheTargets() {
    MadsSnapshot a = MadsSnapshot.of(generate("zone-1"));
    MadsSnapshot same = MadsSnapshot.of(generate("zone-1"));
    MadsSnapshot other = MadsSnapshot.of(generate("zone-2"));

    assertThat(same.version()).isEqualTo(a.version());
    assertThat(other.version()).isNotEqualTo(a.version());
  }
}
