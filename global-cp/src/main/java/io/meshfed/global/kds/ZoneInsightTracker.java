package io.meshfed.global.kds;

import io.grpc.Status;
import io.meshfed.kds.KdsDirection;
import io.meshfed.kds.KdsStreamInfo;
import io.meshfed.kds.KdsStreamListener;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DiscoveryServiceStats;
import io.meshfed.model.spec.ZoneInsightSpec;
import io.meshfed.model.spec.ZoneInsightSpec.KdsSubscription;
import io.meshfed.model.spec.ZoneSpec;
import io.meshfed.store.AlreadyExistsException;
import io.meshfed.store.ConflictException;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ha.Fence;
import io.meshfed.store.ha.FencedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code Zone} and {@code ZoneInsight} current from KDS stream events. Each {@code
 * GlobalToZoneSync} stream of a zone is one subscription: connect and disconnect time, the zone's
 * handshake version and, per type, responses sent, acknowledged and rejected. The first connect of
 * an unknown zone creates its {@code Zone} ({@code enabled: true}).
 *
 * <p>Writes are coalesced: counters are flushed at most once per interval, connects and disconnects
 * at once. The counters of each zone are flushed at its own of the interval's {@value #SLOTS} slots
 * (given in turn as zones are first seen), so the zones' writes are spread over the interval
 * instead of all landing at one tick, in the window of whatever write is going out to the zones
 * then. Per zone, one write runs at a time and merges with what the store holds (subscriptions of
 * other global instances are kept), keeping the newest {@value #KEPT_SUBSCRIPTIONS}.
 *
 * <p>Writes are fenced by the zone's stream key ({@code fenceOf}): while this replica holds it, by
 * its claim; after it released it, by the key's vacancy. A replica that lost the zone to another
 * (or was paused past its lease) writes nothing, and forgets its closed subscriptions of the zone.
 * Since one replica serves a zone at a time, a write that commits marks every open subscription of
 * the zone it does not track disconnected (another replica's, or one of its own whose disconnect
 * write was fenced off): their streams are gone and cannot record it any more.
 */
final class ZoneInsightTracker implements KdsStreamListener, AutoCloseable {
  static final int KEPT_SUBSCRIPTIONS = 10;

  /**
   * The flush interval's slots: one tick each; a zone's counters are written at its slot's tick.
   */
  static final int SLOTS = 20;

  private static final Logger log = LoggerFactory.getLogger(ZoneInsightTracker.class);
  private static final int WRITE_ATTEMPTS = 5;

  private final ResourceStore store;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final Duration flushInterval;
  private final String instanceId;
  private final Function<String, Fence> fenceOf;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, ZoneTrack> zones = new HashMap<>();
  private final Map<String, Hello> handshakes = new HashMap<>();

  /** What a zone announced when it opened its GlobalToZone stream. */
  private record Hello(String version, String instance, String config) {}

  private ScheduledFuture<?> ticker;
  private boolean closed;
  private int nextSlot; // the slot the next zone first seen gets; guarded by lock
  private int tick; // the slot of the next tick; guarded by lock

  /** One subscription opened by this instance; guarded by {@code lock}. */
  private static final class Sub {
    final String id = UUID.randomUUID().toString();
    final Instant connectTime;
    final String version;
    final String instance;
    final String config;
    Instant disconnectTime;
    Instant lastAck;
    long generation;
    DiscoveryServiceStats total = DiscoveryServiceStats.ZERO;
    final Map<String, DiscoveryServiceStats> stat = new TreeMap<>();

    Sub(Instant connectTime, Hello hello) {
      this.connectTime = connectTime;
      this.version = hello == null ? null : hello.version();
      this.instance = hello == null ? null : hello.instance();
      this.config = hello == null ? null : hello.config();
    }

    KdsSubscription snapshot(String instanceId) {
      return new KdsSubscription(
          id,
          instanceId,
          instance,
          connectTime,
          disconnectTime,
          new ZoneInsightSpec.KdsStatus(lastAck, total, stat),
          version == null
              ? null
              : new ZoneInsightSpec.KdsVersion(
                  new ZoneInsightSpec.CpVersion(version, null, null, null, null)),
          generation,
          config,
          null);
    }
  }

  /** What this instance knows of one zone; guarded by {@code lock}. */
  private static final class ZoneTrack {
    final int slot;
    final Map<Long, Sub> open = new LinkedHashMap<>();
    final List<Sub> ours = new ArrayList<>();
    boolean dirty;
    boolean writeQueued;
    boolean zoneEnsured;
    CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

    ZoneTrack(int slot) {
      this.slot = slot;
    }
  }

  ZoneInsightTracker(
      ResourceStore store,
      Clock clock,
      ScheduledExecutorService scheduler,
      Duration flushInterval,
      String instanceId,
      Function<String, Fence> fenceOf) {
    this.fenceOf = fenceOf;
    this.store = store;
    this.clock = clock;
    this.scheduler = scheduler;
    this.flushInterval = flushInterval;
    this.instanceId = instanceId;
  }

  /**
   * Starts the periodic flush, {@value #SLOTS} ticks per flush interval. Subscriptions other global
   * instances left open when they died are closed by the leader's {@link StaleSubscriptionSweeper},
   * not here: with several replicas, the others' open subscriptions are live.
   */
  CompletableFuture<Void> start() {
    long nanos = Math.max(1, flushInterval.toNanos() / SLOTS);
    lock.lock();
    try {
      if (!closed) {
        ticker = scheduler.scheduleAtFixedRate(this::tick, nanos, nanos, TimeUnit.NANOSECONDS);
      }
    } finally {
      lock.unlock();
    }
    return CompletableFuture.completedFuture(null);
  }

  /**
   * The zone's handshake precedes its GlobalToZone stream: its version, the zone control plane
   * instance and its configuration (a JSON object; each null when not sent), recorded into the
   * subscription it opens.
   */
  void handshake(String zone, String version, String instance, String config) {
    lock.lock();
    try {
      handshakes.put(zone, new Hello(version, instance, config));
    } finally {
      lock.unlock();
    }
  }

  private static boolean tracked(KdsStreamInfo stream) {
    return stream.direction() == KdsDirection.GLOBAL_TO_ZONE
        && stream.role() == KdsStreamInfo.Role.SERVING;
  }

  private ZoneTrack track(String zone) {
    return zones.computeIfAbsent(
        zone,
        z -> {
          int slot = nextSlot;
          nextSlot = (nextSlot + 1) % SLOTS;
          return new ZoneTrack(slot);
        });
  }

  @Override
  public void streamOpened(KdsStreamInfo stream) {
    if (!tracked(stream)) {
      return;
    }
    String zone = stream.peer();
    Sub sub;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      ZoneTrack t = track(zone);
      t.zoneEnsured = false; // a Zone deleted while the zone was away is created again
      sub = new Sub(clock.instant(), handshakes.remove(zone));
      t.open.put(stream.id(), sub);
      t.ours.add(sub);
      while (t.ours.size() > KEPT_SUBSCRIPTIONS && t.ours.get(0).disconnectTime != null) {
        t.ours.remove(0);
      }
    } finally {
      lock.unlock();
    }
    log.info(
        "zone={}: KDS subscription {} opened (stream {}, zone version {})",
        zone,
        sub.id,
        stream.id(),
        sub.version == null ? "unknown" : sub.version);
    flush(zone);
  }

  @Override
  public void streamClosed(KdsStreamInfo stream, Status status) {
    if (!tracked(stream)) {
      return;
    }
    String zone = stream.peer();
    Sub sub;
    lock.lock();
    try {
      ZoneTrack t = zones.get(zone);
      sub = t == null ? null : t.open.remove(stream.id());
      if (sub == null) {
        return;
      }
      sub.disconnectTime = clock.instant();
      sub.generation++;
    } finally {
      lock.unlock();
    }
    log.info("zone={}: KDS subscription {} closed: {}", zone, sub.id, status);
    flush(zone);
  }

  /** Applies {@code change} to the open subscription of {@code stream} and marks it dirty. */
  private void count(KdsStreamInfo stream, java.util.function.Consumer<Sub> change) {
    if (!tracked(stream)) {
      return;
    }
    lock.lock();
    try {
      ZoneTrack t = zones.get(stream.peer());
      Sub sub = t == null ? null : t.open.get(stream.id());
      if (sub != null) {
        change.accept(sub);
        sub.generation++;
        t.dirty = true;
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void responseSent(KdsStreamInfo stream, SentResponse response) {
    count(
        stream,
        s -> {
          s.total = s.total.plusSent(1);
          s.stat.merge(
              response.type(), DiscoveryServiceStats.ZERO.plusSent(1), (a, b) -> a.plusSent(1));
        });
  }

  @Override
  public void acked(KdsStreamInfo stream, SentResponse response, Duration latency) {
    Instant at = clock.instant();
    count(
        stream,
        s -> {
          double seconds = latency.toNanos() / 1e9;
          s.total = s.total.acknowledged(response.nonce(), at, seconds);
          s.stat.merge(
              response.type(),
              DiscoveryServiceStats.ZERO.acknowledged(response.nonce(), at, seconds),
              (a, b) -> a.acknowledged(response.nonce(), at, seconds));
          s.lastAck = at;
        });
  }

  @Override
  public void nacked(
      KdsStreamInfo stream, SentResponse response, Map<String, String> rejected, Duration latency) {
    count(
        stream,
        s -> {
          s.total = s.total.plusRejected(1);
          s.stat.merge(
              response.type(),
              DiscoveryServiceStats.ZERO.plusRejected(1),
              (a, b) -> a.plusRejected(1));
        });
  }

  /**
   * One tick of the timer: queues the writes of the zones of the next slot whose counters changed;
   * completes when those writes did.
   */
  CompletableFuture<Void> tick() {
    Set<String> due;
    lock.lock();
    try {
      int slot = tick;
      tick = (tick + 1) % SLOTS;
      due =
          zones.entrySet().stream()
              .filter(e -> e.getValue().dirty && e.getValue().slot == slot)
              .map(Map.Entry::getKey)
              .collect(Collectors.toSet());
    } finally {
      lock.unlock();
    }
    return CompletableFuture.allOf(due.stream().map(this::flush).toArray(CompletableFuture[]::new));
  }

  /** Queues a write of the zone's subscriptions unless one is queued already. */
  private CompletableFuture<Void> flush(String zone) {
    lock.lock();
    try {
      ZoneTrack t = track(zone);
      if (t.writeQueued) {
        return t.tail;
      }
      t.writeQueued = true;
      t.tail =
          t.tail
              .exceptionally(e -> null)
              .thenCompose(v -> write(zone, t))
              .exceptionally(
                  e -> {
                    if (unwrap(e) instanceof FencedException) {
                      lostZone(zone, t, unwrap(e));
                      return null;
                    }
                    log.warn(
                        "zone={}: cannot write ZoneInsight, retrying with the next flush: {}",
                        zone,
                        unwrap(e).toString());
                    lock.lock();
                    try {
                      t.dirty = true;
                    } finally {
                      lock.unlock();
                    }
                    return null;
                  });
      return t.tail;
    } finally {
      lock.unlock();
    }
  }

  /** A write for {@code zone} was fenced off: another replica serves it; stop writing it. */
  private void lostZone(String zone, ZoneTrack t, Throwable refused) {
    int forgotten;
    lock.lock();
    try {
      int before = t.ours.size();
      t.ours.removeIf(s -> s.disconnectTime != null);
      forgotten = before - t.ours.size();
      t.dirty = false;
    } finally {
      lock.unlock();
    }
    log.warn(
        "zone={}: ZoneInsight not written, this replica no longer serves the zone ({}); {} closed"
            + " subscription(s) of it forgotten",
        zone,
        refused.getMessage(),
        forgotten);
  }

  private CompletableFuture<Void> write(String zone, ZoneTrack t) {
    // read at write time: the claim while held, the key's vacancy once released
    ResourceStore writer = store.fenced(fenceOf.apply(zone));
    Map<String, KdsSubscription> ours = new LinkedHashMap<>();
    boolean ensureZone;
    lock.lock();
    try {
      t.writeQueued = false;
      t.dirty = false;
      for (Sub s : t.ours) {
        ours.put(s.id, s.snapshot(instanceId));
      }
      ensureZone = !t.zoneEnsured && !t.ours.isEmpty();
    } finally {
      lock.unlock();
    }
    CompletableFuture<Void> zoneReady =
        ensureZone ? ensureZone(zone, t, writer) : CompletableFuture.completedFuture(null);
    Instant now = clock.instant();
    return zoneReady.thenCompose(
        v ->
            update(
                zone,
                writer,
                stored -> {
                  List<KdsSubscription> merged = new ArrayList<>();
                  for (KdsSubscription s : stored) {
                    if (!ours.containsKey(s.id())) {
                      merged.add(closedIfOthers(s, now));
                    }
                  }
                  merged.addAll(ours.values());
                  return merged;
                },
                WRITE_ATTEMPTS));
  }

  /**
   * {@code s} (a stored subscription this replica does not track), disconnected at {@code now} if
   * it is still open: this write commits only while this replica serves the zone (or nobody does),
   * so the stream it stood for is gone, whether another replica left it open or this one forgot it
   * (its disconnect write was fenced off while the claim changed hands).
   */
  private KdsSubscription closedIfOthers(KdsSubscription s, Instant now) {
    if (s.disconnectTime() != null) {
      return s;
    }
    return new KdsSubscription(
        s.id(),
        s.globalInstanceId(),
        s.zoneInstanceId(),
        s.connectTime(),
        now,
        s.status(),
        s.version(),
        s.generation() == null ? 1 : s.generation() + 1,
        s.config(),
        s.authTokenProvided());
  }

  private CompletableFuture<Void> ensureZone(String zone, ZoneTrack t, ResourceStore writer) {
    ResourceKey key = ResourceKey.global(StandardTypes.ZONE, zone);
    return store
        .get(key)
        .thenCompose(
            existing -> {
              if (existing.isPresent()) {
                return CompletableFuture.<Void>completedFuture(null);
              }
              return writer
                  .create(new Resource(key, Meta.EMPTY, ZoneSpec.ENABLED))
                  .handle(
                      (created, error) -> {
                        if (error == null) {
                          log.info("zone={}: first connect, created Zone (enabled: true)", zone);
                        } else if (!(unwrap(error) instanceof AlreadyExistsException)) {
                          throw new CompletionException(unwrap(error));
                        }
                        return null;
                      });
            })
        .thenRun(
            () -> {
              lock.lock();
              try {
                t.zoneEnsured = true;
              } finally {
                lock.unlock();
              }
            });
  }

  /**
   * Read-modify-write of a zone's {@code ZoneInsight} subscriptions, retried on write conflicts;
   * keeps the newest {@value #KEPT_SUBSCRIPTIONS} by connect time and skips unchanged writes.
   */
  private CompletableFuture<Void> update(
      String zone,
      ResourceStore writer,
      java.util.function.UnaryOperator<List<KdsSubscription>> change,
      int attempts) {
    ResourceKey key = ResourceKey.global(StandardTypes.ZONE_INSIGHT, zone);
    return store
        .get(key)
        .thenCompose(
            existing -> {
              ZoneInsightSpec old = existing.map(r -> r.spec(ZoneInsightSpec.class)).orElse(null);
              List<KdsSubscription> subs =
                  new ArrayList<>(change.apply(old == null ? List.of() : old.subscriptions()));
              subs.sort(
                  Comparator.comparing(
                      KdsSubscription::connectTime,
                      Comparator.nullsFirst(Comparator.naturalOrder())));
              if (subs.size() > KEPT_SUBSCRIPTIONS) {
                subs = new ArrayList<>(subs.subList(subs.size() - KEPT_SUBSCRIPTIONS, subs.size()));
              }
              ZoneInsightSpec spec =
                  new ZoneInsightSpec(
                      subs,
                      old == null ? null : old.healthCheck(),
                      old == null ? null : old.envoyAdminStreams());
              if (spec.equals(old)) {
                return CompletableFuture.<Void>completedFuture(null);
              }
              CompletableFuture<Resource> written =
                  existing.isPresent()
                      ? writer.update(existing.get().withSpec(spec), existing.get().version())
                      : writer.create(new Resource(key, Meta.EMPTY, spec));
              return written
                  .handle(
                      (ok, error) -> {
                        if (error == null) {
                          return CompletableFuture.<Void>completedFuture(null);
                        }
                        Throwable cause = unwrap(error);
                        boolean raced =
                            cause instanceof ConflictException
                                || cause instanceof AlreadyExistsException;
                        if (raced && attempts > 1) {
                          return update(zone, writer, change, attempts - 1);
                        }
                        return CompletableFuture.<Void>failedFuture(cause);
                      })
                  .thenCompose(f -> f);
            });
  }

  /**
   * Records every open subscription as disconnected and writes them; completes when written. Events
   * that arrive afterwards are ignored.
   */
  CompletableFuture<Void> closeAll() {
    List<String> touched = new ArrayList<>();
    Instant now = clock.instant();
    lock.lock();
    try {
      closed = true;
      if (ticker != null) {
        ticker.cancel(false);
      }
      zones.forEach(
          (zone, t) -> {
            t.open.values().forEach(s -> s.disconnectTime = now);
            if (!t.open.isEmpty() || t.dirty) {
              touched.add(zone);
            }
            t.open.clear();
          });
    } finally {
      lock.unlock();
    }
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    touched.forEach(z -> writes.add(flush(z)));
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
  }

  @Override
  public void close() {
    closeAll();
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }
}
