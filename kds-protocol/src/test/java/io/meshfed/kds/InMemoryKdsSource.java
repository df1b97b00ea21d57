package io.meshfed.kds;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import java.io.Closeable;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A {@link KdsSource} held in memory and changed by hand: for tests and for small fixed sets.
 * Thread-safe; subscribers are notified after each change, outside the lock.
 */
public final class InMemoryKdsSource implements KdsSource {
  private final List<String> types;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, TreeMap<ResourceKey, Resource>> byType = new HashMap<>();
  private final Set<String> ready = new HashSet<>();
  private final List<BiConsumer<String, Set<ResourceKey>>> subscribers =
      new CopyOnWriteArrayList<>();
  private final java.util.concurrent.atomic.AtomicLong fullReads =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong keyReads =
      new java.util.concurrent.atomic.AtomicLong();

  /** A source of {@code types}, all ready (loaded) or all not ready. */
  public InMemoryKdsSource(List<String> types, boolean ready) {
    this.types = List.copyOf(types);
    for (String t : this.types) {
      byType.put(t, new TreeMap<>());
      if (ready) {
        this.ready.add(t);
      }
    }
  }

  @Override
  public List<String> types() {
    return types;
  }

  @Override
  public boolean isReady(String type) {
    lock.lock();
    try {
      return ready.contains(type);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<Resource> resources(String type) {
    fullReads.incrementAndGet();
    lock.lock();
    try {
      TreeMap<ResourceKey, Resource> set = byType.get(type);
      return set == null || !ready.contains(type) ? List.of() : List.copyOf(set.values());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public java.util.Optional<Resource> resource(String type, ResourceKey key) {
    keyReads.incrementAndGet();
    lock.lock();
    try {
      TreeMap<ResourceKey, Resource> set = byType.get(type);
      return set == null || !ready.contains(type)
          ? java.util.Optional.empty()
          : java.util.Optional.ofNullable(set.get(key));
    } finally {
      lock.unlock();
    }
  }

  /** How often a whole type was listed ({@link #resources}). */
  public long fullReads() {
    return fullReads.get();
  }

  /** How often one key was read ({@link #resource}). */
  public long keyReads() {
    return keyReads.get();
  }

  @Override
  public Closeable subscribe(Consumer<String> onChange) {
    return subscribeKeys((type, keys) -> onChange.accept(type));
  }

  @Override
  public Closeable subscribeKeys(BiConsumer<String, Set<ResourceKey>> onChange) {
    subscribers.add(onChange);
    return () -> subscribers.remove(onChange);
  }

  /** Marks every type ready or not ready. */
  public void setReady(boolean isReady) {
    lock.lock();
    try {
      if (isReady) {
        ready.addAll(types);
      } else {
        ready.clear();
      }
    } finally {
      lock.unlock();
    }
    types.forEach(this::notifyChange);
  }

  /** Adds or replaces resources (each of a type this source serves). */
  public void put(Resource... resources) {
    put(List.of(resources));
  }

  public void put(Collection<Resource> resources) {
    Map<String, Set<ResourceKey>> changed = new HashMap<>();
    lock.lock();
    try {
      for (Resource r : resources) {
        set(r.type()).put(r.key(), r);
        changed.computeIfAbsent(r.type(), t -> new HashSet<>()).add(r.key());
      }
    } finally {
      lock.unlock();
    }
    changed.forEach(this::notifyKeys);
  }

  public void remove(ResourceKey key) {
    lock.lock();
    try {
      set(key.type()).remove(key);
    } finally {
      lock.unlock();
    }
    notifyKeys(key.type(), Set.of(key));
  }

  private TreeMap<ResourceKey, Resource> set(String type) {
    TreeMap<ResourceKey, Resource> set = byType.get(type);
    if (set == null) {
      throw new IllegalArgumentException(
          "type '" + type + "' is not served by this source (expected one of " + types + ")");
    }
    return set;
  }

  private void notifyChange(String type) {
    notifyKeys(type, null);
  }

  private void notifyKeys(String type, Set<ResourceKey> keys) {
    for (BiConsumer<String, Set<ResourceKey>> s : subscribers) {
      s.accept(type, keys);
    }
  }
}
