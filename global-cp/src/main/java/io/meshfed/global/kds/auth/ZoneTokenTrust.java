package io.meshfed.global.kds.auth;

import io.meshfed.api.auth.WatchedGlobalSecrets;
import io.meshfed.global.kds.tls.GlobalSecrets;
import io.meshfed.kds.pki.Pem;
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
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Global's zone-token trust, followed from the store so that every replica agrees: the signing keys
 * ({@code GlobalSecret zone-token-signing-key-<kid>}, the highest numeric kid signs, every stored
 * one verifies) and the revoked token ids ({@code GlobalSecret zone-token-revocations}, ids
 * separated by commas or white space, as in Kuma). {@link #rotate()} adds a key that becomes the
 * signer while the older ones keep verifying until their secret is deleted; {@link #revoke} adds an
 * id. Listeners are told after every change, so open streams can be re-checked.
 *
 * <p>The secrets are held by a {@link WatchedGlobalSecrets} view fed by the store's watch: no check
 * reads the store. When the view cannot vouch for itself (the store silent for longer than its
 * bound), {@link #requireCurrent()} refuses new connections with {@code UNAVAILABLE}; open streams
 * are re-checked against what the view last held.
 *
 * <p>Thread-safe: the current {@link Snapshot} is replaced whole under {@code lock}.
 */
public final class ZoneTokenTrust implements ZoneTokenKeys, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ZoneTokenTrust.class);

  /** The GlobalSecret holding revoked token ids. */
  public static final String REVOCATIONS_SECRET = "zone-token-revocations";

  private static final Duration APPLY_TIMEOUT = Duration.ofSeconds(30);
  private static final int WRITE_ATTEMPTS = 10;

  private final ResourceStore store;
  private final WatchedGlobalSecrets secrets;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private Snapshot snapshot = new Snapshot(Map.of(), Set.of());

  /**
   * The snapshot whose listeners have all run: {@link #revoke}, {@link #rotate} and {@link #remove}
   * wait for this one, so when they return the streams a change closes are closed.
   */
  private Snapshot announced = snapshot;

  private Closeable subscription;

  /** Signing keys by kid, and revoked ids, as last read from the store. */
  public record Snapshot(Map<String, ZoneTokenSigningKey> keys, Set<String> revoked) {
    public Snapshot {
      keys = Map.copyOf(keys);
      revoked = Set.copyOf(revoked);
    }

    /** The key new tokens are signed with: the highest kid, or null when there is none. */
    public ZoneTokenSigningKey signer() {
      return keys.values().stream().max(Comparator.comparing(k -> kidOrder(k.kid()))).orElse(null);
    }
  }

  private ZoneTokenTrust(ResourceStore store, WatchedGlobalSecrets secrets) {
    this.store = store;
    this.secrets = secrets;
  }

  /**
   * Creates the first signing key when the store has none, then follows the store; returns once the
   * keys are loaded.
   *
   * @throws IllegalStateException when the store does not answer within 30 s
   */
  public static ZoneTokenTrust start(
      ResourceStore store, ScheduledExecutorService scheduler, Clock clock) {
    return start(store, scheduler, clock, ZoneTokenSigningKey::newPrivateKey);
  }

  /**
   * Like {@link #start(ResourceStore, ScheduledExecutorService, Clock)}, taking the first signing
   * key from {@code generator} when the store has none (see {@link SigningKeyPrefetch}).
   */
  public static ZoneTokenTrust start(
      ResourceStore store,
      ScheduledExecutorService scheduler,
      Clock clock,
      java.util.function.Supplier<java.security.PrivateKey> generator) {
    ZoneTokenSigningKey.loadOrCreate(store, generator);
    ZoneTokenTrust trust =
        new ZoneTokenTrust(
            store,
            WatchedGlobalSecrets.start(
                store,
                ZoneTokenTrust::isTrustSecret,
                "the zone token keys and revocation list",
                clock,
                scheduler,
                WatchedGlobalSecrets.Settings.defaults()));
    trust.subscription = trust.secrets.onChange(trust::rebuild);
    try {
      trust.secrets.awaitLoaded(APPLY_TIMEOUT);
    } catch (IllegalStateException e) {
      trust.close();
      throw new IllegalStateException(
          "cannot load the zone token keys from the store within " + APPLY_TIMEOUT, e);
    }
    trust.rebuild();
    trust.await(s -> s.signer() != null, "a zone token signing key");
    return trust;
  }

  private static boolean isTrustSecret(String name) {
    return name.startsWith(ZoneTokenSigningKey.SECRET_PREFIX) || name.equals(REVOCATIONS_SECRET);
  }

  /** Ordering of kids: numeric ones by value (after any non-numeric one), then by text. */
  private static String kidOrder(String kid) {
    return kid.chars().allMatch(Character::isDigit)
        ? "1" + String.format("%019d", new java.math.BigInteger(kid).min(MAX_KID).longValue())
        : "0" + kid;
  }

  private static final java.math.BigInteger MAX_KID = java.math.BigInteger.valueOf(Long.MAX_VALUE);

  private void rebuild() {
    Map<String, ZoneTokenSigningKey> keys = new TreeMap<>();
    Set<String> revoked = new LinkedHashSet<>();
    for (Resource r : secrets.held().values()) {
      try {
        byte[] data = r.spec(GlobalSecretSpec.class).bytes();
        if (r.name().equals(REVOCATIONS_SECRET)) {
          revoked.addAll(parseIds(new String(data, StandardCharsets.UTF_8)));
        } else {
          String kid = r.name().substring(ZoneTokenSigningKey.SECRET_PREFIX.length());
          keys.put(
              kid,
              ZoneTokenSigningKey.of(
                  kid,
                  Pem.firstPrivateKey(
                      new String(data, StandardCharsets.UTF_8),
                      "GlobalSecret '" + r.name() + "'")));
        }
      } catch (RuntimeException e) {
        log.error(
            "GlobalSecret '{}' is not usable for zone tokens and is ignored: {}",
            r.name(),
            e.getMessage());
      }
    }
    Snapshot next = new Snapshot(keys, revoked);
    Snapshot previous;
    lock.lock();
    try {
      previous = snapshot;
      snapshot = next;
    } finally {
      lock.unlock();
    }
    if (!previous.keys().keySet().equals(next.keys().keySet())) {
      ZoneTokenSigningKey signer = next.signer();
      log.info(
          "zone token signing keys now {} (signer: {})",
          next.keys().keySet(),
          signer == null ? "none" : signer.kid());
    }
    if (!previous.revoked().equals(next.revoked())) {
      log.info("zone token revocation list now holds {} id(s)", next.revoked().size());
    }
    for (Runnable listener : listeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        log.error("a zone token trust listener failed", e);
      }
    }
    lock.lock();
    try {
      announced = next;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Token ids in a revocation list: separated by commas or white space. */
  static Set<String> parseIds(String text) {
    return Arrays.stream(text.split("[,\\s]+"))
        .map(String::strip)
        .filter(s -> !s.isEmpty())
        .collect(Collectors.toCollection(LinkedHashSet::new));
  }

  /** The current keys and revocations. */
  public Snapshot snapshot() {
    lock.lock();
    try {
      return snapshot;
    } finally {
      lock.unlock();
    }
  }

  /** The key new tokens are signed with. */
  public ZoneTokenSigningKey signer() {
    ZoneTokenSigningKey signer = snapshot().signer();
    if (signer == null) {
      throw new IllegalStateException(
          "no zone token signing key is stored (GlobalSecret '"
              + ZoneTokenSigningKey.SECRET_PREFIX
              + "<kid>'); run `meshfed rotate zone-token-signing-key` to create one");
    }
    return signer;
  }

  @Override
  public Map<String, PublicKey> verificationKeys() {
    Map<String, PublicKey> out = new LinkedHashMap<>();
    snapshot().keys().forEach((kid, key) -> out.put(kid, key.publicKey()));
    return out;
  }

  @Override
  public boolean isRevoked(String jti) {
    return snapshot().revoked().contains(jti);
  }

  @Override
  public void requireCurrent() {
    String problem = secrets.staleness();
    if (problem != null) {
      throw new ZoneTokenException(
          ZoneTokenException.Reason.UNAVAILABLE,
          "cannot check the zone token revocation list: the store is unavailable ("
              + problem
              + "); retry later");
    }
  }

  /** Runs {@code listener} after every change of the keys or of the revocation list. */
  public Closeable onChange(Runnable listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * Stores a new signing key with the next numeric kid; it signs every token issued from now on,
   * while the older keys keep verifying until their GlobalSecret is deleted. Returns once this
   * instance uses it.
   */
  public ZoneTokenSigningKey rotate() {
    String kid = nextKid(snapshot().keys().keySet());
    String name = ZoneTokenSigningKey.secretName(kid);
    GlobalSecrets.getOrCreate(
        store,
        name,
        () -> {
          log.info("creating zone token signing key {} (GlobalSecret '{}')", kid, name);
          return Pem.privateKey(ZoneTokenSigningKey.generate(kid).privateKey())
              .getBytes(StandardCharsets.UTF_8);
        });
    return await(s -> s.keys().containsKey(kid), "signing key " + kid).keys().get(kid);
  }

  static String nextKid(Set<String> kids) {
    long max = 0;
    for (String kid : kids) {
      if (!kid.isEmpty() && kid.length() < 19 && kid.chars().allMatch(Character::isDigit)) {
        max = Math.max(max, Long.parseLong(kid));
      }
    }
    return Long.toString(max + 1);
  }

  /**
   * Adds {@code jti} to the revocation list (a no-op when it is there already); returns once this
   * instance refuses the token and the listeners have closed the open streams it authenticated. The
   * list is a plain (not managed) GlobalSecret, so operators may also {@code PUT} it as in Kuma.
   *
   * @return how many ids the list holds
   */
  public int revoke(String jti) {
    ResourceKey key = ResourceKey.global(StandardTypes.GLOBAL_SECRET, REVOCATIONS_SECRET);
    for (int attempt = 1; ; attempt++) {
      Optional<Resource> current =
          StoreCalls.await(
              store.get(key), APPLY_TIMEOUT, "read GlobalSecret " + REVOCATIONS_SECRET);
      Set<String> ids =
          current
              .map(
                  r ->
                      parseIds(
                          new String(
                              r.spec(GlobalSecretSpec.class).bytes(), StandardCharsets.UTF_8)))
              .orElseGet(LinkedHashSet::new);
      if (!ids.add(jti)) {
        break;
      }
      GlobalSecretSpec spec =
          GlobalSecretSpec.of(String.join(",", ids).getBytes(StandardCharsets.UTF_8));
      try {
        if (current.isEmpty()) {
          StoreCalls.await(
              store.create(new Resource(key, Meta.EMPTY, spec)),
              APPLY_TIMEOUT,
              "create GlobalSecret " + REVOCATIONS_SECRET);
        } else {
          StoreCalls.await(
              store.update(new Resource(key, current.get().meta(), spec), current.get().version()),
              APPLY_TIMEOUT,
              "update GlobalSecret " + REVOCATIONS_SECRET);
        }
        break;
      } catch (ConflictException | AlreadyExistsException raced) {
        if (attempt >= WRITE_ATTEMPTS) {
          throw new StoreException(
              "cannot add token "
                  + jti
                  + " to GlobalSecret '"
                  + REVOCATIONS_SECRET
                  + "': it kept changing under "
                  + WRITE_ATTEMPTS
                  + " attempts; try again",
              raced);
        }
      }
    }
    log.info("zone token {} revoked", jti);
    return await(s -> s.revoked().contains(jti), "the revocation of token " + jti).revoked().size();
  }

  /**
   * Removes signing key {@code kid} (its private key, and the public copy zones receive): tokens it
   * signed are refused from now on, and open streams they authenticated are closed.
   *
   * @throws IllegalArgumentException when the key does not exist or is the current signer
   */
  public void remove(String kid) {
    Snapshot now = snapshot();
    if (!now.keys().containsKey(kid)) {
      throw new IllegalArgumentException(
          "zone token signing key '"
              + kid
              + "' does not exist (known: "
              + new java.util.TreeSet<>(now.keys().keySet())
              + ")");
    }
    if (now.signer().kid().equals(kid)) {
      throw new IllegalArgumentException(
          "zone token signing key '"
              + kid
              + "' is the current signer; rotate first (`meshfed rotate zone-token-signing-key`),"
              + " then remove the old key once every zone holds a token signed by the new one");
    }
    for (String name : List.of(ZoneTokenSigningKey.secretName(kid), PUBLIC_KEY_PREFIX + kid)) {
      ResourceKey key = ResourceKey.global(StandardTypes.GLOBAL_SECRET, name);
      Optional<Resource> r =
          StoreCalls.await(store.get(key), APPLY_TIMEOUT, "read GlobalSecret " + name);
      if (r.isPresent()) {
        try {
          StoreCalls.await(
              store.delete(key, r.get().version()), APPLY_TIMEOUT, "delete GlobalSecret " + name);
        } catch (io.meshfed.store.NotFoundException gone) {
          // removed meanwhile by another replica
        }
      }
    }
    log.info("zone token signing key {} removed", kid);
    await(s -> !s.keys().containsKey(kid), "the removal of signing key " + kid);
  }

  /** Name prefix of the GlobalSecret holding the public half of a signing key (synced to zones). */
  public static final String PUBLIC_KEY_PREFIX = "zone-token-signing-public-key-";

  private Snapshot await(Predicate<Snapshot> condition, String what) {
    long deadline = System.nanoTime() + APPLY_TIMEOUT.toNanos();
    lock.lock();
    try {
      while (!condition.test(announced)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new StoreException(
              "the store did not show " + what + " within " + APPLY_TIMEOUT + "; try again");
        }
        changed.awaitNanos(left);
      }
      return announced;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while waiting for " + what);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    if (subscription != null) {
      try {
        subscription.close();
      } catch (java.io.IOException e) {
        log.debug("closing the zone token trust subscription failed: {}", e.toString());
      }
    }
    secrets.close();
  }
}
