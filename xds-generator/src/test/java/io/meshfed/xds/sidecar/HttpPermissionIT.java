package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.dataplane;
import static io.meshfed.xds.sidecar.Fixtures.inbound;
import static io.meshfed.xds.sidecar.Fixtures.mesh;
import static io.meshfed.xds.sidecar.Fixtures.permission;
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
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.testing.EnvoyProcess;
import io.meshfed.testing.FreePorts;
import io.meshfed.xds.EnvoyJson;
import io.meshfed.xds.Identity;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.Protocol;
import io.meshfed.xds.ProxyConfig;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP permissions are checked per request, also on connections that stay open. Two real Envoys,
 * the sidecars of {@code web} and of {@code backend} (inbound tagged {@code kuma.io/protocol:
 * http}) in an mTLS mesh, get the generated config over ADS from a java-control-plane server, as
 * from a zone; a plain HTTP server stands in for backend's application. One client connection to
 * web's outbound listener stays open throughout: 200 while the TrafficPermission exists, 403 on the
 * next requests once it is deleted (same client connection, same sidecar-to-sidecar connection:
 * backend's inbound listener accepts no other), 200 again when it is back.
 */
class HttpPermissionIT {
  private static final String MESH = Fixtures.MESH;
  private static final Duration ENVOY_START = Duration.ofSeconds(60);
  private static final Duration APPLIED = Duration.ofSeconds(10);
  private static final MethodDescriptor<String, String> ECHO =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("meshfed.test.Echo/Say")
          .setRequestMarshaller(new Utf8())
          .setResponseMarshaller(new Utf8())
          .build();

  @TempDir Path tmp;

  private int webInboundPort;
  private HttpServer app;
  private Server grpcApp;
  private Server xds;
  private SimpleCache<String> cache;
  private EnvoyProcess webEnvoy;
  private EnvoyProcess backendEnvoy;
  private int version;
  private int outboundPort;
  private int inboundPort;
  private Resource web;
  private Resource backend;
  private Identity webIdentity;
  private Identity backendIdentity;

  @BeforeEach
  void startAdsServer() throws Exception {
    List<Integer> ports = FreePorts.several(3);
    outboundPort = ports.get(0);
    inboundPort = ports.get(1);
    webInboundPort = ports.get(2);
    TestCerts.Ca ca = TestCerts.ca(MESH);
    webIdentity = ca.issue("web");
    backendIdentity = ca.issue("backend");
    cache = new SimpleCache<>(Node::getId);
    xds =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(new V3DiscoveryServer(cache).getAggregatedDiscoveryServiceImpl())
            .build()
            .start();
  }

  /**
   * Publishes the config of both sidecars, backend's inbound tagged {@code protocol}, and starts
   * them.
   */
  private void startSidecars(String protocol, int appPort) throws Exception {
    web =
        dataplane(
            "web-1",
            "127.0.0.1",
            List.of(inbound(webInboundPort, webInboundPort, svc("web"))),
            List.of(DataplaneSpec.Outbound.of(outboundPort, "backend")));
    backend =
        dataplane(
            "backend-1",
            "127.0.0.1",
            List.of(inbound(inboundPort, appPort, svc("backend", Tags.PROTOCOL, protocol))),
            List.of());
    publish(true);
    webEnvoy = EnvoyProcess.start(bootstrap("web-1"));
    backendEnvoy = EnvoyProcess.start(bootstrap("backend-1"));
    webEnvoy.awaitReady(ENVOY_START);
    backendEnvoy.awaitReady(ENVOY_START);
  }

  /** An HTTP/1.1 application that answers 200 "backend" to everything. */
  private int startHttpApp() throws IOException {
    app = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    app.createContext(
        "/",
        exchange -> {
          byte[] body = "backend".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    app.start();
    return app.getAddress().getPort();
  }

  /** A gRPC application (HTTP/2 only) with one unary method that echoes. */
  private int startGrpcApp() throws IOException {
    grpcApp =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(
                ServerServiceDefinition.builder(ECHO.getServiceName())
                    .addMethod(
                        ECHO,
                        ServerCalls.asyncUnaryCall(
                            (String request, StreamObserver<String> reply) -> {
                              reply.onNext("backend:" + request);
                              reply.onCompleted();
                            }))
                    .build())
            .build()
            .start();
    return grpcApp.getPort();
  }

  @AfterEach
  void stop() throws Exception {
    if (webEnvoy != null) {
      webEnvoy.close();
    }
    if (backendEnvoy != null) {
      backendEnvoy.close();
    }
    if (xds != null) {
      xds.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (app != null) {
      app.stop(0);
    }
    if (grpcApp != null) {
      grpcApp.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void deletingThePermissionDeniesTheNextRequestOnAnOpenConnection() throws Exception {
    int appPort = startHttpApp();
    startSidecars("http", appPort);
    try {
      await("web's outbound answers through backend's sidecar")
          .atMost(ENVOY_START)
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .until(() -> oneShot().status() == 200);

      try (KeepAlive conn = new KeepAlive(outboundPort)) {
        assertThat(conn.get()).isEqualTo(new Answer(200, "backend"));
        long acceptedBefore = stat(backendEnvoy, inboundListenerStat("downstream_cx_total"));
        long modifiedBefore = stat(backendEnvoy, "listener_manager.listener_modified");

        long deleted = System.nanoTime();
        publish(false);
        AtomicReference<Answer> last = new AtomicReference<>();
        await("403 on the kept connection after the permission is deleted")
            .atMost(APPLIED)
            .pollInterval(Duration.ofMillis(20))
            .until(
                () -> {
                  last.set(conn.get());
                  return last.get().status() != 200;
                });
        long deniedAfterMillis = (System.nanoTime() - deleted) / 1_000_000;
        System.out.printf(
            "HttpPermissionIT: permission deleted -> 403 on the open connection in %d ms%n",
            deniedAfterMillis);

        assertThat(last.get().status()).isEqualTo(403);
        assertThat(last.get().body()).isEqualTo("RBAC: access denied");
        assertThat(conn.get().status()).as("and the next one").isEqualTo(403);
        assertThat(stat(backendEnvoy, inboundListenerStat("downstream_cx_total")))
            .as("backend's sidecar accepted no new connection: the 403 came on the kept one")
            .isEqualTo(acceptedBefore);
        assertThat(stat(backendEnvoy, "listener_manager.listener_modified"))
            .as("the inbound listener was not replaced (nor drained)")
            .isEqualTo(modifiedBefore);
        assertThat(stat(backendEnvoy, "http.localhost_" + appPort + ".rbac.denied")).isPositive();

        publish(true);
        await("200 again on the same connection once the permission is back")
            .atMost(APPLIED)
            .pollInterval(Duration.ofMillis(20))
            .until(() -> conn.get().status() == 200);
      }
    } catch (Exception | AssertionError e) {
      System.err.println("---- web envoy\n" + webEnvoy.logs());
      System.err.println("---- backend envoy\n" + backendEnvoy.logs());
      throw e;
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"grpc", "http2"})
  void deletingThePermissionDeniesTheNextCallOnAnOpenGrpcChannel(String protocol) throws Exception {
    int appPort = startGrpcApp();
    startSidecars(protocol, appPort);
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), outboundPort))
            .usePlaintext()
            .build();
    try {
      // the app speaks HTTP/2 only: an answer shows both sidecars spoke HTTP/2 upstream
      await("a call through both sidecars")
          .atMost(ENVOY_START)
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .until(() -> say(channel, "hi").equals("backend:hi"));
      long clientConnections = stat(webEnvoy, outboundListenerStat("downstream_cx_total"));
      long sidecarConnections = stat(backendEnvoy, inboundListenerStat("downstream_cx_total"));
      assertThat(stat(backendEnvoy, "http.localhost_" + appPort + ".downstream_cx_http2_total"))
          .as("web's sidecar reached backend's over HTTP/2")
          .isPositive();

      long deleted = System.nanoTime();
      publish(false);
      AtomicReference<Status> denied = new AtomicReference<>();
      await("PERMISSION_DENIED on the open channel after the permission is deleted")
          .atMost(APPLIED)
          .pollInterval(Duration.ofMillis(20))
          .until(
              () -> {
                try {
                  say(channel, "again");
                  return false;
                } catch (StatusRuntimeException e) {
                  denied.set(e.getStatus());
                  return true;
                }
              });
      System.out.printf(
          "HttpPermissionIT[%s]: permission deleted -> PERMISSION_DENIED on the open channel in"
              + " %d ms%n",
          protocol, (System.nanoTime() - deleted) / 1_000_000);

      assertThat(denied.get().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(denied.get().getDescription()).isEqualTo("RBAC: access denied");
      assertThat(stat(webEnvoy, outboundListenerStat("downstream_cx_total")))
          .as("the client's channel kept its one connection")
          .isEqualTo(clientConnections);
      assertThat(stat(backendEnvoy, inboundListenerStat("downstream_cx_total")))
          .as("the sidecars kept their connection")
          .isEqualTo(sidecarConnections);

      publish(true);
      await("answers again on the same channel once the permission is back")
          .atMost(APPLIED)
          .pollInterval(Duration.ofMillis(20))
          .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
          .until(() -> say(channel, "back").equals("backend:back"));
    } catch (Exception | AssertionError e) {
      System.err.println("---- web envoy\n" + webEnvoy.logs());
      System.err.println("---- backend envoy\n" + backendEnvoy.logs());
      throw e;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static String say(ManagedChannel channel, String what) {
    return ClientCalls.blockingUnaryCall(
        channel, ECHO, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), what);
  }

  /** Strings as UTF-8 bytes: the echo method's messages. */
  private static final class Utf8 implements MethodDescriptor.Marshaller<String> {
    @Override
    public InputStream stream(String value) {
      return new java.io.ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  /**
   * Generates both sidecars' config, with or without the web-to-backend permission, and sets it.
   */
  private void publish(boolean permitted) throws SnapshotConsistencyException {
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            mesh(true),
            List.of(web, backend),
            List.of(),
            permitted
                ? List.of(
                    permission("web-to-backend", List.of(svc("web")), List.of(svc("backend"))))
                : List.of(),
            List.of());
    version++;
    set("web-1", SidecarGenerator.generate(state, web, Optional.of(webIdentity)));
    set("backend-1", SidecarGenerator.generate(state, backend, Optional.of(backendIdentity)));
  }

  private void set(String node, ProxyConfig c) throws SnapshotConsistencyException {
    // Per-type versions from the content, as the zone does: an unchanged type is not resent.
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

  private Path bootstrap(String node) throws IOException {
    ConfigSource ads =
        ConfigSource.newBuilder()
            .setAds(AggregatedConfigSource.getDefaultInstance())
            .setResourceApiVersion(ApiVersion.V3)
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
                                                            "127.0.0.1", xds.getPort(), 1)))),
                                Protocol.HTTP2) // ADS is gRPC
                            .build()))
            .build();
    Path file = tmp.resolve(node + ".json");
    Files.writeString(file, EnvoyJson.print(b));
    return file;
  }

  private String outboundListenerStat(String name) {
    return "listener.127.0.0.1_" + outboundPort + "." + name;
  }

  private String inboundListenerStat(String name) {
    return "listener.127.0.0.1_" + inboundPort + "." + name;
  }

  private static long stat(EnvoyProcess envoy, String name) {
    for (String line : envoy.adminGet("/stats?filter=" + name).split("\n")) {
      if (line.startsWith(name + ":")) {
        return Long.parseLong(line.substring(name.length() + 1).strip());
      }
    }
    throw new AssertionError("no stat " + name);
  }

  /** One request on its own connection. */
  private Answer oneShot() throws IOException {
    try (KeepAlive c = new KeepAlive(outboundPort)) {
      return c.get();
    }
  }

  record Answer(int status, String body) {}

  /** An HTTP/1.1 client connection kept open: one request after another on the same socket. */
  private static final class KeepAlive implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;

    KeepAlive(int port) throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setSoTimeout(5_000);
      in = new BufferedInputStream(socket.getInputStream());
    }

    /** One GET; fails when the connection was closed. */
    Answer get() throws IOException {
      socket
          .getOutputStream()
          .write("GET / HTTP/1.1\r\nHost: backend\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String status = line();
      int length = -1;
      for (String h = line(); !h.isEmpty(); h = line()) {
        String lower = h.toLowerCase(Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Integer.parseInt(h.substring(15).strip());
        }
        if (lower.startsWith("connection:") && lower.contains("close")) {
          throw new AssertionError("the server closes the kept connection: " + h);
        }
      }
      if (length < 0) {
        throw new AssertionError("no Content-Length in the answer " + status);
      }
      String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
      return new Answer(Integer.parseInt(status.split(" ")[1]), body);
    }

    private String line() throws IOException {
      StringBuilder b = new StringBuilder();
      int c;
      while ((c = in.read()) != -1 && c != '\n') {
        if (c != '\r') {
          b.append((char) c);
        }
      }
      if (c == -1) {
        throw new EOFException("the connection was closed");
      }
      return b.toString();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
