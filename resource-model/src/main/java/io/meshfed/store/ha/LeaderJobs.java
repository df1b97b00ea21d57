package io.meshfed.store.ha;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the jobs that must run once per role (sweeps, the zone's KDS connection) on the replica that
 * leads it: each registered job starts when a term begins and is closed when it ends. A job gets
 * the {@link Term}, to fence its writes with.
 */
public final class LeaderJobs implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeaderJobs.class);

  private final LeaderElector elector;
  private final Map<String, Function<Term, Closeable>> jobs = new LinkedHashMap<>();
  private final List<Closeable> running = new ArrayList<>();
  private Closeable subscription;

  public LeaderJobs(LeaderElector elector) {
    this.elector = Objects.requireNonNull(elector, "elector");
  }

  /** Adds a job; call before {@link #start()}. */
  public synchronized LeaderJobs register(String name, Function<Term, Closeable> job) {
    if (subscription != null) {
      throw new IllegalStateException("leader jobs of " + elector.role() + " already started");
    }
    jobs.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(job, "job"));
    return this;
  }

  /** Starts the jobs on every term this replica wins, from now on. */
  public synchronized void start() {
    subscription = elector.onLeadership(this::begin);
  }

  private void begin(Term term) {
    log.info("leading {}: starting {}", term.role(), jobs.keySet());
    synchronized (this) {
      for (Map.Entry<String, Function<Term, Closeable>> job : jobs.entrySet()) {
        try {
          running.add(job.getValue().apply(term));
        } catch (RuntimeException e) {
          log.error("leader job {} of {} failed to start", job.getKey(), term.role(), e);
        }
      }
    }
    term.lost().whenComplete((ok, error) -> end(term));
  }

  private void end(Term term) {
    log.info("no longer leading {}: stopping {}", term.role(), jobs.keySet());
    stopRunning();
  }

  private synchronized void stopRunning() {
    for (Closeable job : running) {
      try {
        job.close();
      } catch (Exception e) {
        log.warn("a leader job of {} failed to stop", elector.role(), e);
      }
    }
    running.clear();
  }

  @Override
  public void close() {
    synchronized (this) {
      if (subscription != null) {
        try {
          subscription.close();
        } catch (Exception e) {
          log.warn("leader jobs of {}: {}", elector.role(), e.toString());
        }
      }
    }
    stopRunning();
  }
}
