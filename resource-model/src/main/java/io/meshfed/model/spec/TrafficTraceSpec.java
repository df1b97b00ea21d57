package io.meshfed.model.spec;

import io.meshfed.model.Spec;
import java.util.List;

/** {@code TrafficTrace}: tracing for the selected data plane proxies. */
public record TrafficTraceSpec(List<Selector> selectors, Conf conf) implements Spec {

  public TrafficTraceSpec {
    selectors = Copy.list(selectors);
  }

  /** {@code conf: {backend}}; without it, the mesh's default tracing backend is used. */
  public record Conf(String backend) {}
}
