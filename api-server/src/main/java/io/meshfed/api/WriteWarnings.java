package io.meshfed.api;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import java.util.List;
import java.util.Optional;

/**
 * What to tell a client about a write that is accepted but will not do what it says, such as a
 * cross-zone route in a mesh without mTLS. The API sends each warning in a {@code Warning: 299 -
 * "text"} header of its 200/201 answer (as Kubernetes does); the resource's body is unchanged.
 * Called after the write was checked and before it is stored (also for a dry run).
 */
@FunctionalInterface
public interface WriteWarnings {
  /**
   * @param resource the resource as it will be stored
   * @param store reads of the store as it is before this write
   * @return warnings, each one sentence; empty when there is nothing to say
   */
  List<String> of(Resource resource, Reader store) throws Exception;

  /** Synchronous, time-bounded reads of the store. */
  interface Reader {
    Optional<Resource> get(ResourceKey key) throws Exception;

    /** Every resource of {@code type} in {@code mesh} (all meshes when null). */
    List<Resource> list(String type, String mesh) throws Exception;
  }

  static WriteWarnings none() {
    return (resource, store) -> List.of();
  }

  /** The warnings of {@code this}, then those of {@code next}. */
  default WriteWarnings and(WriteWarnings next) {
    return (resource, store) -> {
      List<String> first = of(resource, store);
      List<String> second = next.of(resource, store);
      return first.isEmpty() ? second : second.isEmpty() ? first : concat(first, second);
    };
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }
}
