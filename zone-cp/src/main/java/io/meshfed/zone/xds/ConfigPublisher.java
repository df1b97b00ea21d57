package io.meshfed.zone.xds;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.meshfed.kds.store.StoreKdsSource;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.EnvoyAdmin;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ha.FencedException;
import io.meshfed.xds.Identity;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.ProxyConfig;
import io.meshfed.xds.ingress.AvailableServices;
import io.meshfed.xds.ingress.IngressGenerator;
import io.meshfed.xds.sidecar.SidecarGenerator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.Closeable;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the zone's store into one xDS snapshot per connected proxy. A full rebuild (every connected
 * proxy) runs when something it reads changes (meshes, dataplanes, ingresses, permissions, routes);
 * never on a timer. Requests made while a rebuild runs fold into one more rebuild. A proxy that
 * connects, or whose certificate is issued or due for rotation, is built alone, from the last view
 * read (read again first if the store changed since). Each build reads one consistent view, builds
 * the proxy's config whole, checks it (EDS clusters have endpoints), and publishes it only when it
 * changed; versions are content hashes per type, so a restarted control plane gives a reconnecting
 * Envoy the same versions for the same config and new ones for anything else. All of it runs on one
 * build executor.
 *
 * <p>The per-mesh lookups the generators need ({@link MeshState#index()}) are built once per view
 * read and shared by every proxy of the mesh.
 *
 * <p>When a proxy's last stream closes, its snapshot is removed from the cache. java-control-plane
 * refuses that while the stream's watches are still open (they are cancelled just after the stream
 * callbacks run), so a refused removal is retried every {@link #CLEAR_RETRY} for up to {@link
 * #CLEAR_ATTEMPTS} attempts, as long as the proxy stays away.
 *
 * <p>The zone's own ingresses get their {@code availableServices} recomputed here too, in full
 * rebuilds, from the same view, and written back when they differ, by the zone's leader only (see
 * {@link #writeAvailableServices}): every replica computes the same list, so one writer is enough
 * and replicas do not race each other's writes.
 */
final class ConfigPublisher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConfigPublisher.class);

  /** The policy types the sidecar generator reads besides permissions and routes. */
  static final List<String> CONNECTION_POLICIES = SidecarGenerator.CONNECTION_POLICY_TYPES;

  static final List<String> WATCHED =
      java.util.stream.Stream.concat(
              java.util.stream.Stream.of(
                  StandardTypes.MESH,
                  StandardTypes.DATAPLANE,
                  StandardTypes.ZONE_INGRESS,
                  StandardTypes.TRAFFIC_PERMISSION,
                  StandardTypes.TRAFFIC_ROUTE),
              CONNECTION_POLICIES.stream())
          .toList();

  static final Duration CLEAR_RETRY = Duration.ofSeconds(1);
  static final int CLEAR_ATTEMPTS = 30;

  private final String zone;
  private final StoreKdsSource view;
  private final ResourceStore store;
  private final SimpleCache<String> cache;
  private final XdsServer.CertificateAuthority issuer;
  private final InsightWriter insights;
  private final Clock clock;
  private final Executor executor;
  private final ScheduledExecutorService scheduler;
  private final Set<ProxyId> connected = ConcurrentHashMap.newKeySet();
  // Envoy's admin port of each connected sidecar, from its node metadata
  private final Map<ProxyId, Integer> adminPorts = new ConcurrentHashMap<>();
  // the access log FIFO of each connected sidecar, from its node metadata
  private final Map<ProxyId, String> accessLogSockets = new ConcurrentHashMap<>();
  private final AtomicBoolean pending = new AtomicBoolean();
  private final AtomicBoolean viewChanged = new AtomicBoolean(true);
  private final Timer buildTimer;
  private final Counter proxyBuilds;
  private final XdsGenerationMetrics generation;
  // Touched only from executor (one build at a time):
  private final Map<ProxyId, Map<String, String>> published = new HashMap<>();
  private View current;
  private final Map<ProxyId, IssuedIdentity> identities = new ConcurrentHashMap<>();
  private final Set<ProxyId> issuing = ConcurrentHashMap.newKeySet();
  private final Map<ResourceKey, ZoneIngressSpec> ingressWrites = new ConcurrentHashMap<>();
  // The store view availableServices are written through while this replica leads the zone (fenced
  // by its term); null on a follower, which leaves them to the leader.
  private final AtomicReference<ResourceStore> availableServicesWriter = new AtomicReference<>();
  private volatile boolean closed;

  /** An identity and what it was issued for, so a change of tags or CA backend re-issues it. */
  private record IssuedIdentity(Identity identity, String backend, Map<String, Set<String>> tags) {}

  /** One read of the store view: the mesh states and the zone ingresses by name. */
  private record View(Map<String, MeshState> meshes, Map<String, Resource> ingresses) {}

  ConfigPublisher(
      String zone,
      StoreKdsSource view,
      ResourceStore store,
      SimpleCache<String> cache,
      XdsServer.CertificateAuthority issuer,
      InsightWriter insights,
      Clock clock,
      Executor executor,
      ScheduledExecutorService scheduler,
      MeterRegistry meters) {
    this.zone = zone;
    this.view = view;
    this.store = store;
    this.cache = cache;
    this.issuer = issuer;
    this.insights = insights;
    this.clock = clock;
    this.executor = executor;
    this.scheduler = scheduler;
    this.buildTimer =
        Timer.builder("xds_snapshot_build_seconds")
            .description("Time to rebuild every connected proxy's xDS snapshot")
            .register(meters);
    this.proxyBuilds =
        Counter.builder("xds_proxy_configs_built_total")
            .description("Proxy configs generated, in full rebuilds and for single proxies")
            .register(meters);
    this.generation = new XdsGenerationMetrics(meters, System::nanoTime);
    Gauge.builder("xds_workload_identities", identities, Map::size)
        .description("Workload certificates held for proxies whose Dataplane exists")
        .register(meters);
  }

  /** Builds the config of a proxy whose first stream opened (only its own). */
  void proxyConnected(ProxyId proxy, NodeMetadata metadata) {
    metadata
        .adminPort()
        .ifPresentOrElse(p -> adminPorts.put(proxy, p), () -> adminPorts.remove(proxy));
    metadata
        .accessLogSocketPath()
        .ifPresentOrElse(p -> accessLogSockets.put(proxy, p), () -> accessLogSockets.remove(proxy));
    connected.add(proxy);
    rebuildProxy(proxy);
  }

  /** Forgets a proxy whose last stream closed, and removes its snapshot from the cache. */
  void proxyDisconnected(ProxyId proxy) {
    connected.remove(proxy);
    adminPorts.remove(proxy);
    accessLogSockets.remove(proxy);
    if (!closed) {
      executor.execute(() -> forget(proxy, 1));
    }
  }

  /** The store view changed: marks the last read stale and asks for a full rebuild. */
  void viewChanged() {
    viewChanged.set(true);
    requestRebuild();
  }

  /** Asks for a rebuild of every connected proxy; several requests before it starts make one. */
  void requestRebuild() {
    if (closed) {
      return;
    }
    if (pending.compareAndSet(false, true)) {
      executor.execute(this::rebuild);
    }
  }

  /** Asks for a build of {@code proxy} alone, from the current view. */
  private void rebuildProxy(ProxyId proxy) {
    if (closed) {
      return;
    }
    executor.execute(
        () -> {
          if (closed || !connected.contains(proxy) || !viewReady()) {
            return; // gone, or the full rebuild once the view is ready includes it
          }
          try {
            View v = currentView();
            generation.observe(proxy.kind(), () -> publish(proxy, v));
          } catch (RuntimeException e) {
            log.error(
                "zone={} {}: building its config failed; it keeps its last one", zone, proxy, e);
          }
        });
  }

  /** On the executor: forgets {@code proxy} if it is still away, retrying a refused removal. */
  private void forget(ProxyId proxy, int attempt) {
    if (closed || connected.contains(proxy)) {
      return; // back again: its new stream's build owns the snapshot
    }
    published.remove(proxy);
    if (cache.clearSnapshot(proxy.nodeId())) {
      log.debug("zone={} {}: snapshot removed (attempt {})", zone, proxy, attempt);
      return;
    }
    if (attempt >= CLEAR_ATTEMPTS) {
      log.warn(
          "zone={} {}: its snapshot is still watched {} attempts after its last stream closed;"
              + " left in the cache",
          zone,
          proxy,
          attempt);
      return;
    }
    // Expected at first: the closed stream's watches are cancelled after the close callback.
    log.debug("zone={} {}: snapshot still watched, removing it again later", zone, proxy);
    scheduler.schedule(
        () -> {
          if (!closed) {
            executor.execute(() -> forget(proxy, attempt + 1));
          }
        },
        CLEAR_RETRY.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private boolean viewReady() {
    return WATCHED.stream().allMatch(view::isReady);
  }

  /** The last view read, read again first when the store changed since. */
  private View currentView() {
    if (viewChanged.getAndSet(false) || current == null) {
      current = readView();
    }
    return current;
  }

  private void rebuild() {
    pending.set(false);
    if (closed || !viewReady()) {
      return;
    }
    long start = System.nanoTime();
    try {
      viewChanged.set(false);
      View v = readView();
      current = v;
      forgetIdentitiesOfRemovedDataplanes(v);
      updateAvailableServices();
      int changed = 0;
      for (ProxyId proxy : List.copyOf(connected)) {
        try {
          if (generation.observe(proxy.kind(), () -> publish(proxy, v))) {
            changed++;
          }
        } catch (RuntimeException e) {
          log.error(
              "zone={} {}: building its config failed; it keeps its last one", zone, proxy, e);
        }
      }
      if (changed > 0) {
        log.debug("zone={}: published new config to {} proxies", zone, changed);
      }
    } finally {
      buildTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
  }

  /** A proxy keeps its certificate across reconnects, but not once its Dataplane is deleted. */
  private void forgetIdentitiesOfRemovedDataplanes(View v) {
    identities
        .keySet()
        .removeIf(
            proxy -> {
              MeshState mesh = v.meshes().get(proxy.mesh());
              return mesh == null || mesh.index().dataplane(proxy.name()).isEmpty();
            });
  }

  private View readView() {
    Map<String, Resource> ingressesByName = new HashMap<>();
    for (Resource ingress : view.resources(StandardTypes.ZONE_INGRESS)) {
      ingressesByName.putIfAbsent(ingress.name(), ingress);
    }
    return new View(meshStates(), ingressesByName);
  }

  private Map<String, MeshState> meshStates() {
    Map<String, List<Resource>> dataplanes = byMesh(StandardTypes.DATAPLANE);
    Map<String, List<Resource>> permissions = byMesh(StandardTypes.TRAFFIC_PERMISSION);
    Map<String, List<Resource>> routes = byMesh(StandardTypes.TRAFFIC_ROUTE);
    Map<String, Map<String, List<Resource>>> policiesByType = new HashMap<>();
    for (String type : CONNECTION_POLICIES) {
      policiesByType.put(type, byMesh(type));
    }
    List<Resource> ingresses = view.resources(StandardTypes.ZONE_INGRESS);
    Map<String, MeshState> states = new TreeMap<>();
    for (Resource mesh : view.resources(StandardTypes.MESH)) {
      String name = mesh.name();
      Map<String, List<Resource>> policies = new HashMap<>();
      policiesByType.forEach(
          (type, byMesh) -> policies.put(type, byMesh.getOrDefault(name, List.of())));
      states.put(
          name,
          new MeshState(
              zone,
              mesh,
              dataplanes.getOrDefault(name, List.of()),
              ingresses,
              permissions.getOrDefault(name, List.of()),
              routes.getOrDefault(name, List.of()),
              policies));
    }
    return states;
  }

  private Map<String, List<Resource>> byMesh(String type) {
    Map<String, List<Resource>> out = new HashMap<>();
    for (Resource r : view.resources(type)) {
      out.computeIfAbsent(r.mesh(), m -> new ArrayList<>()).add(r);
    }
    return out;
  }

  /**
   * From now on, writes the zone ingresses' {@code availableServices} through {@code writer} (the
   * store fenced by the zone leader's term), starting with a rebuild; closing the handle stops it.
   */
  Closeable writeAvailableServices(ResourceStore writer) {
    Objects.requireNonNull(writer, "writer");
    availableServicesWriter.set(writer);
    requestRebuild();
    return () -> availableServicesWriter.compareAndSet(writer, null);
  }

  private void updateAvailableServices() {
    ResourceStore writer = availableServicesWriter.get();
    if (writer == null) {
      return; // a follower: the leader writes them
    }
    List<Resource> dataplanes = view.resources(StandardTypes.DATAPLANE);
    List<ZoneIngressSpec.AvailableService> services = AvailableServices.compute(dataplanes);
    for (Resource ingress : view.resources(StandardTypes.ZONE_INGRESS)) {
      ZoneIngressSpec spec = ingress.spec(ZoneIngressSpec.class);
      if (!zone.equals(spec.zone())
          || AvailableServices.sameServices(spec.availableServices(), services)) {
        continue;
      }
      ZoneIngressSpec wanted = spec.withAvailableServices(services);
      if (wanted.equals(ingressWrites.get(ingress.key()))) {
        continue; // already being written; the watch brings the result
      }
      ingressWrites.put(ingress.key(), wanted);
      writer
          .update(ingress.withSpec(wanted), ingress.version())
          .whenComplete(
              (ok, error) -> {
                ingressWrites.remove(ingress.key(), wanted);
                if (error != null && causeOf(error) instanceof FencedException) {
                  log.info(
                      "zone={}: no longer the zone leader; leaving availableServices of {} to the"
                          + " new leader",
                      zone,
                      ingress.name());
                } else if (error != null) {
                  log.info(
                      "zone={}: updating availableServices of {} failed ({}); retrying",
                      zone,
                      ingress.name(),
                      error.getMessage());
                  scheduler.schedule(this::requestRebuild, 1, TimeUnit.SECONDS);
                } else {
                  log.info(
                      "zone={}: zone ingress {} now advertises {} service group(s)",
                      zone,
                      ingress.name(),
                      services.size());
                }
              });
    }
  }

  private static Throwable causeOf(Throwable error) {
    Throwable t = error;
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Builds and publishes one proxy's config; true when it changed. */
  private boolean publish(ProxyId proxy, View v) {
    proxyBuilds.increment();
    Optional<ProxyConfig> config = build(proxy, v);
    if (config.isEmpty()) {
      return false;
    }
    ProxyConfig c = config.get();
    Map<String, String> versions =
        Map.of(
            XdsTypes.CLUSTER, hash(c.clusters()),
            XdsTypes.ENDPOINT, hash(c.endpoints()),
            XdsTypes.LISTENER, hash(c.listeners()),
            XdsTypes.ROUTE, hash(c.routes()),
            XdsTypes.SECRET, hash(c.secrets()));
    if (versions.equals(published.get(proxy))) {
      return false;
    }
    Snapshot snapshot =
        Snapshot.create(
            c.clusters(),
            versions.get(XdsTypes.CLUSTER),
            c.endpoints(),
            versions.get(XdsTypes.ENDPOINT),
            c.listeners(),
            versions.get(XdsTypes.LISTENER),
            c.routes(),
            versions.get(XdsTypes.ROUTE),
            c.secrets(),
            versions.get(XdsTypes.SECRET));
    try {
      snapshot.ensureConsistent();
    } catch (SnapshotConsistencyException e) {
      log.error(
          "zone={} {}: generated config is inconsistent, not sent: {}",
          zone,
          proxy,
          e.getMessage());
      return false;
    }
    cache.setSnapshot(proxy.nodeId(), snapshot);
    published.put(proxy, versions);
    log.debug("zone={} {}: published config {}", zone, proxy, versions);
    return true;
  }

  private Optional<ProxyConfig> build(ProxyId proxy, View v) {
    if (proxy.kind() == ProxyId.Kind.INGRESS) {
      Resource ingress = v.ingresses().get(proxy.name());
      if (ingress == null) {
        return Optional.of(ProxyConfig.empty());
      }
      return Optional.of(
          IngressGenerator.generate(
              withAdminPort(ingress, adminPorts.get(proxy)), List.copyOf(v.meshes().values())));
    }
    MeshState mesh = v.meshes().get(proxy.mesh());
    Optional<Resource> dataplane =
        mesh == null ? Optional.empty() : mesh.index().dataplane(proxy.name());
    if (dataplane.isEmpty()) {
      return Optional.of(ProxyConfig.empty());
    }
    dataplane = dataplane.map(d -> withAdminPort(d, adminPorts.get(proxy)));
    Optional<String> accessLogSocket = Optional.ofNullable(accessLogSockets.get(proxy));
    if (!mesh.mtlsEnabled()) {
      return Optional.of(
          SidecarGenerator.generate(mesh, dataplane.get(), Optional.empty(), accessLogSocket));
    }
    Optional<Identity> identity = identityFor(proxy, mesh, dataplane.get());
    if (identity.isEmpty()) {
      return Optional.empty(); // issuing; the rebuild after it publishes
    }
    return Optional.of(SidecarGenerator.generate(mesh, dataplane.get(), identity, accessLogSocket));
  }

  /**
   * The Dataplane with {@code networking.admin.port} set to the port its Envoy reported in the node
   * metadata, which wins over the resource's: that is where the admin API listens.
   */
  static Resource withAdminPort(Resource dataplane, Integer adminPort) {
    if (dataplane.spec() instanceof ZoneIngressSpec ingress) {
      return withIngressAdminPort(dataplane, ingress, adminPort);
    }
    DataplaneSpec spec = dataplane.spec(DataplaneSpec.class);
    DataplaneSpec.Networking net = spec.networking();
    if (adminPort == null
        || net == null
        || (net.admin() != null && adminPort.equals(net.admin().port()))) {
      return dataplane;
    }
    return dataplane.withSpec(
        new DataplaneSpec(
            new DataplaneSpec.Networking(
                net.address(),
                net.advertisedAddress(),
                net.inbound(),
                net.outbound(),
                net.gateway(),
                net.transparentProxying(),
                new EnvoyAdmin(adminPort)),
            spec.metrics(),
            spec.probes(),
            spec.envoy()));
  }

  /** The ZoneIngress with {@code networking.admin.port} set to the port its Envoy reported. */
  private static Resource withIngressAdminPort(
      Resource ingress, ZoneIngressSpec spec, Integer adminPort) {
    ZoneIngressSpec.Networking net = spec.networking();
    if (adminPort == null
        || net == null
        || (net.admin() != null && adminPort.equals(net.admin().port()))) {
      return ingress;
    }
    return ingress.withSpec(
        new ZoneIngressSpec(
            spec.zone(),
            new ZoneIngressSpec.Networking(
                net.address(),
                net.advertisedAddress(),
                net.port(),
                net.advertisedPort(),
                new EnvoyAdmin(adminPort)),
            spec.availableServices()));
  }

  /**
   * The proxy's current identity when it is valid for the mesh's CA backend and the dataplane's
   * tags and not yet due for rotation; otherwise asks for a new one (once at a time) and returns
   * the old one while it still lasts.
   */
  private Optional<Identity> identityFor(ProxyId proxy, MeshState mesh, Resource dataplane) {
    MeshSpec meshSpec = mesh.meshSpec();
    String backend = meshSpec.enabledBackend().map(MeshSpec.Backend::name).orElseThrow();
    Map<String, Set<String>> tags = tagsOf(dataplane.spec(DataplaneSpec.class));
    IssuedIdentity current = identities.get(proxy);
    Instant now = clock.instant();
    boolean fits =
        current != null && current.backend().equals(backend) && current.tags().equals(tags);
    boolean fresh = fits && now.isBefore(issuer.rotateAt(current.identity()));
    if (!fresh && issuing.add(proxy)) {
      issuer
          .issue(mesh.meshName(), meshSpec, tags)
          .whenComplete(
              (identity, error) -> {
                issuing.remove(proxy);
                if (error != null) {
                  log.warn(
                      "zone={} {}: issuing its certificate failed, retrying in 5s: {}",
                      zone,
                      proxy,
                      error.getMessage());
                  scheduler.schedule(() -> rebuildProxy(proxy), 5, TimeUnit.SECONDS);
                  return;
                }
                identities.put(proxy, new IssuedIdentity(identity, backend, tags));
                insights.certificateIssued(proxy, identity.notAfter(), backend);
                log.info(
                    "zone={} {}: certificate issued, expires {}", zone, proxy, identity.notAfter());
                long delay =
                    Math.max(
                        0, Duration.between(clock.instant(), issuer.rotateAt(identity)).toMillis());
                scheduler.schedule(() -> rebuildProxy(proxy), delay + 10, TimeUnit.MILLISECONDS);
                rebuildProxy(proxy);
              });
    }
    if (fits && now.isBefore(current.identity().notAfter())) {
      return Optional.of(current.identity());
    }
    return Optional.empty();
  }

  private static Map<String, Set<String>> tagsOf(DataplaneSpec spec) {
    Map<String, Set<String>> tags = new TreeMap<>();
    for (DataplaneSpec.Inbound in : spec.inbounds()) {
      if (in == null) {
        continue;
      }
      in.tags().forEach((k, v) -> tags.computeIfAbsent(k, x -> new TreeSet<>()).add(v));
    }
    return tags;
  }

  static String hash(List<? extends Message> resources) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Message m : resources) {
        digest.update(deterministicBytes(m));
        digest.update((byte) 0);
      }
      return HexFormat.of().formatHex(digest.digest(), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] deterministicBytes(Message m) {
    byte[] out = new byte[m.getSerializedSize()];
    CodedOutputStream stream = CodedOutputStream.newInstance(out);
    stream.useDeterministicSerialization();
    try {
      m.writeTo(stream);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /**
   * The state of {@code mesh} from the view the last build read (read again first if the store
   * changed since), for the inspect API; empty when the mesh does not exist. Fails with {@link
   * IllegalStateException} while the zone's view is not loaded yet.
   */
  java.util.concurrent.CompletableFuture<Optional<MeshState>> meshState(String mesh) {
    java.util.concurrent.CompletableFuture<Optional<MeshState>> result =
        new java.util.concurrent.CompletableFuture<>();
    Runnable read =
        () -> {
          try {
            if (!viewReady()) {
              throw new IllegalStateException(
                  "zone " + zone + " has not loaded its resources yet (first sync with global)");
            }
            result.complete(Optional.ofNullable(currentView().meshes().get(mesh)));
          } catch (RuntimeException e) {
            result.completeExceptionally(e);
          }
        };
    try {
      executor.execute(read);
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      result.completeExceptionally(new IllegalStateException("zone " + zone + " is stopping"));
    }
    return result;
  }

  /** The snapshot last published to {@code proxy}, while it is connected. */
  Optional<Snapshot> publishedSnapshot(ProxyId proxy) {
    if (!connected.contains(proxy)) {
      return Optional.empty();
    }
    return Optional.ofNullable(cache.getSnapshot(proxy.nodeId()));
  }

  /** Whether the cache holds a snapshot for {@code proxy} (for tests). */
  boolean hasSnapshot(ProxyId proxy) {
    return cache.getSnapshot(proxy.nodeId()) != null;
  }

  boolean isConnected(ProxyId proxy) {
    return connected.contains(proxy);
  }

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return "ConfigPublisher[zone=" + zone + ", proxies=" + connected.size() + "]";
  }
}
