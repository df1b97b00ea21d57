package io.meshfed.xds.sidecar;

import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.meshfed.xds.EnvoyJson;
import io.meshfed.xds.Protocol;
import io.meshfed.xds.ProxyConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A java-control-plane ADS server on loopback serving generated sidecar configs, as a zone does,
 * and the bootstrap files that point real Envoys at it. Closed by the test that opened it.
 */
final class SidecarAds implements AutoCloseable {
  private final SimpleCache<String> cache = new SimpleCache<>(Node::getId);
  private final Server server;

  SidecarAds() throws IOException {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(new V3DiscoveryServer(cache).getAggregatedDiscoveryServiceImpl())
            .build()
            .start();
  }

  /** Publishes {@code c} to {@code node}; per-type versions from the content, as the zone does. */
  void set(String node, ProxyConfig c) throws SnapshotConsistencyException {
    Snapshot snapshot =
        Snapshot.create(
            c.clusters(),
            "c" + c.clusters().hashCode(),
            c.endpoints(),
            "e" + c.endpoints().hashCode(),
            c.listeners(),
            "l" + c.listeners().hashCode(),
            c.routes(),
            "r" + c.routes().hashCode(),
            c.secrets(),
            "s" + c.secrets().hashCode());
    snapshot.ensureConsistent(); // the zone publishes only consistent snapshots
    cache.setSnapshot(node, snapshot);
  }

  /** A bootstrap for {@code node} in {@code dir}: everything over ADS from this server. */
  Path bootstrap(Path dir, String node) throws IOException {
    Bootstrap b =
        Bootstrap.newBuilder()
            .setNode(Node.newBuilder().setId(node).setCluster(node))
            .setDynamicResources(
                Bootstrap.DynamicResources.newBuilder()
                    .setAdsConfig(
                        ApiConfigSource.newBuilder()
                            .setApiType(ApiConfigSource.ApiType.GRPC)
                            .setTransportApiVersion(ApiVersion.V3)
                            .addGrpcServices(
                                GrpcService.newBuilder()
                                    .setEnvoyGrpc(
                                        GrpcService.EnvoyGrpc.newBuilder().setClusterName("xds"))))
                    .setCdsConfig(Xds.ADS)
                    .setLdsConfig(Xds.ADS))
            .setStaticResources(
                Bootstrap.StaticResources.newBuilder()
                    .addClusters(
                        HttpUpstreams.apply(
                                Cluster.newBuilder()
                                    .setName("xds")
                                    .setType(Cluster.DiscoveryType.STATIC)
                                    .setConnectTimeout(
                                        com.google.protobuf.Duration.newBuilder().setSeconds(1))
                                    .setLoadAssignment(
                                        ClusterLoadAssignment.newBuilder()
                                            .setClusterName("xds")
                                            .addEndpoints(
                                                LocalityLbEndpoints.newBuilder()
                                                    .addLbEndpoints(
                                                        Xds.endpoint(
                                                            "127.0.0.1", server.getPort(), 1)))),
                                Protocol.HTTP2) // ADS is gRPC
                            .build()))
            .build();
    Path file = dir.resolve(node + ".json");
    Files.writeString(file, EnvoyJson.print(b));
    return file;
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
