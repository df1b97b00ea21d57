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
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one leased key: reports its value as first read, then after each change (empty once
 * deleted or expired). The first read is reported too, or a change made between the caller's {@code
 * watch} and that read (a claim taken over meanwhile) would never be seen. Everything runs on one
 * {@link SerialExecutor}, so the listener is called from one thread at a time. A broken watch is
 * resumed after a short wait: the key is read again (reporting its value if it changed meanwhile)
 * and watched from that read's revision on. A watch that etcd has not confirmed within {@link
 * #CONFIRM} (by default) counts as broken: one opened while etcd's connection closes can otherwise
 * hang without an error and miss every later change.
 */
final class EtcdKeyWatch implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(EtcdKeyWatch.class);
  private static final long RETRY_MILLIS = 250;
  static final Duration CONFIRM = Duration.ofSeconds(5);

  private final String key;
  private final ByteSequence keyBytes;
  private final KV kv;
  private final Watch watches;
  private final Consumer<Optional<String>> onChange;
  private final ScheduledExecutorService scheduler;
  private final SerialExecutor serial;
  private final Duration confirmWithin;

  // touched only on the serial executor, except closed; null until the first read
  private Optional<String> last;
  private int attempt;
  private Watch.Watcher current;
  private boolean confirmed;
  private volatile boolean closed;

  EtcdKeyWatch(
      String key,
      KV kv,
      Watch watches,
      Consumer<Optional<String>> onChange,
      ScheduledExecutorService scheduler,
      Executor callbacks,
      Duration confirmWithin) {
    this.key = key;
    this.keyBytes = ByteSequence.from(key, StandardCharsets.UTF_8);
    this.kv = kv;
    this.watches = watches;
    this.onChange = onChange;
    this.scheduler = scheduler;
    this.serial = new SerialExecutor(callbacks);
    this.confirmWithin = confirmWithin;
  }

  void start() {
    post(this::resume);
  }

  /** Reads the key, reports it if it changed (or was never reported), and watches on from there. */
  private void resume() {
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
                      if (!now.equals(last)) {
                        deliver(now);
                      }
                      last = now;
                      subscribe(mine, read.getHeader().getRevision() + 1);
                    }));
  }

  private void subscribe(int mine, long fromRevision) {
    confirmed = false;
    try {
      current =
          watches.watch(
              keyBytes,
              WatchOption.builder()
                  .withRevision(fromRevision)
                  .withRequireLeader(true)
                  .withCreateNotify(true)
                  .build(),
              Watch.listener(
                  response -> post(() -> onResponse(mine, response)),
                  error -> post(() -> onBroken(mine, error)),
                  () -> post(() -> onBroken(mine, null))));
    } catch (RuntimeException e) {
      retryLater("cannot watch " + key, e);
      return;
    }
    log.debug("watching {} from revision {}", key, fromRevision);
    schedule(() -> checkConfirmed(mine), confirmWithin.toMillis());
  }

  private void checkConfirmed(int mine) {
    if (closed || mine != attempt || confirmed) {
      return;
    }
    log.info(
        "etcd did not confirm the watch of {} within {} ms; opening it again",
        key,
        confirmWithin.toMillis());
    retryLater("the watch of " + key + " was not confirmed", null);
  }

  private void onResponse(int mine, WatchResponse response) {
    if (closed || mine != attempt) {
      return;
    }
    if (!confirmed) {
      log.debug("etcd confirmed the watch of {}", key);
      confirmed = true;
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
    schedule(this::resume, RETRY_MILLIS);
  }

  /** Runs the task on the serial executor after a delay, unless the coordination closed. */
  private void schedule(Runnable task, long delayMillis) {
    try {
      scheduler.schedule(() -> post(task), delayMillis, TimeUnit.MILLISECONDS);
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
