package io.meshfed.kds;

import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.meshfed.model.ResourceKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What a serving side knows about one subscribed type: what the peer confirmed ({@code acked}),
 * what it will hold once in-flight responses apply ({@code known}), which versions are held back
 * after a NACK or because they are too large ({@code suppressed}), the served set, and the one
 * response of this type that may be unanswered at a time (its nonce and when it went out).
 *
 * <p>The served set keeps each resource's source and version; its encoding only from when it is
 * made (a changed source) until the delta that carries it goes out, or until a delta finds the peer
 * needs nothing of it. An upsert whose encoding was dropped (sent before, now due again after a
 * NACK, a resume or a removal on the peer) is encoded again from its source. Confined to the
 * stream's serial executor.
 */
final class ServedType {
  /** The version a suppressed removal is recorded under. */
  static final String REMOVAL = "";

  /** The version of a copy the peer may hold in a version not known here. */
  static final String UNKNOWN = "?";

  private record Suppressed(String version, Instant until) {}

  /** A served resource: its source and version, and its encoding while it may be sent. */
  private static final class Served {
    final io.meshfed.model.Resource source;
    final String version;
    Resource encoded; // null once sent or not needed by the peer: encoded again on demand

    Served(io.meshfed.model.Resource source, Resource encoded) {
      this.source = source;
      this.version = encoded.getVersion();
      this.encoded = encoded;
    }
  }

  /** The delta to send: upserts and removals, each sorted by name. */
  record Delta(List<Resource> upserts, List<String> removals) {
    boolean isEmpty() {
      return upserts.isEmpty() && removals.isEmpty();
    }
  }

  private final String type;
  private final Map<String, String> known = new HashMap<>();
  private final Map<String, String> acked = new HashMap<>();
  private final Map<String, Suppressed> suppressed = new HashMap<>();
  private final TreeMap<String, Served> current = new TreeMap<>();
  private KdsEnvelope envelope; // of the last encode or update, to encode a dropped encoding again
  private Set<ResourceKey> changedKeys; // null: reread the whole type
  private Set<String> candidates; // names whose delta may be non-empty; null: every name
  private ResourceDigest peerDigest;
  private BitSet unknownBuckets = new BitSet();
  private BitSet resync;
  private boolean firstResponseSent;
  private String awaitedNonce;
  private Instant lastSentAt = Instant.MIN;

  ServedType(String type) {
    this.type = type;
  }

  String type() {
    return type;
  }

  /** A (re)subscription: the peer says it holds {@code initialVersions}. */
  void subscribe(Map<String, String> initialVersions) {
    changedKeys = null;
    known.clear();
    known.putAll(initialVersions);
    acked.clear();
    acked.putAll(initialVersions);
    suppressed.clear();
    firstResponseSent = false;
    awaitedNonce = null;
    peerDigest = null;
    unknownBuckets = new BitSet();
    resync = null;
  }

  /**
   * A (re)subscription by digest: the peer says only the digest of what it holds. It is compared
   * with the served set by {@link #resolveDigest} once the source is ready.
   */
  void subscribeByDigest(ResourceDigest digest) {
    subscribe(Map.of());
    peerDigest = digest;
  }

  /** True while a digest subscription waits for {@link #resolveDigest}. */
  boolean digestPending() {
    return peerDigest != null;
  }

  /** How many resources are served now. */
  int servedCount() {
    return current.size();
  }

  /**
   * Compares the peer's digest with the served set: the peer holds exactly what is served in every
   * bucket whose digest matches, so those entries become known and confirmed; the other buckets are
   * resent whole, and the response that ends the initial sync names them ({@link
   * #takeResyncMarker}) so that the peer drops what it holds there and was not sent. Returns what
   * the peer is now known to hold (wire name to version).
   */
  Map<String, String> resolveDigest() {
    Map<String, String> served = new HashMap<>(current.size() * 2);
    current.forEach((name, s) -> served.put(name, s.version));
    BitSet differing = ResourceDigest.of(served).differingFrom(peerDigest);
    Map<String, String> held = new HashMap<>();
    if (differing.isEmpty()) {
      held.putAll(served);
    } else {
      served.forEach(
          (name, version) -> {
            if (!differing.get(ResourceDigest.bucket(name))) {
              held.put(name, version);
            }
          });
    }
    known.putAll(held);
    acked.putAll(held);
    unknownBuckets = differing;
    resync = differing;
    peerDigest = null;
    return held;
  }

  /** True while the response that ends a digest resume has not gone out. */
  boolean resyncPending() {
    return resync != null;
  }

  /** The {@code system_version_info} ending a digest resume, once; then null. */
  String takeResyncMarker() {
    if (resync == null) {
      return null;
    }
    String marker = ResourceDigest.resyncMarker(resync);
    resync = null;
    return marker;
  }

  /** True while a response of this type is sent and neither ACKed nor NACKed. */
  boolean awaitingAnswer() {
    return awaitedNonce != null;
  }

  /** When the last response of this type went out ({@link Instant#MIN} before the first). */
  Instant lastSentAt() {
    return lastSentAt;
  }

  /**
   * The peer answered (ACK or NACK) the response with {@code nonce}; true when that was the one
   * awaited, so the next response of this type may go.
   */
  boolean answered(String nonce) {
    if (nonce.equals(awaitedNonce)) {
      awaitedNonce = null;
      return true;
    }
    return false;
  }

  boolean firstResponseSent() {
    return firstResponseSent;
  }

  /** The source named these keys as changed; null: anything of the type may have changed. */
  void changed(Set<ResourceKey> keys) {
    if (keys == null) {
      changedKeys = null;
    } else if (changedKeys != null) {
      changedKeys.addAll(keys);
    }
  }

  /** True when the next response must reread the whole type (else only the changed keys). */
  boolean needsFullRead() {
    return changedKeys == null;
  }

  /**
   * Brings the served set up to date by the changed keys only ({@code lookup} reads one of them
   * from the source, empty when it is gone); their names become the only delta candidates.
   */
  void update(
      Function<ResourceKey, Optional<io.meshfed.model.Resource>> lookup, KdsEnvelope envelope) {
    this.envelope = envelope;
    for (ResourceKey key : changedKeys) {
      String name = KdsEnvelope.wireName(key);
      Optional<io.meshfed.model.Resource> r = lookup.apply(key);
      if (r.isPresent()) {
        Served served = current.get(name);
        if (served == null || !served.source.equals(r.get())) {
          current.put(name, new Served(r.get(), envelope.encode(r.get())));
        }
      } else {
        current.remove(name);
      }
      if (candidates != null) {
        candidates.add(name);
      }
    }
    changedKeys.clear();
  }

  /** The next delta compares every name (a NACK back-off ended). */
  void compareAll() {
    candidates = null;
  }

  /** The delta of the last update or read was sent whole: nothing is left to compare. */
  void deltaSent(boolean whole) {
    candidates = whole ? new HashSet<>() : null;
  }

  /** Makes {@code all} the served set, encoding only resources new or changed since the last. */
  void encode(Collection<io.meshfed.model.Resource> all, KdsEnvelope envelope) {
    this.envelope = envelope;
    changedKeys = new HashSet<>();
    candidates = null;
    Map<String, Served> previous = new HashMap<>(current);
    current.clear();
    for (io.meshfed.model.Resource r : all) {
      String name = KdsEnvelope.wireName(r);
      Served served = previous.get(name);
      if (served == null || !served.source.equals(r)) {
        served = new Served(r, envelope.encode(r));
      }
      current.put(name, served);
    }
    suppressed.keySet().removeIf(n -> !current.containsKey(n) && !known.containsKey(n));
  }

  /**
   * What the peer lacks or holds in another version, minus what is held back at {@code now}: over
   * every name after a full read, over the changed names after an {@link #update}.
   */
  Delta delta(Instant now) {
    if (candidates != null) {
      return deltaOf(new TreeSet<>(candidates), now);
    }
    List<Resource> upserts = new ArrayList<>();
    for (Map.Entry<String, Served> e : current.entrySet()) {
      Served s = e.getValue();
      if (!s.version.equals(known.get(e.getKey())) && !isSuppressed(e.getKey(), s.version, now)) {
        upserts.add(encoding(s));
      } else {
        s.encoded = null;
      }
    }
    List<String> removals = new ArrayList<>();
    for (String name : new TreeMap<>(known).keySet()) {
      if (!current.containsKey(name) && !isSuppressed(name, REMOVAL, now)) {
        removals.add(name);
      }
    }
    return new Delta(upserts, removals);
  }

  private Delta deltaOf(Set<String> names, Instant now) {
    List<Resource> upserts = new ArrayList<>();
    List<String> removals = new ArrayList<>();
    for (String name : names) {
      Served s = current.get(name);
      if (s == null) {
        if (known.containsKey(name) && !isSuppressed(name, REMOVAL, now)) {
          removals.add(name);
        }
      } else if (!s.version.equals(known.get(name)) && !isSuppressed(name, s.version, now)) {
        upserts.add(encoding(s));
      } else {
        s.encoded = null;
      }
    }
    return new Delta(upserts, removals);
  }

  /** The encoding of {@code s}, made again from its source if it was dropped. */
  private Resource encoding(Served s) {
    if (s.encoded == null) {
      s.encoded = envelope.encode(s.source);
    }
    return s.encoded;
  }

  /** True while the served resource {@code name} keeps its encoding (for tests). */
  boolean holdsEncoding(String name) {
    Served s = current.get(name);
    return s != null && s.encoded != null;
  }

  private boolean isSuppressed(String name, String version, Instant now) {
    Suppressed s = suppressed.get(name);
    return s != null && s.version().equals(version) && now.isBefore(s.until());
  }

  /** The response {@code nonce} carrying these went out at {@code at}; it awaits an answer. */
  void sent(String nonce, Instant at, Map<String, String> resources, List<String> removed) {
    known.putAll(resources);
    resources.keySet().forEach(this::dropEncoding);
    removed.forEach(known::remove);
    firstResponseSent = true;
    awaitedNonce = nonce;
    lastSentAt = at;
  }

  private void dropEncoding(String name) {
    Served s = current.get(name);
    if (s != null) {
      s.encoded = null;
    }
  }

  /** The peer applied these. */
  void acked(Map<String, String> resources, List<String> removed) {
    resources.forEach(
        (name, version) -> {
          acked.put(name, version);
          suppressed.remove(name);
        });
    for (String name : removed) {
      acked.remove(name);
      suppressed.remove(name);
    }
  }

  /**
   * The peer rejected {@code version} of {@code name} (or its removal, {@link #REMOVAL}): hold it
   * back until {@code until} and assume the peer still has what it last confirmed.
   */
  void rejected(String name, String version, Instant until) {
    suppressed.put(name, new Suppressed(version, until));
    boolean stillExpected =
        version.equals(REMOVAL) ? !known.containsKey(name) : version.equals(known.get(name));
    if (stillExpected) {
      String confirmed = acked.get(name);
      if (confirmed == null && !unknownBuckets.isEmpty()) {
        // resent whole after a digest resume: the peer may keep a copy we never learnt of
        if (unknownBuckets.get(ResourceDigest.bucket(name))) {
          known.put(name, UNKNOWN);
        } else {
          known.remove(name);
        }
      } else if (confirmed == null) {
        known.remove(name);
      } else {
        known.put(name, confirmed);
      }
    }
  }

  @Override
  public String toString() {
    return type
        + "{known="
        + known.size()
        + ", acked="
        + acked.size()
        + (awaitedNonce == null ? "" : ", awaiting=" + awaitedNonce)
        + "}";
  }
}
