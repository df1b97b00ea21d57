package io.meshfed.model;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * Metadata of a stored resource. {@code version} is assigned by the store (the etcd mod revision,
 * or the memory store's revision counter); 0 means "not stored yet".
 */
public record Meta(
    Map<String, String> labels, long version, Instant creationTime, Instant modificationTime) {

  public static final Meta EMPTY = new Meta(Map.of(), 0, null, null);

  public Meta {
    labels = StringMaps.sortedCopy(labels);
  }

  public static Meta withLabels(Map<String, String> labels) {
    return new Meta(labels, 0, null, null);
  }

  /**
   * The creation time a store gives a resource it creates: the one the resource carries, if any (a
   * copy of a resource created elsewhere keeps its origin's time, as KDS copies do, so that "newest
   * policy wins" ties break the same way in every zone), else {@code now}. The REST API drops
   * client-sent times before it reaches the store.
   */
  public Instant creationTimeOr(Instant now) {
    return creationTime == null ? now : creationTime;
  }

  public Meta withVersion(long newVersion) {
    return new Meta(labels, newVersion, creationTime, modificationTime);
  }

  public Meta withTimes(Instant created, Instant modified) {
    return new Meta(labels, version, created, modified);
  }

  public Meta withLabel(String key, String value) {
    Map<String, String> copy = new TreeMap<>(labels);
    copy.put(key, value);
    return new Meta(copy, version, creationTime, modificationTime);
  }
}
