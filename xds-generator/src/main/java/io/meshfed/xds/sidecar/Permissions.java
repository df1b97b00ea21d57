package io.meshfed.xds.sidecar;

import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.Selector;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.TrafficPermissionSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * TrafficPermissions as the rules of an inbound's RBAC filter: the network filter of a TCP inbound
 * (checked once per connection) or the HTTP filter of an HTTP one (checked per request; see {@link
 * Inbounds}). A permission applies to an inbound when one of its destination selectors matches the
 * inbound's tags; it becomes one ALLOW policy (named after the permission) whose principals are its
 * source selectors. A source selector is the AND of its tags, each matched against the peer
 * certificate's URI SANs: {@code kuma.io/service: S} as {@code spiffe://<mesh>/S}, any other tag
 * {@code t: v} as {@code kuma://t/v}; a {@code *} value matches the prefix. No applicable
 * permission leaves the rules without policies, which denies every connection (or request).
 */
final class Permissions {
  private Permissions() {}

  static RBAC rules(String mesh, List<Resource> permissions, Map<String, String> inboundTags) {
    RBAC.Builder rbac = RBAC.newBuilder().setAction(RBAC.Action.ALLOW);
    for (Resource r : applicable(permissions, inboundTags)) {
      List<Principal> principals = new ArrayList<>();
      for (Selector source : r.spec(TrafficPermissionSpec.class).sources()) {
        if (source != null) {
          principals.add(principal(mesh, source.match()));
        }
      }
      rbac.putPolicies(
          r.name(),
          Policy.newBuilder()
              .addPermissions(Permission.newBuilder().setAny(true))
              .addAllPrincipals(principals)
              .build());
    }
    return rbac.build();
  }

  /**
   * The permissions that become policies of an inbound's rules, by name: one of their destination
   * selectors matches the inbound's tags and they have at least one source selector.
   */
  static List<Resource> applicable(List<Resource> permissions, Map<String, String> inboundTags) {
    List<Resource> out = new ArrayList<>();
    for (Resource r : permissions) {
      TrafficPermissionSpec spec = r.spec(TrafficPermissionSpec.class);
      boolean applies =
          spec.destinations().stream()
              .anyMatch(d -> d != null && Selectors.matches(d.match(), inboundTags));
      if (applies && spec.sources().stream().anyMatch(s -> s != null)) {
        out.add(r);
      }
    }
    out.sort(Comparator.comparing(Resource::name));
    return out;
  }

  /** The AND of one source selector's tags; the empty selector is any authenticated peer. */
  static Principal principal(String mesh, Map<String, String> selector) {
    if (selector.isEmpty()) {
      return Principal.newBuilder()
          .setAuthenticated(
              Principal.Authenticated.newBuilder()
                  .setPrincipalName(StringMatcher.newBuilder().setPrefix("spiffe://" + mesh + "/")))
          .build();
    }
    Principal.Set.Builder and = Principal.Set.newBuilder();
    selector.forEach((tag, value) -> and.addIds(sanPrincipal(mesh, tag, value)));
    return Principal.newBuilder().setAndIds(and).build();
  }

  private static Principal sanPrincipal(String mesh, String tag, String value) {
    String base = Tags.SERVICE.equals(tag) ? "spiffe://" + mesh + "/" : "kuma://" + tag + "/";
    StringMatcher matcher =
        Tags.WILDCARD.equals(value)
            ? StringMatcher.newBuilder().setPrefix(base).build()
            : StringMatcher.newBuilder().setExact(base + value).build();
    return Principal.newBuilder()
        .setAuthenticated(Principal.Authenticated.newBuilder().setPrincipalName(matcher))
        .build();
  }
}
