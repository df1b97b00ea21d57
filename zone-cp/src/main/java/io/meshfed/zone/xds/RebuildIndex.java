package io.meshfed.zone.xds;

import io.meshfed.model.Resource;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.Selector;
import io.meshfed.model.spec.SourcesDestinations;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.TrafficRouteSpec;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.xds.MeshState;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Which proxies a change of the zone's view can give another config: the dependency index between
 * the resources a build reads and the proxies that read them. Pure: a function of the view the
 * proxies were last built from, the new view and the connected proxies.
 *
 * <p>A sidecar of mesh M depends on M's {@code Mesh}, on its own {@code Dataplane}, and on the
 * services it <em>touches</em>: the services of its inbounds and the services its outbounds name.
 * The resources a build reads map onto those inputs (over-approximating, never missing one):
 *
 * <ul>
 *   <li>the {@code Mesh} changed, appeared or went: every sidecar of M;
 *   <li>a {@code Dataplane} changed: its own proxy, and every sidecar touching a service of its
 *       inbounds before or after (their endpoints, protocol, subsets);
 *   <li>a source/destination policy changed: every sidecar touching a service one of its {@code
 *       destinations} names, before or after; a destination by {@code '*'} or without {@code
 *       kuma.io/service}, or a policy of another shape (ProxyTemplate, TrafficTrace), rebuilds
 *       every sidecar of M. A policy applies to an outbound only when a destination matches the
 *       outbound's service, and to an inbound only when one matches the inbound's tags, so a proxy
 *       touching none of the named services is not affected;
 *   <li>a {@code ZoneIngress} changed its {@code availableServices} only: every sidecar touching a
 *       service listed before or after (the cross-zone endpoints it carries); any other change of
 *       it (address, zone, labels such as offline, created, deleted), or one of two ingresses
 *       advertising the same address: every sidecar of every mesh;
 *   <li>a service a TrafficRoute sends traffic to by name ({@code conf.split}, {@code
 *       conf.destination}, {@code conf.http}) changed its endpoints: every sidecar of M, since the
 *       route may send any of them there;
 *   <li>anything changed: every zone ingress (the ingress config reads every mesh).
 * </ul>
 *
 * A sidecar whose outbounds do not all name a service ({@code backendRef}), or a gateway, is
 * rebuilt on every change of its mesh.
 */
final class RebuildIndex {
  private static final String ANY = "*";

  private RebuildIndex() {}

  /**
   * The proxies among {@code proxies} whose config may differ between {@code before} and {@code
   * after}, in {@code proxies}' order; every one when {@code before} is null (nothing built yet).
   */
  static Set<ProxyId> affected(ZoneView before, ZoneView after, Collection<ProxyId> proxies) {
    if (before == null) {
      return new LinkedHashSet<>(proxies);
    }
    if (before == after) {
      return new LinkedHashSet<>(); // the same read: nothing changed
    }
    Changes changes = Changes.between(before, after);
    Set<ProxyId> out = new LinkedHashSet<>();
    if (changes.none()) {
      return out;
    }
    for (ProxyId proxy : proxies) {
      if (proxy.kind() == ProxyId.Kind.INGRESS || changes.affects(proxy, after)) {
        out.add(proxy);
      }
    }
    return out;
  }

  /** What changed between two views, per mesh. */
  private static final class Changes {
    private final Set<String> wholeMeshes = new HashSet<>();
    private final Map<String, Set<String>> dataplanes = new HashMap<>();
    private final Map<String, Set<String>> services = new HashMap<>();
    // the services among them whose endpoints may have changed (Dataplanes, ZoneIngresses)
    private final Map<String, Set<String>> endpoints = new HashMap<>();
    private boolean allMeshes;
    private boolean any;

    static Changes between(ZoneView before, ZoneView after) {
      Changes c = new Changes();
      Set<String> meshes = new TreeSet<>(before.meshes().keySet());
      meshes.addAll(after.meshes().keySet());
      for (String mesh : meshes) {
        c.mesh(mesh, before.meshes().get(mesh), after.meshes().get(mesh));
      }
      c.ingresses(before.ingresses(), after.ingresses());
      c.routeTargets(before, after);
      return c;
    }

    boolean none() {
      return !any;
    }

    boolean affects(ProxyId proxy, ZoneView after) {
      String mesh = proxy.mesh();
      if (allMeshes
          || wholeMeshes.contains(mesh)
          || dataplanes.getOrDefault(mesh, Set.of()).contains(proxy.name())) {
        return true;
      }
      Set<String> changed = services.getOrDefault(mesh, Set.of());
      if (changed.isEmpty()) {
        return false;
      }
      MeshState state = after.meshes().get(mesh);
      Optional<Resource> dataplane =
          state == null ? Optional.empty() : state.index().dataplane(proxy.name());
      if (dataplane.isEmpty()) {
        return false; // absent before and after (else it changed): empty config both times
      }
      Optional<Set<String>> touched = touched(dataplane.get());
      return touched.isEmpty() || touched.get().stream().anyMatch(changed::contains);
    }

    private void mesh(String mesh, MeshState before, MeshState after) {
      if (before == after) {
        return; // kept whole by the reader: none of its inputs changed
      }
      if (before == null || after == null || !before.mesh().equals(after.mesh())) {
        wholeMesh(mesh);
        return;
      }
      diff(
          before.dataplanes(),
          after.dataplanes(),
          (old, now) -> {
            any = true;
            dataplanes.computeIfAbsent(mesh, m -> new HashSet<>()).add(name(old, now));
            inboundServices(old, s -> endpoints(mesh, s));
            inboundServices(now, s -> endpoints(mesh, s));
          });
      diff(before.trafficPermissions(), after.trafficPermissions(), (o, n) -> policy(mesh, o, n));
      diff(before.trafficRoutes(), after.trafficRoutes(), (o, n) -> policy(mesh, o, n));
      Set<String> types = new TreeSet<>(before.policies().keySet());
      types.addAll(after.policies().keySet());
      for (String type : types) {
        diff(before.policies(type), after.policies(type), (o, n) -> policy(mesh, o, n));
      }
    }

    private void ingresses(Map<String, Resource> before, Map<String, Resource> after) {
      if (before == after) {
        return; // not listed again
      }
      diff(
          List.copyOf(before.values()),
          List.copyOf(after.values()),
          (old, now) -> {
            any = true;
            if (!onlyServicesDiffer(old, now) || sharesAddress(old, before, after)) {
              allMeshes = true; // where or whether its endpoints go; or which of two is counted
              return;
            }
            for (Resource ingress : new Resource[] {old, now}) {
              for (ZoneIngressSpec.AvailableService s :
                  ingress.spec(ZoneIngressSpec.class).availableServices()) {
                String service = s == null ? null : s.tags().get(Tags.SERVICE);
                if (s != null && (s.mesh() == null || service == null)) {
                  allMeshes = true;
                } else if (s != null) {
                  endpoints(s.mesh(), service);
                }
              }
            }
          });
    }

    /** Both exist and differ in {@code availableServices} only. */
    private static boolean onlyServicesDiffer(Resource old, Resource now) {
      if (old == null
          || now == null
          || !(old.spec() instanceof ZoneIngressSpec was)
          || !(now.spec() instanceof ZoneIngressSpec is)) {
        return false;
      }
      return old.labels().equals(now.labels())
          && Objects.equals(was.zone(), is.zone())
          && Objects.equals(was.networking(), is.networking());
    }

    /** Whether another ingress advertises the same address (sidecars count one of them). */
    private static boolean sharesAddress(
        Resource ingress, Map<String, Resource> before, Map<String, Resource> after) {
      Optional<List<Object>> address = advertised(ingress);
      if (address.isEmpty()) {
        return false;
      }
      for (Map<String, Resource> view : List.of(before, after)) {
        for (Resource other : view.values()) {
          if (!other.name().equals(ingress.name()) && advertised(other).equals(address)) {
            return true;
          }
        }
      }
      return false;
    }

    private static Optional<List<Object>> advertised(Resource ingress) {
      if (!(ingress.spec() instanceof ZoneIngressSpec spec) || spec.networking() == null) {
        return Optional.empty();
      }
      return Optional.of(
          java.util.Arrays.asList(
              spec.networking().advertisedAddress(), spec.networking().advertisedPort()));
    }

    /** A changed service that a route sends to by name may now be any sidecar's endpoints. */
    private void routeTargets(ZoneView before, ZoneView after) {
      for (Map.Entry<String, Set<String>> e : endpoints.entrySet()) {
        String mesh = e.getKey();
        Set<String> targets = new HashSet<>();
        for (ZoneView v : List.of(before, after)) {
          MeshState state = v.meshes().get(mesh);
          if (state != null) {
            state.trafficRoutes().forEach(r -> namedTargets(r, targets));
          }
        }
        if (e.getValue().stream().anyMatch(targets::contains)) {
          wholeMesh(mesh);
        }
      }
    }

    private void policy(String mesh, Resource old, Resource now) {
      any = true;
      for (Resource policy : new Resource[] {old, now}) {
        if (policy == null) {
          continue;
        }
        if (!(policy.spec() instanceof SourcesDestinations sd)) {
          wholeMesh(mesh);
          return;
        }
        for (Selector destination : sd.destinations()) {
          String service = destination == null ? null : destination.match().get(Tags.SERVICE);
          if (service == null || ANY.equals(service)) {
            wholeMesh(mesh);
            return;
          }
          service(mesh, service);
        }
      }
    }

    private void service(String mesh, String service) {
      services.computeIfAbsent(mesh, m -> new HashSet<>()).add(service);
    }

    private void endpoints(String mesh, String service) {
      service(mesh, service);
      endpoints.computeIfAbsent(mesh, m -> new HashSet<>()).add(service);
    }

    private void wholeMesh(String mesh) {
      any = true;
      wholeMeshes.add(mesh);
    }
  }

  /** Calls {@code changed} with (before, after) of each resource, by name, that differs. */
  private static void diff(List<Resource> before, List<Resource> after, ChangeConsumer changed) {
    if (before == after) {
      return;
    }
    Map<String, Resource> old = new HashMap<>(before.size() * 2);
    for (Resource r : before) {
      old.put(r.name(), r);
    }
    for (Resource now : after) {
      Resource was = old.remove(now.name());
      if (was != now && !now.equals(was)) {
        changed.accept(was, now);
      }
    }
    old.values().forEach(gone -> changed.accept(gone, null));
  }

  @FunctionalInterface
  private interface ChangeConsumer {
    void accept(Resource before, Resource after);
  }

  private static String name(Resource old, Resource now) {
    return Objects.requireNonNullElse(now, old).name();
  }

  private static void inboundServices(Resource dataplane, Consumer<String> out) {
    if (dataplane == null || !(dataplane.spec() instanceof DataplaneSpec spec)) {
      return;
    }
    for (DataplaneSpec.Inbound in : spec.inbounds()) {
      if (in.service() != null) {
        out.accept(in.service());
      }
    }
    DataplaneSpec.Networking net = spec.networking();
    if (net != null && net.gateway() != null && net.gateway().tags().get(Tags.SERVICE) != null) {
      out.accept(net.gateway().tags().get(Tags.SERVICE));
    }
  }

  /**
   * The services a sidecar's config reads: its inbounds' and its outbounds'; empty when they cannot
   * be told (an outbound without a service name, a gateway), which means "everything".
   */
  static Optional<Set<String>> touched(Resource dataplane) {
    if (!(dataplane.spec() instanceof DataplaneSpec spec)
        || spec.networking() == null
        || spec.networking().gateway() != null) {
      return Optional.empty();
    }
    Set<String> out = new HashSet<>();
    inboundServices(dataplane, out::add);
    for (DataplaneSpec.Outbound o : spec.networking().outbound()) {
      String service = o.targetService();
      if (service == null) {
        return Optional.empty();
      }
      out.add(service);
    }
    return Optional.of(out);
  }

  private static void namedTargets(Resource route, Set<String> out) {
    if (!(route.spec() instanceof TrafficRouteSpec spec) || spec.conf() == null) {
      return;
    }
    TrafficRouteSpec.Conf conf = spec.conf();
    target(conf.destination(), out);
    splits(conf.split(), out);
    if (conf.http() != null) {
      for (TrafficRouteSpec.Http http : conf.http()) {
        if (http != null) {
          target(http.destination(), out);
          splits(http.split(), out);
        }
      }
    }
  }

  private static void splits(List<TrafficRouteSpec.Split> splits, Set<String> out) {
    if (splits != null) {
      splits.stream().filter(Objects::nonNull).forEach(s -> target(s.destination(), out));
    }
  }

  private static void target(Map<String, String> destination, Set<String> out) {
    String service = destination == null ? null : destination.get(Tags.SERVICE);
    if (service != null && !ANY.equals(service)) {
      out.add(service); // '*' is the outbound's own service
    }
  }
}
