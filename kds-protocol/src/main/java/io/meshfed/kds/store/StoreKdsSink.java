package io.meshfed.kds.store;

import io.meshfed.kds.KdsEnvelope;
import io.meshfed.kds.KdsReceived;
import io.meshfed.kds.KdsRejection;
import io.meshfed.kds.KdsSink;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.store.ListQuery;
import io.meshfed.store.NotFoundException;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.StoreException;
import io.meshfed.store.StoreUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link KdsSink} that writes into a {@link ResourceStore}.
 *
 * <p>Each received resource goes through {@code stamp} (global renames zone resources and adds
 * {@code kuma.io/origin}/{@code kuma.io/zone}; a zone adds {@code kuma.io/origin: global}); the
 * stamp must keep the mesh. The sink then adds two labels of its own so that it can resume after a
 * restart without keeping any state outside the store:
 *
 * <ul>
 *   <li>{@value #VERSION_LABEL}: the version received over KDS (the serving side's content hash),
 *       reported back in {@code initial_resource_versions};
 *   <li>{@value #NAME_LABEL}: the name on the wire, only when {@code stamp} renamed the resource.
 * </ul>
 *
 * {@code owned} tells which stored resources belong to this sync (e.g. {@code kuma.io/zone=z1} and
 * {@code kuma.io/origin=zone} on global): only those are reported as held, updated or removed; a
 * received resource whose stored key is taken by a resource not owned is rejected. Store failures
 * of one resource are rejections; an unreachable store fails the whole apply.
 *
 * <p>Applying a response reads only the keys it names (one {@code get} per upsert or removal),
 * never the whole type: on global a zone's response would otherwise list every copy of that type of
 * every zone. A removal names a wire name; {@code storedKey} maps its key to the stored one (the
 * same renaming {@code stamp} does). A removal that key does not find is looked up in one list of
 * the type, so a sink whose {@code storedKey} does not match its stamp is slower, never wrong. Only
 * {@link #heldVersions} (once per subscription) lists the type.
 */
public final class StoreKdsSink implements KdsSink {
  /** Label holding the version received over KDS. */
  public static final String VERSION_LABEL = "kds.meshfed.io/version";

  /** Label holding the wire name when the stored name differs. */
  public static final String NAME_LABEL = "kds.meshfed.io/name";

  /**
   * Label holding the identity of the serving instance a copy came from, when the sink fences by
   * peer ({@link #fencedByPeer()}).
   */
  public static final String PEER_LABEL = "kds.meshfed.io/peer";

  private static final Logger log = LoggerFactory.getLogger(StoreKdsSink.class);

  private final ResourceStore store;
  private final List<String> types;
  private final Predicate<Resource> owned;
  private final UnaryOperator<Resource> stamp;
  private final UnaryOperator<ResourceKey> storedKey;
  private final boolean fenceByPeer;

  /** A sink whose {@code stamp} keeps each resource's key (type, mesh and name). */
  public StoreKdsSink(
      ResourceStore store,
      List<String> types,
      Predicate<Resource> owned,
      UnaryOperator<Resource> stamp) {
    this(store, types, owned, stamp, UnaryOperator.identity(), false);
  }

  /**
   * A sink whose {@code stamp} may rename: {@code storedKey} maps the key a resource has on the
   * wire to the key {@code stamp} stores it under.
   */
  public StoreKdsSink(
      ResourceStore store,
      List<String> types,
      Predicate<Resource> owned,
      UnaryOperator<Resource> stamp,
      UnaryOperator<ResourceKey> storedKey) {
    this(store, types, owned, stamp, storedKey, false);
  }

  private StoreKdsSink(
      ResourceStore store,
      List<String> types,
      Predicate<Resource> owned,
      UnaryOperator<Resource> stamp,
      UnaryOperator<ResourceKey> storedKey,
      boolean fenceByPeer) {
    this.store = store;
    this.types = List.copyOf(types);
    this.owned = owned;
    this.stamp = stamp;
    this.storedKey = storedKey;
    this.fenceByPeer = fenceByPeer;
  }

  /**
   * The same sink, fencing removals by peer: every copy is labelled with the identity of the
   * serving instance it came from ({@value #PEER_LABEL}), and a removal is applied only to copies
   * from the same identity. A serving side with another identity (a global started on an empty
   * store has a new one) can replace copies by sending them again, but never wipes copies it did
   * not send; those are kept and logged.
   */
  public StoreKdsSink fencedByPeer() {
    return new StoreKdsSink(store, types, owned, stamp, storedKey, true);
  }

  @Override
  public List<String> types() {
    return types;
  }

  /** The wire name of a resource this sink stored. */
  static String wireName(Resource stored) {
    String name = stored.labels().getOrDefault(NAME_LABEL, stored.name());
    return stored.mesh() == null ? name : stored.mesh() + "/" + name;
  }

  /** The owned resources of {@code type} in the store, by wire name. */
  private CompletableFuture<Map<String, Resource>> ownedByWireName(String type) {
    return store
        .list(ListQuery.all(type))
        .thenApply(
            page -> {
              Map<String, Resource> out = new TreeMap<>();
              for (Resource r : page.items()) {
                if (owned.test(r)) {
                  out.put(wireName(r), r);
                }
              }
              return out;
            });
  }

  @Override
  public CompletableFuture<Map<String, String>> heldVersions(String type) {
    return ownedByWireName(type)
        .thenApply(
            held -> {
              Map<String, String> out = new TreeMap<>();
              held.forEach((name, r) -> out.put(name, r.labels().getOrDefault(VERSION_LABEL, "")));
              return out;
            });
  }

  @Override
  public CompletableFuture<List<KdsRejection>> apply(
      String type, List<KdsReceived> upserts, List<String> removedNames) {
    return apply(type, upserts, removedNames, "");
  }

  @Override
  public CompletableFuture<List<KdsRejection>> apply(
      String type, List<KdsReceived> upserts, List<String> removedNames, String peerId) {
    String peer = fenceByPeer && peerId != null && !peerId.isEmpty() ? peerId : null;
    List<KdsRejection> rejected = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    List<String> notFound = new ArrayList<>();
    // One step after the other: each step appends to the lists above before the next one starts.
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (KdsReceived received : upserts) {
      chain = chain.thenCompose(v -> upsert(received, peer, rejected));
    }
    for (String name : removedNames) {
      ResourceKey key = storedKey.apply(wireKey(type, name));
      chain =
          chain.thenCompose(
              v ->
                  store
                      .get(key)
                      .thenCompose(
                          found -> {
                            Resource stored = found.orElse(null);
                            if (stored == null
                                || !owned.test(stored)
                                || !wireName(stored).equals(name)) {
                              notFound.add(name);
                              return CompletableFuture.completedFuture(null);
                            }
                            return removeOwned(name, stored, peer, kept, rejected);
                          }));
    }
    return chain
        .thenCompose(
            v ->
                notFound.isEmpty()
                    ? CompletableFuture.<Void>completedFuture(null)
                    : removeListed(type, notFound, peer, kept, rejected))
        .thenApply(
            v -> {
              if (!kept.isEmpty()) {
                log.warn(
                    "{} {}: kept {} cop{} that the peer {} asked to remove but never sent (they"
                        + " came from another instance, e.g. before the peer's store was wiped):"
                        + " {}",
                    type,
                    peer,
                    kept.size(),
                    kept.size() == 1 ? "y" : "ies",
                    peer,
                    kept.size() > 10 ? kept.subList(0, 10) + "..." : kept);
              }
              return rejected;
            });
  }

  /** The key a wire name stands for: {@code mesh/name} for mesh-scoped types, else the name. */
  static ResourceKey wireKey(String type, String wireName) {
    int slash = wireName.indexOf('/');
    return slash < 0
        ? ResourceKey.global(type, wireName)
        : ResourceKey.inMesh(type, wireName.substring(0, slash), wireName.substring(slash + 1));
  }

  /**
   * Removals whose stored key did not hold them: looked up in one list of the type (a stamp that
   * renames differently from {@code storedKey}); names not held at all are done.
   */
  private CompletableFuture<Void> removeListed(
      String type,
      List<String> names,
      String peer,
      List<String> kept,
      List<KdsRejection> rejected) {
    return ownedByWireName(type)
        .thenCompose(
            held -> {
              CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
              for (String name : names) {
                Resource stored = held.get(name);
                if (stored != null) {
                  chain = chain.thenCompose(v -> removeOwned(name, stored, peer, kept, rejected));
                }
              }
              return chain;
            });
  }

  /** Deletes an owned copy, unless it came from another peer than the one removing it. */
  private CompletableFuture<Void> removeOwned(
      String name, Resource stored, String peer, List<String> kept, List<KdsRejection> rejected) {
    String from = stored.labels().get(PEER_LABEL);
    if (peer != null && from != null && !from.equals(peer)) {
      kept.add(name);
      return CompletableFuture.completedFuture(null);
    }
    return remove(name, stored, rejected);
  }

  private CompletableFuture<Void> upsert(
      KdsReceived received, String peer, List<KdsRejection> rejected) {
    Resource stamped = stamp.apply(received.resource());
    if (!java.util.Objects.equals(stamped.mesh(), received.resource().mesh())) {
      rejected.add(
          new KdsRejection(
              received.name(),
              received.version(),
              "the sink's stamp moved it to mesh '" + stamped.mesh() + "'"));
      return CompletableFuture.completedFuture(null);
    }
    var meta = stamped.meta().withLabel(VERSION_LABEL, received.version());
    if (peer != null) {
      meta = meta.withLabel(PEER_LABEL, peer);
    }
    if (!stamped.name().equals(received.resource().name())) {
      meta = meta.withLabel(NAME_LABEL, received.resource().name());
    }
    Resource toStore = stamped.withMeta(meta);
    CompletableFuture<Resource> write =
        store
            .get(toStore.key())
            .thenCompose(
                current -> {
                  if (current.isEmpty()) {
                    return store.create(toStore);
                  }
                  Resource existing = current.get();
                  if (!owned.test(existing)) {
                    throw new StoreException(
                        toStore.key() + " exists and was not written by KDS: not overwritten");
                  }
                  if (existing.sameContent(toStore)) {
                    return CompletableFuture.completedFuture(existing);
                  }
                  return store.update(toStore, 0);
                });
    return write.handle(
        (ok, error) -> {
          if (error != null) {
            rejected.add(
                new KdsRejection(received.name(), received.version(), failure(error, toStore)));
          }
          return null;
        });
  }

  private CompletableFuture<Void> remove(
      String name, Resource stored, List<KdsRejection> rejected) {
    return store
        .delete(stored.key(), 0)
        .handle(
            (ok, error) -> {
              if (error != null && !(unwrap(error) instanceof NotFoundException)) {
                rejected.add(new KdsRejection(name, "", failure(error, stored)));
              }
              return null;
            });
  }

  /** The reason of a per-resource failure; rethrows when the store itself is unavailable. */
  private static String failure(Throwable error, Resource r) {
    Throwable cause = unwrap(error);
    if (cause instanceof StoreUnavailableException e) {
      throw e;
    }
    String msg = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return "cannot store " + KdsEnvelope.wireName(r) + ": " + msg;
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }
}
