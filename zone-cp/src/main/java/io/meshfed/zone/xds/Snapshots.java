package io.meshfed.zone.xds;

import io.envoyproxy.controlplane.cache.v3.Snapshot;

/** Where proxies' snapshots are published: the zone's cache ({@link ProxySnapshots}). */
interface Snapshots {
  /** Makes {@code snapshot} the one of {@code nodeId}, answering the watches it changes. */
  void setSnapshot(String nodeId, Snapshot snapshot);

  /** The snapshot of {@code nodeId}, or null. */
  Snapshot getSnapshot(String nodeId);

  /** Forgets {@code nodeId}'s snapshot; false while one of its streams still watches it. */
  boolean clearSnapshot(String nodeId);
}
