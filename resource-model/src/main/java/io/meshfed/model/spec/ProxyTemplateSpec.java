package io.meshfed.model.spec;

import io.meshfed.model.Spec;
import java.util.List;
import java.util.Map;

/** {@code ProxyTemplate}: raw Envoy resources and modifications for selected proxies. */
public record ProxyTemplateSpec(List<Selector> selectors, Conf conf) implements Spec {

  public ProxyTemplateSpec {
    selectors = Copy.list(selectors);
  }

  /** {@code conf: {imports[], resources[], modifications[]}}. */
  public record Conf(
      List<String> imports, List<RawResource> resources, List<Modification> modifications) {
    public Conf {
      imports = Copy.list(imports);
      resources = Copy.list(resources);
      modifications = Copy.list(modifications);
    }
  }

  /** {@code {name, version, resource}}; {@code resource} is Envoy YAML or JSON text. */
  public record RawResource(String name, String version, String resource) {}

  /** Exactly one of the five kinds. */
  public record Modification(
      ClusterModification cluster,
      ListenerModification listener,
      FilterModification networkFilter,
      FilterModification httpFilter,
      VirtualHostModification virtualHost) {}

  /** {@code cluster: {operation: add|remove|patch, match: {name, origin}, value}}. */
  public record ClusterModification(ClusterMatch match, String operation, String value) {}

  /** {@code {name, origin}}. */
  public record ClusterMatch(String name, String origin) {}

  /** {@code listener: {operation: add|remove|patch, match: {name, origin, tags}, value}}. */
  public record ListenerModification(ListenerMatch match, String operation, String value) {}

  /** {@code {name, origin, tags}}. */
  public record ListenerMatch(String name, String origin, Map<String, String> tags) {
    public ListenerMatch {
      tags = Copy.tags(tags);
    }
  }

  /**
   * {@code networkFilter} or {@code httpFilter}: {@code {operation:
   * addFirst|addLast|addBefore|addAfter|remove|patch, match, value}}.
   */
  public record FilterModification(FilterMatch match, String operation, String value) {}

  /** {@code {name, origin, listenerName, listenerTags}}. */
  public record FilterMatch(
      String name, String origin, String listenerName, Map<String, String> listenerTags) {
    public FilterMatch {
      listenerTags = Copy.tags(listenerTags);
    }
  }

  /** {@code virtualHost: {operation: add|remove|patch, match, value}}. */
  public record VirtualHostModification(VirtualHostMatch match, String operation, String value) {}

  /** {@code {name, origin, routeConfigurationName}}. */
  public record VirtualHostMatch(String name, String origin, String routeConfigurationName) {}
}
