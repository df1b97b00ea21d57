package io.meshfed.zone.xds;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.Spec;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneInsightSpec;
import io.meshfed.model.spec.DiscoverySubscription;
import io.meshfed.model.spec.ZoneIngressInsightSpec;
import io.meshfed.store.ConflictException;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourceStore;
import io.meshfed.zone.kds.Origins;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code DataplaneInsight} and {@code ZoneIngressInsight} in the zone's store current: the
 * proxy's xDS subscriptions (the last {@value #KEPT} of them, the open one with its per-type
 * counters and last ACKed versions) and, for dataplanes, the certificate's expiry. Changes are
 * gathered and written at most once per flush interval per proxy, so a thousand ACKs in a second
 * cost one write each, not a thousand; a stream that opens or closes, and a certificate issued or
 * rotated, is written at once, so {@code inspect} shows a proxy Online (and its certificate) as
 * soon as its Envoy is connected. The insights reach global by KDS like any zone resource.
 *
 * <p>A flush is spread over the interval: every proxy has one of {@value #SLOTS} slots (from its
 * name), a timer visits one slot every interval / {@value #SLOTS} and writes the changed insights
 * of that slot, so a policy change that every proxy ACKs costs a tenth of the zone's insight writes
 * (and their KDS sends to global) at a time instead of all of them at once. The sets of changed and
 * in-flight proxies are concurrent (streams mark, the timer writes); {@code slot} is touched by the
 * timer task only.
 */
final class InsightWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(InsightWriter.class);
  static final int KEPT = 5;

  /** How many parts a flush interval is cut into: a timer tick writes one part's proxies. */
  static final int SLOTS = 10;

  /** What the certificate authority last issued to a dataplane. */
  record CertificateInfo(
      Instant expiration, Instant issuedAt, long regenerations, String backend) {}

  private final String zone;
  private final String instanceId;
  private final ResourceStore store;
  private final Clock clock;
  private final Map<ProxyId, Subscription> latest = new ConcurrentHashMap<>();
  private final Map<ProxyId, CertificateInfo> certificates = new ConcurrentHashMap<>();
  private final Set<ProxyId> dirty = ConcurrentHashMap.newKeySet();
  private final Set<ProxyId> writing = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService scheduler;
  private final ScheduledFuture<?> flusher;
  private int slot;

  InsightWriter(
      String zone,
      String instanceId,
      ResourceStore store,
      Clock clock,
      ScheduledExecutorService scheduler,
      Duration flushInterval) {
    this.zone = zone;
    this.instanceId = instanceId;
    this.store = store;
    this.clock = clock;
    this.scheduler = scheduler;
    long tickNanos = Math.max(1, flushInterval.toNanos() / SLOTS);
    this.flusher =
        scheduler.scheduleWithFixedDelay(this::tick, tickNanos, tickNanos, TimeUnit.NANOSECONDS);
  }

  void subscriptionChanged(Subscription s) {
    Subscription before = latest.put(s.proxy(), s);
    dirty.add(s.proxy());
    if (openedOrClosed(before, s)) {
      flushSoon(s.proxy());
    }
  }

  /** Writes {@code proxy}'s insight on the scheduler now, not at its slot's tick. */
  private void flushSoon(ProxyId proxy) {
    try {
      scheduler.execute(() -> flush(proxy));
    } catch (RejectedExecutionException e) {
      // stopping: close() writes what is dirty
    }
  }

  /** True when {@code now} is a stream that {@code before} did not show open, or its close. */
  private static boolean openedOrClosed(Subscription before, Subscription now) {
    return before == null
        || !before.id().equals(now.id())
        || (before.disconnectTime() == null) != (now.disconnectTime() == null);
  }

  void certificateIssued(ProxyId proxy, Instant expiration, String backend) {
    certificates.compute(
        proxy,
        (p, old) ->
            new CertificateInfo(
                expiration, clock.instant(), old == null ? 0 : old.regenerations() + 1, backend));
    dirty.add(proxy);
    flushSoon(proxy); // issued or rotated: rare, and what inspect and the GUI show of mTLS
  }

  /**
   * Marks closed every subscription left open by a control plane instance that is not in {@code
   * live} (the zone's replicas registered now): such a stream ended when its instance died. A
   * subscription that opened less than {@code grace} ago is left alone, since its instance may not
   * have registered yet. Runs on the zone leader only, writing through {@code writer} (the store
   * fenced by the leader's term), each write conditional on the version read.
   */
  CompletableFuture<Void> closeSubscriptionsOfGoneInstances(
      Set<String> live, Duration grace, ResourceStore writer) {
    Instant now = clock.instant();
    CompletableFuture<?> dps =
        store
            .list(ListQuery.all(StandardTypes.DATAPLANE_INSIGHT))
            .thenCompose(page -> closeStale(page.items(), live, now, grace, writer));
    CompletableFuture<?> ingresses =
        store
            .list(ListQuery.all(StandardTypes.ZONE_INGRESS_INSIGHT))
            .thenCompose(page -> closeStale(page.items(), live, now, grace, writer));
    return CompletableFuture.allOf(dps, ingresses);
  }

  private CompletableFuture<Void> closeStale(
      List<Resource> insights,
      Set<String> live,
      Instant now,
      Duration grace,
      ResourceStore writer) {
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (Resource r : insights) {
      if (!Origins.fromZone(r, zone)) {
        continue;
      }
      List<DiscoverySubscription> subs = subscriptionsOf(r.spec());
      boolean changed = false;
      List<DiscoverySubscription> fixed = new ArrayList<>();
      for (DiscoverySubscription s : subs) {
        if (s.connected()
            && !live.contains(s.controlPlaneInstanceId())
            && s.connectTime().plus(grace).isBefore(now)) {
          fixed.add(
              new DiscoverySubscription(
                  s.id(),
                  s.controlPlaneInstanceId(),
                  s.connectTime(),
                  now,
                  s.status(),
                  s.version(),
                  s.generation()));
          changed = true;
        } else {
          fixed.add(s);
        }
      }
      if (changed) {
        log.info(
            "zone={}: closing the subscriptions of {} left open by instances no longer running",
            zone,
            r.key());
        writes.add(
            writer
                .update(r.withSpec(withSubscriptions(r.spec(), fixed)), r.version())
                .exceptionally(
                    e -> {
                      log.warn("zone={}: closing stale subscriptions of {}", zone, r.key(), e);
                      return null;
                    }));
      }
    }
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
  }

  /**
   * Writes the changed insights of the next slot; a proxy whose write is still in flight waits for
   * its slot's next turn. Runs on the timer only.
   */
  void tick() {
    slot = (slot + 1) % SLOTS;
    for (ProxyId proxy : List.copyOf(dirty)) {
      if (slotOf(proxy) == slot) {
        flush(proxy);
      }
    }
  }

  /** The slot of {@code proxy}, from its mesh and name (the same in every run). */
  static int slotOf(ProxyId proxy) {
    int h = 31 * Objects.hashCode(proxy.mesh()) + proxy.name().hashCode();
    return Math.floorMod(h ^ (h >>> 16), SLOTS);
  }

  /** Writes every changed insight; a proxy whose write is still in flight waits for the next. */
  void flush() {
    for (ProxyId proxy : List.copyOf(dirty)) {
      flush(proxy);
    }
  }

  /** Writes the insight of {@code proxy} when it changed and no write of it is in flight. */
  private void flush(ProxyId proxy) {
    if (!dirty.contains(proxy) || !writing.add(proxy)) {
      return;
    }
    dirty.remove(proxy);
    write(proxy)
        .whenComplete(
            (ok, error) -> {
              writing.remove(proxy);
              if (error != null) {
                dirty.add(proxy);
                Throwable cause = error.getCause() == null ? error : error.getCause();
                if (!(cause instanceof ConflictException)) {
                  log.warn("zone={} {}: writing its insight failed", zone, proxy, cause);
                }
              }
            });
  }

  private CompletableFuture<Void> write(ProxyId proxy) {
    ResourceKey key = proxy.insightKey();
    Subscription current = latest.get(proxy);
    return store
        .get(key)
        .thenCompose(
            existing -> {
              List<DiscoverySubscription> subs =
                  new ArrayList<>(existing.map(r -> subscriptionsOf(r.spec())).orElse(List.of()));
              if (current != null) {
                DiscoverySubscription updated = current.toInsight();
                subs.removeIf(s -> updated.id().equals(s.id()));
                subs.add(updated);
              }
              while (subs.size() > KEPT) {
                subs.remove(0);
              }
              Spec spec = specFor(proxy, subs, existing);
              if (existing.isPresent()) {
                if (existing.get().spec().equals(spec)) {
                  return CompletableFuture.completedFuture(null);
                }
                return store
                    .update(existing.get().withSpec(spec), existing.get().version())
                    .thenApply(r -> null);
              }
              Resource created = Origins.stampZone(new Resource(key, Meta.EMPTY, spec), zone);
              return store.create(created).thenApply(r -> null);
            });
  }

  private Spec specFor(
      ProxyId proxy, List<DiscoverySubscription> subs, Optional<Resource> existing) {
    if (proxy.kind() == ProxyId.Kind.INGRESS) {
      return new ZoneIngressInsightSpec(subs);
    }
    CertificateInfo cert = certificates.get(proxy);
    DataplaneInsightSpec.Mtls mtls =
        cert != null
            ? new DataplaneInsightSpec.Mtls(
                cert.expiration(),
                cert.issuedAt(),
                cert.regenerations(),
                cert.backend(),
                List.of(cert.backend()))
            : existing.map(r -> ((DataplaneInsightSpec) r.spec()).mTLS()).orElse(null);
    return new DataplaneInsightSpec(subs, mtls, null);
  }

  private static List<DiscoverySubscription> subscriptionsOf(Spec spec) {
    if (spec instanceof DataplaneInsightSpec d) {
      return d.subscriptions();
    }
    if (spec instanceof ZoneIngressInsightSpec z) {
      return z.subscriptions();
    }
    return List.of();
  }

  private static Spec withSubscriptions(Spec spec, List<DiscoverySubscription> subs) {
    if (spec instanceof DataplaneInsightSpec d) {
      return new DataplaneInsightSpec(subs, d.mTLS(), d.metadata());
    }
    return new ZoneIngressInsightSpec(subs);
  }

  @Override
  public void close() {
    flusher.cancel(false);
    flush();
  }
}
