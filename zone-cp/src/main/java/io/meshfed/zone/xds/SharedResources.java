package io.meshfed.zone.xds;

import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes proxies' snapshots share equal xDS resources: the generators build each proxy's config on
 * its own, so the cluster, endpoints, outbound listener and route of a service that 500 proxies
 * reach are 500 equal objects; {@link #intern} hands back one instance for all of them (protobuf
 * messages are immutable values with content equality).
 *
 * <p>Two generations bound what it keeps: a resource looked up moves into the current one; when the
 * current one grows past twice the size the previous had (and {@link #MIN_GENERATION}), the
 * previous is dropped. A resource no proxy uses any more is therefore forgotten after at most two
 * turns; a proxy keeps its objects either way, it only stops sharing them with later builds.
 *
 * <p>Confinement: not thread-safe; used on the build executor only (by {@link SnapshotPublisher}).
 */
final class SharedResources {
  static final int MIN_GENERATION = 4096;

  private Map<Message, Message> current = new HashMap<>();
  private Map<Message, Message> previous = new HashMap<>();
  private int limit = MIN_GENERATION;

  /** {@code resources}, each replaced by the instance already held that equals it. */
  <M extends Message> List<M> intern(List<M> resources) {
    List<M> out = new ArrayList<>(resources.size());
    for (M m : resources) {
      out.add(intern(m));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  <M extends Message> M intern(M resource) {
    Message held = current.get(resource);
    if (held == null) {
      held = previous.remove(resource);
      if (held == null) {
        held = resource;
      }
      current.put(held, held);
      if (current.size() > limit) {
        previous = current;
        current = new HashMap<>();
        limit = Math.max(MIN_GENERATION, 2 * previous.size());
      }
    }
    return (M) held;
  }

  /** How many resources it holds (for tests). */
  int size() {
    return current.size() + previous.size();
  }
}
