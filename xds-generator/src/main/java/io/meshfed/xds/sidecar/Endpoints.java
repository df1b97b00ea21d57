package io.meshfed.xds.sidecar;

import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.xds.MeshIndex;
import io.meshfed.xds.MeshState;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The endpoints of one outbound cluster, one locality per zone. Local: every ready inbound of the
 * zone's dataplanes that the cluster selects, weight 1 (only the inbounds of the cluster's service
 * are looked at, from the mesh's shared {@link MeshIndex}). Remote (mTLS meshes only): each remote
 * zone ingress's advertised address, weighted by the instance count of the available services the
 * cluster selects; ingresses sharing an advertised address (replicas behind one load balancer)
 * count once: the first by name that lists any service.
 *
 * <p>Priorities: without the mesh's {@code routing.localityAwareLoadBalancing} every locality is at
 * priority 0 and Envoy spreads requests over all endpoints by weight. With it, the local zone is at
 * priority 0 and every remote zone at priority 1 (one level for all remote zones, weighted by their
 * instances as before), so requests stay local while enough local endpoints are healthy and spill
 * over to the other zones as health checks or outlier detection eject local ones (Envoy's
 * overprovisioning factor 1.4: priority 0 keeps min(100%, 1.4 x its healthy share) of the traffic).
 * Priorities are kept contiguous: with no local endpoint the remote zones are at priority 0.
 */
final class Endpoints {
  private Endpoints() {}

  static ClusterLoadAssignment of(MeshState state, ClusterKey key, String clusterName) {
    // zone -> "host:port" -> weight; TreeMaps keep the output sorted.
    Map<String, Map<HostPort, Integer>> byZone = new TreeMap<>();
    for (MeshIndex.LocalInbound local : state.index().inbounds(key.service())) {
      DataplaneSpec.Inbound in = local.inbound();
      if (in.port() == null || !in.ready() || !key.selects(local.tags())) {
        continue;
      }
      HostPort hp = new HostPort(Dataplanes.inboundAddress(local.dataplane(), in), in.port());
      byZone.computeIfAbsent(state.zone(), z -> new TreeMap<>()).merge(hp, 1, Integer::sum);
    }
    if (state.mtlsEnabled()) {
      Set<HostPort> seenIngresses = new HashSet<>();
      for (Resource ingress : state.index().remoteIngresses()) {
        ZoneIngressSpec spec = ingress.spec(ZoneIngressSpec.class);
        HostPort hp =
            new HostPort(spec.networking().advertisedAddress(), spec.networking().advertisedPort());
        if (spec.availableServices().isEmpty() || !seenIngresses.add(hp)) {
          continue;
        }
        for (ZoneIngressSpec.AvailableService as : spec.availableServices()) {
          if (as == null
              || !state.meshName().equals(as.mesh())
              || as.instances() == null
              || as.instances() <= 0
              || !key.selects(as.tags())) {
            continue;
          }
          byZone
              .computeIfAbsent(spec.zone(), z -> new TreeMap<>())
              .merge(hp, as.instances(), Integer::sum);
        }
      }
    }
    ClusterLoadAssignment.Builder cla =
        ClusterLoadAssignment.newBuilder().setClusterName(clusterName);
    int remotePriority =
        state.localityAwareLoadBalancing() && byZone.containsKey(state.zone()) ? 1 : 0;
    byZone.forEach(
        (zone, endpoints) -> {
          LocalityLbEndpoints.Builder locality =
              LocalityLbEndpoints.newBuilder().setLocality(Locality.newBuilder().setZone(zone));
          if (!zone.equals(state.zone())) {
            locality.setPriority(remotePriority);
          }
          endpoints.forEach(
              (hp, weight) -> {
                LbEndpoint endpoint = Xds.endpoint(hp.host(), hp.port(), weight);
                if (AccessLogs.enabled(state)) {
                  // what %KUMA_DESTINATION_ZONE% shows in access logs
                  endpoint =
                      endpoint.toBuilder().setMetadata(AccessLogs.zoneMetadata(zone)).build();
                }
                locality.addLbEndpoints(endpoint);
              });
          cla.addEndpoints(locality);
        });
    return cla.build();
  }

  private record HostPort(String host, int port) implements Comparable<HostPort> {
    @Override
    public int compareTo(HostPort o) {
      int c = host.compareTo(o.host);
      return c != 0 ? c : Integer.compare(port, o.port);
    }
  }
}
