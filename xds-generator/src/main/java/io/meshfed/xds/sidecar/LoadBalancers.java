package io.meshfed.xds.sidecar;

import com.google.protobuf.UInt32Value;
import com.google.protobuf.UInt64Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.type.v3.HashPolicy;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.TrafficRouteSpec;
import java.util.List;

/**
 * A TrafficRoute's {@code conf.loadBalancer} in Envoy: the algorithm is the {@code lb_policy} (and
 * its config) of every cluster the route sends to; the {@code hashPolicies} of {@code ringHash} or
 * {@code maglev} are the {@code hash_policy} of each of the route's HTTP routes, and on a TCP
 * outbound the first {@code Connection}/{@code SourceIP} one is the {@code tcp_proxy}'s. A request
 * that none of the policies hashes (or a cluster without any) gets a random hash from Envoy.
 */
final class LoadBalancers {
  private LoadBalancers() {}

  /** {@code cluster}'s {@code lb_policy}: round robin (Envoy's default) when {@code lb} is null. */
  static void apply(TrafficRouteSpec.LoadBalancer lb, Cluster.Builder cluster) {
    if (lb == null || lb.roundRobin() != null) {
      return;
    }
    if (lb.leastRequest() != null) {
      cluster.setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST);
      Integer choices = lb.leastRequest().choiceCount();
      if (choices != null) {
        cluster.setLeastRequestLbConfig(
            Cluster.LeastRequestLbConfig.newBuilder().setChoiceCount(UInt32Value.of(choices)));
      }
    } else if (lb.ringHash() != null) {
      cluster.setLbPolicy(Cluster.LbPolicy.RING_HASH);
      TrafficRouteSpec.RingHash rh = lb.ringHash();
      Cluster.RingHashLbConfig.Builder config = Cluster.RingHashLbConfig.newBuilder();
      if ("MURMUR_HASH_2".equals(rh.hashFunction())) {
        config.setHashFunction(Cluster.RingHashLbConfig.HashFunction.MURMUR_HASH_2);
      }
      if (rh.minRingSize() != null) {
        config.setMinimumRingSize(UInt64Value.of(rh.minRingSize()));
      }
      if (rh.maxRingSize() != null) {
        config.setMaximumRingSize(UInt64Value.of(rh.maxRingSize()));
      }
      if (!config.build().equals(Cluster.RingHashLbConfig.getDefaultInstance())) {
        cluster.setRingHashLbConfig(config);
      }
    } else if (lb.random() != null) {
      cluster.setLbPolicy(Cluster.LbPolicy.RANDOM);
    } else if (lb.maglev() != null) {
      cluster.setLbPolicy(Cluster.LbPolicy.MAGLEV);
    }
  }

  /** The {@code hashPolicies} of {@code lb}'s ring hash or maglev; empty for the others. */
  static List<TrafficRouteSpec.HashPolicy> hashPolicies(TrafficRouteSpec.LoadBalancer lb) {
    if (lb == null) {
      return List.of();
    }
    if (lb.ringHash() != null) {
      return lb.ringHash().hashPolicies();
    }
    return lb.maglev() != null ? lb.maglev().hashPolicies() : List.of();
  }

  /** Adds {@code lb}'s hash policies, in order, to an HTTP route of {@code route}. */
  static void addHashPolicies(
      TrafficRouteSpec.LoadBalancer lb, Resource route, RouteAction.Builder action) {
    List<TrafficRouteSpec.HashPolicy> policies = hashPolicies(lb);
    for (int i = 0; i < policies.size(); i++) {
      TrafficRouteSpec.HashPolicy p = policies.get(i);
      if (p == null || p.type() == null) {
        continue;
      }
      RouteAction.HashPolicy.Builder hash = RouteAction.HashPolicy.newBuilder();
      switch (p.type()) {
        case "Header" ->
            hash.setHeader(
                RouteAction.HashPolicy.Header.newBuilder().setHeaderName(p.header().name()));
        case "Cookie" -> {
          RouteAction.HashPolicy.Cookie.Builder cookie =
              RouteAction.HashPolicy.Cookie.newBuilder().setName(p.cookie().name());
          if (p.cookie().ttl() != null) {
            cookie.setTtl(
                GoDurations.of(
                    p.cookie().ttl(), route, "conf.loadBalancer.hashPolicies[" + i + "].ttl"));
          }
          if (p.cookie().path() != null) {
            cookie.setPath(p.cookie().path());
          }
          hash.setCookie(cookie);
        }
        case "Connection", "SourceIP" ->
            hash.setConnectionProperties(
                RouteAction.HashPolicy.ConnectionProperties.newBuilder().setSourceIp(true));
        case "QueryParameter" ->
            hash.setQueryParameter(
                RouteAction.HashPolicy.QueryParameter.newBuilder()
                    .setName(p.queryParameter().name()));
        case "FilterState" ->
            hash.setFilterState(
                RouteAction.HashPolicy.FilterState.newBuilder().setKey(p.filterState().key()));
        default ->
            throw new IllegalArgumentException(
                route.key()
                    + ": conf.loadBalancer hashPolicies["
                    + i
                    + "].type: '"
                    + p.type()
                    + "' (validation refuses it; stored before that check?)");
      }
      action.addHashPolicy(hash.setTerminal(Boolean.TRUE.equals(p.terminal())));
    }
  }

  /** The first {@code Connection}/{@code SourceIP} policy of {@code lb} on a TCP outbound. */
  static void addTcpHashPolicy(TrafficRouteSpec.LoadBalancer lb, TcpProxy.Builder tcp) {
    hashPolicies(lb).stream()
        .filter(p -> p != null && ("Connection".equals(p.type()) || "SourceIP".equals(p.type())))
        .findFirst()
        .ifPresent(
            p ->
                tcp.addHashPolicy(
                    HashPolicy.newBuilder().setSourceIp(HashPolicy.SourceIp.getDefaultInstance())));
  }
}
