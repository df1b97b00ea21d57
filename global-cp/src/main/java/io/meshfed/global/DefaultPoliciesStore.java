package io.meshfed.global;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.defaults.InitialPolicies;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.store.AlreadyExistsException;
import io.meshfed.store.ForwardingStore;
import io.meshfed.store.Put;
import io.meshfed.store.ResourceStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store the global REST API writes through: creating a {@code Mesh} also creates its default
 * policies ({@link InitialPolicies}, unless the mesh skips them) before the create completes, so
 * they exist when the API answers 201. Updates never add them again: a default an operator deleted
 * stays deleted. Everything else passes through.
 *
 * <p>When a default policy cannot be created (the store failed half-way), the mesh is deleted again
 * (with the defaults already created in it) and the create fails with that error, so the client
 * sees a failed create and retries it whole. If that delete fails too, the mesh stays with part of
 * its defaults; this is logged at WARN with the missing ones.
 */
final class DefaultPoliciesStore extends ForwardingStore {
  private static final Logger log = LoggerFactory.getLogger(DefaultPoliciesStore.class);

  DefaultPoliciesStore(ResourceStore delegate) {
    super(delegate);
  }

  /** Creates default policies through the delegate's fenced view too. */
  @Override
  protected ResourceStore rewrap(ResourceStore fenced) {
    return new DefaultPoliciesStore(fenced);
  }

  @Override
  public CompletableFuture<Resource> create(Resource resource) {
    if (!resource.type().equals(StandardTypes.MESH)) {
      return delegate().create(resource);
    }
    return delegate().create(resource).thenCompose(this::withDefaults);
  }

  /** The delegate's own put; a Mesh it created gets its defaults as {@link #create} gives them. */
  @Override
  public CompletableFuture<Put> put(
      Resource resource, long expectedVersion, Consumer<Resource> checkExisting) {
    CompletableFuture<Put> put = delegate().put(resource, expectedVersion, checkExisting);
    if (!resource.type().equals(StandardTypes.MESH)) {
      return put;
    }
    return put.thenCompose(
        p ->
            p.created()
                ? withDefaults(p.resource()).thenApply(mesh -> p)
                : CompletableFuture.completedFuture(p));
  }

  /** The delegate's own delete, which checks the stored resource in the same step. */
  @Override
  public CompletableFuture<Void> delete(
      ResourceKey key, long expectedVersion, Consumer<Resource> checkExisting) {
    return delegate().delete(key, expectedVersion, checkExisting);
  }

  /** Creates the defaults of the just created {@code mesh}; rolls the mesh back if that fails. */
  private CompletableFuture<Resource> withDefaults(Resource mesh) {
    List<Resource> defaults = InitialPolicies.forMesh(mesh.name(), mesh.spec(MeshSpec.class));
    return createAll(defaults, 0)
        .handle(
            (ok, failure) -> {
              if (failure == null) {
                log.info(
                    "mesh '{}' created with {} default policies", mesh.name(), defaults.size());
                return CompletableFuture.completedFuture(mesh);
              }
              return rollBack(mesh, defaults, unwrap(failure));
            })
        .thenCompose(f -> f);
  }

  /** Creates {@code defaults[from..]} one after the other; one that exists already is kept. */
  private CompletableFuture<Void> createAll(List<Resource> defaults, int from) {
    if (from == defaults.size()) {
      return CompletableFuture.completedFuture(null);
    }
    Resource policy = defaults.get(from);
    return delegate()
        .create(policy)
        .handle(
            (created, failure) -> {
              if (failure != null && !(unwrap(failure) instanceof AlreadyExistsException)) {
                throw new CompletionException(unwrap(failure));
              }
              return null;
            })
        .thenCompose(ignored -> createAll(defaults, from + 1));
  }

  /** Deletes the mesh (and what was created in it), then fails with {@code cause}. */
  private CompletableFuture<Resource> rollBack(
      Resource mesh, List<Resource> defaults, Throwable cause) {
    log.warn(
        "mesh '{}': creating its default policies failed ({}); deleting the mesh again",
        mesh.name(),
        cause.toString());
    return delegate()
        .delete(mesh.key(), mesh.version())
        .handle(
            (ok, deleteFailure) -> {
              if (deleteFailure != null) {
                log.warn(
                    "mesh '{}' stays without all of its default policies {}: deleting it failed"
                        + " too ({}); delete and create it again, or create the missing ones",
                    mesh.name(),
                    defaults.stream().map(Resource::name).toList(),
                    unwrap(deleteFailure).toString());
              }
              throw new CompletionException(cause);
            });
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }
}
