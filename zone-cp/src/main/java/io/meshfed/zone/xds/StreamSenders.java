package io.meshfed.zone.xds;

import io.envoyproxy.controlplane.server.ExecutorGroup;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where java-control-plane sends each xDS stream's responses: one serial executor per stream over a
 * shared pool ({@code senders}), given to each stream as it opens ({@link #next}).
 *
 * <p>java-control-plane answers a proxy's open watches inside {@code SimpleCache.setSnapshot}, on
 * the thread that publishes, and sends the answer on the executor its stream got from the {@link
 * ExecutorGroup}; its default group's executor is direct, so the build thread would build,
 * serialize and write every response of a rebuild one after another. Here the build thread only
 * hands each answer over: the streams' responses are written on the pool, side by side across
 * streams and in publication order within one (a stream's clusters still go before its listeners).
 * A send that fails is logged and touches only its own stream; once the pool is stopped (shutting
 * down) a response is dropped, as its stream is closing too.
 *
 * <p>Confinement: stateless; each stream's executor keeps its queue under its own monitor, and
 * holds one only while sends wait (a quiet stream costs one small object).
 */
final class StreamSenders implements ExecutorGroup {
  private static final Logger log = LoggerFactory.getLogger(StreamSenders.class);

  private final String zone;
  private final Executor senders;

  /**
   * @param senders the pool the streams' responses are written on
   */
  StreamSenders(String zone, Executor senders) {
    this.zone = zone;
    this.senders = senders;
  }

  /** A new stream's executor: runs its sends one at a time, in the order they were handed over. */
  @Override
  public Executor next() {
    return new Stream();
  }

  /** One stream's sends. */
  private final class Stream implements Executor {
    // the sends waiting, while a drain is due or running; null otherwise
    private ArrayDeque<Runnable> waiting;

    @Override
    public void execute(Runnable send) {
      synchronized (this) {
        if (waiting != null) {
          waiting.add(send);
          return;
        }
        waiting = new ArrayDeque<>(4);
        waiting.add(send);
      }
      try {
        senders.execute(this::drain);
      } catch (RejectedExecutionException stopping) {
        synchronized (this) {
          waiting = null;
        }
        log.debug("zone={}: xDS senders stopped, a response is dropped", zone);
      }
    }

    private void drain() {
      while (true) {
        Runnable next;
        synchronized (this) {
          next = waiting.poll();
          if (next == null) {
            waiting = null;
            return;
          }
        }
        try {
          next.run();
        } catch (RuntimeException e) {
          log.warn(
              "zone={}: sending an xDS response failed; the stream's next ones still go", zone, e);
        }
      }
    }
  }
}
