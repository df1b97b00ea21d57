package io.meshfed.zone.xds;

import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.meshfed.kds.metrics.GrpcServerMetrics;
import io.meshfed.kds.store.StoreKdsSource;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.SerialExecutor;
import io.meshfed.xds.Identity;
import io.meshfed.zone.auth.DataplaneAuthenticator;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The zone's xDS server: java-control-plane's aggregated discovery service (state-of-the-world ADS)
 * over the zone's own snapshot cache ({@link ProxySnapshots}, one snapshot per node id) on a gRPC
 * port that sidecar and zone ingress Envoys dial. It reads the zone's store through a cached view,
 * publishes snapshots when anything they depend on changes, follows every stream (ACK, NACK,
 * connect, disconnect) and reports it in {@code DataplaneInsight} / {@code ZoneIngressInsight}.
 */
public final class XdsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(XdsServer.class);

  /** Issues workload certificates: the zone's CA. */
  public interface CertificateAuthority {
    CompletableFuture<Identity> issue(
        String mesh, MeshSpec meshSpec, Map<String, Set<String>> inboundTags);

    Instant rotateAt(Identity identity);
  }

  private final String zone;
  private final String instanceId;
  private final ResourceStore store;
  private final StoreKdsSource view;
  private final InsightWriter insights;
  private final ConfigPublisher publisher;
  private final AvailableServicesUpdater availableServices;
  private final ProxyStreams streams;
  private final V3DiscoveryServer discovery;
  private final ExecutorService buildExecutor;
  private final ExecutorService generators;
  private final ExecutorService senders;
  private final ScheduledExecutorService scheduler;
  private final DataplaneAuthenticator authenticator;
  private final StreamGuard guard;
  private final GrpcServerMetrics grpcMetrics;
  private Server server;
  private ScheduledFuture<?> recheckTimer;
  private Closeable revocationWatch;

  /** How often open streams' tokens are checked for expiry and revocation. */
  static final Duration RECHECK_PERIOD = Duration.ofSeconds(1);

  /**
   * @param zone this zone
   * @param instanceId this control plane instance (named in insights)
   * @param store the zone's store
   * @param ca the zone's certificate authority
   * @param clock the clock
   * @param scheduler timers (insight flushes, rotation)
   * @param meters where xds_* metrics go
   * @param insightFlush how often changed insights are written
   */
  public XdsServer(
      String zone,
      String instanceId,
      ResourceStore store,
      CertificateAuthority ca,
      Clock clock,
      ScheduledExecutorService scheduler,
      MeterRegistry meters,
      Duration insightFlush) {
    this(zone, instanceId, store, ca, clock, scheduler, meters, insightFlush, null);
  }

  /**
   * As above, and every stream must present a dataplane token ({@code authorization} metadata)
   * issued to the proxy its node names, else it is closed with UNAUTHENTICATED; an open stream is
   * closed the same way once its token expires or is revoked (checked every {@link #RECHECK_PERIOD}
   * on {@code clock}, and at once when a revocation list changes).
   *
   * @param dataplaneTokens the zone's token checks; null when tokens are not required
   */
  public XdsServer(
      String zone,
      String instanceId,
      ResourceStore store,
      CertificateAuthority ca,
      Clock clock,
      ScheduledExecutorService scheduler,
      MeterRegistry meters,
      Duration insightFlush,
      DataplaneAuthenticator dataplaneTokens) {
    this.zone = zone;
    this.instanceId = instanceId;
    this.store = store;
    this.scheduler = scheduler;
    this.authenticator = dataplaneTokens;
    this.guard = dataplaneTokens == null ? null : new StreamGuard(zone, dataplaneTokens, meters);
    this.grpcMetrics = new GrpcServerMetrics(meters);
    this.buildExecutor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "xds-build-" + zone);
              t.setDaemon(true);
              return t;
            });
    AtomicInteger generatorThreads = new AtomicInteger();
    this.generators =
        Executors.newFixedThreadPool(
            Runtime.getRuntime().availableProcessors(),
            r -> {
              Thread t =
                  new Thread(r, "xds-generate-" + zone + "-" + generatorThreads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    AtomicInteger senderThreads = new AtomicInteger();
    this.senders =
        Executors.newFixedThreadPool(
            Runtime.getRuntime().availableProcessors(),
            r -> {
              Thread t = new Thread(r, "xds-send-" + zone + "-" + senderThreads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.view =
        new StoreKdsSource(
            store,
            ZoneViewReader.WATCHED,
            r -> true,
            UnaryOperator.identity(),
            scheduler,
            Duration.ofSeconds(2));
    ProxySnapshots cache = new ProxySnapshots();
    this.insights = new InsightWriter(zone, instanceId, store, clock, scheduler, insightFlush);
    this.publisher =
        new ConfigPublisher(
            zone,
            new ZoneViewReader(zone, view),
            new SnapshotPublisher(zone, cache),
            new ClusterDrain(clock, ClusterDrain.DEFAULT_HOLD),
            rebuild ->
                new WorkloadIdentities(zone, ca, insights, clock, scheduler, rebuild, meters),
            buildExecutor,
            generators,
            scheduler,
            meters);
    this.availableServices =
        new AvailableServicesUpdater(zone, view, new SerialExecutor(scheduler), scheduler);
    ClusterFirstWatcher clusterFirst =
        new ClusterFirstWatcher(
            cache,
            node ->
                Optional.ofNullable(cache.getSnapshot(node))
                    .map(snapshot -> snapshot.version(XdsTypes.CLUSTER)),
            (delay, task) -> {
              try {
                scheduler.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
              } catch (RejectedExecutionException e) {
                log.debug(
                    "zone={}: shutting down, a held xDS response waits without a time limit", zone);
              }
            },
            ClusterFirstWatcher.DEFAULT_MAX_HOLD);
    this.streams =
        new ProxyStreams(
            zone,
            instanceId,
            clock,
            meters,
            new ProxyStreams.Listener() {
              @Override
              public void onConnected(ProxyId proxy, NodeMetadata metadata) {
                publisher.proxyConnected(proxy, metadata);
              }

              @Override
              public void onDisconnected(ProxyId proxy, Subscription last) {
                clusterFirst.forget(proxy.nodeId());
                publisher.proxyDisconnected(proxy);
              }

              @Override
              public void onChanged(Subscription subscription) {
                insights.subscriptionChanged(subscription);
              }
            },
            guard);
    this.discovery =
        new V3DiscoveryServer(
            List.of(streams),
            new NackHoldingWatcher(clusterFirst, streams::versionSent),
            new StreamSenders(zone, senders),
            new SerializedResources());
  }

  /**
   * Starts watching the store and serving xDS on {@code address:port} (port 0: any free port).
   *
   * @throws UncheckedIOException when the port cannot be bound
   */
  public XdsServer start(String address, int port) {
    view.subscribe(publisher::viewChanged);
    view.start();
    try {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress(address, port))
              .addService(
                  ServerInterceptors.intercept(
                      new ClosableAds(
                          new CompactRequests(discovery.getAggregatedDiscoveryServiceImpl())),
                      new XdsCredentials(),
                      grpcMetrics))
              .permitKeepAliveTime(10, TimeUnit.SECONDS)
              .permitKeepAliveWithoutCalls(true)
              .maxInboundMessageSize(16 * 1024 * 1024)
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot serve xDS on " + address + ":" + port + ": " + e.getMessage(), e);
    }
    if (guard != null) {
      recheckTimer =
          scheduler.scheduleWithFixedDelay(
              this::recheckTokens,
              RECHECK_PERIOD.toMillis(),
              RECHECK_PERIOD.toMillis(),
              TimeUnit.MILLISECONDS);
      revocationWatch = authenticator.revocations().subscribe(this::revocationsChanged);
    }
    log.info(
        "zone={}: xDS server (ADS) listening on {}:{}{}",
        zone,
        address,
        server.getPort(),
        guard == null ? "" : " (dataplane tokens required)");
    return this;
  }

  /**
   * Leader job: writes the zone ingresses' {@code availableServices} through {@code writer} (the
   * store fenced by the leader's term) until the handle is closed. Followers never write them.
   */
  public Closeable writeAvailableServices(ResourceStore writer) {
    return availableServices.writeThrough(writer);
  }

  /**
   * Leader job: marks closed the open xDS subscriptions (in DataplaneInsights and
   * ZoneIngressInsights) of control plane instances not in {@code live}, writing through {@code
   * writer}; subscriptions younger than {@code grace} are kept (their instance may be registering).
   */
  public CompletableFuture<Void> closeSubscriptionsOfGoneInstances(
      Set<String> live, Duration grace, ResourceStore writer) {
    return insights.closeSubscriptionsOfGoneInstances(live, grace, writer);
  }

  /** The bound port. */
  public int port() {
    return server.getPort();
  }

  /** How many proxies have an open xDS stream. */
  public int connectedProxies() {
    return streams.connectedProxies().size();
  }

  /**
   * The inspect routes of the zone API: {@code /meshes/{mesh}/dataplanes/{name}/policies} and
   * {@code .../xds} (see {@link DataplaneInspectEndpoints}), and {@code
   * /meshes/{mesh}/{plural}/{name}/dataplanes} (see {@link PolicyInspectEndpoint}).
   */
  public List<io.meshfed.api.ApiRoute> inspectRoutes(io.meshfed.model.codec.ResourceCodec codec) {
    List<io.meshfed.api.ApiRoute> routes =
        new java.util.ArrayList<>(new DataplaneInspectEndpoints(publisher, codec).routes());
    routes.add(new PolicyInspectEndpoint(publisher, store, codec.registry()).route());
    return routes;
  }

  /** The same views as {@link #inspectRoutes}, for global's relayed requests. */
  public io.meshfed.zone.kds.DataplaneViews inspectViews(
      io.meshfed.model.codec.ResourceCodec codec) {
    return new DataplaneInspectEndpoints(publisher, codec);
  }

  /**
   * The inspect routes of a replica of the zone: the xDS view of a proxy connected to another
   * replica is asked of that replica, found in {@code replicas} (the zone's {@code instances}
   * registry), with the caller's authorization or {@code tokenFor(path)} ({@link
   * ProxyStreamForwarder}).
   */
  public List<io.meshfed.api.ApiRoute> inspectRoutes(
      io.meshfed.model.codec.ResourceCodec codec,
      io.meshfed.store.ha.LeasedKeys replicas,
      UnaryOperator<String> tokenFor) {
    List<io.meshfed.api.ApiRoute> routes =
        new java.util.ArrayList<>(
            new DataplaneInspectEndpoints(publisher, codec, forwarder(replicas, tokenFor))
                .routes());
    routes.add(new PolicyInspectEndpoint(publisher, store, codec.registry()).route());
    return routes;
  }

  /**
   * The same views as {@link #inspectRoutes(io.meshfed.model.codec.ResourceCodec,
   * io.meshfed.store.ha.LeasedKeys, UnaryOperator)}.
   */
  public io.meshfed.zone.kds.DataplaneViews inspectViews(
      io.meshfed.model.codec.ResourceCodec codec,
      io.meshfed.store.ha.LeasedKeys replicas,
      UnaryOperator<String> tokenFor) {
    return new DataplaneInspectEndpoints(publisher, codec, forwarder(replicas, tokenFor));
  }

  private ProxyStreamForwarder forwarder(
      io.meshfed.store.ha.LeasedKeys replicas, UnaryOperator<String> tokenFor) {
    return new ProxyStreamForwarder(
        zone,
        instanceId,
        store,
        replicas,
        io.meshfed.api.ReplicaHop.withTimeout(Duration.ofSeconds(10)),
        tokenFor);
  }

  /** Whether the snapshot cache holds a snapshot for {@code proxy} (for tests). */
  boolean hasSnapshot(ProxyId proxy) {
    return publisher.hasSnapshot(proxy);
  }

  private void revocationsChanged() {
    try {
      scheduler.execute(this::recheckTokens);
    } catch (RejectedExecutionException stopping) {
      log.debug("zone={}: revocations changed while stopping", zone);
    }
  }

  private void recheckTokens() {
    try {
      guard.recheck();
    } catch (RuntimeException e) {
      log.warn("zone={}: checking the dataplane tokens of open xDS streams failed", zone, e);
    }
  }

  @Override
  public void close() {
    if (recheckTimer != null) {
      recheckTimer.cancel(false);
    }
    if (revocationWatch != null) {
      try {
        revocationWatch.close();
      } catch (IOException e) {
        log.debug("zone={}: {}", zone, e.toString());
      }
    }
    publisher.close();
    availableServices.close();
    if (server != null) {
      server.shutdownNow();
      try {
        server.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    insights.close();
    view.close();
    buildExecutor.shutdownNow(); // interrupts a rebuild waiting for its generations
    generators.shutdownNow();
    senders.shutdownNow(); // the streams are closed: what is still queued has nowhere to go
  }
}
