package io.meshfed.zone.xds;

import io.envoyproxy.controlplane.server.ExecutorGroup;
import io.meshfed.store.SerialExecutor;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where java-control-plane sends each xDS stream's responses: one serial executor per stream over a
 * shared pool ({@code senders}), given to each stream as it opens ({@link #next}).
 *
 * <p>The cache answers a proxy's open watches inside {@link ProxySnapshots#setSnapshot}, on the
 * thread that publishes, and sends the answer on the executor its stream got from the {@link
 * ExecutorGroup}; its default group's executor is direct, so the build thread would build,
 * serialize and write every response of a rebuild one after another. Here the build thread only
 * hands each answer over: the streams' responses are written on the pool, side by side across
 * streams and in publication order within one (a stream's clusters still go before its listeners).
 * A send that fails is logged and touches only its own stream; once the pool is stopped (shutting
 * down) a response is dropped, as its stream is closing too.
 *
 * <p>Confinement: stateless; each stream's executor is a {@link SerialExecutor}, which holds a
 * queue only while sends wait (a quiet stream costs two small objects).
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
    SerialExecutor stream = new SerialExecutor(senders);
    return send -> {
      try {
        stream.execute(send);
      } catch (RejectedExecutionException stopping) {
        log.debug("zone={}: xDS senders stopped, a response is dropped", zone);
      }
    };
  }
}
