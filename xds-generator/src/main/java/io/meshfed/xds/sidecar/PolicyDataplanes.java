package io.meshfed.xds.sidecar;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.model.Resource;
import io.meshfed.xds.MeshState;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The inverse of {@link DataplanePolicies}: which sidecars of a mesh one policy applies to, and
 * where (Kuma's legacy policy inspect, {@code GET /meshes/{mesh}/{plural}/{name}/dataplanes}, that
 * {@code kumactl inspect <policy> NAME} prints). It reads the same attachments, so a proxy is named
 * here exactly when its own policies view names the policy.
 */
public final class PolicyDataplanes {

  /** One affected sidecar and the attachments where the policy is matched, in view order. */
  public record Affected(Resource dataplane, List<DataplanePolicies.Attachment> attachments) {
    public Affected {
      Objects.requireNonNull(dataplane, "dataplane");
      attachments = List.copyOf(attachments);
    }
  }

  private PolicyDataplanes() {}

  /**
   * The sidecars of {@code state} at which the policy {@code type}/{@code name} is matched, in the
   * state's dataplane order. A dataplane that cannot be configured (the generator refuses it) gets
   * no config, so no policy applies to it, and it is left out.
   */
  public static List<Affected> of(MeshState state, String type, String name) {
    List<Affected> out = new ArrayList<>();
    for (Resource dataplane : state.dataplanes()) {
      List<DataplanePolicies.Attachment> attachments;
      try {
        attachments = DataplanePolicies.of(state, dataplane);
      } catch (IllegalArgumentException e) {
        continue;
      }
      List<DataplanePolicies.Attachment> hits =
          attachments.stream().filter(a -> names(a, type, name)).toList();
      if (!hits.isEmpty()) {
        out.add(new Affected(dataplane, hits));
      }
    }
    return List.copyOf(out);
  }

  /**
   * {@code affected} in the shape of Kuma's {@code PolicyInspectEntryList}: {@code {total, items:
   * [{kind: SidecarDataplane, dataplane: {mesh, name}, attachments: [{type, name, service}]}]}}; a
   * {@code dataplane} attachment (a ProxyTemplate) carries its type only, as in Kuma.
   */
  public static ObjectNode toJson(List<Affected> affected) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("total", affected.size());
    ArrayNode items = body.putArray("items");
    for (Affected a : affected) {
      ObjectNode item = items.addObject();
      item.put("kind", "SidecarDataplane");
      item.putObject("dataplane")
          .put("mesh", a.dataplane().mesh())
          .put("name", a.dataplane().name());
      ArrayNode attachments = item.putArray("attachments");
      for (DataplanePolicies.Attachment t : a.attachments()) {
        ObjectNode entry = attachments.addObject().put("type", t.kind().wireName());
        if (t.kind() != DataplanePolicies.Kind.DATAPLANE) {
          entry.put("name", t.name()).put("service", t.service());
        }
      }
    }
    return body;
  }

  private static boolean names(DataplanePolicies.Attachment a, String type, String name) {
    return a.matched().getOrDefault(type, List.of()).stream().anyMatch(p -> p.name().equals(name));
  }
}
