package io.meshfed.zone;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.api.ApiServer;
import io.meshfed.api.EarlyApi;
import io.meshfed.api.IndexInfo;
import io.meshfed.api.Processes;
import io.meshfed.api.StartGate;
import io.meshfed.api.auth.UserTokenSecrets;
import io.meshfed.api.auth.WatchedGlobalSecrets;
import io.meshfed.api.metrics.ControlPlaneMeters;
import io.meshfed.api.metrics.LeaderMeters;
import io.meshfed.api.metrics.MeteredStore;
import io.meshfed.kds.KdsEnvelope;
import io.meshfed.kds.KdsRuntime;
import io.meshfed.kds.store.StoreKdsSink;
import io.meshfed.kds.store.StoreKdsSource;
import io.meshfed.mads.MadsServer;
import io.meshfed.model.Resource;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ha.Coordination;
import io.meshfed.store.ha.LeaderElector;
import io.meshfed.store.ha.LeaderJobs;
import io.meshfed.store.ha.LocalCoordination;
import io.meshfed.store.ha.Term;
import io.meshfed.xds.sidecar.EnvoyChecks;
import io.meshfed.zone.auth.DataplaneAuthenticator;
import io.meshfed.zone.auth.DataplaneTokenKey;
import io.meshfed.zone.auth.DataplaneTokenRevocations;
import io.meshfed.zone.auth.DataplaneTokens;
import io.meshfed.zone.auth.ReplicaTokens;
import io.meshfed.zone.ca.ZoneCaSigner;
import io.meshfed.zone.ca.ZoneCertificateAuthority;
import io.meshfed.zone.kds.FirstSync;
import io.meshfed.zone.kds.GlobalCallChannel;
import io.meshfed.zone.kds.GlobalClusterId;
import io.meshfed.zone.kds.GlobalConnectionStatus;
import io.meshfed.zone.kds.GlobalConnector;
import io.meshfed.zone.kds.InspectResponder;
import io.meshfed.zone.kds.KdsClientOptions;
import io.meshfed.zone.kds.KdsTarget;
import io.meshfed.zone.kds.ZoneSyncAdapters;
import io.meshfed.zone.xds.XdsServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The zone control plane process core: given its configuration and an opened store, it serves the
 * REST API in zone mode (global-owned types read only; zone-owned writes stamped with this zone)
 * and keeps a KDS connection to global, receiving global's resources into the store and reporting
 * this zone's. The CLI opens the API ({@link #listenEarly}) and then the store, builds this control
 * plane on both and calls {@link #start()}; a closed control plane has also closed its store.
 *
 * <p>Ready ({@code GET /ready}) once the zone holds global's state: after its first full sync from
 * global in this process, or at once when its (persistent) store already holds global's copies from
 * an earlier run. Before that a dataplane could name a mesh the zone has not received. Losing
 * global later does not make the zone unready: it keeps serving everything it holds; {@code GET
 * /status/global} tells the connection state and whether the first sync is done.
 *
 * <p>Several replicas of a zone may share its store (etcd). Every replica serves the API and xDS,
 * writes its own proxies' insights and issues certificates from its own intermediate CA (signed by
 * global over its own channel); the replica that leads role {@code zone-<zone>} also holds the KDS
 * connection to global, writes the ingresses' {@code availableServices} and closes subscriptions
 * that gone replicas left open ({@link LeaderJobs}, writes fenced by the term). A follower is ready
 * once the store holds global's copies.
 */
public final class ZoneControlPlane implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ZoneControlPlane.class);

  /** The version sent to global when the jar carries none (a build from the IDE). */
  static final String FALLBACK_VERSION = "0.1.0";

  private final ZoneConfig config;
  private final ResourceStore store;
  private final Clock clock;
  private final KdsClientOptions kdsOptions;
  private final TypeRegistry registry = EnvoyChecks.registry();
  private final ResourceCodec codec = new ResourceCodec(registry);
  private final PrometheusMeterRegistry meters;
  private final EarlyApi earlyApi; // null: start() opens the API
  private final AtomicBoolean ready = new AtomicBoolean();
  private final String instanceId;
  private final Coordination coordination;
  private final LeaderElector elector;
  private volatile ReplicaTokens replicaTokens; // made at start, beside the API's
  private ControlPlaneMeters processMeters;
  private LeaderMeters leaderMeters;
  private ExecutorService executor;
  private ScheduledExecutorService scheduler;
  private WatchedGlobalSecrets userTokenSecrets;
  private StoreKdsSource source;
  private volatile FirstSync firstSync;
  private volatile GlobalConnector connector;
  private volatile GlobalClusterId globalClusterId;
  private KdsRuntime runtime;
  private List<KdsTarget> targets;
  private GlobalCallChannel callChannel;
  private LeaderJobs leaderJobs;
  private FollowerReadiness followerReadiness;
  private volatile ApiServer api;
  private volatile MadsServer mads;
  private volatile XdsServer xds;
  private volatile ZoneCertificateAuthority certificateAuthority;
  private DataplaneTokenRevocations revocations;
  private boolean started;
  private boolean closed;

  public ZoneControlPlane(ZoneConfig config, ResourceStore store, Clock clock) {
    this(config, store, clock, config.kdsClientOptions(KdsClientOptions.defaults()));
  }

  /** With other KDS client tunables (tests shorten the reconnect back-off). */
  public ZoneControlPlane(
      ZoneConfig config, ResourceStore store, Clock clock, KdsClientOptions kdsOptions) {
    this(config, store, clock, kdsOptions, new LocalCoordination(newInstanceId(config.zone())));
  }

  /**
   * A replica of the zone among those sharing its store: {@code coordination} (opened with the
   * store, closed with this control plane) elects the one that holds the KDS connection to global
   * (role {@code zone-<zone>}) and registers this replica; its instance id is this control plane's.
   */
  public ZoneControlPlane(
      ZoneConfig config,
      ResourceStore store,
      Clock clock,
      KdsClientOptions kdsOptions,
      Coordination coordination) {
    this(config, store, clock, kdsOptions, coordination, null);
  }

  /**
   * Like {@link #ZoneControlPlane(ZoneConfig, ResourceStore, Clock, KdsClientOptions,
   * Coordination)}, serving on {@code api}, opened by {@link #listenEarly} before the store: this
   * control plane takes it over (its metrics, its gate; {@link #close()} closes it).
   */
  public ZoneControlPlane(
      ZoneConfig config,
      ResourceStore store,
      Clock clock,
      KdsClientOptions kdsOptions,
      Coordination coordination,
      EarlyApi api) {
    this.earlyApi = api;
    this.meters =
        api != null ? api.meters() : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.config = Objects.requireNonNull(config, "config");
    this.store = MeteredStore.wrap(Objects.requireNonNull(store, "store"), meters);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.kdsOptions = Objects.requireNonNull(kdsOptions, "kdsOptions");
    this.coordination = Objects.requireNonNull(coordination, "coordination");
    this.instanceId = coordination.instanceId();
    this.elector = coordination.elector(leaderRole(config.zone()));
  }

  /** A new instance id for a replica of {@code zone}: zone, host name and a random part. */
  public static String newInstanceId(String zone) {
    return newInstanceId(zone, Processes.instanceSuffix());
  }

  /** The same, with the host name and random part given ({@link Processes#instanceSuffix()}). */
  public static String newInstanceId(String zone, String suffix) {
    return String.join("-", zone, suffix); // joined: a new concatenation shape generates classes
  }

  /**
   * Opens the zone's API before its store (what {@code zone run} does first): {@code GET /} answers
   * at once for {@code instanceId}, {@code /ready} is 503 ({@code starting: the store}) and every
   * other request 503 with {@code Retry-After} until a control plane built with it has started. It
   * reports to {@code meters} (its own from then on).
   *
   * @throws java.io.UncheckedIOException when the API port cannot be bound
   */
  public static EarlyApi listenEarly(
      ZoneConfig config, String instanceId, PrometheusMeterRegistry meters, Clock clock) {
    return ZoneApi.listenEarly(
        config, IndexInfo.zone(version(), instanceId, config.zone()), meters, clock);
  }

  /** The leader role of {@code zone}'s replicas on the zone's store: {@code zone-<zone>}. */
  public static String leaderRole(String zone) {
    return "zone-" + zone;
  }

  /**
   * The version of this control plane: the jar's implementation version, or {@value
   * #FALLBACK_VERSION}.
   */
  public static String version() {
    String v = ZoneControlPlane.class.getPackage().getImplementationVersion();
    return v == null ? FALLBACK_VERSION : v;
  }

  /**
   * Starts the REST API, then the KDS connection to global, and reports ready.
   *
   * @throws java.io.UncheckedIOException when the API port cannot be bound
   * @throws IllegalArgumentException when the CA file cannot be used
   */
  public synchronized ZoneControlPlane start() {
    if (closed) {
      throw new IllegalStateException("zone control plane " + config.zone() + " is closed");
    }
    if (started) {
      throw new IllegalStateException("zone control plane " + config.zone() + " already started");
    }
    started = true;
    processMeters = ControlPlaneMeters.bind(meters, "zone", version(), instanceId, "");
    leaderMeters = LeaderMeters.bind(meters, elector);
    log.info(
        "zone={}: zone control plane {} (version {}) configuration:\n{}",
        config.zone(),
        instanceId,
        version(),
        config.summary());
    executor = Executors.newCachedThreadPool(Processes.daemonThreads("zone-kds-" + config.zone()));
    scheduler =
        Executors.newSingleThreadScheduledExecutor(
            Processes.daemonThreads("zone-timer-" + config.zone()));
    // beside the API's start and the store reads: this replica's hop key (Ed25519) and the KDS
    // call channel to global (its client TLS context)
    CompletableFuture<ReplicaTokens> replicaKey =
        CompletableFuture.supplyAsync(() -> ReplicaTokens.generate(instanceId, clock), executor);
    targets =
        config.globalAddresses().stream()
            .map(a -> new KdsTarget(a.host(), a.port(), a.tls(), config.caFile()))
            .toList();
    CompletableFuture<GlobalCallChannel> channel =
        CompletableFuture.supplyAsync(
            () -> StartSteps.callChannel(config, targets, instanceId, kdsOptions, executor),
            executor);
    // the API answers GET / at once; the rest is 503 + Retry-After until served below
    ZoneApi apiParts = new ZoneApi(config, store, codec, coordination, elector, clock);
    IndexInfo index = apiParts.index(version(), this::announcedXdsPort, this::knownGlobalClusterId);
    StartGate gate = earlyApi != null ? earlyApi.gate() : StartGate.closed("the store");
    try {
      api =
          earlyApi != null ? earlyApi.server() : ZoneApi.listen(config, index, meters, clock, gate);
      gate.starting("the store's copy of global's state");
      source =
          ZoneSyncAdapters.sourceToGlobal(
              store, registry, config.zone(), scheduler, Duration.ofSeconds(5));
      Optional<Resource> copy = ZoneSyncAdapters.aCopyFromGlobal(store, config.zone());
      globalClusterId =
          new GlobalClusterId(
              ZoneSyncAdapters.sinkFromGlobal(store, registry),
              copy.map(r -> r.labels().get(StoreKdsSink.PEER_LABEL)).orElse(null));
      FirstSync sync = new FirstSync(config.zone(), globalClusterId.types());
      if (copy.isPresent()) {
        sync.heldFromAnEarlierRun();
      }
      firstSync = sync;
      runtime =
          new KdsRuntime(
              new KdsEnvelope(codec), kdsOptions.settings(), clock, scheduler, executor, sync);
      callChannel = StartSteps.join(channel, "the KDS call channel to global");
      replicaTokens = StartSteps.join(replicaKey, "the replica key");
      certificateAuthority =
          StartSteps.certificateAuthority(
              config,
              ZoneCaSigner.overKds(callChannel::callChannel, Duration.ofSeconds(30)),
              clock,
              executor);
      gate.starting("the zone's CA and dataplane token key");
      certificateAuthority.openStoredKeys();
      DataplaneTokens dataplaneTokens =
          DataplaneTokenKey.loadOrCreate(config.zone(), store, clock, new SecureRandom());
      DataplaneAuthenticator dataplaneAuth = null;
      if (config.dpTokenRequired()) {
        revocations = new DataplaneTokenRevocations(store, scheduler);
        revocations.start();
        dataplaneAuth = new DataplaneAuthenticator(dataplaneTokens, revocations, clock);
      } else {
        log.warn(
            "zone={}: dataplane tokens are not required (dp-token-required: false): any process"
                + " that reaches the xDS port can get the config and certificates of any proxy",
            config.zone());
      }
      gate.starting("the xDS server");
      xds =
          new XdsServer(
                  config.zone(),
                  instanceId,
                  store,
                  certificateAuthority.forXds(),
                  clock,
                  scheduler,
                  meters,
                  config.dataplaneStatusFlushInterval(),
                  dataplaneAuth)
              .start(config.xdsAddress(), config.xdsPort());
      gate.starting("global's user token keys");
      userTokenSecrets =
          UserTokenSecrets.watch(store, clock, scheduler).awaitLoaded(Duration.ofSeconds(30));
      apiParts.serve(
          api,
          index,
          this::isReady,
          registry,
          replicaTokens,
          userTokenSecrets,
          dataplaneTokens,
          dataplaneAuth,
          this::localGlobalStatus,
          xds);
      mads = StartSteps.mads(config, store, meters);
      source.start();
      new ZoneInstances(coordination.keys(ZoneInstances.NAMESPACE))
          .registerAtStart(
              instanceId,
              config.zone(),
              config.apiAddress(),
              api.port(),
              config.xdsAddress(),
              xds.port(),
              replicaTokens.publicKey());
      ZoneInstances instances = new ZoneInstances(coordination.keys(ZoneInstances.NAMESPACE));
      StaleSubscriptionSweeper sweeper =
          new StaleSubscriptionSweeper(
              config.zone(),
              xds,
              instances,
              store,
              scheduler,
              StaleSubscriptionSweeper.PERIOD,
              StaleSubscriptionSweeper.GRACE);
      XdsServer servingXds = xds;
      leaderJobs =
          new LeaderJobs(elector)
              .register("kds-to-global", this::connectToGlobal)
              .register("stale-subscription-sweep", sweeper::start)
              .register(
                  "available-services",
                  term -> servingXds.writeAvailableServices(store.fenced(term)));
      leaderJobs.start();
      if (!sync.isDone()) {
        followerReadiness =
            new FollowerReadiness(
                config.zone(),
                store,
                globalClusterId.types(),
                sync,
                elector::isLeader,
                scheduler,
                Duration.ofSeconds(1));
      }
    } catch (RuntimeException e) {
      StartSteps.closeWhenMade(channel);
      stopParts();
      throw e;
    }
    ready.set(true);
    log.info(
        "zone={}: zone control plane {} started ({}, {}); API on port {}, xDS on port {}, global"
            + " at {}",
        config.zone(),
        instanceId,
        firstSync.isDone() ? "ready" : "ready after the first sync from global",
        elector.isLeader()
            ? "leads the zone"
            : "follower; leader " + elector.leader().orElse("being elected"),
        api.port(),
        xds.port(),
        config.globalAddresses());
    return this;
  }

  /**
   * Zone leader job: the KDS connection to global (both sync streams and the inspect stream), its
   * writes of global's copies fenced by {@code term}. Closing it ends the streams, so global lets
   * the next leader in; that one resumes from the versions in the shared store.
   */
  private java.io.Closeable connectToGlobal(Term term) {
    GlobalClusterId sink =
        new GlobalClusterId(
            ZoneSyncAdapters.sinkFromGlobal(store.fenced(term), registry), globalClusterId.get());
    globalClusterId = sink;
    GlobalConnector c =
        new GlobalConnector(
            config.zone(),
            targets,
            config.zoneTokenFile(),
            version(),
            StartSteps.kumaConfigJson(config),
            sink,
            source,
            runtime,
            kdsOptions);
    connector = c;
    c.start();
    InspectResponder responder =
        new InspectResponder(
                config.zone(),
                c::callChannel,
                xds.inspectViews(
                    codec, coordination.keys(ZoneInstances.NAMESPACE), replicaTokens::sign),
                codec.jsonMapper(),
                clock,
                executor,
                scheduler,
                kdsOptions.settings().heartbeatInterval())
            .start();
    log.info("zone={}: replica {} leads the zone: connecting to global", config.zone(), instanceId);
    return () -> {
      responder.close();
      c.close();
    };
  }

  /** The xDS port for {@code GET /}: the bound one, or the configured one while it starts. */
  private Integer announcedXdsPort() {
    XdsServer x = xds;
    if (x != null) {
      return x.port();
    }
    return config.xdsPort() != 0 ? config.xdsPort() : null;
  }

  /** Global's cluster id as this zone knows it, null while not known. */
  private String knownGlobalClusterId() {
    GlobalClusterId id = globalClusterId;
    return id == null ? null : id.get();
  }

  /** The bound MADS port, or empty when MADS is not served (its port was taken). */
  public java.util.OptionalInt madsPort() {
    MadsServer m = mads;
    return m == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(m.port());
  }

  /** The port the xDS server listens on. */
  public int xdsPort() {
    return xds.port();
  }

  /** This replica's own {@code /status/global} body; see {@link GlobalStatusEndpoint}. */
  private ObjectNode localGlobalStatus() {
    return GlobalStatusEndpoint.localBody(globalConnection(), elector, firstSync);
  }

  /**
   * The state of the KDS connection to global: this replica's while it leads the zone; a replica
   * that does not lead holds no connection ({@code connected: false}).
   */
  public GlobalConnectionStatus globalConnection() {
    List<KdsTarget> t = targets;
    if (t == null || closed) {
      throw new IllegalStateException("zone control plane " + config.zone() + " is not running");
    }
    GlobalConnector c = connector;
    if (c == null || !elector.isLeader()) {
      return GlobalConnectionStatus.initial(
          config.zone(), t.stream().map(KdsTarget::toString).collect(Collectors.joining(",")));
    }
    return c.status();
  }

  /** Whether this replica leads the zone (holds its KDS connection to global). */
  public boolean isLeader() {
    return elector.isLeader();
  }

  /** Issues data plane proxy certificates from this zone's intermediate CAs. */
  public ZoneCertificateAuthority certificateAuthority() {
    ZoneCertificateAuthority ca = certificateAuthority;
    if (ca == null) {
      throw new IllegalStateException("zone control plane " + config.zone() + " is not running");
    }
    return ca;
  }

  /** The bound REST API port (the real one when configured as 0). */
  public int apiPort() {
    ApiServer a = api;
    if (a == null) {
      throw new IllegalStateException("zone control plane " + config.zone() + " is not running");
    }
    return a.port();
  }

  /** Started, not closed, and holding global's state (see the class comment). */
  public boolean isReady() {
    FirstSync sync = firstSync;
    return ready.get() && sync != null && sync.isDone();
  }

  public String instanceId() {
    return instanceId;
  }

  public ZoneConfig config() {
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

  /** Stops KDS and the API, then closes the store. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    ready.set(false);
    stopParts();
    if (earlyApi != null) {
      earlyApi.server().close(); // when start() did not take it over (closing twice does nothing)
    }
    coordination.close();
    store.close();
    if (leaderMeters != null) {
      leaderMeters.close();
    }
    if (processMeters != null) {
      processMeters.close();
    }
    meters.close();
    log.info("zone={}: zone control plane {} stopped", config.zone(), instanceId);
  }

  /** Stops whatever was started; safe to call again. */
  private void stopParts() {
    if (leaderJobs != null) {
      leaderJobs.close(); // closes the KDS connection if this replica leads
      leaderJobs = null;
    }
    if (mads != null) {
      mads.close();
      mads = null;
    }
    if (xds != null) {
      xds.close();
      xds = null;
    }
    if (revocations != null) {
      revocations.close();
      revocations = null;
    }
    if (followerReadiness != null) {
      followerReadiness.close();
      followerReadiness = null;
    }
    connector = null;
    if (callChannel != null) {
      callChannel.close();
      callChannel = null;
    }
    if (source != null) {
      source.close();
      source = null;
    }
    if (api != null) {
      api.close();
      api = null;
    }
    if (userTokenSecrets != null) {
      userTokenSecrets.close();
      userTokenSecrets = null;
    }
    // the streams' work ends first, on live timers; the timers go last
    if (executor != null) {
      StartSteps.shutdownAndWait(executor);
      executor = null;
    }
    if (scheduler != null) {
      scheduler.shutdownNow();
      scheduler = null;
    }
  }
}
