package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.dataplane;
import static io.meshfed.xds.sidecar.Fixtures.inbound;
import static io.meshfed.xds.sidecar.Fixtures.mesh;
import static io.meshfed.xds.sidecar.Fixtures.svc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.testing.EnvoyProcess;
import io.meshfed.testing.FreePorts;
import io.meshfed.xds.EnvoyJson;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.Protocol;
import io.meshfed.xds.ProxyConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TrafficRoute {@code loadBalancer} and {@code modify} on a real Envoy: web's sidecar gets the
 * generated config over ADS from a java-control-plane server, as from a zone; three plain HTTP
 * servers are the three instances of {@code api} (mTLS off, so web's sidecar reaches them
 * directly). Each instance answers with its name, the path, Host and one request header it saw.
 */
class LoadBalancerModifyIT {
  private static final Duration ENVOY_START = Duration.ofSeconds(60);
  private static final Duration APPLIED = Duration.ofSeconds(15);
  private static final int INSTANCES = 3;

  @TempDir Path tmp;

  private final List<HttpServer> apps = new ArrayList<>();
  private final List<Resource> instances = new ArrayList<>();
  private Server xds;
  private SimpleCache<String> cache;
  private EnvoyProcess envoy;
  private Resource web;
  private int outboundPort;
  private HttpClient client;

  @BeforeEach
  void start() throws Exception {
    List<Integer> ports = FreePorts.several(2);
    outboundPort = ports.get(0);
    for (int i = 1; i <= INSTANCES; i++) {
      int port = startApp("api-" + i);
      instances.add(
          dataplane(
              "api-" + i,
              "127.0.0.1",
              List.of(inbound(port, port, svc("api", Tags.PROTOCOL, "http"))),
              List.of()));
    }
    web =
        dataplane(
            "web-1",
            "127.0.0.1",
            List.of(inbound(ports.get(1), ports.get(1), svc("web"))),
            List.of(DataplaneSpec.Outbound.of(outboundPort, "api")));
    cache = new SimpleCache<>(Node::getId);
    xds =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(new V3DiscoveryServer(cache).getAggregatedDiscoveryServiceImpl())
            .build()
            .start();
    client = newClient();
  }

  @AfterEach
  void stop() throws Exception {
    if (envoy != null) {
      envoy.close();
    }
    if (xds != null) {
      xds.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    apps.forEach(a -> a.stop(0));
  }

  @Test
  void ringHashOnAHeaderSendsEachValueToOneInstance() throws Exception {
    // round robin first: the same header value is spread over the instances
    publish(null);
    startEnvoy();
    Set<String> roundRobin = new HashSet<>();
    for (int i = 0; i < 6; i++) {
      roundRobin.add(get("/", "alice").instance());
    }
    assertThat(roundRobin).as("round robin spreads one user over the instances").hasSize(3);

    publish(
        LbModifyScenarios.route(
            """
            type: TrafficRoute
            mesh: default
            name: api-sticky
            sources: [{match: {kuma.io/service: web}}]
            destinations: [{match: {kuma.io/service: api}}]
            conf:
              loadBalancer:
                ringHash:
                  hashFunction: XX_HASH
                  minRingSize: 64
                  hashPolicies: [{type: Header, header: {name: x-user}}]
              destination: {kuma.io/service: api}
            """));
    awaitApplied("RING_HASH", "x-user");
    client = newClient(); // no connection from before the listener changed

    List<String> users = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      users.add("user-" + (i % 10));
    }
    Collections.shuffle(users, new Random(7));
    Map<String, Set<String>> seen = new HashMap<>();
    for (String user : users) {
      seen.computeIfAbsent(user, u -> new HashSet<>()).add(get("/", user).instance());
    }
    System.out.printf("LoadBalancerModifyIT: user -> instances over 50 requests: %s%n", seen);
    assertThat(seen).hasSize(10);
    seen.forEach((user, hit) -> assertThat(hit).as("instances that served %s", user).hasSize(1));
    Set<String> used = new HashSet<>();
    seen.values().forEach(used::addAll);
    assertThat(used).as("ten users over three instances use more than one").hasSizeGreaterThan(1);
  }

  @Test
  void modifyRewritesWhatTheAppSees() throws Exception {
    publish(
        LbModifyScenarios.route(
            """
            type: TrafficRoute
            mesh: default
            name: api-rewrites
            sources: [{match: {kuma.io/service: web}}]
            destinations: [{match: {kuma.io/service: api}}]
            conf:
              http:
              - match: {path: {prefix: /old/}}
                modify:
                  path: {rewritePrefix: /new/}
                  host: {value: api.internal}
                  requestHeaders:
                    add: [{name: x-added, value: by-mesh}]
                    remove: [{name: x-user}]
                  responseHeaders:
                    add: [{name: x-served-by, value: mesh}]
                destination: {kuma.io/service: api}
              - match: {path: {regex: '^/users/[0-9]+/profile$'}}
                modify:
                  path: {regex: {pattern: '^/users/([0-9]+)/profile$', substitution: '/profiles/\\1'}}
                  host: {fromPath: {pattern: '^/users/([0-9]+)/.*$', substitution: 'shard-\\1'}}
                destination: {kuma.io/service: api}
              destination: {kuma.io/service: api}
            """));
    startEnvoy();

    Answer rewritten = get("/old/items?q=1", "alice");
    assertThat(rewritten.path()).isEqualTo("/new/items?q=1");
    assertThat(rewritten.host()).isEqualTo("api.internal");
    assertThat(rewritten.added()).isEqualTo("by-mesh");
    assertThat(rewritten.user()).as("x-user removed").isEqualTo("-");
    assertThat(rewritten.servedBy()).isEqualTo("mesh");

    Answer regex = get("/users/42/profile", "bob");
    assertThat(regex.path()).isEqualTo("/profiles/42");
    assertThat(regex.host()).isEqualTo("shard-42");
    assertThat(regex.user()).isEqualTo("bob");
    assertThat(regex.servedBy()).isEqualTo("-");

    Answer untouched = get("/other", "carol");
    assertThat(untouched.path()).isEqualTo("/other");
    assertThat(untouched.host()).as("the client's Host").isEqualTo("127.0.0.1:" + outboundPort);
    assertThat(untouched.added()).isEqualTo("-");
  }

  /** An HTTP/1.1 instance answering {@code name|path|host|x-added|x-user}. */
  private int startApp(String name) throws IOException {
    HttpServer app =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    app.createContext(
        "/",
        exchange -> {
          String body =
              String.join(
                  "|",
                  name,
                  exchange.getRequestURI().toString(),
                  header(exchange.getRequestHeaders().getFirst("Host")),
                  header(exchange.getRequestHeaders().getFirst("x-added")),
                  header(exchange.getRequestHeaders().getFirst("x-user")));
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    app.start();
    apps.add(app);
    return app.getAddress().getPort();
  }

  private static String header(String value) {
    return value == null ? "-" : value;
  }

  record Answer(
      String instance, String path, String host, String added, String user, String servedBy) {}

  private Answer get(String path, String user) throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + outboundPort + path))
                .header("x-user", user)
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("status of GET %s: %s", path, r.body()).isEqualTo(200);
    String[] f = r.body().split("\\|", -1);
    return new Answer(
        f[0], f[1], f[2], f[3], f[4], r.headers().firstValue("x-served-by").orElse("-"));
  }

  private static HttpClient newClient() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .proxy(HttpClient.Builder.NO_PROXY)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  private void startEnvoy() throws Exception {
    envoy = EnvoyProcess.start(bootstrap("web-1"));
    envoy.awaitReady(ENVOY_START);
    try {
      await("web's outbound answers")
          .atMost(ENVOY_START)
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .until(() -> get("/", "probe").instance().startsWith("api-"));
    } catch (RuntimeException | AssertionError e) {
      System.err.println("---- web envoy\n" + envoy.logs());
      throw e;
    }
  }

  /** Envoy runs a cluster and a listener that carry every marker (no warming one left). */
  private void awaitApplied(String clusterMarker, String listenerMarker) {
    await("Envoy applied the new route")
        .atMost(APPLIED)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                envoy
                        .adminGet("/config_dump?resource=dynamic_active_clusters")
                        .contains(clusterMarker)
                    && envoy
                        .adminGet("/config_dump?resource=dynamic_listeners")
                        .contains(listenerMarker)
                    && envoy
                        .adminGet("/stats?filter=listener_manager.total_listeners_warming")
                        .contains("total_listeners_warming: 0")
                    && envoy
                        .adminGet("/stats?filter=cluster_manager.warming_clusters")
                        .contains("warming_clusters: 0"));
  }

  private void publish(Resource route) throws SnapshotConsistencyException {
    List<Resource> dataplanes = new ArrayList<>(instances);
    dataplanes.add(web);
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            mesh(false),
            dataplanes,
            List.of(),
            List.of(),
            route == null ? List.of() : List.of(route));
    ProxyConfig c = SidecarGenerator.generate(state, web, Optional.empty());
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
    snapshot.ensureConsistent();
    cache.setSnapshot("web-1", snapshot);
  }

  private Path bootstrap(String node) throws IOException {
    ConfigSource ads =
        ConfigSource.newBuilder()
            .setAds(AggregatedConfigSource.getDefaultInstance())
            .setResourceApiVersion(ApiVersion.V3)
            .build();
    Cluster xdsCluster =
        HttpUpstreams.apply(
                Cluster.newBuilder()
                    .setName("xds")
                    .setType(Cluster.DiscoveryType.STATIC)
                    .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(1))
                    .setLoadAssignment(
                        ClusterLoadAssignment.newBuilder()
                            .setClusterName("xds")
                            .addEndpoints(
                                LocalityLbEndpoints.newBuilder()
                                    .addLbEndpoints(Xds.endpoint("127.0.0.1", xds.getPort(), 1)))),
                Protocol.HTTP2) // ADS is gRPC
            .build();
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
                    .setCdsConfig(ads)
                    .setLdsConfig(ads))
            .setStaticResources(Bootstrap.StaticResources.newBuilder().addClusters(xdsCluster))
            .build();
    Path file = tmp.resolve(node + ".json");
    Files.writeString(file, EnvoyJson.print(b));
    return file;
  }
}
