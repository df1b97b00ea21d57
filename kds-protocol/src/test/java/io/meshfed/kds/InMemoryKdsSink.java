package io.meshfed.kds;

import io.meshfed.model.Resource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;

/**
 * A {@link KdsSink} held in memory: for tests. Keeps what it received by wire name with the
 * received version, and can be told to reject some resources (to exercise NACKs). Thread-safe.
 */
public final class InMemoryKdsSink implements KdsSink {
  private final List<String> types;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, TreeMap<String, KdsReceived>> byType = new HashMap<>();
  private volatile BiFunction<String, KdsReceived, String> rejecter = (type, r) -> null;
  private volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

  public InMemoryKdsSink(List<String> types) {
    this.types = List.copyOf(types);
    this.types.forEach(t -> byType.put(t, new TreeMap<>()));
  }

  @Override
  public List<String> types() {
    return types;
  }

  /**
   * Rejects every upsert for which {@code rejecter} returns a reason (type, received resource);
   * null accepts it.
   */
  public void rejectWhen(BiFunction<String, KdsReceived, String> newRejecter) {
    this.rejecter = newRejecter;
  }

  /** Applies wait for {@code newGate} to complete (to model a slow sink). */
  public void holdAppliesUntil(CompletableFuture<Void> newGate) {
    this.gate = newGate;
  }

  /** Seeds what the sink holds, as if an earlier sync delivered it. */
  public void hold(String type, KdsReceived received) {
    lock.lock();
    try {
      byType.get(type).put(received.name(), received);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public CompletableFuture<Map<String, String>> heldVersions(String type) {
    lock.lock();
    try {
      Map<String, String> out = new TreeMap<>();
      byType.getOrDefault(type, new TreeMap<>()).forEach((n, r) -> out.put(n, r.version()));
      return CompletableFuture.completedFuture(out);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public CompletableFuture<List<KdsRejection>> apply(
      String type, List<KdsReceived> upserts, List<String> removedNames) {
    return gate.thenApply(
        ignored -> {
          List<KdsRejection> rejected = new ArrayList<>();
          lock.lock();
          try {
            TreeMap<String, KdsReceived> set = byType.get(type);
            if (set == null) {
              upserts.forEach(
                  r -> rejected.add(new KdsRejection(r.name(), r.version(), "type not consumed")));
              return rejected;
            }
            for (KdsReceived r : upserts) {
              String reason = rejecter.apply(type, r);
              if (reason != null) {
                rejected.add(new KdsRejection(r.name(), r.version(), reason));
              } else {
                set.put(r.name(), r);
              }
            }
            removedNames.forEach(set::remove);
            return rejected;
          } finally {
            lock.unlock();
          }
        });
  }

  /** The resources of {@code type} held now, by wire name. */
  public Map<String, Resource> resources(String type) {
    lock.lock();
    try {
      Map<String, Resource> out = new TreeMap<>();
      byType.getOrDefault(type, new TreeMap<>()).forEach((n, r) -> out.put(n, r.resource()));
      return out;
    } finally {
      lock.unlock();
    }
  }

  /** The held resource called {@code name}, with its version. */
  public Optional<KdsReceived> get(String type, String name) {
    lock.lock();
    try {
      return Optional.ofNullable(byType.getOrDefault(type, new TreeMap<>()).get(name));
    } finally {
      lock.unlock();
    }
  }
}
