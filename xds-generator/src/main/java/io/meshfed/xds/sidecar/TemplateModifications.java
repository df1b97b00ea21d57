package io.meshfed.xds.sidecar;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.meshfed.model.spec.ProxyTemplateSpec;
import io.meshfed.xds.EnvoyJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * One ProxyTemplate step on a sidecar's resources, with Kuma's semantics: a raw resource ({@code
 * conf.resources[i]}: a Cluster or Listener with its {@code '@type'}) is added, replacing one of
 * the same name; a modification ({@code conf.modifications[i]}) adds, patches or removes the
 * clusters, listeners, network filters, HTTP filters or virtual hosts its {@code match} selects
 * (every field of the match that is set must agree; none set selects all). {@code patch} merges the
 * value into each selected proto (see {@link ProtoMerge}; a filter's {@code typed_config} is merged
 * as the typed message it holds). A step that selects nothing changes nothing.
 *
 * @throws IllegalArgumentException from every method, naming what cannot be done
 */
final class TemplateModifications {
  private static final String HCM_TYPE = HttpConnectionManager.getDescriptor().getFullName();
  private static final java.util.Set<String> HCM_NAMES =
      java.util.Set.of(
          Xds.HTTP_CONNECTION_MANAGER, "envoy.filters.network.http_connection_manager");

  private TemplateModifications() {}

  /** Adds a raw resource. */
  static void addRaw(ProxyResources r, ProxyTemplateSpec.RawResource raw) {
    Any any = EnvoyJson.parseYaml(raw.resource(), Any.newBuilder()).build();
    try {
      if (any.is(Cluster.class)) {
        Cluster c = any.unpack(Cluster.class);
        r.clusters.put(c.getName(), c);
        r.clusterOrigins.put(c.getName(), ProxyResources.TEMPLATE_ORIGIN);
      } else if (any.is(Listener.class)) {
        Listener l = any.unpack(Listener.class);
        r.listeners.put(l.getName(), l);
        r.listenerOrigins.put(l.getName(), ProxyResources.TEMPLATE_ORIGIN);
      } else {
        throw new IllegalArgumentException(
            "'@type' " + any.getTypeUrl() + " (expected: an Envoy v3 Cluster or Listener)");
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("cannot read " + any.getTypeUrl(), e);
    }
  }

  /** Applies one modification. */
  static void apply(ProxyResources r, ProxyTemplateSpec.Modification m) {
    if (m.cluster() != null) {
      cluster(r, m.cluster());
    } else if (m.listener() != null) {
      listener(r, m.listener());
    } else if (m.networkFilter() != null) {
      networkFilter(r, m.networkFilter());
    } else if (m.httpFilter() != null) {
      httpFilter(r, m.httpFilter());
    } else if (m.virtualHost() != null) {
      virtualHost(r, m.virtualHost());
    }
  }

  // ---------------------------------------------------------------- clusters and listeners

  private static void cluster(ProxyResources r, ProxyTemplateSpec.ClusterModification m) {
    String name = m.match() == null ? null : m.match().name();
    String origin = m.match() == null ? null : m.match().origin();
    switch (m.operation()) {
      case "add" -> {
        Cluster c = EnvoyJson.parseYaml(m.value(), Cluster.newBuilder()).build();
        r.clusters.put(c.getName(), c);
        r.clusterOrigins.put(c.getName(), ProxyResources.TEMPLATE_ORIGIN);
      }
      case "remove" ->
          List.copyOf(r.clusters.keySet()).stream()
              .filter(n -> matches(n, r.clusterOrigins.get(n), name, origin))
              .forEach(
                  n -> {
                    r.clusters.remove(n);
                    r.clusterOrigins.remove(n);
                  });
      case "patch" -> {
        Cluster patch = EnvoyJson.parseYaml(m.value(), Cluster.newBuilder()).build();
        r.clusters.replaceAll(
            (n, c) -> {
              if (!matches(n, r.clusterOrigins.get(n), name, origin)) {
                return c;
              }
              Cluster merged = ProtoMerge.merge(c, patch);
              sameName(n, merged.getName(), "cluster");
              return merged;
            });
      }
      default -> throw unknown(m.operation());
    }
  }

  private static void listener(ProxyResources r, ProxyTemplateSpec.ListenerModification m) {
    String name = m.match() == null ? null : m.match().name();
    String origin = m.match() == null ? null : m.match().origin();
    Map<String, String> tags = m.match() == null ? Map.of() : m.match().tags();
    switch (m.operation()) {
      case "add" -> {
        Listener l = EnvoyJson.parseYaml(m.value(), Listener.newBuilder()).build();
        r.listeners.put(l.getName(), l);
        r.listenerOrigins.put(l.getName(), ProxyResources.TEMPLATE_ORIGIN);
      }
      case "remove" ->
          List.copyOf(r.listeners.keySet()).stream()
              .filter(n -> listenerMatches(r, n, name, origin, tags))
              .forEach(
                  n -> {
                    r.listeners.remove(n);
                    r.listenerOrigins.remove(n);
                  });
      case "patch" -> {
        Listener patch = EnvoyJson.parseYaml(m.value(), Listener.newBuilder()).build();
        r.listeners.replaceAll(
            (n, l) -> {
              if (!listenerMatches(r, n, name, origin, tags)) {
                return l;
              }
              Listener merged = ProtoMerge.merge(l, patch);
              sameName(n, merged.getName(), "listener");
              return merged;
            });
      }
      default -> throw unknown(m.operation());
    }
  }

  // ---------------------------------------------------------------- filters

  private static void networkFilter(ProxyResources r, ProxyTemplateSpec.FilterModification m) {
    ProxyTemplateSpec.FilterMatch match = m.match();
    Filter value =
        "remove".equals(m.operation())
            ? null
            : EnvoyJson.parseYaml(m.value(), Filter.newBuilder()).build();
    forEachChain(
        r,
        match,
        chain -> {
          List<Filter> filters = new ArrayList<>(chain.getFiltersList());
          List<Filter> out =
              edit(
                  filters,
                  Filter::getName,
                  m.operation(),
                  match == null ? null : match.name(),
                  value,
                  (f, patch) ->
                      f.toBuilder()
                          .setTypedConfig(mergeAny(f.getTypedConfig(), patch.getTypedConfig()))
                          .build());
          return chain.toBuilder().clearFilters().addAllFilters(out).build();
        });
  }

  private static void httpFilter(ProxyResources r, ProxyTemplateSpec.FilterModification m) {
    ProxyTemplateSpec.FilterMatch match = m.match();
    HttpFilter value =
        "remove".equals(m.operation())
            ? null
            : EnvoyJson.parseYaml(m.value(), HttpFilter.newBuilder()).build();
    forEachHcm(
        r,
        match,
        hcm -> {
          List<HttpFilter> out =
              edit(
                  new ArrayList<>(hcm.getHttpFiltersList()),
                  HttpFilter::getName,
                  m.operation(),
                  match == null ? null : match.name(),
                  value,
                  (f, patch) ->
                      f.toBuilder()
                          .setTypedConfig(mergeAny(f.getTypedConfig(), patch.getTypedConfig()))
                          .build());
          return hcm.toBuilder().clearHttpFilters().addAllHttpFilters(out).build();
        });
  }

  /**
   * Kuma's filter operations on one chain: addFirst, addLast, addBefore/addAfter the first filter
   * named {@code name} (nothing when there is none), remove every filter named {@code name} (every
   * filter when unnamed), patch them.
   */
  private static <F> List<F> edit(
      List<F> filters,
      Function<F, String> nameOf,
      String operation,
      String name,
      F value,
      BiFunction<F, F, F> patch) {
    int at = -1;
    for (int i = 0; i < filters.size(); i++) {
      if (name != null && named(name, nameOf.apply(filters.get(i)))) {
        at = i;
        break;
      }
    }
    switch (operation) {
      case "addFirst" -> filters.add(0, value);
      case "addLast" -> filters.add(value);
      case "addBefore" -> {
        if (at >= 0) {
          filters.add(at, value);
        }
      }
      case "addAfter" -> {
        if (at >= 0) {
          filters.add(at + 1, value);
        }
      }
      case "remove" -> filters.removeIf(f -> name == null || named(name, nameOf.apply(f)));
      case "patch" ->
          filters.replaceAll(
              f -> name == null || named(name, nameOf.apply(f)) ? patch.apply(f, value) : f);
      default -> throw unknown(operation);
    }
    return filters;
  }

  /** Runs {@code edit} on every filter chain of the listeners the match selects. */
  private static void forEachChain(
      ProxyResources r, ProxyTemplateSpec.FilterMatch match, UnaryOperator<FilterChain> edit) {
    String listenerName = match == null ? null : match.listenerName();
    String origin = match == null ? null : match.origin();
    Map<String, String> tags = match == null ? Map.of() : match.listenerTags();
    r.listeners.replaceAll(
        (n, l) -> {
          if (!listenerMatches(r, n, listenerName, origin, tags)) {
            return l;
          }
          Listener.Builder b = l.toBuilder().clearFilterChains();
          l.getFilterChainsList().forEach(c -> b.addFilterChains(edit.apply(c)));
          if (l.hasDefaultFilterChain()) {
            b.setDefaultFilterChain(edit.apply(l.getDefaultFilterChain()));
          }
          return b.build();
        });
  }

  /** Runs {@code edit} on every HTTP connection manager of the listeners the match selects. */
  private static void forEachHcm(
      ProxyResources r,
      ProxyTemplateSpec.FilterMatch match,
      UnaryOperator<HttpConnectionManager> edit) {
    forEachChain(
        r,
        match == null
            ? null
            : new ProxyTemplateSpec.FilterMatch(
                null, match.origin(), match.listenerName(), match.listenerTags()),
        chain -> {
          FilterChain.Builder b = chain.toBuilder().clearFilters();
          for (Filter f : chain.getFiltersList()) {
            b.addFilters(
                isHcm(f) ? f.toBuilder().setTypedConfig(Xds.pack(edit.apply(hcm(f)))).build() : f);
          }
          return b.build();
        });
  }

  // ---------------------------------------------------------------- virtual hosts

  private static void virtualHost(ProxyResources r, ProxyTemplateSpec.VirtualHostModification m) {
    ProxyTemplateSpec.VirtualHostMatch match = m.match();
    String name = match == null ? null : match.name();
    String origin = match == null ? null : match.origin();
    String routeName = match == null ? null : match.routeConfigurationName();
    VirtualHost value =
        "remove".equals(m.operation())
            ? null
            : EnvoyJson.parseYaml(m.value(), VirtualHost.newBuilder()).build();
    UnaryOperator<RouteConfiguration> edit =
        rc -> {
          List<VirtualHost> hosts = new ArrayList<>(rc.getVirtualHostsList());
          switch (m.operation()) {
            case "add" -> hosts.add(value);
            case "remove" -> hosts.removeIf(h -> name == null || name.equals(h.getName()));
            case "patch" ->
                hosts.replaceAll(
                    h -> {
                      if (name != null && !name.equals(h.getName())) {
                        return h;
                      }
                      VirtualHost merged = ProtoMerge.merge(h, value);
                      sameName(h.getName(), merged.getName(), "virtual host");
                      return merged;
                    });
            default -> throw unknown(m.operation());
          }
          return rc.toBuilder().clearVirtualHosts().addAllVirtualHosts(hosts).build();
        };
    r.routes.replaceAll(
        (n, rc) -> matches(n, r.routeOrigins.get(n), routeName, origin) ? edit.apply(rc) : rc);
    // route configurations inline in a listener's HTTP connection manager
    r.listeners.replaceAll(
        (n, l) -> {
          if (origin != null && !origin.equals(r.listenerOrigins.get(n))) {
            return l;
          }
          Listener.Builder b = l.toBuilder().clearFilterChains();
          for (FilterChain chain : l.getFilterChainsList()) {
            FilterChain.Builder cb = chain.toBuilder().clearFilters();
            for (Filter f : chain.getFiltersList()) {
              if (isHcm(f) && hcm(f).hasRouteConfig()) {
                HttpConnectionManager h = hcm(f);
                RouteConfiguration rc = h.getRouteConfig();
                if (routeName == null || routeName.equals(rc.getName())) {
                  f =
                      f.toBuilder()
                          .setTypedConfig(
                              Xds.pack(h.toBuilder().setRouteConfig(edit.apply(rc)).build()))
                          .build();
                }
              }
              cb.addFilters(f);
            }
            b.addFilterChains(cb);
          }
          return b.build();
        });
  }

  // ---------------------------------------------------------------- helpers

  static boolean isHcm(Filter f) {
    return f.hasTypedConfig() && f.getTypedConfig().getTypeUrl().endsWith("/" + HCM_TYPE);
  }

  static HttpConnectionManager hcm(Filter f) {
    try {
      return f.getTypedConfig().unpack(HttpConnectionManager.class);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("filter " + f.getName() + ": " + e.getMessage(), e);
    }
  }

  /**
   * A filter match by name. Kuma names the HTTP connection manager {@code
   * envoy.filters.network.http_connection_manager}, meshfed uses Envoy's older name for the same
   * filter (see {@link Xds#HTTP_CONNECTION_MANAGER}); either name matches it.
   */
  private static boolean named(String want, String actual) {
    return want.equals(actual) || (HCM_NAMES.contains(want) && HCM_NAMES.contains(actual));
  }

  private static boolean matches(String name, String origin, String wantName, String wantOrigin) {
    return (wantName == null || wantName.equals(name))
        && (wantOrigin == null || wantOrigin.equals(origin));
  }

  private static boolean listenerMatches(
      ProxyResources r, String n, String name, String origin, Map<String, String> tags) {
    if (!matches(n, r.listenerOrigins.get(n), name, origin)) {
      return false;
    }
    if (tags.isEmpty()) {
      return true;
    }
    Map<String, String> listenerTags = r.listenerTags.get(n);
    return listenerTags != null && Selectors.matches(tags, listenerTags);
  }

  /** A typed config with {@code patch}'s fields merged in; both of one type. */
  private static Any mergeAny(Any base, Any patch) {
    if (patch.getTypeUrl().isEmpty()) {
      return base;
    }
    if (!patch.getTypeUrl().equals(base.getTypeUrl())) {
      throw new IllegalArgumentException(
          "typed_config '@type' "
              + patch.getTypeUrl()
              + " (expected: "
              + base.getTypeUrl()
              + ", the type of the filter it patches)");
    }
    Descriptors.Descriptor type =
        EnvoyJson.type(base.getTypeUrl())
            .orElseThrow(
                () -> new IllegalArgumentException("unknown typed_config " + base.getTypeUrl()));
    try {
      DynamicMessage merged =
          ProtoMerge.merge(
              DynamicMessage.parseFrom(type, base.getValue()),
              DynamicMessage.parseFrom(type, patch.getValue()));
      return base.toBuilder().setValue(merged.toByteString()).build();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("cannot merge " + base.getTypeUrl(), e);
    }
  }

  private static void sameName(String before, String after, String what) {
    if (!before.equals(after)) {
      throw new IllegalArgumentException(
          "patch renames " + what + " '" + before + "' to '" + after + "' (expected: no 'name')");
    }
  }

  private static IllegalArgumentException unknown(String operation) {
    return new IllegalArgumentException("operation '" + operation + "' is not known");
  }
}
