package io.meshfed.store;

import io.meshfed.model.Resource;
import java.util.List;

/** Receives a store's changes. Calls for one watch never overlap. */
public interface WatchListener {

  /** Changes in revision order; one call holds the events of one or more whole transactions. */
  void onEvents(List<ResourceEvent> events);

  /**
   * The store lost the history the watch needed (compaction) and relisted: {@code all} is the
   * complete state at {@code revision}. Listeners replace what they hold with it.
   */
  void onReset(List<Resource> all, long revision);

  /** The watch stopped for good (store closed or an unrecoverable error). */
  default void onClosed(Throwable cause) {}
}
