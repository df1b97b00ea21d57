package io.meshfed.xds.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.DecodeResult;
import io.meshfed.model.codec.Decoded;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.xds.MeshState;
import java.util.List;

/** Test inputs written in Kuma's universal YAML, decoded and validated by meshfed's codec. */
final class Fixtures {
  private static final ResourceCodec CODEC = new ResourceCodec(StandardTypes.registry());

  private Fixtures() {}

  /** Every resource of a multi-document YAML text; fails the test if one is rejected. */
  static List<Resource> yaml(String text) {
    DecodeResult result = CODEC.decodeYaml(text);
    assertThat(result.rejected())
        .as("fixture rejected: %s", result.rejected().stream().map(Decoded::problems).toList())
        .isEmpty();
    assertThat(result.syntaxError()).isNull();
    return result.accepted();
  }

  /** The one resource of a YAML text. */
  static Resource one(String text) {
    List<Resource> all = yaml(text);
    assertThat(all).hasSize(1);
    return all.get(0);
  }

  /**
   * The state of {@code mesh} in {@code zone} built from {@code resources}: the Mesh named {@code
   * mesh}, and the Dataplanes, TrafficPermissions and TrafficRoutes of that mesh.
   */
  static MeshState meshState(String zone, String mesh, List<Resource> resources) {
    Resource meshResource =
        resources.stream()
            .filter(r -> r.type().equals(StandardTypes.MESH) && r.name().equals(mesh))
            .findFirst()
            .orElseThrow(() -> new AssertionError("fixture has no Mesh '" + mesh + "'"));
    return new MeshState(
        zone,
        meshResource,
        ofType(resources, mesh, StandardTypes.DATAPLANE),
        resources.stream().filter(r -> r.type().equals(StandardTypes.ZONE_INGRESS)).toList(),
        ofType(resources, mesh, StandardTypes.TRAFFIC_PERMISSION),
        ofType(resources, mesh, StandardTypes.TRAFFIC_ROUTE));
  }

  private static List<Resource> ofType(List<Resource> resources, String mesh, String type) {
    return resources.stream().filter(r -> r.type().equals(type) && mesh.equals(r.mesh())).toList();
  }
}
