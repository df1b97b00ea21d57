package io.meshfed.global;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ha.Term;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A test-only leader job that proves fencing with real writes: while this replica leads, it writes
 * the GlobalSecret {@value #NAME} every interval through the store fenced by the term, labelled
 * {@value #WRITER_LABEL} with this instance id. Off unless the JVM is started with the system
 * property {@value #PROPERTY} (milliseconds); no setting, flag or environment variable turns it on.
 */
final class LeaderMarker implements Closeable {
  static final String PROPERTY = "meshfed.test.leader-marker-millis";
  static final String NAME = "ha-test-leader-marker";
  static final String WRITER_LABEL = "meshfed.io/ha-test-writer";
  private static final Logger log = LoggerFactory.getLogger(LeaderMarker.class);

  private final ResourceStore fenced;
  private final String instanceId;
  private final AtomicLong writes = new AtomicLong();
  private final ScheduledFuture<?> timer;

  private LeaderMarker(
      ResourceStore fenced,
      String instanceId,
      ScheduledExecutorService scheduler,
      Duration interval) {
    this.fenced = fenced;
    this.instanceId = instanceId;
    this.timer =
        scheduler.scheduleWithFixedDelay(this::write, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** The marker's interval when the system property asks for one, else zero. */
  static Duration configured() {
    long millis = Long.getLong(PROPERTY, 0L);
    return millis > 0 ? Duration.ofMillis(millis) : Duration.ZERO;
  }

  /** Starts writing for {@code term}; close it when the term ends. */
  static Closeable start(
      Term term,
      ResourceStore store,
      String instanceId,
      ScheduledExecutorService scheduler,
      Duration interval) {
    try {
      return new LeaderMarker(store.fenced(term), instanceId, scheduler, interval);
    } catch (RejectedExecutionException e) {
      return () -> {};
    }
  }

  private void write() {
    long n = writes.incrementAndGet();
    ResourceKey key = ResourceKey.global(StandardTypes.GLOBAL_SECRET, NAME);
    Resource marker =
        new Resource(
            key,
            Meta.withLabels(Map.of(WRITER_LABEL, instanceId)),
            new GlobalSecretSpec(
                Base64.getEncoder()
                    .encodeToString((instanceId + " " + n).getBytes(StandardCharsets.UTF_8))));
    try {
      var current = fenced.get(key).join();
      if (current.isEmpty()) {
        fenced.create(marker).join();
      } else {
        fenced.update(marker, current.get().version()).join();
      }
    } catch (RuntimeException e) {
      log.warn("leader marker write {} of {} refused: {}", n, instanceId, e.toString());
    }
  }

  @Override
  public void close() {
    timer.cancel(false);
  }
}
