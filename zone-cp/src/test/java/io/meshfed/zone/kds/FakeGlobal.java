package io.meshfed.zone.kds;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.meshfed.kds.KdsDirection;
import io.meshfed.kds.KdsEnvelope;
import io.meshfed.kds.KdsHeaders;
import io.meshfed.kds.KdsPeer;
import io.meshfed.kds.KdsPeerBindings;
import io.meshfed.kds.KdsReceived;
import io.meshfed.kds.KdsRejection;
import io.meshfed.kds.KdsRuntime;
import io.meshfed.kds.KdsSettings;
import io.meshfed.kds.KdsSink;
import io.meshfed.kds.KdsSource;
import io.meshfed.kds.KdsSyncService;
import io.meshfed.kds.store.StoreKdsSink;
import io.meshfed.kds.store.StoreKdsSource;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.Tags;
import io.meshfed.store.ResourceStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A stand-in for global's KDS server built from kds-protocol's pieces over a store: TLS with the
 * test PKI, an interceptor that checks the zone's handshake headers (the token must match) and
 * records them, a source of every global-to-zone resource except the zone's own, and a sink that
 * stamps the zone's resources. It can be stopped and started again on the same port.
 */
final class FakeGlobal implements AutoCloseable {
  static final Metadata.Key<String> AUTHORIZATION = KdsHeaders.AUTHORIZATION;
  static final Metadata.Key<String> ZONE = KdsHeaders.ZONE;
  static final Metadata.Key<String> VERSION = KdsHeaders.VERSION;
  static final Metadata.Key<String> FEATURES = KdsHeaders.FEATURES;

  final ResourceStore store;
  final int port;
  final List<Metadata> headersSeen = new CopyOnWriteArrayList<>();
  final List<String> received = new CopyOnWriteArrayList<>();
  private final TestPki pki;
  private final String token;
  private final TypeRegistry registry = StandardTypes.registry();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private StoreKdsSource source;
  private Server server;

  FakeGlobal(ResourceStore store, TestPki pki, int port, String token) {
    this.store = store;
    this.pki = pki;
    this.port = port;
    this.token = token;
  }

  synchronized FakeGlobal start() throws IOException {
    source =
        new StoreKdsSource(
            store,
            KdsDirection.GLOBAL_TO_ZONE.typeNames(registry),
            r -> true,
            UnaryOperator.identity(),
            scheduler,
            Duration.ofSeconds(1));
    source.start().orTimeout(10, TimeUnit.SECONDS).join();
    KdsRuntime runtime =
        new KdsRuntime(
            new KdsEnvelope(new ResourceCodec(registry)),
            KdsSettings.defaults().withCoalesceDelay(Duration.ofMillis(10)),
            Clock.systemUTC(),
            scheduler,
            pool,
            null);
    KdsSource served = source;
    KdsPeerBindings bindings =
        new KdsPeerBindings() {
          @Override
          public KdsSource sourceFor(String zone) {
            return served.filtered(r -> !zone.equals(r.labels().get(Tags.ZONE)), r -> r);
          }

          @Override
          public KdsSink sinkFor(String zone) {
            return new Recording(
                new StoreKdsSink(
                    store,
                    KdsDirection.ZONE_TO_GLOBAL.typeNames(registry),
                    r ->
                        zone.equals(r.labels().get(Tags.ZONE))
                            && "zone".equals(r.labels().get(Tags.ORIGIN)),
                    r ->
                        r.withMeta(
                            r.meta().withLabel(Tags.ZONE, zone).withLabel(Tags.ORIGIN, "zone"))));
          }
        };
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
            .withOption(ChannelOption.SO_REUSEADDR, true)
            .sslContext(
                GrpcSslContexts.configure(
                        SslContextBuilder.forServer(pki.serverKey, pki.serverCert))
                    .build())
            .permitKeepAliveTime(1, TimeUnit.SECONDS)
            .addService(
                ServerInterceptors.intercept(
                    new KdsSyncService(bindings, runtime), new CheckZone()))
            .build()
            .start();
    return this;
  }

  /** Stops serving (streams end at once); the store stays. */
  synchronized void stop() throws InterruptedException {
    if (server != null) {
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      server = null;
    }
    if (source != null) {
      source.close();
      source = null;
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
    scheduler.shutdownNow();
    pool.shutdownNow();
  }

  /** Records what each zone sends, then stores it. */
  private final class Recording implements KdsSink {
    private final KdsSink delegate;

    Recording(KdsSink delegate) {
      this.delegate = delegate;
    }

    @Override
    public List<String> types() {
      return delegate.types();
    }

    @Override
    public CompletableFuture<Map<String, String>> heldVersions(String type) {
      return delegate.heldVersions(type);
    }

    @Override
    public CompletableFuture<List<KdsRejection>> apply(
        String type, List<KdsReceived> upserts, List<String> removedNames) {
      upserts.forEach(u -> received.add(type + " " + u.name()));
      return delegate.apply(type, upserts, removedNames);
    }
  }

  /** The test's stand-in for global's zone-token check. */
  private final class CheckZone implements ServerInterceptor {
    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
        ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      headersSeen.add(headers);
      String zone = headers.get(ZONE);
      Status refusal = null;
      if (!("Bearer " + token).equals(headers.get(AUTHORIZATION))) {
        refusal = Status.UNAUTHENTICATED.withDescription("fake global: zone token refused");
      } else if (zone == null) {
        refusal = Status.PERMISSION_DENIED.withDescription("fake global: no meshfed-zone");
      } else if (headers.get(VERSION) == null
          || headers.get(FEATURES) == null
          || !List.of(headers.get(FEATURES).split(",")).contains(KdsHeaders.FEATURE_DELTA_V1)) {
        refusal =
            Status.FAILED_PRECONDITION.withDescription("fake global: version or features missing");
      }
      if (refusal != null) {
        call.close(refusal, new Metadata());
        return new ServerCall.Listener<>() {};
      }
      Context ctx = Context.current().withValue(KdsPeer.ZONE_NAME, zone);
      return Contexts.interceptCall(ctx, call, headers, next);
    }
  }

  /** Stored resources for assertions. */
  List<Resource> list(String type) {
    return store.list(io.meshfed.store.ListQuery.all(type)).join().items();
  }
}
