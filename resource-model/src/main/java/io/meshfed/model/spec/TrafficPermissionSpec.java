package io.meshfed.model.spec;

import io.meshfed.model.Spec;
import java.util.List;

/** {@code TrafficPermission}: which sources may reach which destinations. */
public record TrafficPermissionSpec(List<Selector> sources, List<Selector> destinations)
    implements Spec {
  public TrafficPermissionSpec {
    sources = sources == null ? List.of() : List.copyOf(sources);
    destinations = destinations == null ? List.of() : List.copyOf(destinations);
  }
}
