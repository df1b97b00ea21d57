package io.meshfed.xds.ingress;

import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.meshfed.xds.EnvoyJson;
import io.meshfed.xds.ProxyConfig;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A bootstrap that serves a generated {@link ProxyConfig} without a control plane: the listeners as
 * static listeners, every EDS cluster turned into a STATIC one with its generated load assignment
 * inlined, and static clusters as they are.
 */
final class StaticBootstrap {
  private StaticBootstrap() {}

  /** The bootstrap as JSON; {@code adminPort} 0 leaves the admin interface out. */
  static String json(ProxyConfig config, int adminPort) {
    Map<String, ClusterLoadAssignment> byCluster =
        config.endpoints().stream()
            .collect(Collectors.toMap(ClusterLoadAssignment::getClusterName, Function.identity()));
    Bootstrap.StaticResources.Builder resources = Bootstrap.StaticResources.newBuilder();
    for (Listener l : config.listeners()) {
      resources.addListeners(l);
    }
    for (Cluster c : config.clusters()) {
      if (c.getType() == Cluster.DiscoveryType.STATIC && c.hasLoadAssignment()) {
        resources.addClusters(c); // already static (the admin cluster of the metrics listener)
        continue;
      }
      ClusterLoadAssignment cla = byCluster.get(c.getName());
      if (cla == null) {
        throw new AssertionError("cluster " + c.getName() + " has no load assignment");
      }
      resources.addClusters(
          c.toBuilder()
              .clearEdsClusterConfig()
              .setType(Cluster.DiscoveryType.STATIC)
              .setLoadAssignment(cla));
    }
    Bootstrap.Builder b = Bootstrap.newBuilder().setStaticResources(resources);
    if (adminPort > 0) {
      b.setAdmin(
          Admin.newBuilder()
              .setAddress(
                  Address.newBuilder()
                      .setSocketAddress(
                          SocketAddress.newBuilder()
                              .setAddress("127.0.0.1")
                              .setPortValue(adminPort))));
    }
    return EnvoyJson.print(b.build());
  }
}
