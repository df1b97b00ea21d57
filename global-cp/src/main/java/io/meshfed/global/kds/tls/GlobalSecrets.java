package io.meshfed.global.kds.tls;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.store.AlreadyExistsException;
import io.meshfed.store.ConflictException;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.StoreCalls;
import io.meshfed.store.StoreException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Get-or-create of the control plane's own {@code GlobalSecret}s (the KDS CA, the KDS serving
 * certificate, the zone token signing key). The first writer wins: when two global replicas sharing
 * one store start together, the one whose create fails with {@link AlreadyExistsException} reads
 * and uses the winner's value, so every replica ends up with the same material.
 */
public final class GlobalSecrets {
  /** Label on every secret meshfed creates for itself. */
  public static final String MANAGED_BY_LABEL = io.meshfed.model.Labels.MANAGED_BY;

  /** How long one store call may take before start-up gives up. */
  public static final Duration STORE_TIMEOUT = Duration.ofSeconds(30);

  private GlobalSecrets() {}

  /** The stored value, with its version. */
  public record Stored(byte[] data, long version) {
    public Stored {
      data = data.clone();
    }

    @Override
    public byte[] data() {
      return data.clone();
    }
  }

  /** The key of the global secret {@code name}. */
  public static ResourceKey key(String name) {
    return ResourceKey.global(StandardTypes.GLOBAL_SECRET, name);
  }

  /** The secret's decoded bytes, if it exists. */
  public static Optional<Stored> read(ResourceStore store, String name) {
    return await(store.get(key(name)), "read GlobalSecret '" + name + "'")
        .map(r -> decode(r, name));
  }

  /**
   * The secret's bytes: the stored ones when present, otherwise {@code create}'s, stored now. If
   * another writer created it first, its value is returned instead.
   */
  public static Stored getOrCreate(ResourceStore store, String name, Supplier<byte[]> create) {
    Optional<Stored> existing = read(store, name);
    if (existing.isPresent()) {
      return existing.get();
    }
    byte[] fresh = create.get();
    try {
      Resource stored =
          await(
              store.create(new Resource(key(name), labels(), GlobalSecretSpec.of(fresh))),
              "create GlobalSecret '" + name + "'");
      return new Stored(fresh, stored.version());
    } catch (AlreadyExistsException lostRace) {
      return read(store, name)
          .orElseThrow(
              () ->
                  new StoreException(
                      "GlobalSecret '"
                          + name
                          + "' was created by another writer, then disappeared before it could"
                          + " be read; restart to try again"));
    }
  }

  /**
   * Replaces {@code current} with {@code create}'s value (optimistic on its version). When another
   * writer changed the secret meanwhile, its value is kept and returned if {@code acceptable};
   * otherwise the replacement is retried against it. Returns what is stored afterwards.
   */
  public static Stored replace(
      ResourceStore store,
      String name,
      Stored current,
      Predicate<byte[]> acceptable,
      Supplier<byte[]> create) {
    byte[] fresh = create.get();
    try {
      Resource stored =
          await(
              store.update(
                  new Resource(key(name), labels(), GlobalSecretSpec.of(fresh)), current.version()),
              "update GlobalSecret '" + name + "'");
      return new Stored(fresh, stored.version());
    } catch (ConflictException changedMeanwhile) {
      Stored winner =
          read(store, name)
              .orElseThrow(
                  () ->
                      new StoreException(
                          "GlobalSecret '" + name + "' disappeared while it was being renewed"));
      if (acceptable.test(winner.data())) {
        return winner;
      }
      return replace(store, name, winner, acceptable, () -> fresh);
    }
  }

  private static Meta labels() {
    return Meta.withLabels(Map.of(MANAGED_BY_LABEL, "meshfed-global"));
  }

  private static Stored decode(Resource r, String name) {
    try {
      return new Stored(r.spec(GlobalSecretSpec.class).bytes(), r.version());
    } catch (IllegalArgumentException | ClassCastException e) {
      throw new StoreException(
          "GlobalSecret '" + name + "': data is not base64 (" + e.getMessage() + ")", e);
    }
  }

  private static <T> T await(CompletableFuture<T> future, String what) {
    return StoreCalls.await(future, STORE_TIMEOUT, what);
  }
}
