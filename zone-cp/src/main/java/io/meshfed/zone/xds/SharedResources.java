package io.meshfed.zone.xds;

import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.VersionedResource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Makes proxies' snapshots share equal xDS resources: the generators build each proxy's config on
 * its own, so the cluster, endpoints, outbound listener and route of a service that 500 proxies
 * reach may be 500 equal objects; {@link #intern} hands back one instance for all of them (protobuf
 * messages are immutable values with content equality). It also remembers the instances it was
 * handed, so the next lookup of one (the same object built once for many proxies, see {@code
 * SidecarMemo}) costs an identity lookup instead of comparing whole protos, and each held
 * resource's {@link #digest} is computed once. An equal duplicate it was handed is remembered
 * weakly ({@link IdentityAliases}): only while its builder keeps it, not until the generation
 * turns.
 *
 * <p>The parts of snapshots are shared too: each held resource has one {@link VersionedResource}
 * for every snapshot that carries it (java-control-plane would otherwise make one per snapshot,
 * with a version string of its own), and proxies whose resources of a type are the same list get
 * the same {@link SnapshotResources} ({@link #part}). The names a held resource refers to (a
 * cluster's EDS name, a listener's RDS route names, read out of its filters' {@code Any}s) are read
 * once, for every snapshot's consistency check ({@link #references}).
 *
 * <p>Two generations bound what it keeps: a resource looked up moves into the current one; when the
 * current one has seen more instances than twice the previous (and {@link #MIN_GENERATION}), the
 * previous is dropped. A resource no proxy uses any more is therefore forgotten after at most two
 * turns; a proxy keeps its objects either way, it only stops sharing them with later builds.
 *
 * <p>Confinement: not thread-safe; used on the build executor only (by {@link SnapshotPublisher}).
 */
final class SharedResources {
  static final int MIN_GENERATION = 4096;

  private Generation current = new Generation();
  private Generation previous = new Generation();
  private int limit = MIN_GENERATION;
  private final Function<Message, Set<String>> readReferences;

  SharedResources() {
    this(SharedResources::readReferences);
  }

  /** With {@code readReferences} reading the names a resource refers to (for tests). */
  SharedResources(Function<Message, Set<String>> readReferences) {
    this.readReferences = readReferences;
  }

  /** One resource held: the instance handed out for every equal one, and its digest. */
  private static final class Held {
    final Message resource;
    private byte[] digest;
    private VersionedResource<Message> versioned;
    private Set<String> references;

    Held(Message resource) {
      this.resource = resource;
    }

    byte[] digest() {
      if (digest == null) {
        digest = SnapshotPublisher.digest(resource);
      }
      return digest;
    }

    /** The resource with its own version: the first 8 bytes of its digest, in hex. */
    VersionedResource<Message> versioned() {
      if (versioned == null) {
        versioned = VersionedResource.create(resource, HexFormat.of().formatHex(digest(), 0, 8));
      }
      return versioned;
    }
  }

  /** java-control-plane's reading of the names {@code resource} refers to. */
  static Set<String> readReferences(Message resource) {
    // the version is not read; create(resource) alone would hash the whole message for one
    return Set.copyOf(
        Resources.getResourceReferences(List.of(VersionedResource.create(resource, ""))));
  }

  /** A part of snapshots: a resource type and its version in them. */
  private record PartKey(String type, String version) {}

  private static final class Generation {
    // held resources by content
    final Map<Message, Held> byValue = new HashMap<>();
    // held instances looked up, by identity
    final Map<Message, Held> byInstance = new IdentityHashMap<>();
    // equal duplicates looked up, by identity, while something else keeps them
    final IdentityAliases<Held> aliases = new IdentityAliases<>();
    int lookedUp; // instances remembered (held ones and duplicates), for the turn
    // snapshot parts by type and version (a content hash of the part's resources, in order)
    final Map<PartKey, SnapshotResources<?>> parts = new HashMap<>();
  }

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
    return (M) held(resource).resource;
  }

  /** SHA-256 of the resource's deterministic bytes ({@link SnapshotPublisher#digest}). */
  byte[] digest(Message resource) {
    return held(resource).digest();
  }

  /**
   * The names of the resources {@code resource} refers to, as java-control-plane's {@code
   * Resources.getResourceReferences} reads them: read once per held resource.
   */
  Set<String> references(Message resource) {
    Held held = held(resource);
    if (held.references == null) {
      held.references = readReferences.apply(held.resource);
    }
    return held.references;
  }

  /**
   * The resources of {@code type} of a snapshot, {@code resources} (interned, in order) under
   * {@code version}: the instance handed out before for the same type, version and resources, or a
   * new one.
   */
  @SuppressWarnings("unchecked")
  <M extends Message> SnapshotResources<M> part(String type, List<M> resources, String version) {
    PartKey key = new PartKey(type, version);
    SnapshotResources<M> part = (SnapshotResources<M>) current.parts.get(key);
    if (part == null) {
      part = (SnapshotResources<M>) previous.parts.remove(key);
    }
    if (part == null || !holdsExactly(part, resources)) {
      List<VersionedResource<M>> versioned = new ArrayList<>(resources.size());
      for (M m : resources) {
        versioned.add((VersionedResource<M>) (VersionedResource<?>) held(m).versioned());
      }
      part = SnapshotResources.create(versioned, names -> version);
    }
    current.parts.put(key, part);
    return part;
  }

  /** True when {@code part} holds these very instances, in this order. */
  private static boolean holdsExactly(
      SnapshotResources<?> part, List<? extends Message> resources) {
    if (part.resources().size() != resources.size()) {
      return false;
    }
    Iterator<?> held = part.resources().values().iterator();
    for (Message m : resources) {
      if (held.next() != m) {
        return false;
      }
    }
    return true;
  }

  private Held held(Message resource) {
    Held held = current.byInstance.get(resource);
    if (held == null) {
      held = current.aliases.get(resource);
    }
    if (held != null) {
      return held;
    }
    held = current.byValue.get(resource);
    if (held == null) {
      held = previous.byValue.remove(resource);
      if (held == null) {
        held = new Held(resource);
      }
      current.byValue.put(held.resource, held);
    }
    if (held.resource == resource) {
      current.byInstance.put(resource, held);
    } else {
      current.aliases.put(resource, held);
    }
    if (++current.lookedUp > limit) {
      previous = current;
      current = new Generation();
      limit = Math.max(MIN_GENERATION, 2 * previous.lookedUp);
    }
    return held;
  }

  /** How many duplicates it still knows by identity (for tests). */
  int aliases() {
    return current.aliases.size() + previous.aliases.size();
  }

  /** How many resources it holds (for tests). */
  int size() {
    return current.byValue.size() + previous.byValue.size();
  }
}
