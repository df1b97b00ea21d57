package io.meshfed.store.etcd.ha;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.meshfed.store.SerialExecutor;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one leased key and reports its value after each change (empty once deleted or expired).
 * Everything runs on one {@link SerialExecutor}, so the listener is called from one thread at a
 * time. A broken watch is resumed after a short wait: the key is read again (reporting its value if
 * it changed meanwhile) and watched from that read's revision on.
 */
final class EtcdKeyWatch implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(EtcdKeyWatch.class);
  private static final long RETRY_MILLIS = 250;

  private final String key;
  private final ByteSequence keyBytes;
  private final KV kv;
  private final Watch watches;
  private final Consumer<Optional<String>> onChange;
  private final ScheduledExecutorService scheduler;
  private final SerialExecutor serial;

  // touched only on the serial executor, except closed
  private Optional<String> last = Optional.empty();
  private int attempt;
  private Watch.Watcher current;
  private volatile boolean closed;

  EtcdKeyWatch(
      String key,
      KV kv,
      Watch watches,
      Consumer<Optional<String>> onChange,
      ScheduledExecutorService scheduler,
      java.util.concurrent.Executor callbacks) {
    this.key = key;
    this.keyBytes = ByteSequence.from(key, StandardCharsets.UTF_8);
    this.kv = kv;
    this.watches = watches;
    this.onChange = onChange;
    this.scheduler = scheduler;
    this.serial = new SerialExecutor(callbacks);
  }

  void start() {
    post(() -> resume(false));
  }

  /** Reads the key, reports it if it changed (not on the first read), and watches on from there. */
  private void resume(boolean report) {
    if (closed) {
      return;
    }
    int mine = ++attempt;
    kv.get(keyBytes)
        .orTimeout(5, TimeUnit.SECONDS)
        .whenComplete(
            (read, error) ->
                post(
                    () -> {
                      if (closed || mine != attempt) {
                        return;
                      }
                      if (error != null) {
                        retryLater("cannot read " + key, error);
                        return;
                      }
                      Optional<String> now =
                          read.getKvs().isEmpty()
                              ? Optional.empty()
                              : Optional.of(
                                  read.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8));
                      if (report && !now.equals(last)) {
                        deliver(now);
                      }
                      last = now;
                      subscribe(mine, read.getHeader().getRevision() + 1);
                    }));
  }

  private void subscribe(int mine, long fromRevision) {
    try {
      current =
          watches.watch(
              keyBytes,
              WatchOption.builder().withRevision(fromRevision).withRequireLeader(true).build(),
              Watch.listener(
                  response -> post(() -> onResponse(mine, response)),
                  error -> post(() -> onBroken(mine, error)),
                  () -> post(() -> onBroken(mine, null))));
    } catch (RuntimeException e) {
      retryLater("cannot watch " + key, e);
    }
  }

  private void onResponse(int mine, WatchResponse response) {
    if (closed || mine != attempt) {
      return;
    }
    for (WatchEvent event : response.getEvents()) {
      Optional<String> now =
          event.getEventType() == WatchEvent.EventType.PUT
              ? Optional.of(event.getKeyValue().getValue().toString(StandardCharsets.UTF_8))
              : Optional.empty();
      last = now;
      deliver(now);
    }
  }

  private void onBroken(int mine, Throwable error) {
    if (closed || mine != attempt) {
      return;
    }
    retryLater("the watch of " + key + " broke", error);
  }

  private void retryLater(String what, Throwable error) {
    log.debug("{}: {}; resuming", what, Objects.toString(error, "completed"));
    Watch.Watcher broken = current;
    current = null;
    if (broken != null) {
      broken.close();
    }
    attempt++;
    try {
      scheduler.schedule(() -> post(() -> resume(true)), RETRY_MILLIS, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      log.debug("not resuming the watch of {}: the coordination is closed", key);
    }
  }

  private void deliver(Optional<String> value) {
    try {
      onChange.accept(value);
    } catch (RuntimeException e) {
      log.warn("a watcher of {} failed", key, e);
    }
  }

  private void post(Runnable task) {
    try {
      serial.execute(task);
    } catch (RejectedExecutionException e) {
      log.debug("dropping a watch callback of {}: the coordination is closed", key);
    }
  }

  @Override
  public void close() {
    closed = true;
    post(
        () -> {
          if (current != null) {
            current.close();
            current = null;
          }
        });
  }
}
