package io.meshfed.store.ha;

import java.io.Closeable;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Keys of one namespace that live only as long as the process that wrote them: on etcd they are
 * bound to the process's session lease, so they vanish within the session TTL after the process
 * dies or is paused. Used for the registry of live replicas and for who owns a zone's KDS stream.
 */
public interface LeasedKeys {

  /** Sets {@code name} to {@code value}, owned by this process, whoever held it before. */
  CompletableFuture<Void> put(String name, String value);

  /**
   * Takes {@code name} for this process: creates it when absent, or replaces it when {@code
   * mayTakeOver} accepts the current value. The answer says whether this process holds it now and,
   * if not, the current holder's value. Atomic: of two racing claims at most one holds.
   */
  CompletableFuture<Claim> claim(String name, String value, Predicate<String> mayTakeOver);

  /** Deletes {@code name} if this claim still holds it (a newer holder's key is left alone). */
  CompletableFuture<Void> release(Claim claim);

  /**
   * A fence that holds while no process holds {@code name}: a write made under it commits only if
   * nobody claimed {@code name} since this process released it (or lost it to its lease). On etcd:
   * {@code mod_revision(key) == 0}, true only while the key is absent.
   */
  Fence vacancy(String name);

  /** The current value of {@code name}, if any process holds it. */
  CompletableFuture<Optional<String>> read(String name);

  /** Every live key of the namespace, name to value. */
  CompletableFuture<Map<String, String>> list();

  /**
   * Calls {@code onChange} with the value of {@code name} as first read (empty when absent), then
   * each time it changes (empty when deleted or expired), from one thread at a time, until the
   * handle is closed. The first value tells a caller what happened between its last look and the
   * watch (a claim taken over meanwhile); a value may be repeated.
   */
  Closeable watch(String name, Consumer<Optional<String>> onChange);

  /**
   * The outcome of {@link #claim}.
   *
   * @param held whether this process holds the key now
   * @param value the value of the key now (ours when held, the holder's otherwise)
   * @param fence fences writes made as the holder; present only when held
   */
  record Claim(String name, boolean held, String value, Optional<Fence> fence) {}
}
