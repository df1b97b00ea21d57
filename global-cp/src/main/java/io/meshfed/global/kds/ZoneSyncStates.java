package io.meshfed.global.kds;

import io.meshfed.model.Labels;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.ZoneSyncStateSpec;
import io.meshfed.store.AlreadyExistsException;
import io.meshfed.store.ConflictException;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ha.Fence;
import io.meshfed.store.ha.FencedException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The stored {@code ZoneSyncState} of each zone: one resource per zone, written by the replica that
 * serves the zone's stream with a version check, read by every replica. A state written for an
 * older stream of the zone (an earlier {@code since}) never overwrites one of a newer stream, and
 * every write is fenced by the zone's stream key, so a replica that lost the zone (or was paused
 * past its lease) cannot write back what it saw last. Stateless; thread-safe.
 */
final class ZoneSyncStates {
  /**
   * The label marking the states as the control plane's own: the API neither shows nor takes them.
   */
  static final Map<String, String> LABELS = Map.of(Labels.MANAGED_BY, "global-sync-status");

  /**
   * How a write ended.
   *
   * @param version the stored version now (0 when it was not written)
   * @param superseded a newer stream of the zone owns the state: stop writing it
   */
  record Outcome(long version, boolean superseded) {
    static final Outcome RETRY = new Outcome(0, false);
    static final Outcome SUPERSEDED = new Outcome(0, true);
  }

  private final ResourceStore store;

  ZoneSyncStates(ResourceStore store) {
    this.store = store;
  }

  static ResourceKey key(String zone) {
    return ResourceKey.global(StandardTypes.ZONE_SYNC_STATE, zone);
  }

  /** Every stored state. */
  CompletableFuture<List<Resource>> all() {
    return store.list(ListQuery.all(StandardTypes.ZONE_SYNC_STATE)).thenApply(p -> p.items());
  }

  /**
   * Writes {@code spec} as the state of {@code zone}. With {@code knownVersion} 0 it reads the
   * stored state first; otherwise it updates that version. The write commits only while {@code
   * fence} holds. A conflict answers {@link Outcome#RETRY} (read again next time); a stored state
   * of a newer stream, or a fence that no longer holds, {@link Outcome#SUPERSEDED}.
   */
  CompletableFuture<Outcome> write(
      String zone, ZoneSyncStateSpec spec, long knownVersion, Fence fence) {
    ResourceStore writer = store.fenced(fence);
    Resource next = new Resource(key(zone), Meta.withLabels(LABELS), spec);
    CompletableFuture<Outcome> written;
    if (knownVersion > 0) {
      written = writer.update(next, knownVersion).thenApply(r -> new Outcome(r.version(), false));
    } else {
      written =
          store
              .get(key(zone))
              .thenCompose(
                  stored -> {
                    if (stored.isEmpty()) {
                      return writer.create(next).thenApply(r -> new Outcome(r.version(), false));
                    }
                    if (newer(stored.get(), spec)) {
                      return CompletableFuture.completedFuture(Outcome.SUPERSEDED);
                    }
                    return writer
                        .update(next, stored.get().version())
                        .thenApply(r -> new Outcome(r.version(), false));
                  });
    }
    return written.exceptionallyCompose(
        e -> {
          Throwable cause =
              e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
          if (cause instanceof ConflictException || cause instanceof AlreadyExistsException) {
            return CompletableFuture.completedFuture(Outcome.RETRY);
          }
          if (cause instanceof FencedException) {
            return CompletableFuture.completedFuture(Outcome.SUPERSEDED);
          }
          return CompletableFuture.failedFuture(cause);
        });
  }

  /** Whether {@code stored} belongs to a stream of the zone that opened after ours. */
  private static boolean newer(Resource stored, ZoneSyncStateSpec ours) {
    ZoneSyncStateSpec theirs = stored.spec(ZoneSyncStateSpec.class);
    return theirs.since() != null
        && ours.since() != null
        && theirs.since().isAfter(ours.since())
        && !java.util.Objects.equals(theirs.owner(), ours.owner());
  }

  /** The entry of {@code type}/{@code wireName} in a stored state, if any. */
  static Optional<ZoneSyncStateSpec.Entry> entry(Resource state, String type, String wireName) {
    Map<String, ZoneSyncStateSpec.Entry> entries =
        state.spec(ZoneSyncStateSpec.class).types().get(type);
    return entries == null ? Optional.empty() : Optional.ofNullable(entries.get(wireName));
  }
}
