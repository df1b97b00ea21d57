package io.meshfed.kds;

import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a serving side knows about one subscribed type: what the peer confirmed ({@code acked}),
 * what it will hold once in-flight responses apply ({@code known}), which versions are held back
 * after a NACK or because they are too large ({@code suppressed}), a cache of encodings, and the
 * one response of this type that may be unanswered at a time (its nonce and when it went out).
 * Confined to the stream's serial executor.
 */
final class ServedType {
  /** The version a suppressed removal is recorded under. */
  static final String REMOVAL = "";

  private record Suppressed(String version, Instant until) {}

  private record Cached(io.meshfed.model.Resource source, Resource encoded) {}

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
  private Map<String, Cached> encoded = new HashMap<>();
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
    known.clear();
    known.putAll(initialVersions);
    acked.clear();
    acked.putAll(initialVersions);
    suppressed.clear();
    firstResponseSent = false;
    awaitedNonce = null;
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

  /** Encodes the current set, reusing encodings of unchanged resources; wire name to encoding. */
  Map<String, Resource> encode(
      Collection<io.meshfed.model.Resource> current, KdsEnvelope envelope) {
    Map<String, Cached> next = new HashMap<>(current.size() * 2);
    Map<String, Resource> out = new TreeMap<>();
    for (io.meshfed.model.Resource r : current) {
      String name = KdsEnvelope.wireName(r);
      Cached cached = encoded.get(name);
      if (cached == null || !cached.source().equals(r)) {
        cached = new Cached(r, envelope.encode(r));
      }
      next.put(name, cached);
      out.put(name, cached.encoded());
    }
    encoded = next;
    suppressed.keySet().removeIf(n -> !out.containsKey(n) && !known.containsKey(n));
    return out;
  }

  /** What the peer lacks or holds in another version, minus what is held back at {@code now}. */
  Delta delta(Map<String, Resource> current, Instant now) {
    List<Resource> upserts = new ArrayList<>();
    for (Map.Entry<String, Resource> e : current.entrySet()) {
      String version = e.getValue().getVersion();
      if (!version.equals(known.get(e.getKey())) && !isSuppressed(e.getKey(), version, now)) {
        upserts.add(e.getValue());
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

  private boolean isSuppressed(String name, String version, Instant now) {
    Suppressed s = suppressed.get(name);
    return s != null && s.version().equals(version) && now.isBefore(s.until());
  }

  /** The response {@code nonce} carrying these went out at {@code at}; it awaits an answer. */
  void sent(String nonce, Instant at, Map<String, String> resources, List<String> removed) {
    known.putAll(resources);
    removed.forEach(known::remove);
    firstResponseSent = true;
    awaitedNonce = nonce;
    lastSentAt = at;
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
      if (confirmed == null) {
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
