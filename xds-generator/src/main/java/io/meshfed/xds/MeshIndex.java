package io.meshfed.xds;

import io.meshfed.model.Resource;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.ZoneIngressSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Lookups over one {@link MeshState}, built once (see {@link MeshState#index()}) and shared by
 * every proxy generated from it: the mesh's dataplanes by name, the inbounds of each service with
 * the tags the zone sees, the protocol each service speaks, and the name-sorted routes and remote
 * ingresses. Building it reads every dataplane once and never fails: anything that can be wrong
 * with one dataplane (a missing address) is reported by the generator that uses it, as before.
 */
public final class MeshIndex {
  private final Map<String, Resource> dataplanesByName;
  private final Map<String, List<LocalInbound>> inboundsByService;
  private final Map<String, Protocol> protocolByService;
  private final List<Resource> trafficRoutes;
  private final List<Resource> remoteIngresses;

  /**
   * One inbound of one of the zone's dataplanes.
   *
   * @param dataplane the Dataplane it belongs to
   * @param inbound the inbound
   * @param tags its tags as this zone sees them (see {@link #inboundTags})
   */
  public record LocalInbound(
      Resource dataplane, DataplaneSpec.Inbound inbound, Map<String, String> tags) {}

  MeshIndex(MeshState state) {
    List<Resource> dataplanes = sortedByName(state.dataplanes());
    Map<String, Resource> byName = new HashMap<>();
    Map<String, List<LocalInbound>> byService = new HashMap<>();
    Map<String, Protocol> protocols = new HashMap<>();
    for (Resource dp : dataplanes) {
      byName.putIfAbsent(dp.name(), dp);
      for (DataplaneSpec.Inbound in : dp.spec(DataplaneSpec.class).inbounds()) {
        if (in == null || in.service() == null) {
          continue;
        }
        byService
            .computeIfAbsent(in.service(), s -> new ArrayList<>())
            .add(new LocalInbound(dp, in, inboundTags(in, state.zone())));
        protocols.merge(in.service(), Protocol.of(in.tags()), Protocol::common);
      }
    }
    this.remoteIngresses = sortedByName(state.remoteIngresses());
    if (state.mtlsEnabled()) {
      for (Resource ingress : remoteIngresses) {
        for (ZoneIngressSpec.AvailableService as :
            ingress.spec(ZoneIngressSpec.class).availableServices()) {
          if (as == null || !state.meshName().equals(as.mesh())) {
            continue;
          }
          String service = as.tags().get(Tags.SERVICE);
          if (service != null) {
            protocols.merge(service, Protocol.of(as.tags()), Protocol::common);
          }
        }
      }
    }
    byService.replaceAll((s, list) -> List.copyOf(list));
    this.dataplanesByName = Collections.unmodifiableMap(byName);
    this.inboundsByService = Collections.unmodifiableMap(byService);
    this.protocolByService = Collections.unmodifiableMap(protocols);
    this.trafficRoutes = sortedByName(state.trafficRoutes());
  }

  /** The mesh's dataplane in this zone named {@code name}. */
  public Optional<Resource> dataplane(String name) {
    return Optional.ofNullable(dataplanesByName.get(name));
  }

  /**
   * Every inbound (ready or not) of the zone's dataplanes tagged {@code kuma.io/service: service},
   * by dataplane name, then in declared order.
   */
  public List<LocalInbound> inbounds(String service) {
    return inboundsByService.getOrDefault(service, List.of());
  }

  /**
   * What {@code service} speaks: the {@link Protocol} that every instance of it this zone knows
   * (its inbounds here, and with mTLS the available services of remote ingresses, which carry their
   * {@code kuma.io/protocol} tag) declares; TCP when the instances disagree or there is none.
   */
  public Protocol protocol(String service) {
    return protocolByService.getOrDefault(service, Protocol.TCP);
  }

  /**
   * Whether {@code service} gets an HTTP connection manager: its {@link #protocol} is {@code http},
   * {@code http2} or {@code grpc}.
   */
  public boolean http(String service) {
    return protocol(service).http();
  }

  /** The mesh's TrafficRoutes by name. */
  public List<Resource> trafficRoutes() {
    return trafficRoutes;
  }

  /** {@link MeshState#remoteIngresses()} by name. */
  public List<Resource> remoteIngresses() {
    return remoteIngresses;
  }

  /**
   * An inbound's tags as the zone sees them: {@code kuma.io/zone} is always this zone (the zone
   * control plane stamps it; a dataplane cannot claim another zone).
   */
  public static Map<String, String> inboundTags(DataplaneSpec.Inbound in, String zone) {
    if (zone.equals(in.tags().get(Tags.ZONE))) {
      return in.tags();
    }
    Map<String, String> tags = new TreeMap<>(in.tags());
    tags.put(Tags.ZONE, zone);
    return Collections.unmodifiableMap(tags);
  }

  private static List<Resource> sortedByName(List<Resource> resources) {
    List<Resource> sorted = new ArrayList<>(resources);
    sorted.sort(Comparator.comparing(Resource::name));
    return List.copyOf(sorted);
  }
}
