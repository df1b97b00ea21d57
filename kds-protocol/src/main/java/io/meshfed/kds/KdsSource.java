package io.meshfed.kds;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import java.io.Closeable;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * What a serving side sends to one peer: per type, the complete current set of resources, already
 * filtered for that peer. Implementations are thread-safe; {@link #resources} returns an immutable
 * snapshot.
 *
 * <p>A serving side never sends anything of a type, and never removes anything the peer holds,
 * before {@link #isReady} says the type is loaded.
 */
public interface KdsSource {

  /** The types this source can serve, in registry order. */
  List<String> types();

  /** True once the set of {@code type} is completely loaded. */
  boolean isReady(String type);

  /** The complete current set of {@code type}; empty when the type is not ready. */
  List<Resource> resources(String type);

  /**
   * Calls {@code onChange} with a type name whenever that type's set or readiness may have changed.
   * Calls may come from any thread and may be spurious. Close the handle to stop.
   */
  Closeable subscribe(Consumer<String> onChange);

  /**
   * The current resource of {@code type} at {@code key}, as {@link #resources} would list it; empty
   * when there is none (or the type is not ready). Serving sides read the keys a change names with
   * it, so implementations should answer without listing the type; this default lists it.
   */
  default Optional<Resource> resource(String type, ResourceKey key) {
    return resources(type).stream().filter(r -> r.key().equals(key)).findFirst();
  }

  /**
   * Like {@link #subscribe}, naming the keys that changed: {@code onChange} gets the type and the
   * keys of the resources that may have changed, or null when any of the type's set or its
   * readiness may have changed (a relist, a change of what the filter lets through). This default
   * always says null.
   */
  default Closeable subscribeKeys(BiConsumer<String, Set<ResourceKey>> onChange) {
    return subscribe(type -> onChange.accept(type, null));
  }

  /**
   * A view of this source that keeps only the resources {@code filter} accepts and passes them
   * through {@code mapper} (e.g. per-zone filtering and label stamping on global).
   */
  default KdsSource filtered(Predicate<Resource> filter, UnaryOperator<Resource> mapper) {
    KdsSource base = this;
    return new KdsSource() {
      @Override
      public List<String> types() {
        return base.types();
      }

      @Override
      public boolean isReady(String type) {
        return base.isReady(type);
      }

      @Override
      public List<Resource> resources(String type) {
        return base.resources(type).stream().filter(filter).map(mapper).toList();
      }

      @Override
      public Closeable subscribe(Consumer<String> onChange) {
        return base.subscribe(onChange);
      }

      @Override
      public Optional<Resource> resource(String type, ResourceKey key) {
        return base.resource(type, key).filter(filter).map(mapper);
      }

      @Override
      public Closeable subscribeKeys(BiConsumer<String, Set<ResourceKey>> onChange) {
        return base.subscribeKeys(onChange);
      }
    };
  }
}
