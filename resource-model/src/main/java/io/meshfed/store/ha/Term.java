package io.meshfed.store.ha;

import java.util.concurrent.CompletionStage;

/**
 * One period of leadership of a role. It is also the {@link Fence} of the leader's writes: a store
 * view fenced by the term commits only while this process still leads.
 */
public interface Term extends Fence {

  /** The role led, e.g. {@code global} or {@code zone-zone-1}. */
  String role();

  /**
   * Completes when the term ends: the lease expired or could not be renewed in time, the process
   * resigned, or it is closing. Leader jobs stop when it completes.
   */
  CompletionStage<Void> lost();
}
