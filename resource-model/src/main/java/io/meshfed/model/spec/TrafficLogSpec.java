package io.meshfed.model.spec;

import io.meshfed.model.Spec;
import java.util.List;

/** {@code TrafficLog}: access logs of traffic from sources to destinations. */
public record TrafficLogSpec(List<Selector> sources, List<Selector> destinations, Conf conf)
    implements Spec, SourcesDestinations {

  public TrafficLogSpec {
    sources = Copy.list(sources);
    destinations = Copy.list(destinations);
  }

  /** {@code conf: {backend}}; without it, the mesh's default logging backend is used. */
  public record Conf(String backend) {}
}
