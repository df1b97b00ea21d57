package io.meshfed.zone.kds;

import io.meshfed.kds.KdsReceived;
import io.meshfed.kds.KdsRejection;
import io.meshfed.kds.KdsSink;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Global's cluster id as this zone knows it: each KDS response names its serving side ({@code
 * control_plane.identifier}, global's stored cluster id), and the copies from global keep it in
 * their peer label, so a restarted zone knows it before it reconnects. A {@link KdsSink} decorator
 * that records the id of each response it applies; null until one is known.
 */
public final class GlobalClusterId implements KdsSink, Supplier<String> {
  private final KdsSink delegate;
  private final AtomicReference<String> id;

  /**
   * @param delegate the sink that applies the responses
   * @param stored the id found in this zone's store at start (from the copies' peer label), or null
   */
  public GlobalClusterId(KdsSink delegate, String stored) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.id = new AtomicReference<>(stored == null || stored.isEmpty() ? null : stored);
  }

  @Override
  public String get() {
    return id.get();
  }

  @Override
  public List<String> types() {
    return delegate.types();
  }

  @Override
  public CompletableFuture<Map<String, String>> heldVersions(String type) {
    return delegate.heldVersions(type);
  }

  @Override
  public CompletableFuture<List<KdsRejection>> apply(
      String type, List<KdsReceived> upserts, List<String> removedNames) {
    return delegate.apply(type, upserts, removedNames);
  }

  @Override
  public CompletableFuture<List<KdsRejection>> apply(
      String type, List<KdsReceived> upserts, List<String> removedNames, String peerId) {
    if (peerId != null && !peerId.isEmpty()) {
      id.set(peerId);
    }
    return delegate.apply(type, upserts, removedNames, peerId);
  }
}
