package io.meshfed.store.etcd;

import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.store.ResourceEvent;
import io.meshfed.store.SerialExecutor;
import io.meshfed.store.WatchListener;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One store watch over the whole prefix. All state lives on one {@link SerialExecutor}: jetcd's
 * callbacks are queued there, tagged with the attempt they belong to, and callbacks of an attempt
 * that was given up are dropped. A broken stream is resumed from the last delivered revision + 1
 * with backoff (jetcd's own resume is not used, because it may resume past undelivered events); a
 * compacted revision, or a response over the client's message limit, relists (in pages) and calls
 * {@link WatchListener#onReset}, then watches on from the relist's revision. A watch that etcd has
 * not confirmed within {@link #CONFIRM} counts as broken: one opened while etcd's connection closes
 * can otherwise hang without an error, and the listener would miss every later change.
 */
final class EtcdWatch implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(EtcdWatch.class);
  static final Duration CONFIRM = Duration.ofSeconds(5);

  private final EtcdResourceStore store;
  private final Watch watchClient;
  private final EtcdKeys keys;
  private final WatchListener listener;
  private final SerialExecutor serial;
  private final ScheduledExecutorService scheduler;
  private final Duration retryMin;
  private final Duration retryMax;
  private final Consumer<EtcdWatch> onShutDown;

  // touched only on the serial executor, except `closed` which close() sets from anywhere
  private long lastRevision;
  private int attempt;
  private Watch.Watcher current;
  private boolean confirmed;
  private Duration backoff;
  private volatile boolean closed;

  EtcdWatch(
      EtcdResourceStore store,
      Watch watchClient,
      EtcdKeys keys,
      long fromRevision,
      WatchListener listener,
      SerialExecutor serial,
      ScheduledExecutorService scheduler,
      Duration retryMin,
      Duration retryMax,
      Consumer<EtcdWatch> onShutDown) {
    this.store = store;
    this.watchClient = watchClient;
    this.keys = keys;
    this.lastRevision = Math.max(0, fromRevision);
    this.listener = listener;
    this.serial = serial;
    this.scheduler = scheduler;
    this.retryMin = retryMin;
    this.retryMax = retryMax;
    this.backoff = retryMin;
    this.onShutDown = onShutDown;
  }

  void start() {
    serial.execute(this::subscribe);
  }

  /** Opens a jetcd watch from {@code lastRevision + 1}; never from 0 ("now" in etcd). */
  private void subscribe() {
    if (closed) {
      return;
    }
    int mine = ++attempt;
    WatchOption option =
        WatchOption.builder()
            .isPrefix(true)
            .withPrevKV(true)
            .withProgressNotify(true)
            .withRequireLeader(true)
            .withCreateNotify(true)
            .withRevision(lastRevision + 1)
            .build();
    confirmed = false;
    try {
      current =
          watchClient.watch(
              keys.root(),
              option,
              Watch.listener(
                  response -> post(() -> onResponse(mine, response)),
                  error -> post(() -> onError(mine, error)),
                  () -> post(() -> onCompleted(mine))));
      log.debug("watching {} from revision {}", keys.prefix(), lastRevision + 1);
    } catch (RuntimeException e) {
      retryLater(this::subscribe, "cannot open the etcd watch", e);
      return;
    }
    try {
      scheduler.schedule(
          () -> post(() -> checkConfirmed(mine)), CONFIRM.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      log.debug("not checking the etcd watch: the scheduler is shut down");
    }
  }

  private void checkConfirmed(int from) {
    if (closed || from != attempt || confirmed) {
      return;
    }
    abandonCurrent();
    retryLater(
        this::subscribe,
        "etcd did not confirm the watch on "
            + keys.prefix()
            + " within "
            + CONFIRM.toMillis()
            + " ms",
        null);
  }

  /** Queues a jetcd callback; after the store closed its executor, late callbacks are dropped. */
  private void post(Runnable task) {
    try {
      serial.execute(task);
    } catch (RejectedExecutionException e) {
      log.debug("dropping an etcd watch callback for {}: the store is closed", keys.prefix());
    }
  }

  private void onResponse(int from, WatchResponse response) {
    if (closed || from != attempt) {
      return;
    }
    confirmed = true;
    backoff = retryMin;
    List<ResourceEvent> events = new ArrayList<>();
    for (WatchEvent e : response.getEvents()) {
      convert(e).filter(ev -> ev.revision() > lastRevision).ifPresent(events::add);
    }
    if (!events.isEmpty()) {
      listener.onEvents(List.copyOf(events));
      lastRevision = events.get(events.size() - 1).revision();
    } else if (response.getEvents().isEmpty() && response.isProgressNotify()) {
      // etcd promises every event up to the header revision was sent
      lastRevision = Math.max(lastRevision, response.getHeader().getRevision());
    } else if (!response.getEvents().isEmpty()) {
      long last =
          response.getEvents().get(response.getEvents().size() - 1).getKeyValue().getModRevision();
      lastRevision = Math.max(lastRevision, last);
    }
  }

  private Optional<ResourceEvent> convert(WatchEvent e) {
    KeyValue kv = e.getKeyValue();
    long revision = kv.getModRevision();
    if (keys.isInternal(kv.getKey())) {
      // the store's own keys (the hidden index): no resource changed
      return Optional.empty();
    }
    switch (e.getEventType()) {
      case PUT:
        return store.decodeOrSkip(kv).map(r -> ResourceEvent.put(r, revision));
      case DELETE:
        Optional<ResourceKey> key = keys.parse(kv.getKey());
        if (key.isEmpty()) {
          log.warn(
              "ignoring the deletion of {}: not a resource key",
              kv.getKey().toString(StandardCharsets.UTF_8));
          return Optional.empty();
        }
        KeyValue prev = e.getPrevKV();
        Resource last =
            prev == null || prev.getKey().isEmpty() ? null : store.decodeOrSkip(prev).orElse(null);
        return Optional.of(ResourceEvent.delete(key.get(), last, revision));
      default:
        return Optional.empty();
    }
  }

  private void onError(int from, Throwable error) {
    if (closed || from != attempt) {
      return;
    }
    abandonCurrent();
    if (error instanceof CompactedException compacted) {
      log.info(
          "etcd watch on {} needs revision {} but etcd compacted up to {}: relisting",
          keys.prefix(),
          lastRevision + 1,
          compacted.getCompactedRevision());
      relist();
      return;
    }
    if (EtcdPages.isTooLarge(error)) {
      // catching up batches many revisions into one response, and a mesh deletion carries every
      // deleted value: over the client's message limit, resuming would fail the same way forever
      log.info(
          "etcd watch on {} from revision {}: a response is over the client's message limit;"
              + " relisting in pages instead",
          keys.prefix(),
          lastRevision + 1);
      relist();
      return;
    }
    retryLater(this::subscribe, "etcd watch on " + keys.prefix() + " broke", error);
  }

  private void onCompleted(int from) {
    if (closed || from != attempt) {
      return;
    }
    abandonCurrent();
    retryLater(this::subscribe, "etcd ended the watch on " + keys.prefix(), null);
  }

  /** Stops listening to the current jetcd watcher; its late callbacks carry an old attempt. */
  private void abandonCurrent() {
    attempt++;
    Watch.Watcher w = current;
    current = null;
    if (w != null) {
      try {
        w.close();
      } catch (RuntimeException e) {
        log.debug("closing an abandoned etcd watcher failed: {}", e.toString());
      }
    }
  }

  private void relist() {
    if (closed) {
      return;
    }
    store
        .snapshot()
        .whenComplete(
            (snapshot, error) ->
                post(
                    () -> {
                      if (closed) {
                        return;
                      }
                      if (error != null) {
                        retryLater(this::relist, "relisting " + keys.prefix() + " failed", error);
                        return;
                      }
                      backoff = retryMin;
                      listener.onReset(snapshot.all(), snapshot.revision());
                      lastRevision = snapshot.revision();
                      subscribe();
                    }));
  }

  private void retryLater(Runnable task, String why, Throwable error) {
    if (closed) {
      return;
    }
    Duration delay = backoff;
    backoff = backoff.multipliedBy(2).compareTo(retryMax) > 0 ? retryMax : backoff.multipliedBy(2);
    log.info(
        "{}: resuming from revision {} in {} ms ({})",
        why,
        lastRevision + 1,
        delay.toMillis(),
        error == null ? "no error" : error.toString());
    try {
      scheduler.schedule(() -> post(task), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      log.debug("not resuming the etcd watch: the scheduler is shut down");
    }
  }

  /** Stops for good and tells the listener (the store closes). */
  void shutDown(Throwable cause) {
    if (closed) {
      return;
    }
    closed = true;
    post(
        () -> {
          abandonCurrent();
          listener.onClosed(cause);
        });
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    onShutDown.accept(this);
    post(this::abandonCurrent);
  }
}
