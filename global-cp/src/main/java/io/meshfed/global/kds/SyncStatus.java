package io.meshfed.global.kds;

import io.meshfed.kds.KdsDirection;
import io.meshfed.kds.KdsEnvelope;
import io.meshfed.kds.KdsStreamInfo;
import io.meshfed.kds.KdsStreamListener;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.ResourceType;
import io.meshfed.model.TypeRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Which zone holds which version of each global resource, from the ACKs and NACKs of {@code
 * GlobalToZoneSync} (in memory, since the process started). A resource sent to a zone is {@code
 * pending} until the zone answers, then {@code acked} or {@code nacked} (with the zone's reason);
 * one that never fits a response is {@code rejected-too-large}. A removal sent to a zone forgets
 * the zone's entry. Thread-safe.
 */
public final class SyncStatus implements KdsStreamListener {
  /** Sync state names as served by the API. */
  public static final String PENDING = "pending";

  public static final String ACKED = "acked";
  public static final String NACKED = "nacked";
  public static final String TOO_LARGE = "rejected-too-large";

  /**
   * What one zone last received of a resource.
   *
   * @param zone the zone
   * @param version the content version (hash) sent
   * @param state {@value #PENDING}, {@value #ACKED}, {@value #NACKED} or {@value #TOO_LARGE}
   * @param time when it was sent, or when the zone answered
   * @param reason the zone's NACK reason, or why it was too large; null otherwise
   */
  public record ZoneSync(String zone, String version, String state, Instant time, String reason) {
    public ZoneSync {
      Objects.requireNonNull(zone, "zone");
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(state, "state");
    }
  }

  private final TypeRegistry registry;
  private final KdsEnvelope envelope;
  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<ResourceKey, Map<String, ZoneSync>> byResource = new HashMap<>();

  SyncStatus(TypeRegistry registry, KdsEnvelope envelope, Clock clock) {
    this.registry = registry;
    this.envelope = envelope;
    this.clock = clock;
  }

  /** Per zone, what it last received of {@code key}, ordered by zone name. */
  public List<ZoneSync> zonesOf(ResourceKey key) {
    lock.lock();
    try {
      Map<String, ZoneSync> zones = byResource.get(key);
      return zones == null ? List.of() : List.copyOf(new TreeMap<>(zones).values());
    } finally {
      lock.unlock();
    }
  }

  /** The version zones get for the stored {@code resource} (the KDS content hash). */
  public String versionOf(Resource resource) {
    return envelope.encode(GlobalSources.forZones(resource)).getVersion();
  }

  /** The key of a resource of {@code type} named {@code wireName} on the wire. */
  private Optional<ResourceKey> key(String type, String wireName) {
    Optional<ResourceType> t = registry.byName(type);
    if (t.isEmpty()) {
      return Optional.empty();
    }
    if (!t.get().isMeshScoped()) {
      return Optional.of(ResourceKey.global(type, wireName));
    }
    int slash = wireName.indexOf('/');
    if (slash <= 0) {
      return Optional.empty();
    }
    return Optional.of(
        ResourceKey.inMesh(type, wireName.substring(0, slash), wireName.substring(slash + 1)));
  }

  private static boolean tracked(KdsStreamInfo stream) {
    return stream.direction() == KdsDirection.GLOBAL_TO_ZONE
        && stream.role() == KdsStreamInfo.Role.SERVING;
  }

  private void put(String type, String wireName, ZoneSync sync) {
    key(type, wireName)
        .ifPresent(k -> byResource.computeIfAbsent(k, x -> new HashMap<>()).put(sync.zone(), sync));
  }

  /** Moves a pending entry of {@code zone} to {@code state} if it still holds {@code version}. */
  private void answer(
      String type,
      String wireName,
      String zone,
      String version,
      String state,
      Instant at,
      String reason) {
    key(type, wireName)
        .ifPresent(
            k -> {
              Map<String, ZoneSync> zones = byResource.get(k);
              ZoneSync current = zones == null ? null : zones.get(zone);
              if (current != null && current.version().equals(version)) {
                zones.put(zone, new ZoneSync(zone, version, state, at, reason));
              }
            });
  }

  @Override
  public void responseSent(KdsStreamInfo stream, SentResponse response) {
    if (!tracked(stream)) {
      return;
    }
    lock.lock();
    try {
      response
          .resources()
          .forEach(
              (name, version) ->
                  put(
                      response.type(),
                      name,
                      new ZoneSync(stream.peer(), version, PENDING, response.sentAt(), null)));
      for (String removed : response.removed()) {
        key(response.type(), removed)
            .ifPresent(
                k -> {
                  Map<String, ZoneSync> zones = byResource.get(k);
                  if (zones != null) {
                    zones.remove(stream.peer());
                    if (zones.isEmpty()) {
                      byResource.remove(k);
                    }
                  }
                });
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void acked(KdsStreamInfo stream, SentResponse response, Duration latency) {
    if (!tracked(stream)) {
      return;
    }
    Instant at = response.sentAt().plus(latency);
    lock.lock();
    try {
      response
          .resources()
          .forEach(
              (name, version) ->
                  answer(response.type(), name, stream.peer(), version, ACKED, at, null));
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void nacked(
      KdsStreamInfo stream, SentResponse response, Map<String, String> rejected, Duration latency) {
    if (!tracked(stream)) {
      return;
    }
    Instant at = response.sentAt().plus(latency);
    lock.lock();
    try {
      response
          .resources()
          .forEach(
              (name, version) -> {
                String reason = rejected.get(name);
                answer(
                    response.type(),
                    name,
                    stream.peer(),
                    version,
                    reason == null ? ACKED : NACKED,
                    at,
                    reason);
              });
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void rejectedTooLarge(
      KdsStreamInfo stream, String type, String name, String version, int bytes, int budget) {
    if (!tracked(stream)) {
      return;
    }
    lock.lock();
    try {
      put(
          type,
          name,
          new ZoneSync(
              stream.peer(),
              version,
              TOO_LARGE,
              clock.instant(),
              bytes + " bytes, over the KDS response budget of " + budget + " bytes"));
    } finally {
      lock.unlock();
    }
  }
}
