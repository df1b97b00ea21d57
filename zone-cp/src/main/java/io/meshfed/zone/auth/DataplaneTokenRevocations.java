package io.meshfed.zone.auth;

import io.meshfed.kds.store.StoreKdsSource;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.model.spec.SecretSpec;
import io.meshfed.store.ResourceStore;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ids ({@code jti}) of revoked dataplane tokens, kept as Kuma keeps them: for the sidecars of
 * mesh {@code M}, the Secret {@code dataplane-token-revocations-M} in mesh {@code M}; for zone
 * ingresses, the GlobalSecret {@value #INGRESS_SECRET}. Their data is the ids separated by commas
 * (white space is accepted too). Both are written on global and reach the zone over KDS.
 *
 * <p>The lists live in memory, fed by a watch of the zone's store: a check never reads the store.
 * Until the first listing, every check fails closed. A list whose data is not base64 refuses every
 * token it covers (with a message naming the Secret), rather than revoking nothing.
 *
 * <p>Thread-safe: the lists are one immutable {@link Lists} value in a volatile field, read without
 * a lock and replaced whole on every change; replacing runs under this object's monitor, so that a
 * listing and a watch event that race cannot leave the older state in place.
 */
public final class DataplaneTokenRevocations implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DataplaneTokenRevocations.class);

  /** Prefix of the per-mesh Secret; the mesh name follows. */
  public static final String SECRET_PREFIX = "dataplane-token-revocations-";

  /** The GlobalSecret listing revoked zone ingress tokens. */
  public static final String INGRESS_SECRET = "zone-ingress-token-revocations";

  private final StoreKdsSource view;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private volatile Lists lists;

  /** Revoked ids per list ({@link #listName}), and lists that cannot be read, with why. */
  record Lists(Map<String, Set<String>> ids, Map<String, String> unreadable) {
    Lists {
      ids = Map.copyOf(ids);
      unreadable = Map.copyOf(unreadable);
    }
  }

  /**
   * @param store the zone's store
   * @param scheduler runs relists after a watch failure
   */
  public DataplaneTokenRevocations(ResourceStore store, ScheduledExecutorService scheduler) {
    this.view =
        new StoreKdsSource(
            store,
            List.of(StandardTypes.SECRET, StandardTypes.GLOBAL_SECRET),
            DataplaneTokenRevocations::isRevocationList,
            UnaryOperator.identity(),
            scheduler,
            Duration.ofSeconds(2));
    view.subscribe(type -> refresh());
  }

  /** The name of the Secret that revokes the dataplane tokens of {@code mesh}. */
  public static String secretName(String mesh) {
    return SECRET_PREFIX + mesh;
  }

  private static boolean isRevocationList(Resource r) {
    return r.type().equals(StandardTypes.SECRET)
        ? r.name().equals(secretName(r.mesh()))
        : r.name().equals(INGRESS_SECRET);
  }

  /** Lists the revocation Secrets and follows them; completes once they are loaded. */
  public CompletableFuture<Void> start() {
    return view.start();
  }

  /** Told (on the store watch's thread) after every change of a revocation list. */
  public Closeable subscribe(Runnable onChange) {
    listeners.add(onChange);
    return () -> listeners.remove(onChange);
  }

  /** Whether the lists were loaded at least once. */
  public boolean isLoaded() {
    return lists != null;
  }

  /**
   * Why {@code token} must be refused: revoked, or its list cannot be read or is not loaded yet.
   * Empty when it is not revoked.
   */
  public Optional<String> problem(DataplaneToken token) {
    Lists current = lists;
    String list = listName(token);
    if (current == null) {
      return Optional.of(
          "the dataplane token revocation lists are not loaded yet from the zone's store; retry");
    }
    String unreadable = current.unreadable().get(list);
    if (unreadable != null) {
      return Optional.of(unreadable);
    }
    if (current.ids().getOrDefault(list, Set.of()).contains(token.id())) {
      return Optional.of("the dataplane token " + token.id() + " was revoked (" + list + ")");
    }
    return Optional.empty();
  }

  /** The list that covers {@code token}, as written in messages. */
  static String listName(DataplaneToken token) {
    return DataplaneToken.SIDECAR.equals(token.type())
        ? "Secret '" + secretName(token.mesh()) + "' in mesh '" + token.mesh() + "'"
        : "GlobalSecret '" + INGRESS_SECRET + "'";
  }

  private synchronized void refresh() {
    if (!view.isReady(StandardTypes.SECRET) || !view.isReady(StandardTypes.GLOBAL_SECRET)) {
      // The watch stopped and relists: keep what we knew until the relist completes.
      return;
    }
    Map<String, Set<String>> ids = new HashMap<>();
    Map<String, String> unreadable = new HashMap<>();
    for (Resource r : view.resources(StandardTypes.SECRET)) {
      String list = "Secret '" + r.name() + "' in mesh '" + r.mesh() + "'";
      read(list, () -> r.spec(SecretSpec.class).bytes(), ids, unreadable);
    }
    for (Resource r : view.resources(StandardTypes.GLOBAL_SECRET)) {
      String list = "GlobalSecret '" + r.name() + "'";
      read(list, () -> r.spec(GlobalSecretSpec.class).bytes(), ids, unreadable);
    }
    Lists next = new Lists(ids, unreadable);
    Lists previous = lists;
    lists = next;
    if (!next.equals(previous)) {
      log.info(
          "dataplane token revocations: {} id(s) in {} list(s){}",
          next.ids().values().stream().mapToInt(Set::size).sum(),
          next.ids().size(),
          next.unreadable().isEmpty() ? "" : "; unreadable: " + next.unreadable().keySet());
      listeners.forEach(Runnable::run);
    }
  }

  private interface Bytes {
    byte[] get();
  }

  private static void read(
      String list, Bytes data, Map<String, Set<String>> ids, Map<String, String> unreadable) {
    try {
      ids.put(list, parse(new String(data.get(), StandardCharsets.UTF_8)));
    } catch (IllegalArgumentException | ClassCastException e) {
      log.warn("{} is not base64 data: every token it covers is refused until it is fixed", list);
      unreadable.put(
          list,
          list + " is not base64 data; fix it on global (expected comma-separated token ids)");
    }
  }

  /** The ids in a revocation list: separated by commas and/or white space. */
  static Set<String> parse(String text) {
    return Arrays.stream(text.split("[,\\s]+"))
        .filter(s -> !s.isEmpty())
        .collect(Collectors.toUnmodifiableSet());
  }

  @Override
  public void close() {
    view.close();
  }

  /** For messages: never null. */
  @Override
  public String toString() {
    Lists l = lists;
    return "DataplaneTokenRevocations" + (l == null ? "{not loaded}" : l.ids());
  }
}
