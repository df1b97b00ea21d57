package io.meshfed.store.ha;

import java.io.Closeable;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Elects one leader of a role among the replicas sharing a store. Every replica campaigns; the
 * winner gets a {@link Term} and keeps it while its lease is renewed. A replica steps down on its
 * own before its lease can expire when it cannot renew it, and its fenced writes fail after that
 * (see {@link Fence}), so two replicas never write as leader of one role at the same time.
 */
public interface LeaderElector extends AutoCloseable {

  /** The role this elector campaigns for. */
  String role();

  /**
   * Calls {@code onGained} with each term this replica wins, on the elector's thread; the term's
   * {@link Term#lost()} completes when it ends. If this replica leads already, calls it at once
   * with the current term. Close the handle to stop being called.
   */
  Closeable onLeadership(Consumer<Term> onGained);

  /** Whether this replica leads now. */
  boolean isLeader();

  /** The instance id of the replica that leads now, as last observed; empty during an election. */
  Optional<String> leader();

  /** How many terms of this role this replica has seen begin (its own and others'). */
  long leaderChanges();

  /** Resigns (if leading) and stops campaigning. */
  @Override
  void close();
}
