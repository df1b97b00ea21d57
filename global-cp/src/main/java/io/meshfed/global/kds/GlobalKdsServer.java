package io.meshfed.global.kds;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.meshfed.api.Processes;
import io.meshfed.global.ca.MeshCaAuthority;
import io.meshfed.global.kds.auth.ZoneTokenKeys;
import io.meshfed.kds.GlobalHandshakeHeaders;
import io.meshfed.kds.KdsEnvelope;
import io.meshfed.kds.KdsPeerBindings;
import io.meshfed.kds.KdsRuntime;
import io.meshfed.kds.KdsSink;
import io.meshfed.kds.KdsSource;
import io.meshfed.kds.KdsStreamListener;
import io.meshfed.kds.KdsSyncService;
import io.meshfed.kds.metrics.GrpcServerMetrics;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ha.Coordination;
import io.meshfed.store.ha.Fence;
import io.meshfed.store.ha.LeasedKeys;
import io.meshfed.store.ha.LocalCoordination;
import io.meshfed.store.ha.Term;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Global's side of KDS: a gRPC server running {@link KdsSyncService} for every zone, over the
 * global store. Zone Z receives the global-owned resources and the other zones' ingresses (see
 * {@link GlobalSources}); what Z reports is stored renamed and attributed to Z (see {@link
 * ZoneSink}). {@code SignZoneCa} is answered by a {@link MeshCaAuthority}. Stream events keep
 * {@code Zone}/{@code ZoneInsight} current, feed the per-resource {@link SyncStatus}, and the
 * {@code kds_*} metrics.
 *
 * <pre>{@code
 * GlobalKdsServer kds = new GlobalKdsServer(options, store, codec, instanceId, clock, meters,
 *     scheduler, executor);
 * kds.start("127.0.0.1", 5685, Duration.ofSeconds(60)); // after the store is loaded
 * }</pre>
 */
public final class GlobalKdsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GlobalKdsServer.class);
  private static final Pattern ZONE_NAME = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Duration RETRY_DELAY = Duration.ofSeconds(2);
  private static final Duration RECHECK_INTERVAL = Duration.ofSeconds(1);
  private static final Duration CLAIM_TIMEOUT = Duration.ofSeconds(5);

  /** The leased keys naming which global replica serves each zone's KDS streams. */
  public static final String ZONE_STREAMS = "zone-streams";

  /** The leased keys of the live control plane replicas. */
  public static final String INSTANCES = "instances";

  /** How often every replica reads which zones some replica serves, for zone liveness. */
  static final Duration CLAIMS_POLL_INTERVAL = Duration.ofSeconds(1);

  private final KdsServerOptions options;
  private final ResourceStore store;
  private final TypeRegistry registry;
  private final GlobalSources sources;
  private final ZoneInsightTracker insights;
  private final ZoneLiveness liveness;
  private final SyncStatus syncStatus;
  private final KdsMetrics metrics;
  private final GrpcServerMetrics grpcMetrics;
  private final KdsRuntime runtime;
  private final ZoneCallGuard guard;
  private final MeshCaAuthority meshCa;
  private final InspectRelay inspectRelay;
  private final ZoneDirectory zones;
  private final KdsConnectionAdmission admission;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final LeasedKeys zoneStreams;
  private final LeasedKeys instances;
  private final ZoneStreamClaims claims;
  private ScheduledFuture<?> claimsPoll;
  private Server server;
  private EventLoopGroup bossGroup;
  private EventLoopGroup workerGroup;
  private ExecutorService callbacks;
  private boolean serving = true;
  private ScheduledFuture<?> recheckTimer;
  private Closeable zoneWatch;
  private boolean closed;

  /**
   * @param options credentials, interceptors, settings and gRPC limits
   * @param store the global store
   * @param codec the codec over the type registry
   * @param instanceId this global instance, recorded in zone subscriptions
   * @param clock time source
   * @param meters where the {@code kds_*} metrics go
   * @param scheduler timers of streams, store retries and insight flushes
   * @param executor runs each stream's serial work
   */
  public GlobalKdsServer(
      KdsServerOptions options,
      ResourceStore store,
      ResourceCodec codec,
      String instanceId,
      Clock clock,
      MeterRegistry meters,
      ScheduledExecutorService scheduler,
      Executor executor) {
    this(options, store, codec, instanceId, clock, meters, scheduler, executor, null);
  }

  /**
   * Like the other constructor, with the zone-token trust that open streams are re-checked against
   * (expiry, revocation, removed signing key).
   *
   * @param tokens signing keys and revoked token ids; null when zones are not authenticated by
   *     tokens (tests)
   */
  public GlobalKdsServer(
      KdsServerOptions options,
      ResourceStore store,
      ResourceCodec codec,
      String instanceId,
      Clock clock,
      MeterRegistry meters,
      ScheduledExecutorService scheduler,
      Executor executor,
      ZoneTokenKeys tokens) {
    this(
        options,
        store,
        codec,
        instanceId,
        clock,
        meters,
        scheduler,
        executor,
        tokens,
        new LocalCoordination(instanceId));
  }

  /**
   * Like the other constructors, as one of several global replicas sharing the store: {@code
   * coordination} holds which replica serves each zone's streams ({@code zone-streams}) and which
   * replicas are alive ({@code instances}).
   *
   * @param tokens signing keys and revoked token ids; null when zones are not authenticated by
   *     tokens (tests)
   * @param coordination what the replicas share besides resources
   */
  public GlobalKdsServer(
      KdsServerOptions options,
      ResourceStore store,
      ResourceCodec codec,
      String instanceId,
      Clock clock,
      MeterRegistry meters,
      ScheduledExecutorService scheduler,
      Executor executor,
      ZoneTokenKeys tokens,
      Coordination coordination) {
    this.options = options;
    this.clock = clock;
    this.zoneStreams = coordination.keys(ZONE_STREAMS);
    this.instances = coordination.keys(INSTANCES);
    this.claims = new ZoneStreamClaims(zoneStreams, instanceId, clock, CLAIM_TIMEOUT);
    this.store = store;
    this.registry = codec.registry();
    this.scheduler = scheduler;
    this.zones = new ZoneDirectory(store, scheduler, RETRY_DELAY);
    this.liveness = new ZoneLiveness(clock, scheduler, options.zoneOfflineGrace());
    this.sources = new GlobalSources(store, registry, zones, liveness, scheduler, RETRY_DELAY);
    KdsEnvelope envelope = new KdsEnvelope(codec);
    this.insights =
        new ZoneInsightTracker(
            store,
            clock,
            scheduler,
            options.insightFlushInterval(),
            instanceId,
            claims::writeFence);
    this.syncStatus =
        new SyncStatus(envelope, clock, store, instanceId, scheduler, claims::writeFence);
    this.metrics = new KdsMetrics(meters);
    this.grpcMetrics = new GrpcServerMetrics(meters);
    this.runtime =
        new KdsRuntime(
            envelope,
            options.settings(),
            clock,
            scheduler,
            executor,
            KdsStreamListener.all(List.of(insights, liveness, syncStatus, metrics)));
    this.admission =
        new KdsConnectionAdmission(
            options.maxPendingConnections(),
            options.authenticationDeadline(),
            scheduler,
            clock,
            meters);
    this.guard =
        new ZoneCallGuard(
            options.zoneVersionKey(),
            insights::handshake,
            new ZoneAccess(zones::state, tokens, clock),
            clock,
            options.settings().heartbeatTimeout(),
            admission::authenticated,
            claims);
    this.meshCa = new MeshCaAuthority(store, clock, executor);
    this.inspectRelay = new InspectRelay(InspectRelay.Limits.DEFAULTS, clock, scheduler, meters);
  }

  /** Asks zones over their {@code InspectRelay} stream, for the REST inspect routes. */
  public InspectRelay inspectRelay() {
    return inspectRelay;
  }

  /** The per-resource sync status, for {@code /_sync}. */
  public SyncStatus syncStatus() {
    return syncStatus;
  }

  /**
   * Loads the store (every served type and the zones), closes subscriptions left open by a previous
   * instance, then listens. Blocks until listening.
   *
   * @param defaultAddress the address to bind when the options name none
   * @param port the port (0: any free one)
   * @param timeout how long to wait for the store to load
   * @throws IllegalStateException when the store did not load in time
   * @throws UncheckedIOException when the port cannot be bound
   */
  public synchronized GlobalKdsServer start(String defaultAddress, int port, Duration timeout) {
    if (closed || server != null) {
      throw new IllegalStateException("the KDS server was already started or closed");
    }
    CompletableFuture<Void> loaded = new CompletableFuture<>();
    Closeable watch = sources.onChange(() -> completeWhenReady(loaded));
    sources
        .start()
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                log.warn("KDS: loading the store failed, retrying: {}", error.toString());
              }
              completeWhenReady(loaded);
            });
    try {
      loaded.thenCompose(v -> insights.start()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "KDS: the store did not load within " + timeout + "; zones are not served", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("KDS: interrupted while loading the store", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(
          "KDS: cannot load the zone insights: " + e.getCause().getMessage(), e.getCause());
    } finally {
      closeQuietly(watch);
    }
    liveness.start();
    syncStatus.start();
    claimsPoll =
        scheduler.scheduleWithFixedDelay(
            this::readClaims, 0, CLAIMS_POLL_INTERVAL.toNanos(), TimeUnit.NANOSECONDS);
    String address = options.bindAddress() != null ? options.bindAddress() : defaultAddress;
    server = buildServer(new InetSocketAddress(address, port));
    try {
      server.start();
    } catch (IOException e) {
      server = null;
      throw new UncheckedIOException(
          "KDS: cannot listen on " + address + ":" + port + ": " + e.getMessage(), e);
    }
    zoneWatch = zones.subscribe(type -> scheduler.execute(guard::recheck));
    recheckTimer =
        scheduler.scheduleAtFixedRate(
            guard::recheck,
            RECHECK_INTERVAL.toNanos(),
            RECHECK_INTERVAL.toNanos(),
            TimeUnit.NANOSECONDS);
    log.info(
        "KDS server listening on {}:{} ({}, {} interceptor(s), at most {} connection(s) waiting"
            + " {}s for authentication)",
        address,
        server.getPort(),
        options.credentials() == null ? "plaintext" : "TLS",
        options.interceptors().size(),
        options.maxPendingConnections(),
        options.authenticationDeadline().toSeconds());
    return this;
  }

  /**
   * Closes the open zone streams that may no longer stay (token expired, revoked or its key
   * removed; zone disabled or deleted). Runs every second and on every {@code Zone} change; call it
   * when the token trust changes.
   */
  public void recheckZones() {
    scheduler.execute(guard::recheck);
  }

  /** Tells zone liveness which zones some replica serves now. */
  private void readClaims() {
    zoneStreams
        .list()
        .whenComplete(
            (held, error) -> {
              if (error != null) {
                log.debug("KDS: cannot read the zone stream keys: {}", error.toString());
              } else {
                liveness.claimed(held.keySet());
              }
            });
  }

  /**
   * The leader's job closing the zone subscriptions of replicas that are gone, now and every 10 s,
   * writing through the store fenced by {@code term}; close it when the term ends.
   */
  public Closeable sweepStaleSubscriptions(Term term) {
    return new StaleSubscriptionSweeper(store.fenced(term), instances, clock)
        .start(scheduler, StaleSubscriptionSweeper.PERIOD);
  }

  /** Connections accepted and not yet authenticated (for tests). */
  int pendingConnections() {
    return admission.pending();
  }

  private void completeWhenReady(CompletableFuture<Void> loaded) {
    if (sources.isReady()) {
      loaded.complete(null);
    }
  }

  private Server buildServer(InetSocketAddress address) {
    ServerCredentials credentials =
        options.credentials() != null ? options.credentials() : InsecureServerCredentials.create();
    List<ServerInterceptor> chain = new ArrayList<>();
    chain.add(new GlobalHandshakeHeaders()); // innermost: on the calls let through
    chain.add(guard);
    List<ServerInterceptor> outer = new ArrayList<>(options.interceptors());
    Collections.reverse(outer);
    chain.addAll(outer); // ServerInterceptors runs the last one first
    chain.add(grpcMetrics); // outermost: refused calls are counted too
    bossGroup = new NioEventLoopGroup(1, Processes.daemonThreads("meshfed-kds-accept"));
    workerGroup = new NioEventLoopGroup(0, Processes.daemonThreads("meshfed-kds-io"));
    // gRPC's callbacks run here, not on its shared pool, so stopServing() can wait for the last
    callbacks = Executors.newCachedThreadPool(Processes.daemonThreads("meshfed-kds-callbacks"));
    NettyServerBuilder b =
        NettyServerBuilder.forAddress(address, credentials)
            .executor(callbacks)
            .channelFactory(admission::serverChannel)
            .bossEventLoopGroup(bossGroup)
            .workerEventLoopGroup(workerGroup)
            .handshakeTimeout(options.authenticationDeadline().toNanos(), TimeUnit.NANOSECONDS)
            .addService(
                ServerInterceptors.intercept(
                    new KdsSyncService(bindings(), runtime, meshCa, inspectRelay), chain))
            .maxInboundMessageSize(options.settings().inboundLimit())
            .keepAliveTime(options.keepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
            .keepAliveTimeout(options.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
            .permitKeepAliveTime(options.keepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
            .permitKeepAliveWithoutCalls(true)
            .maxConcurrentCallsPerConnection(options.maxCallsPerConnection());
    if (options.maxConnectionAge() != null) {
      b.maxConnectionAge(options.maxConnectionAge().toNanos(), TimeUnit.NANOSECONDS)
          .maxConnectionAgeGrace(options.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }
    return b.build();
  }

  /** What each zone gets: its view of the global resources, and a sink attributing to it. */
  KdsPeerBindings bindings() {
    return new KdsPeerBindings() {
      @Override
      public KdsSource sourceFor(String zone) {
        checkZoneName(zone);
        return sources.forZone(zone);
      }

      @Override
      public KdsSink sinkFor(String zone) {
        checkZoneName(zone);
        // the zone's writes commit only while this replica holds its stream key
        Fence fence = guard.fence(zone).orElseGet(() -> notHeld(zone));
        return new ZoneSink(
            zone, store.fenced(fence), registry, n -> metrics.attributionRewrites(zone, n));
      }
    };
  }

  /** The fence of a zone this replica does not serve: its writes are refused. */
  private static Fence notHeld(String zone) {
    return new Fence() {
      @Override
      public String key() {
        return ZONE_STREAMS + "/" + zone;
      }

      @Override
      public long revision() {
        return -1;
      }

      @Override
      public boolean held() {
        return false;
      }
    };
  }

  private static void checkZoneName(String zone) {
    if (!ZONE_NAME.matcher(zone).matches()) {
      throw Status.INVALID_ARGUMENT
          .withDescription(
              "zone name '"
                  + zone
                  + "' is not valid (expected a DNS label: lowercase letters, digits and '-',"
                  + " at most 63 characters, starting with a letter)")
          .asRuntimeException();
    }
  }

  /** The bound port. */
  public synchronized int port() {
    if (server == null) {
      throw new IllegalStateException("the KDS server is not started");
    }
    return server.getPort();
  }

  /**
   * Stops accepting and cancels every call, then waits until the server terminated and gRPC ran its
   * last callback: afterwards nothing more is posted to the stream executor, which the owner can
   * then drain (the streams still send and set timers while they end) before {@link #close()}.
   */
  public synchronized void stopServing() {
    if (!serving) {
      return;
    }
    serving = false;
    if (recheckTimer != null) {
      recheckTimer.cancel(false);
    }
    if (claimsPoll != null) {
      claimsPoll.cancel(false);
    }
    if (zoneWatch != null) {
      closeQuietly(zoneWatch);
    }
    if (server != null) {
      server.shutdownNow();
      awaitQuietly(server::awaitTermination);
    }
    if (callbacks != null) {
      callbacks.shutdown();
      awaitQuietly(callbacks::awaitTermination);
    }
  }

  /** Waits up to 5 s on {@code termination}. */
  private static void awaitQuietly(Termination termination) {
    try {
      if (!termination.await(5, TimeUnit.SECONDS)) {
        log.warn("KDS: the server did not stop within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @FunctionalInterface
  private interface Termination {
    boolean await(long timeout, TimeUnit unit) throws InterruptedException;
  }

  /**
   * Stops serving (see {@link #stopServing()}), closes the transports, records every open
   * subscription as disconnected, and stops following the store. Call it after the stream executor
   * drained: streams that still end would write to closed transports.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopServing();
    if (bossGroup != null) {
      bossGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      workerGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    syncStatus.close();
    try {
      insights.closeAll().get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
      log.warn("KDS: could not record the disconnect of open zone subscriptions: {}", e.toString());
    }
    liveness.close();
    sources.close();
    log.info("KDS server stopped");
  }

  private static void closeQuietly(Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      log.debug("KDS: closing a source subscription failed: {}", e.toString());
    }
  }
}
