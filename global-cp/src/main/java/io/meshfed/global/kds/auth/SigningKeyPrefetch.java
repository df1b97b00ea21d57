package io.meshfed.global.kds.auth;

import io.meshfed.global.kds.tls.GlobalSecrets;
import io.meshfed.store.ResourceStore;
import java.security.PrivateKey;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RSA signing keys generated ahead of their first use, on an executor, while the control plane
 * starts its other parts: on a first start (an empty store) global needs two RSA 2048 keys (zone
 * tokens and user tokens), and generating one takes hundreds of milliseconds of a cold JVM's CPU.
 * Only the keys whose GlobalSecret the store does not hold yet are generated; the code that stores
 * a key takes it from {@link #generatorFor}, which waits for the prefetched key (or generates one
 * at once when none was prefetched, e.g. when another replica stored the key meanwhile and it is
 * asked again).
 *
 * <p>Thread-safe: the pending keys are in a concurrent map, each taken at most once.
 */
public final class SigningKeyPrefetch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SigningKeyPrefetch.class);

  private final Map<String, CompletableFuture<PrivateKey>> pending;
  private final Supplier<PrivateKey> generator;

  private SigningKeyPrefetch(
      Map<String, CompletableFuture<PrivateKey>> pending, Supplier<PrivateKey> generator) {
    this.pending = pending;
    this.generator = generator;
  }

  /**
   * Starts generating, on {@code executor}, an RSA key for each of {@code secretNames} that the
   * store does not hold.
   */
  public static SigningKeyPrefetch start(
      ResourceStore store, Collection<String> secretNames, Executor executor) {
    return start(store, secretNames, executor, ZoneTokenSigningKey::newPrivateKey);
  }

  /** Like {@link #start(ResourceStore, Collection, Executor)} with another key generator. */
  static SigningKeyPrefetch start(
      ResourceStore store,
      Collection<String> secretNames,
      Executor executor,
      Supplier<PrivateKey> generator) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(executor, "executor");
    Objects.requireNonNull(generator, "generator");
    Map<String, CompletableFuture<PrivateKey>> pending = new ConcurrentHashMap<>();
    for (String name : secretNames) {
      if (GlobalSecrets.read(store, name).isEmpty()) {
        pending.put(name, CompletableFuture.supplyAsync(generator, executor));
      }
    }
    if (!pending.isEmpty()) {
      log.debug("generating signing keys in the background for {}", pending.keySet());
    }
    return new SigningKeyPrefetch(pending, generator);
  }

  /** The secret names whose key is being (or was) generated and not taken yet. */
  java.util.Set<String> pendingNames() {
    return java.util.Set.copyOf(pending.keySet());
  }

  /**
   * The key generator to store GlobalSecret {@code secretName} with: the first call waits for the
   * prefetched key, later calls (and calls for a name not prefetched) generate a key at once.
   *
   * @throws IllegalStateException (from {@code get()}) when the background generation failed
   */
  public Supplier<PrivateKey> generatorFor(String secretName) {
    Objects.requireNonNull(secretName, "secretName");
    return () -> {
      CompletableFuture<PrivateKey> prefetched = pending.remove(secretName);
      if (prefetched == null) {
        return generator.get();
      }
      try {
        return prefetched.join();
      } catch (CompletionException | CancellationException e) {
        throw new IllegalStateException(
            "generating the signing key for GlobalSecret '"
                + secretName
                + "' in the background failed: "
                + (e.getCause() == null ? e : e.getCause()),
            e);
      }
    };
  }

  /** Cancels the generation of keys nobody took (a start that failed half way). */
  @Override
  public void close() {
    pending.values().forEach(f -> f.cancel(false));
    pending.clear();
  }
}
