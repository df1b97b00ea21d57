package io.meshfed.global;

import io.grpc.ServerCredentials;
import io.meshfed.api.ApiServer;
import io.meshfed.api.EarlyApi;
import io.meshfed.api.IndexInfo;
import io.meshfed.api.Processes;
import io.meshfed.api.StartGate;
import io.meshfed.api.auth.PublishedUserTokenKeys;
import io.meshfed.api.auth.UserTokenRevocations;
import io.meshfed.api.auth.UserTokenSecrets;
import io.meshfed.api.auth.UserTokenVerifier;
import io.meshfed.api.auth.WatchedGlobalSecrets;
import io.meshfed.api.metrics.ControlPlaneMeters;
import io.meshfed.api.metrics.LeaderMeters;
import io.meshfed.api.metrics.MeteredStore;
import io.meshfed.global.auth.AdminTokenFile;
import io.meshfed.global.auth.UserTokenIssuer;
import io.meshfed.global.kds.GlobalKdsServer;
import io.meshfed.global.kds.KdsServerOptions;
import io.meshfed.global.kds.auth.KdsCompatibility;
import io.meshfed.global.kds.auth.SigningKeyPrefetch;
import io.meshfed.global.kds.auth.ZoneAuthInterceptor;
import io.meshfed.global.kds.auth.ZoneTokenIssuer;
import io.meshfed.global.kds.auth.ZoneTokenSigningKey;
import io.meshfed.global.kds.auth.ZoneTokenTrust;
import io.meshfed.global.kds.auth.ZoneTokenVerifier;
import io.meshfed.global.kds.tls.GlobalSecrets;
import io.meshfed.global.kds.tls.KdsTlsMaterial;
import io.meshfed.kds.KdsPeer;
import io.meshfed.mads.MadsServer;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ha.Coordination;
import io.meshfed.store.ha.LeaderElector;
import io.meshfed.store.ha.LeaderJobs;
import io.meshfed.store.ha.LocalCoordination;
import io.meshfed.xds.sidecar.EnvoyChecks;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The global control plane process core: given its configuration and an opened store, it serves the
 * REST API in global mode and, once the store is loaded, KDS to the zones (see {@link
 * GlobalKdsServer}). The CLI opens the API first ({@link #listenEarly}), then picks and opens the
 * store, builds this control plane on both and calls {@link #start()}; a closed control plane has
 * also closed its store and its API. TLS and zone authentication plug in through {@link
 * KdsServerOptions}.
 */
public final class GlobalControlPlane implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GlobalControlPlane.class);

  /** Name of the GlobalSecret holding the store identity. */
  public static final String CLUSTER_ID_SECRET = "meshfed-cluster-id";

  /** Features a zone must announce in its handshake. */
  public static final java.util.Set<String> REQUIRED_ZONE_FEATURES =
      io.meshfed.kds.KdsHeaders.REQUIRED_ZONE_FEATURES;

  /** How long start waits for the first list of the user token revocations. */
  private static final Duration USER_TOKEN_SECRETS_LOAD_TIMEOUT = Duration.ofSeconds(30);

  private final GlobalConfig config;
  private final ResourceStore store;
  private final Clock clock;
  private final TypeRegistry registry = EnvoyChecks.registry();
  private final ResourceCodec codec = new ResourceCodec(registry);
  private final PrometheusMeterRegistry meters;
  private final EarlyApi earlyApi; // null: start() opens the API
  private final AtomicBoolean ready = new AtomicBoolean();
  private final String instanceId;
  private final Coordination coordination;
  private LeaderJobs leaderJobs;
  private LeaderMeters leaderMeters;
  private ControlPlaneMeters processMeters;
  private final KdsServerOptions kdsOptions;
  private ApiServer api;
  private MadsServer mads;
  private final boolean secureKds;
  private KdsTlsMaterial kdsTls;
  private ZoneTokenIssuer zoneTokens;
  private UserTokenIssuer userTokens;
  private UserTokenVerifier userTokenVerifier;
  private WatchedGlobalSecrets userTokenSecrets;
  private ZoneTokenTrust zoneTokenTrust;
  private java.io.Closeable zoneTokenWatch;
  private volatile String clusterId; // read by GET / while this starts
  private GlobalKdsServer kds;
  private ScheduledExecutorService kdsScheduler;
  private ExecutorService kdsExecutor;
  private boolean closed;

  /** The leader role of the global replicas sharing one store. */
  public static final String LEADER_ROLE = "global";

  /** A control plane serving KDS in plaintext, without zone authentication (tests, demo). */
  public GlobalControlPlane(GlobalConfig config, ResourceStore store, Clock clock) {
    this(config, store, clock, KdsServerOptions.defaults());
  }

  /**
   * The production control plane: KDS over TLS with the global's own (or the operator's)
   * certificate, and every zone stream authenticated by its zone token and handshake.
   */
  public static GlobalControlPlane secured(
      GlobalConfig config, ResourceStore store, Clock clock, KdsServerOptions kdsOptions) {
    return secured(config, store, clock, kdsOptions, new LocalCoordination(newInstanceId()));
  }

  /**
   * Like {@link #secured(GlobalConfig, ResourceStore, Clock, KdsServerOptions)}, as one of several
   * replicas sharing the store: {@code coordination} (opened with the store, for {@link
   * #newInstanceId()}) elects the leader and shares the zone stream keys.
   */
  public static GlobalControlPlane secured(
      GlobalConfig config,
      ResourceStore store,
      Clock clock,
      KdsServerOptions kdsOptions,
      Coordination coordination) {
    return new GlobalControlPlane(config, store, clock, kdsOptions, true, coordination, null);
  }

  /**
   * Like {@link #secured(GlobalConfig, ResourceStore, Clock, KdsServerOptions, Coordination)},
   * serving on {@code api}, opened by {@link #listenEarly} before the store: this control plane
   * takes it over (its metrics, its gate; {@link #close()} closes it).
   */
  public static GlobalControlPlane secured(
      GlobalConfig config,
      ResourceStore store,
      Clock clock,
      KdsServerOptions kdsOptions,
      Coordination coordination,
      EarlyApi api) {
    return new GlobalControlPlane(
        config, store, clock, kdsOptions, true, coordination, Objects.requireNonNull(api, "api"));
  }

  /**
   * Opens global's API before its store (what {@code global run} does first): {@code GET /} answers
   * at once for {@code instanceId}, {@code /ready} is 503 ({@code starting: the store}) and every
   * other request 503 with {@code Retry-After} until a control plane built with it has started. It
   * reports to {@code meters} (its own from then on).
   *
   * @throws java.io.UncheckedIOException when the API port cannot be bound
   */
  public static EarlyApi listenEarly(
      GlobalConfig config, String instanceId, PrometheusMeterRegistry meters, Clock clock) {
    // who leads is not known before the replicas' coordination opens, as during an election
    return GlobalApi.listenEarly(
        config,
        IndexInfo.global(version(), instanceId)
            .withLeadership(() -> new IndexInfo.Leadership(false, "")),
        meters,
        clock);
  }

  /**
   * @param kdsOptions KDS credentials, interceptors (zone authentication) and limits
   */
  public GlobalControlPlane(
      GlobalConfig config, ResourceStore store, Clock clock, KdsServerOptions kdsOptions) {
    this(config, store, clock, kdsOptions, new LocalCoordination(newInstanceId()));
  }

  /**
   * A plaintext control plane (tests) as one replica among those sharing {@code coordination}.
   *
   * @param coordination this replica's coordination; its instance id is this control plane's
   */
  public GlobalControlPlane(
      GlobalConfig config,
      ResourceStore store,
      Clock clock,
      KdsServerOptions kdsOptions,
      Coordination coordination) {
    this(config, store, clock, kdsOptions, false, coordination, null);
  }

  /**
   * A new instance id: the host name and a random suffix ({@link Processes#instanceSuffix()}, which
   * a start prepares on a thread of its own).
   */
  public static String newInstanceId() {
    return Processes.instanceSuffix();
  }

  private GlobalControlPlane(
      GlobalConfig config,
      ResourceStore store,
      Clock clock,
      KdsServerOptions kdsOptions,
      boolean secureKds,
      Coordination coordination,
      EarlyApi earlyApi) {
    this.earlyApi = earlyApi;
    this.meters =
        earlyApi != null
            ? earlyApi.meters()
            : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.secureKds = secureKds;
    this.coordination = Objects.requireNonNull(coordination, "coordination");
    this.config = Objects.requireNonNull(config, "config");
    this.store = MeteredStore.wrap(Objects.requireNonNull(store, "store"), meters);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.kdsOptions = Objects.requireNonNull(kdsOptions, "kdsOptions");
    this.instanceId = coordination.instanceId();
  }

  /** The version reported by the API: the jar's implementation version, or {@code dev}. */
  public static String version() {
    String v = GlobalControlPlane.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /**
   * Starts the REST API, loads the store and starts the KDS server, logs the configuration, then
   * reports ready.
   */
  public synchronized GlobalControlPlane start() {
    if (closed) {
      throw new IllegalStateException("global control plane is closed");
    }
    if (api != null) {
      throw new IllegalStateException("global control plane already started");
    }
    kdsScheduler =
        Executors.newSingleThreadScheduledExecutor(Processes.daemonThreads("meshfed-kds-timer"));
    // the API answers GET / at once; the rest is 503 + Retry-After until served below
    IndexInfo index =
        IndexInfo.global(version(), instanceId)
            .withClusterId(() -> clusterId)
            .withLeadership(this::leadership);
    StartGate gate;
    if (earlyApi != null) {
      gate = earlyApi.gate();
      gate.starting("the store's keys and the KDS TLS material");
      api = earlyApi.server();
    } else {
      gate = StartGate.closed("the store's keys and the KDS TLS material");
      api = GlobalApi.listen(config, index, meters, clock, gate);
    }
    GlobalApi apiParts = new GlobalApi(config, store, codec, registry, coordination);
    // CPU-bound parts of a start run on the other cores while this thread goes on: the RSA keys a
    // first start creates (while the KDS CA is made) and the KDS TLS context (Netty's SslContext)
    ExecutorService startWork =
        Executors.newFixedThreadPool(3, Processes.daemonThreads("meshfed-start"));
    CompletableFuture<ServerCredentials> kdsCredentials;
    try (SigningKeyPrefetch keys =
        SigningKeyPrefetch.start(
            store,
            java.util.List.of(
                ZoneTokenSigningKey.secretName(ZoneTokenSigningKey.CURRENT_KID),
                UserTokenIssuer.SIGNING_KEY_SECRET),
            startWork)) {
      kdsTls = KdsTlsMaterial.loadOrCreate(config, store, clock);
      kdsCredentials =
          secureKds
              ? CompletableFuture.supplyAsync(kdsTls::serverCredentials, startWork)
              : CompletableFuture.completedFuture(null);
      loadZoneSecurity(keys);
      processMeters = ControlPlaneMeters.bind(meters, "global", version(), instanceId, clusterId);
      loadApiSecurity(keys);
    } finally {
      startWork.shutdown();
    }
    gate.starting("the KDS server");
    KdsServerOptions options = ConfiguredKdsOptions.of(kdsOptions, config, clusterId);
    if (secureKds) {
      options =
          options
              .withCredentials(ConfiguredKdsOptions.await(kdsCredentials))
              .withInterceptor(
                  new ZoneAuthInterceptor(
                      zoneTokenVerifier(),
                      KdsPeer.ZONE_NAME,
                      new KdsCompatibility(version(), REQUIRED_ZONE_FEATURES)))
              .withZoneVersionKey(ZoneAuthInterceptor.ZONE_VERSION);
    }
    kdsExecutor =
        Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            Processes.daemonThreads("meshfed-kds"));
    kds =
        new GlobalKdsServer(
            options,
            store,
            codec,
            instanceId,
            clock,
            meters,
            kdsScheduler,
            kdsExecutor,
            secureKds ? zoneTokenTrust : null,
            coordination);
    GlobalKdsServer server = kds;
    zoneTokenWatch = zoneTokenTrust.onChange(server::recheckZones);
    // registered before KDS serves: a replica's subscriptions are never older than its key
    GlobalInstances.register(coordination, codec, instanceId, config, api.port(), "");
    kds.start(config.kdsAddress(), config.kdsPort(), kdsOptions.startTimeout());
    GlobalInstances.register(
        coordination,
        codec,
        instanceId,
        config,
        api.port(),
        "grpcs://" + GlobalInstances.advertised(config.kdsAddress()) + ":" + kds.port());
    leaderMeters = LeaderMeters.bind(meters, coordination.elector(LEADER_ROLE));
    leaderJobs =
        new LeaderJobs(coordination.elector(LEADER_ROLE))
            .register("stale-subscription-sweeper", kds::sweepStaleSubscriptions);
    Duration marker = LeaderMarker.configured();
    if (!marker.isZero()) {
      leaderJobs.register(
          "test-leader-marker",
          term -> LeaderMarker.start(term, store, instanceId, kdsScheduler, marker));
    }
    leaderJobs.start();
    apiParts.serve(
        api,
        index,
        ready::get,
        userTokenVerifier,
        zoneTokens,
        userTokens,
        zoneTokenTrust,
        this::publishZoneTokenPublicKey,
        kds);
    // every zone's dataplanes and ingresses, as global holds them (a meshfed extension)
    mads =
        MadsServer.builder()
            .who("global")
            .store(store)
            .bind(config.madsAddress(), config.madsPort())
            .meterRegistry(meters)
            .startOrLog()
            .orElse(null);
    log.info(
        "global control plane {} (version {}) configuration:\n{}",
        instanceId,
        version(),
        config.summary());
    ready.set(true);
    log.info(
        "global control plane {} ready; API on port {}, KDS on port {}",
        instanceId,
        api.port(),
        kds.port());
    return this;
  }

  /** Who leads role {@code global}, for {@code GET /}. */
  private IndexInfo.Leadership leadership() {
    LeaderElector elector = coordination.elector(LEADER_ROLE);
    return new IndexInfo.Leadership(elector.isLeader(), elector.leader().orElse(""));
  }

  /** The replica coordination (leader election, shared keys). */
  public Coordination coordination() {
    return coordination;
  }

  /** The KDS server credentials built on another thread; its failure as built here would fail. */
  /**
   * Zone security, before anything is served: the zone token signing key from the store (its trust
   * follows the store) and the store identity. The KDS TLS material (generated CA and serving
   * certificate, or the operator's files) is loaded just before, in {@link #start()}.
   */
  private void loadZoneSecurity(SigningKeyPrefetch keys) {
    zoneTokenTrust =
        ZoneTokenTrust.start(
            store,
            kdsScheduler,
            clock,
            keys.generatorFor(ZoneTokenSigningKey.secretName(ZoneTokenSigningKey.CURRENT_KID)));
    zoneTokens = new ZoneTokenIssuer(zoneTokenTrust, clock);
    zoneTokenTrust.snapshot().keys().values().forEach(this::publishZoneTokenPublicKey);
    clusterId =
        new String(
            GlobalSecrets.getOrCreate(
                    store,
                    CLUSTER_ID_SECRET,
                    () -> UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8))
                .data(),
            StandardCharsets.UTF_8);
    log.info("global control plane {}: store identity (cluster id) {}", instanceId, clusterId);
  }

  /**
   * REST API security, before the API is served: the user token signing key from the store, the
   * verifier that checks every request against the revocation list (held in memory, fed by the
   * store's watch), and the admin token file.
   */
  private void loadApiSecurity(SigningKeyPrefetch keys) {
    userTokens =
        UserTokenIssuer.loadOrCreate(
            store, clock, keys.generatorFor(UserTokenIssuer.SIGNING_KEY_SECRET));
    PublicKeySecrets.publish(
        store,
        PublishedUserTokenKeys.secretName(userTokens.signingKey().kid()),
        userTokens.signingKey().publicKey());
    userTokenSecrets =
        UserTokenSecrets.watch(store, clock, kdsScheduler)
            .awaitLoaded(USER_TOKEN_SECRETS_LOAD_TIMEOUT);
    userTokenVerifier =
        UserTokenVerifier.forKey(
            userTokens.signingKey().kid(),
            userTokens.signingKey().publicKey(),
            new UserTokenRevocations(userTokenSecrets)::isRevoked,
            clock);
    Path adminToken = AdminTokenFile.ensure(config.dataDir(), userTokens, userTokenVerifier);
    log.info(
        "global control plane {}: REST API admin user token in {}; anonymous admin from"
            + " loopback is {}",
        instanceId,
        adminToken,
        config.apiAnonymousAdminFromLoopback() ? "on" : "off");
  }

  /** Issues user tokens; available once started. */
  public synchronized UserTokenIssuer userTokenIssuer() {
    if (userTokens == null) {
      throw new IllegalStateException("global control plane is not started");
    }
    return userTokens;
  }

  /** Name prefix of the GlobalSecret holding the public half of the zone-token signing key. */
  public static final String ZONE_TOKEN_PUBLIC_KEY_PREFIX = ZoneTokenTrust.PUBLIC_KEY_PREFIX;

  /**
   * Keeps the GlobalSecret {@code zone-token-signing-public-key-<kid>} (a PEM public key) current:
   * the one piece of the token key that zones receive over KDS, so they can verify tokens without
   * ever holding the private key.
   */
  private void publishZoneTokenPublicKey(ZoneTokenSigningKey key) {
    PublicKeySecrets.publish(store, ZONE_TOKEN_PUBLIC_KEY_PREFIX + key.kid(), key.publicKey());
  }

  /**
   * The identity of this global's store, sent to zones in every KDS response: zones never let a
   * global with another identity (e.g. one started on an empty store) remove what they hold.
   */
  public synchronized String clusterId() {
    if (clusterId == null) {
      throw new IllegalStateException("global control plane is not started");
    }
    return clusterId;
  }

  /** The KDS server's TLS material (for its server credentials); available once started. */
  public synchronized KdsTlsMaterial kdsTlsMaterial() {
    if (kdsTls == null) {
      throw new IllegalStateException("global control plane is not started");
    }
    return kdsTls;
  }

  /** Issues zone tokens; available once started. */
  public synchronized ZoneTokenIssuer zoneTokenIssuer() {
    if (zoneTokens == null) {
      throw new IllegalStateException("global control plane is not started");
    }
    return zoneTokens;
  }

  /** Verifies zone tokens for the KDS server's {@code ZoneAuthInterceptor}. */
  public synchronized ZoneTokenVerifier zoneTokenVerifier() {
    zoneTokenIssuer();
    return new ZoneTokenVerifier(zoneTokenTrust, clock, ZoneTokenVerifier.DEFAULT_SKEW);
  }

  /** The bound REST API port (the real one when configured as 0). */
  public synchronized int apiPort() {
    if (api == null) {
      throw new IllegalStateException("global control plane is not started");
    }
    return api.port();
  }

  /** The bound MADS port, or empty when MADS is not served (its port was taken). */
  public synchronized java.util.OptionalInt madsPort() {
    return mads == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(mads.port());
  }

  /** The bound KDS port (the real one when configured as 0). */
  public synchronized int kdsPort() {
    if (kds == null) {
      throw new IllegalStateException("global control plane is not started");
    }
    return kds.port();
  }

  public boolean isReady() {
    return ready.get();
  }

  public String instanceId() {
    return instanceId;
  }

  public GlobalConfig config() {
    return config;
  }

  public TypeRegistry registry() {
    return registry;
  }

  public ResourceCodec codec() {
    return codec;
  }

  public PrometheusMeterRegistry meterRegistry() {
    return meters;
  }

  public ResourceStore store() {
    return store;
  }

  /** Stops MADS, the API and KDS, then closes the store. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    ready.set(false);
    if (leaderJobs != null) {
      leaderJobs.close();
    }
    if (mads != null) {
      mads.close();
    }
    if (api != null) {
      api.close();
    }
    if (earlyApi != null) {
      earlyApi.server().close(); // when start() did not take it over (closing twice does nothing)
    }
    if (zoneTokenWatch != null) {
      try {
        zoneTokenWatch.close();
      } catch (java.io.IOException e) {
        log.debug("closing the zone token watch failed: {}", e.toString());
      }
    }
    if (kds != null) {
      // in reverse order of start: no more calls or gRPC callbacks, then the streams end (on live
      // timers and transports), then the transports close; the timers go last
      kds.stopServing();
      kdsExecutor.shutdown();
      try {
        if (!kdsExecutor.awaitTermination(5, TimeUnit.SECONDS)) {
          log.warn("KDS streams did not end within 5 s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      kds.close();
    }
    if (zoneTokenTrust != null) {
      zoneTokenTrust.close();
    }
    if (userTokenSecrets != null) {
      userTokenSecrets.close();
    }
    if (kdsScheduler != null) {
      kdsScheduler.shutdownNow();
    }
    coordination.close();
    if (leaderMeters != null) {
      leaderMeters.close();
    }
    store.close();
    if (processMeters != null) {
      processMeters.close();
    }
    meters.close();
    log.info("global control plane {} stopped", instanceId);
  }
}
