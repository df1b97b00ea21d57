package io.meshfed.kds;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Where a requesting side puts what it receives. Implementations are thread-safe.
 *
 * <p>Failures of single resources are values (returned rejections, NACKed by name while the rest
 * apply); a failed future means the sink itself is broken, which ends the stream.
 */
public interface KdsSink {

  /** The types this sink consumes, in registry order (meshes before mesh-scoped types). */
  List<String> types();

  /**
   * The resources of {@code type} this sink holds from earlier syncs: wire name to the version it
   * received. Sent as {@code initial_resource_versions} so that a reconnect resumes. A held
   * resource whose version is unknown is reported with an empty version.
   */
  CompletableFuture<Map<String, String>> heldVersions(String type);

  /**
   * Applies one response: upserts the accepted resources and removes {@code removedNames} (wire
   * names; removing a name that is not held succeeds). Completes with the resources that could not
   * be applied; the others must be applied.
   */
  CompletableFuture<List<KdsRejection>> apply(
      String type, List<KdsReceived> upserts, List<String> removedNames);

  /**
   * Like {@link #apply(String, List, List)}, told which serving instance sent the response ({@code
   * DeltaDiscoveryResponse.control_plane.identifier}, empty when it did not say). Sinks that fence
   * removals by peer override this; the default ignores the peer.
   */
  default CompletableFuture<List<KdsRejection>> apply(
      String type, List<KdsReceived> upserts, List<String> removedNames, String peerId) {
    return apply(type, upserts, removedNames);
  }
}
