package io.meshfed.model.spec;

import io.meshfed.model.Spec;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code ZoneSyncState}, named after its zone: what the zone holds of each resource global sends
 * it, as the global replica serving the zone's {@code GlobalToZoneSync} stream last saw it. Written
 * by that replica only, read by every replica for the {@code _sync} routes, kept across restarts.
 * Internal: never synced, never shown or written through the API.
 *
 * @param owner the global instance that wrote it
 * @param since when that instance's stream of the zone opened (a newer stream's state wins)
 * @param truncated true when the zone had more entries than one state keeps; the rest is missing
 * @param types per type name, per wire name ({@code mesh/name} or {@code name}) what the zone got
 */
public record ZoneSyncStateSpec(
    String owner, Instant since, Boolean truncated, Map<String, Map<String, Entry>> types)
    implements Spec {

  public ZoneSyncStateSpec {
    Map<String, Map<String, Entry>> copy = new TreeMap<>();
    if (types != null) {
      types.forEach((type, entries) -> copy.put(type, Copy.tagsLike(entries)));
    }
    types = Collections.unmodifiableMap(copy);
  }

  /**
   * What the zone got of one resource.
   *
   * @param version the content version sent
   * @param state {@code pending}, {@code acked}, {@code nacked} or {@code rejected-too-large}
   * @param time when it was sent or answered
   * @param reason the zone's NACK reason or why it was too large; null otherwise
   */
  public record Entry(String version, String state, Instant time, String reason) {}
}
