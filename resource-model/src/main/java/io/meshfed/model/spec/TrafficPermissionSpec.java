package io.meshfed.model.spec;

import io.meshfed.model.Spec;
import java.util.List;

/** {@code TrafficPermission}: which sources may reach which destinations. */
public record TrafficPermissionSpec(List<Selector> sources, List<Selector> destinations)
    implements Spec, SourcesDestinations {
  public TrafficPermissionSpec {
    sources = Copy.list(sources);
    destinations = Copy.list(destinations);
  }
}
