package io.meshfed.global.kds;

import io.meshfed.model.spec.ZoneSyncStateSpec;
import io.meshfed.model.spec.ZoneSyncStateSpec.Entry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What one zone holds of each resource global sends it, kept by the replica serving the zone's
 * {@code GlobalToZoneSync} stream: seeded from what the zone says it holds when it subscribes, then
 * moved by every response sent and every ACK or NACK. Entries are kept sorted (type, then wire
 * name), as they are stored, so {@link #toSpec} copies them in one pass instead of sorting 10 000
 * entries per zone per flush. Not thread-safe: {@link SyncStatus} confines it to its serial
 * executor.
 */
final class ZoneSyncLedger {
  /** Longest NACK reason kept; longer ones are cut (the zone's log has the whole text). */
  static final int MAX_REASON_CHARS = 512;

  private final String zone;
  private final long streamId;
  private final Instant since;
  private final TreeMap<String, TreeMap<String, Entry>> byType = new TreeMap<>();
  private boolean truncationReported;

  ZoneSyncLedger(String zone, long streamId, Instant since) {
    this.zone = zone;
    this.streamId = streamId;
    this.since = since;
  }

  String zone() {
    return zone;
  }

  long streamId() {
    return streamId;
  }

  Instant since() {
    return since;
  }

  /**
   * The zone subscribed to {@code type} holding {@code held} (wire name to version): that is what
   * it has now, acknowledged; what it held before of the type and does not list is gone.
   */
  void seed(String type, Map<String, String> held, Instant at) {
    TreeMap<String, Entry> entries = new TreeMap<>();
    held.forEach(
        (name, version) -> entries.put(name, new Entry(version, SyncStatus.ACKED, at, null)));
    byType.put(type, entries);
  }

  /** A response carried {@code resources} (pending now) and removed {@code removed}. */
  void sent(String type, Map<String, String> resources, List<String> removed, Instant at) {
    Map<String, Entry> entries = byType.computeIfAbsent(type, t -> new TreeMap<>());
    resources.forEach(
        (name, version) -> entries.put(name, new Entry(version, SyncStatus.PENDING, at, null)));
    removed.forEach(entries::remove);
  }

  /**
   * The zone answered a response carrying {@code resources}: NACKed those in {@code rejected} (wire
   * name to reason), ACKed the rest. Entries that moved on to a newer version stay.
   */
  void answered(
      String type, Map<String, String> resources, Map<String, String> rejected, Instant at) {
    Map<String, Entry> entries = byType.get(type);
    if (entries == null) {
      return;
    }
    resources.forEach(
        (name, version) -> {
          Entry current = entries.get(name);
          if (current != null && current.version().equals(version)) {
            String reason = rejected.get(name);
            entries.put(
                name,
                reason == null
                    ? new Entry(version, SyncStatus.ACKED, at, null)
                    : new Entry(version, SyncStatus.NACKED, at, cut(reason)));
          }
        });
  }

  /** {@code name} in {@code version} did not fit a response and was not sent. */
  void tooLarge(String type, String name, String version, String reason, Instant at) {
    byType
        .computeIfAbsent(type, t -> new TreeMap<>())
        .put(name, new Entry(version, SyncStatus.TOO_LARGE, at, cut(reason)));
  }

  Optional<Entry> entry(String type, String wireName) {
    Map<String, Entry> entries = byType.get(type);
    return entries == null ? Optional.empty() : Optional.ofNullable(entries.get(wireName));
  }

  /**
   * The ledger as stored: at most {@code maxEntries} entries, by type then wire name; {@code
   * truncated} says when some were left out.
   */
  ZoneSyncStateSpec toSpec(String owner, int maxEntries) {
    Map<String, Map<String, Entry>> out = new TreeMap<>();
    int left = maxEntries;
    boolean truncated = false;
    for (Map.Entry<String, TreeMap<String, Entry>> type : byType.entrySet()) {
      TreeMap<String, Entry> entries = type.getValue();
      if (entries.isEmpty()) {
        continue;
      }
      if (left == 0) {
        truncated = true;
        break;
      }
      if (entries.size() <= left) {
        out.put(type.getKey(), entries); // the spec copies it (linear: it is sorted)
        left -= entries.size();
      } else {
        String last = null;
        int n = 0;
        for (String name : entries.keySet()) {
          last = name;
          if (++n == left) {
            break;
          }
        }
        out.put(type.getKey(), entries.headMap(last, true));
        left = 0;
        truncated = true;
      }
    }
    return new ZoneSyncStateSpec(owner, since, truncated ? Boolean.TRUE : null, out);
  }

  /** True the first time it is called after {@link #toSpec} had to leave entries out. */
  boolean firstTruncation() {
    if (truncationReported) {
      return false;
    }
    truncationReported = true;
    return true;
  }

  private static String cut(String reason) {
    return reason == null || reason.length() <= MAX_REASON_CHARS
        ? reason
        : reason.substring(0, MAX_REASON_CHARS) + "...";
  }
}
