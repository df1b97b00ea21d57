package io.meshfed.global.kds;

import io.grpc.Status;
import io.meshfed.kds.KdsDirection;
import io.meshfed.kds.KdsEnvelope;
import io.meshfed.kds.KdsStreamInfo;
import io.meshfed.kds.KdsStreamListener;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.spec.ZoneSyncStateSpec;
import io.meshfed.store.SerialExecutor;
import io.meshfed.store.ha.Fence;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which zone holds which version of each global resource, from the ACKs and NACKs of {@code
 * GlobalToZoneSync}. A resource sent to a zone is {@code pending} until the zone answers, then
 * {@code acked} or {@code nacked} (with the zone's reason); one that never fits a response is
 * {@code rejected-too-large}. A removal sent to a zone forgets the zone's entry. When a zone
 * subscribes, what it says it holds ({@code initial_resource_versions}) is acked: a zone that
 * reconnects after a restart of global is known at once, though nothing is sent again.
 *
 * <p>The replica serving a zone's stream keeps the zone's {@link ZoneSyncLedger} in memory and
 * stores it as the zone's {@code ZoneSyncState} at most once per {@link #FLUSH_INTERVAL} (and when
 * the stream closes), each zone in its own of the interval's {@link #SLOTS} slots (given in turn as
 * streams open), so the copies of 10 000 entries per zone are spread over the interval instead of
 * coming all at one tick, in the way of every stream's response at that moment; fenced by the
 * zone's stream key ({@code fenceOf}: the claim while held, the key's vacancy once released), so
 * every replica answers the same, the answers survive restarts, and a replica that lost the zone
 * writes nothing more for it. Zones served here are answered from memory, the others from the
 * store. A state keeps at most {@link #MAX_ENTRIES} entries (about 100 bytes each, under etcd's 1.5
 * MiB value limit). The stored states are listed at most once per {@link #FLUSH_INTERVAL} per
 * replica.
 *
 * <p>Ledgers, dirty marks and stored versions are confined to one serial executor over {@code
 * scheduler}: the stream listener calls only queue their change there, so a KDS stream never waits
 * while a flush copies a zone's ledger (10 000 entries at a time); store calls complete back on it.
 */
public final class SyncStatus implements KdsStreamListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SyncStatus.class);

  /** Sync state names as served by the API. */
  public static final String PENDING = "pending";

  public static final String ACKED = "acked";
  public static final String NACKED = "nacked";
  public static final String TOO_LARGE = "rejected-too-large";

  /** A zone's state is written at most this often. */
  static final Duration FLUSH_INTERVAL = Duration.ofSeconds(1);

  /** The flush interval's slots: one tick each, a zone's state is written at its slot's tick. */
  static final int SLOTS = 20;

  /** Entries one zone's stored state keeps at most. */
  static final int MAX_ENTRIES = 10_000;

  /**
   * What one zone last received of a resource.
   *
   * @param zone the zone
   * @param version the content version (hash) sent
   * @param state {@value #PENDING}, {@value #ACKED}, {@value #NACKED} or {@value #TOO_LARGE}
   * @param time when it was sent, or when the zone answered
   * @param reason the zone's NACK reason, or why it was too large; null otherwise
   */
  public record ZoneSync(String zone, String version, String state, Instant time, String reason) {
    public ZoneSync {
      Objects.requireNonNull(zone, "zone");
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(state, "state");
    }

    static ZoneSync of(String zone, ZoneSyncStateSpec.Entry e) {
      return new ZoneSync(zone, e.version(), e.state(), e.time(), e.reason());
    }
  }

  private final KdsEnvelope envelope;
  private final Clock clock;
  private final ZoneSyncStates states;
  private final String instanceId;
  private final ScheduledExecutorService scheduler;
  private final SerialExecutor serial;
  private final Map<String, ZoneSyncLedger> ledgers = new HashMap<>();
  private final Set<String> dirty = new LinkedHashSet<>();
  private final Set<String> writing = new HashSet<>();
  private final Set<String> closing = new HashSet<>();
  private final Map<String, Long> storedVersions = new HashMap<>();
  private final Map<String, Integer> slots = new HashMap<>();
  private int nextSlot;
  private int tick;
  private final int maxEntries;
  private final Function<String, Fence> fenceOf;
  private ScheduledFuture<?> ticker;
  private CompletableFuture<List<Resource>> stored;
  private Instant storedAt;

  /**
   * @param envelope computes the content version zones get
   * @param clock stamps subscriptions and too-large rejections
   * @param store where the zones' states are kept
   * @param instanceId this global instance, recorded as the states' owner
   * @param scheduler runs the flushes
   * @param fenceOf the fence of a zone's writes, read at each write
   */
  SyncStatus(
      KdsEnvelope envelope,
      Clock clock,
      io.meshfed.store.ResourceStore store,
      String instanceId,
      ScheduledExecutorService scheduler,
      Function<String, Fence> fenceOf) {
    this(envelope, clock, store, instanceId, scheduler, fenceOf, MAX_ENTRIES);
  }

  SyncStatus(
      KdsEnvelope envelope,
      Clock clock,
      io.meshfed.store.ResourceStore store,
      String instanceId,
      ScheduledExecutorService scheduler,
      Function<String, Fence> fenceOf,
      int maxEntries) {
    this.fenceOf = fenceOf;
    this.envelope = envelope;
    this.clock = clock;
    this.states = new ZoneSyncStates(store);
    this.instanceId = instanceId;
    this.scheduler = scheduler;
    this.serial = new SerialExecutor(scheduler);
    this.maxEntries = maxEntries;
  }

  /** Starts writing the states of the zones served here. */
  void start() {
    onSerial(
        () -> {
          if (ticker == null) {
            long every = FLUSH_INTERVAL.toNanos() / SLOTS;
            ticker =
                scheduler.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.NANOSECONDS);
          }
          return null;
        });
  }

  /** Runs {@code task} on the serial executor; fails when it no longer takes tasks (stopping). */
  private <T> CompletableFuture<T> onSerial(Supplier<T> task) {
    try {
      return CompletableFuture.supplyAsync(task, serial);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Queues {@code change} on the serial executor; dropped when it no longer takes tasks. */
  private void later(Runnable change) {
    try {
      serial.execute(change);
    } catch (RejectedExecutionException e) {
      log.debug("sync status: a change after stopping was not recorded");
    }
  }

  /**
   * Per zone, what it last received of {@code key}, ordered by zone name: from memory for the zones
   * served here, from the stored states for the others.
   */
  public CompletableFuture<List<ZoneSync>> zonesOf(ResourceKey key) {
    return onSerial(() -> zonesOf(key, KdsEnvelope.wireName(key))).thenCompose(f -> f);
  }

  private CompletableFuture<List<ZoneSync>> zonesOf(ResourceKey key, String wire) {
    Map<String, ZoneSync> found = new TreeMap<>();
    Set<String> servedHere = new HashSet<>();
    for (ZoneSyncLedger ledger : ledgers.values()) {
      servedHere.add(ledger.zone());
      ledger
          .entry(key.type(), wire)
          .ifPresent(e -> found.put(ledger.zone(), ZoneSync.of(ledger.zone(), e)));
    }
    return stored()
        .thenApply(
            all -> {
              for (Resource state : all) {
                if (!servedHere.contains(state.name())) {
                  ZoneSyncStates.entry(state, key.type(), wire)
                      .ifPresent(e -> found.put(state.name(), ZoneSync.of(state.name(), e)));
                }
              }
              return List.copyOf(found.values());
            });
  }

  /**
   * The stored states, listed at most once per {@link #FLUSH_INTERVAL} (they change no faster):
   * pages of {@code _sync} answers (the GUI asks once per policy shown) cost one list.
   */
  private CompletableFuture<List<Resource>> stored() {
    Instant now = clock.instant();
    boolean fresh =
        stored != null
            && !(stored.isDone() && stored.isCompletedExceptionally())
            && !now.isAfter(storedAt.plus(FLUSH_INTERVAL));
    if (!fresh) {
      stored = states.all();
      storedAt = now;
    }
    return stored;
  }

  /** The version zones get for the stored {@code resource} (the KDS content hash). */
  public String versionOf(Resource resource) {
    return envelope.encode(GlobalSources.forZones(resource)).getVersion();
  }

  private static boolean tracked(KdsStreamInfo stream) {
    return stream.direction() == KdsDirection.GLOBAL_TO_ZONE
        && stream.role() == KdsStreamInfo.Role.SERVING;
  }

  /**
   * Queues {@code change} for the ledger of {@code stream}, applied if that stream is still the
   * zone's current one.
   */
  private void change(KdsStreamInfo stream, Consumer<ZoneSyncLedger> change) {
    if (!tracked(stream)) {
      return;
    }
    later(
        () -> {
          ZoneSyncLedger ledger = ledgers.get(stream.peer());
          if (ledger != null && ledger.streamId() == stream.id()) {
            change.accept(ledger);
            dirty.add(stream.peer());
          }
        });
  }

  @Override
  public void streamOpened(KdsStreamInfo stream) {
    if (!tracked(stream)) {
      return;
    }
    Instant at = clock.instant();
    later(
        () -> {
          ledgers.put(stream.peer(), new ZoneSyncLedger(stream.peer(), stream.id(), at));
          slots.put(stream.peer(), nextSlot);
          nextSlot = (nextSlot + 1) % SLOTS;
          closing.remove(stream.peer());
        });
  }

  @Override
  public void streamClosed(KdsStreamInfo stream, Status status) {
    if (!tracked(stream)) {
      return;
    }
    later(
        () -> {
          ZoneSyncLedger ledger = ledgers.get(stream.peer());
          if (ledger != null && ledger.streamId() == stream.id()) {
            closing.add(stream.peer());
            dirty.add(stream.peer());
            startWrites();
          }
        });
  }

  @Override
  public void subscribed(KdsStreamInfo stream, String type, Map<String, String> initialVersions) {
    Instant at = clock.instant();
    change(stream, l -> l.seed(type, initialVersions, at));
  }

  @Override
  public void responseSent(KdsStreamInfo stream, SentResponse response) {
    change(
        stream,
        l -> l.sent(response.type(), response.resources(), response.removed(), response.sentAt()));
  }

  @Override
  public void acked(KdsStreamInfo stream, SentResponse response, Duration latency) {
    Instant at = response.sentAt().plus(latency);
    change(stream, l -> l.answered(response.type(), response.resources(), Map.of(), at));
  }

  @Override
  public void nacked(
      KdsStreamInfo stream, SentResponse response, Map<String, String> rejected, Duration latency) {
    Instant at = response.sentAt().plus(latency);
    change(stream, l -> l.answered(response.type(), response.resources(), rejected, at));
  }

  @Override
  public void rejectedTooLarge(
      KdsStreamInfo stream, String type, String name, String version, int bytes, int budget) {
    String reason = bytes + " bytes, over the KDS response budget of " + budget + " bytes";
    Instant at = clock.instant();
    change(stream, l -> l.tooLarge(type, name, version, reason, at));
  }

  /**
   * Writes the state of every zone that changed and is not being written; completes when those
   * writes did (after every change queued before this call).
   */
  CompletableFuture<Void> flush() {
    return onSerial(this::startWrites).thenCompose(f -> f);
  }

  /**
   * One tick of the timer, {@link #SLOTS} per {@link #FLUSH_INTERVAL}: writes the state of every
   * zone of the next slot that changed and is not being written; completes when those writes did.
   */
  CompletableFuture<Void> tick() {
    return onSerial(
            () -> {
              int slot = tick;
              tick = (tick + 1) % SLOTS;
              return startWrites(zone -> slots.getOrDefault(zone, 0) == slot);
            })
        .thenCompose(f -> f);
  }

  /** Starts the writes of {@link #flush}, on the serial executor. */
  private CompletableFuture<Void> startWrites() {
    return startWrites(zone -> true);
  }

  /** Starts the writes of the zones {@code due} of {@link #flush}, on the serial executor. */
  private CompletableFuture<Void> startWrites(Predicate<String> due) {
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    for (String zone : List.copyOf(dirty)) {
      ZoneSyncLedger ledger = ledgers.get(zone);
      if (ledger == null) {
        dirty.remove(zone);
      } else if (due.test(zone) && !writing.contains(zone)) {
        dirty.remove(zone);
        writing.add(zone);
        ZoneSyncStateSpec spec = ledger.toSpec(instanceId, maxEntries);
        if (Boolean.TRUE.equals(spec.truncated()) && ledger.firstTruncation()) {
          log.warn(
              "zone {}: sync status has more than {} entries; only the first {} are stored",
              zone,
              maxEntries,
              maxEntries);
        }
        long known = storedVersions.getOrDefault(zone, 0L);
        writes.add(write(ledger, spec, known));
      }
    }
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
  }

  private CompletableFuture<Void> write(ZoneSyncLedger ledger, ZoneSyncStateSpec spec, long known) {
    String zone = ledger.zone();
    return states
        .write(zone, spec, known, fenceOf.apply(zone))
        .handleAsync(
            (outcome, error) -> {
              writing.remove(zone);
              boolean current = ledgers.get(zone) == ledger;
              if (error != null) {
                storedVersions.remove(zone);
                log.warn("zone {}: cannot store its sync status: {}", zone, error.toString());
                if (current && !closing.contains(zone)) {
                  dirty.add(zone);
                }
              } else if (outcome.superseded()) {
                storedVersions.remove(zone);
                log.info(
                    "zone {}: a newer stream of the zone holds its sync status (or this replica"
                        + " no longer serves the zone); this instance stops writing it",
                    zone);
                if (current) {
                  ledgers.remove(zone);
                  slots.remove(zone);
                  closing.remove(zone);
                }
                return null;
              } else if (outcome.version() == 0) {
                storedVersions.remove(zone);
                if (current) {
                  dirty.add(zone);
                }
                return null;
              } else {
                storedVersions.put(zone, outcome.version());
              }
              if (current && closing.contains(zone) && !dirty.contains(zone)) {
                ledgers.remove(zone);
                slots.remove(zone);
                closing.remove(zone);
              }
              return null;
            },
            serial);
  }

  /** Stops the timer and writes what changed since the last flush (waits up to 5 s). */
  @Override
  public void close() {
    CompletableFuture<Void> last =
        onSerial(
                () -> {
                  if (ticker != null) {
                    ticker.cancel(false);
                  }
                  closing.addAll(ledgers.keySet());
                  return startWrites();
                })
            .thenCompose(f -> f);
    try {
      last.get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
      log.warn("cannot store the zones' sync status before stopping: {}", e.toString());
    }
  }
}
