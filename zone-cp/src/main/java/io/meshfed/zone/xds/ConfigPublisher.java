package io.meshfed.zone.xds;

import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.EnvoyAdmin;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.xds.Identity;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.ProxyConfig;
import io.meshfed.xds.ingress.IngressGenerator;
import io.meshfed.xds.sidecar.SidecarGenerator;
import io.meshfed.xds.sidecar.SidecarMemo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The build pass: turns the zone's view into one xDS config per connected proxy and hands it to the
 * {@link SnapshotPublisher}. A rebuild runs when something it reads changes (the {@link
 * ZoneViewReader#WATCHED} types), never on a timer, and builds only the connected proxies whose
 * inputs differ between the view the last rebuild read and the new one ({@link RebuildIndex}), plus
 * those built alone since from another view or whose last build failed. Requests made while a
 * rebuild runs fold into one more rebuild. A proxy that connects, or whose certificate is issued or
 * due for rotation ({@link WorkloadIdentities}), is built alone, from the last view read (read
 * again first if the store changed since). With no proxy connected a change reads nothing (unless a
 * Dataplane or Mesh change may end a certificate still held): the view is read when a proxy
 * connects or the inspect API asks. A proxy that connects while the view is not loaded (at start,
 * or while the store is relisted) is built by the rebuild that follows its loading, whatever
 * changed. Every view read first forgets the certificates of deleted Dataplanes.
 *
 * <p>When a proxy's last stream closes, its snapshot is removed from the cache. The cache ({@link
 * ProxySnapshots}) refuses that while the stream's watches are still open (they are cancelled just
 * after the stream callbacks run), so a refused removal is retried every {@link #CLEAR_RETRY} for
 * up to {@link #CLEAR_ATTEMPTS} attempts, as long as the proxy stays away.
 *
 * <p>A rebuild generates its proxies' configs side by side on the {@code generators} pool (from one
 * view, with the memos of that view resolved first), and publishes them one by one in the order
 * they were handed out, each as soon as it is ready; a proxy whose generation fails keeps its last
 * config and is built again by the next rebuild, the others are published.
 *
 * <p>Confinement: the last view read, the memos, the {@link ClusterDrain}, the {@link
 * SnapshotPublisher} and every publication live on the single build {@code executor}; the
 * generation tasks only read the view, the thread-safe {@link SidecarMemo}s and {@link
 * WorkloadIdentities}. What the xDS stream callbacks tell (which proxies are connected, their admin
 * ports and access log sockets) is in concurrent maps, read by the builds.
 */
final class ConfigPublisher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConfigPublisher.class);

  static final Duration CLEAR_RETRY = Duration.ofSeconds(1);
  static final int CLEAR_ATTEMPTS = 30;

  private final String zone;
  private final ZoneViewReader reader;
  private final SnapshotPublisher snapshots;
  private final ClusterDrain drain;
  private final WorkloadIdentities identities;
  private final Executor executor;
  private final Executor generators;
  private final ScheduledExecutorService scheduler;
  private final Set<ProxyId> connected = ConcurrentHashMap.newKeySet();
  // Envoy's admin port of each connected sidecar, from its node metadata
  private final Map<ProxyId, Integer> adminPorts = new ConcurrentHashMap<>();
  // the access log FIFO of each connected sidecar, from its node metadata
  private final Map<ProxyId, String> accessLogSockets = new ConcurrentHashMap<>();
  private final AtomicBoolean pending = new AtomicBoolean();
  private final Timer buildTimer;
  private final Counter proxyBuilds;
  private final XdsGenerationMetrics generation;
  // Touched only from executor (one build at a time):
  private ZoneView current;
  // the view of the last rebuild: every connected proxy not in offCycle is built from it
  private ZoneView builtFrom;
  // proxies built alone from a view other than builtFrom, or whose last build failed
  private final Set<ProxyId> offCycle = new HashSet<>();
  // what the sidecars built from one view share, per mesh
  private final SidecarMemos memos = new SidecarMemos();
  private volatile boolean closed;

  /**
   * @param drain keeps the clusters a new config drops until its routes have moved
   * @param identities makes the proxies' certificate manager, given what it must call to rebuild a
   *     proxy once its certificate is issued or due for rotation
   * @param executor the build executor: one task at a time
   * @param generators where a rebuild generates its proxies' configs, several at a time (a direct
   *     executor generates them on the build executor, one after another)
   */
  ConfigPublisher(
      String zone,
      ZoneViewReader reader,
      SnapshotPublisher snapshots,
      ClusterDrain drain,
      Function<Consumer<ProxyId>, WorkloadIdentities> identities,
      Executor executor,
      Executor generators,
      ScheduledExecutorService scheduler,
      MeterRegistry meters) {
    this.zone = zone;
    this.reader = reader;
    this.snapshots = snapshots;
    this.drain = drain;
    this.identities = identities.apply(this::rebuildProxy);
    this.executor = executor;
    this.generators = generators;
    this.scheduler = scheduler;
    this.buildTimer =
        Timer.builder("xds_snapshot_build_seconds")
            .description("Time of one rebuild: the affected proxies built, hashed and published")
            .register(meters);
    this.proxyBuilds =
        Counter.builder("xds_proxy_configs_built_total")
            .description("Proxy configs generated, in rebuilds and for single proxies")
            .register(meters);
    this.generation = new XdsGenerationMetrics(meters, System::nanoTime);
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
    run(() -> forget(proxy, 1));
  }

  /** The view's {@code type} changed: the next read lists it again; asks for a rebuild. */
  void viewChanged(String type) {
    reader.changed(type);
    requestRebuild();
  }

  /**
   * Asks for a rebuild of the connected proxies the changes since the last one affect ({@link
   * RebuildIndex}); several requests before it starts make one.
   */
  private void requestRebuild() {
    if (!closed && pending.compareAndSet(false, true)) {
      run(this::rebuild);
    }
  }

  /** Asks for a build of {@code proxy} alone, from the current view. */
  void rebuildProxy(ProxyId proxy) {
    run(() -> rebuildNow(proxy));
  }

  /** On the executor: the rebuild that drops {@code proxy}'s kept clusters once they are due. */
  private void rebuildDrained(ProxyId proxy) {
    run(
        () -> {
          drain.rebuildRunning(proxy);
          rebuildNow(proxy);
        });
  }

  private void rebuildNow(ProxyId proxy) {
    if (closed || !connected.contains(proxy)) {
      return; // gone
    }
    if (!reader.ready()) {
      offCycle.add(proxy); // the rebuild once the view is loaded (again) includes it
      return;
    }
    ZoneView v = currentView();
    if (v != builtFrom
        && connected.stream().allMatch(p -> p.equals(proxy) || offCycle.contains(p))) {
      builtFrom = v; // no other proxy is in step with the old view: the new one is the cycle's
    } else if (v != builtFrom) {
      offCycle.add(proxy); // the next rebuild brings it back in step
    }
    try {
      generation.observe(proxy.kind(), () -> publish(proxy, v));
    } catch (RuntimeException e) {
      offCycle.add(proxy);
      log.error("zone={} {}: building its config failed; it keeps its last one", zone, proxy, e);
    }
  }

  private void run(Runnable task) {
    if (closed) {
      return;
    }
    try {
      executor.execute(task);
    } catch (RejectedExecutionException stopping) {
      log.debug("zone={}: build executor stopped", zone);
    }
  }

  /** On the executor: forgets {@code proxy} if it is still away, retrying a refused removal. */
  private void forget(ProxyId proxy, int attempt) {
    if (closed || connected.contains(proxy)) {
      return; // back again: its new stream's build owns the snapshot
    }
    drain.forget(proxy);
    if (snapshots.clear(proxy)) {
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
    try {
      scheduler.schedule(
          () -> run(() -> forget(proxy, attempt + 1)),
          CLEAR_RETRY.toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopping) {
      log.debug("zone={} {}: stopping, snapshot left in the cache", zone, proxy);
    }
  }

  /**
   * The last view read, read again first when the store changed since; a new view first forgets the
   * certificates of the Dataplanes it no longer has.
   */
  private ZoneView currentView() {
    ZoneView v = reader.read();
    if (v != current) {
      identities.forgetRemovedDataplanes(v);
      current = v;
    }
    return v;
  }

  private void rebuild() {
    pending.set(false);
    if (closed || !reader.ready()) {
      return;
    }
    if (connected.isEmpty()
        && (identities.size() == 0 || !reader.stale(StandardTypes.DATAPLANE, StandardTypes.MESH))) {
      return; // nothing to build or forget: the view stays stale until it is asked for
    }
    long start = System.nanoTime();
    try {
      ZoneView v = currentView();
      List<ProxyId> proxies = List.copyOf(connected);
      Set<ProxyId> affected = RebuildIndex.affected(builtFrom, v, proxies);
      proxies.stream().filter(offCycle::contains).forEach(affected::add);
      offCycle.clear();
      builtFrom = v;
      List<ProxyId> order = List.copyOf(affected);
      Function<MeshState, SidecarMemo> memos = memosFor(v, order);
      List<CompletableFuture<Generated>> generated = new ArrayList<>(order.size());
      for (ProxyId proxy : order) {
        generated.add(generate(proxy, v, memos));
      }
      int changed = 0;
      for (int i = 0; i < order.size(); i++) {
        ProxyId proxy = order.get(i);
        if (closed) {
          return;
        }
        try {
          if (publishGenerated(proxy, generated.get(i).get())) {
            changed++;
          }
        } catch (InterruptedException stopping) {
          Thread.currentThread().interrupt();
          log.debug("zone={}: build executor stopped during a rebuild", zone);
          return;
        } catch (ExecutionException e) {
          generationFailed(proxy, e.getCause());
        } catch (RuntimeException e) {
          generationFailed(proxy, e);
        }
      }
      log.debug(
          "zone={}: rebuilt {} of {} proxies, published new config to {}",
          zone,
          affected.size(),
          proxies.size(),
          changed);
    } finally {
      buildTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
  }

  /** A proxy's config generated for a rebuild, and how long that took. */
  private record Generated(Optional<ProxyConfig> config, long nanos) {}

  /**
   * The memos the sidecars among {@code proxies} use, resolved here on the build executor so that
   * the generation tasks only read them.
   */
  private Function<MeshState, SidecarMemo> memosFor(ZoneView v, List<ProxyId> proxies) {
    Map<String, SidecarMemo> resolved = new HashMap<>();
    for (ProxyId proxy : proxies) {
      MeshState mesh = proxy.kind() == ProxyId.Kind.INGRESS ? null : v.meshes().get(proxy.mesh());
      if (mesh != null) {
        resolved.computeIfAbsent(mesh.meshName(), m -> memo(v, mesh));
      }
    }
    return mesh -> resolved.get(mesh.meshName());
  }

  /** Generates {@code proxy}'s config from {@code v} on the generators. */
  private CompletableFuture<Generated> generate(
      ProxyId proxy, ZoneView v, Function<MeshState, SidecarMemo> memos) {
    try {
      return CompletableFuture.supplyAsync(
          () -> {
            long start = generation.nanoTime();
            Optional<ProxyConfig> config = build(proxy, v, memos);
            return new Generated(config, generation.nanoTime() - start);
          },
          generators);
    } catch (RejectedExecutionException stopping) {
      return CompletableFuture.failedFuture(stopping);
    }
  }

  /** On the executor: publishes a config generated for a rebuild; true when it changed. */
  private boolean publishGenerated(ProxyId proxy, Generated generated) {
    long start = generation.nanoTime();
    boolean changed = generated.config().isPresent() && publish(proxy, generated.config().get());
    generation.record(proxy.kind(), changed, generated.nanos() + generation.nanoTime() - start);
    return changed;
  }

  private void generationFailed(ProxyId proxy, Throwable cause) {
    offCycle.add(proxy);
    if (cause instanceof RejectedExecutionException) {
      log.debug("zone={} {}: generators stopped, not built", zone, proxy);
      return;
    }
    generation.failed();
    log.error("zone={} {}: building its config failed; it keeps its last one", zone, proxy, cause);
  }

  /** Builds and publishes one proxy's config on the executor; true when it changed. */
  private boolean publish(ProxyId proxy, ZoneView v) {
    Optional<ProxyConfig> config = build(proxy, v, mesh -> memo(v, mesh));
    return config.isPresent() && publish(proxy, config.get());
  }

  /** Publishes a generated config on the executor; true when it changed. */
  private boolean publish(ProxyId proxy, ProxyConfig config) {
    ClusterDrain.Drained drained = drain.apply(proxy, config);
    drained.rebuildAt().ifPresent(at -> rebuildProxyAt(proxy, at));
    boolean changed = snapshots.publish(proxy, drained.config());
    if (changed) {
      snapshots.snapshot(proxy).ifPresent(sent -> drain.published(proxy, sent));
    }
    return changed;
  }

  /** Builds {@code proxy} again at {@code at}, when the clusters kept for it are due to go. */
  private void rebuildProxyAt(ProxyId proxy, Instant at) {
    long delay = Math.max(0, Duration.between(drain.now(), at).toMillis()) + 1;
    try {
      scheduler.schedule(() -> rebuildDrained(proxy), delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopping) {
      log.debug("zone={} {}: stopping, kept clusters stay until the next build", zone, proxy);
    }
  }

  /**
   * Generates {@code proxy}'s config from {@code v}; empty while its certificate is being issued.
   * Thread-safe, given memos that are.
   */
  private Optional<ProxyConfig> build(
      ProxyId proxy, ZoneView v, Function<MeshState, SidecarMemo> memos) {
    proxyBuilds.increment();
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
    SidecarMemo memo = memos.apply(mesh);
    if (!mesh.mtlsEnabled()) {
      return Optional.of(
          SidecarGenerator.generate(
              mesh, dataplane.get(), Optional.empty(), accessLogSocket, memo));
    }
    Optional<Identity> identity = identities.identityFor(proxy, mesh, dataplane.get());
    if (identity.isEmpty()) {
      return Optional.empty(); // issuing; the rebuild after it publishes
    }
    return Optional.of(
        SidecarGenerator.generate(mesh, dataplane.get(), identity, accessLogSocket, memo));
  }

  /** The memo of {@code mesh}'s sidecars built from {@code v} ({@link SidecarMemos}). */
  private SidecarMemo memo(ZoneView v, MeshState mesh) {
    return memos.memo(v, mesh);
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
   * The state of {@code mesh} from the view the last build read (read again first if the store
   * changed since), for the inspect API; empty when the mesh does not exist. Fails with {@link
   * IllegalStateException} while the zone's view is not loaded yet.
   */
  CompletableFuture<Optional<MeshState>> meshState(String mesh) {
    CompletableFuture<Optional<MeshState>> result = new CompletableFuture<>();
    Runnable read =
        () -> {
          try {
            if (!reader.ready()) {
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
    } catch (RejectedExecutionException stopping) {
      result.completeExceptionally(new IllegalStateException("zone " + zone + " is stopping"));
    }
    return result;
  }

  /** The snapshot last published to {@code proxy}, while it is connected. */
  Optional<Snapshot> publishedSnapshot(ProxyId proxy) {
    if (!connected.contains(proxy)) {
      return Optional.empty();
    }
    return snapshots.snapshot(proxy);
  }

  /** Whether the cache holds a snapshot for {@code proxy} (for tests). */
  boolean hasSnapshot(ProxyId proxy) {
    return snapshots.snapshot(proxy).isPresent();
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
