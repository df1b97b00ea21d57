package io.meshfed.global.kds;

import io.grpc.Status;
import io.meshfed.kds.KdsDirection;
import io.meshfed.kds.KdsStreamInfo;
import io.meshfed.kds.KdsStreamListener;
import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which zones are offline: a zone is offline when this global instance has had no open {@code
 * GlobalToZoneSync} stream from it for at least the grace period, counted from its last stream's
 * close, or from {@link #start} for a zone that has not connected since. A zone is online again as
 * soon as it opens a stream. Subscribers hear "may have changed" when a grace period ends and when
 * an offline zone comes back; {@link #offline} is computed from the clock on each call.
 *
 * <p>With several global replicas a zone's streams are on one of them: a zone whose stream key (see
 * {@link ZoneStreamClaims}) any replica holds counts as connected here too ({@link #claimed}), and
 * its grace period starts when the key goes. Thread-safe.
 */
final class ZoneLiveness implements KdsStreamListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ZoneLiveness.class);

  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final Duration grace;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, Set<Long>> open = new HashMap<>();
  private final Map<String, Instant> closedAt = new HashMap<>();
  private final Set<String> reportedOffline = new HashSet<>();
  private final Set<String> claimed = new HashSet<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private Instant startedAt;

  ZoneLiveness(Clock clock, ScheduledExecutorService scheduler, Duration grace) {
    this.clock = clock;
    this.scheduler = scheduler;
    this.grace = grace;
  }

  /** Starts the count for zones that have not connected yet; call once, before serving. */
  void start() {
    Instant now = clock.instant();
    lock.lock();
    try {
      startedAt = now;
    } finally {
      lock.unlock();
    }
    notifyAt(now.plus(grace));
  }

  Duration grace() {
    return grace;
  }

  /** True when {@code zone} has been without a stream for the grace period or longer. */
  boolean offline(String zone) {
    Instant now = clock.instant();
    boolean offline;
    lock.lock();
    try {
      Set<Long> streams = open.get(zone);
      if (streams != null && !streams.isEmpty() || claimed.contains(zone)) {
        return false;
      }
      Instant since = closedAt.getOrDefault(zone, startedAt);
      offline = since != null && !now.isBefore(since.plus(grace));
      if (!offline || !reportedOffline.add(zone)) {
        return offline;
      }
    } finally {
      lock.unlock();
    }
    log.info(
        "zone={}: no KDS stream for {}s or more: offline, other zones stop sending to its"
            + " ingresses",
        zone,
        grace.toSeconds());
    return true;
  }

  /**
   * The zones whose streams some global replica (this one included) serves now, as the shared
   * stream keys say; called whenever they were read. A zone that drops out without a stream here
   * starts its grace period now.
   */
  void claimed(Set<String> zones) {
    Instant now = clock.instant();
    Set<String> back = new HashSet<>();
    boolean gone = false;
    lock.lock();
    try {
      for (String zone : zones) {
        // served somewhere now: its grace starts again when its key goes
        closedAt.remove(zone);
        if (claimed.add(zone) && reportedOffline.remove(zone)) {
          back.add(zone);
        }
      }
      for (java.util.Iterator<String> it = claimed.iterator(); it.hasNext(); ) {
        String zone = it.next();
        if (!zones.contains(zone)) {
          it.remove();
          Set<Long> streams = open.get(zone);
          if (streams == null || streams.isEmpty()) {
            // a stream closed here since the last read started the grace; else it starts now
            closedAt.putIfAbsent(zone, now);
            gone = true;
          }
        }
      }
    } finally {
      lock.unlock();
    }
    back.forEach(zone -> log.info("zone={}: served by a global replica: online again", zone));
    if (!back.isEmpty()) {
      notifyListeners();
    }
    if (gone) {
      notifyAt(now.plus(grace));
    }
  }

  /** Calls {@code onChange} whenever a zone may have gone offline or come back. */
  Closeable subscribe(Runnable onChange) {
    listeners.add(onChange);
    return () -> listeners.remove(onChange);
  }

  private static boolean tracked(KdsStreamInfo stream) {
    return stream.direction() == KdsDirection.GLOBAL_TO_ZONE
        && stream.role() == KdsStreamInfo.Role.SERVING;
  }

  @Override
  public void streamOpened(KdsStreamInfo stream) {
    if (!tracked(stream)) {
      return;
    }
    boolean back;
    lock.lock();
    try {
      open.computeIfAbsent(stream.peer(), z -> new HashSet<>()).add(stream.id());
      closedAt.remove(stream.peer());
      back = reportedOffline.remove(stream.peer());
    } finally {
      lock.unlock();
    }
    if (back) {
      log.info("zone={}: KDS stream opened: online again, other zones route to it", stream.peer());
    }
    notifyListeners();
  }

  @Override
  public void streamClosed(KdsStreamInfo stream, Status status) {
    if (!tracked(stream)) {
      return;
    }
    boolean last;
    Instant now = clock.instant();
    lock.lock();
    try {
      Set<Long> streams = open.get(stream.peer());
      if (streams == null || !streams.remove(stream.id())) {
        return;
      }
      last = streams.isEmpty();
      if (last) {
        open.remove(stream.peer());
        closedAt.put(stream.peer(), now);
      }
    } finally {
      lock.unlock();
    }
    if (last) {
      notifyAt(now.plus(grace));
    }
  }

  /**
   * Tells the subscribers to look again at {@code due} by the clock (the scheduler's timer and the
   * clock may disagree by a little: a timer that fires early waits again).
   */
  private void notifyAt(Instant due) {
    Duration left = Duration.between(clock.instant(), due);
    if (left.isNegative() || left.isZero()) {
      notifyListeners();
      return;
    }
    try {
      scheduler.schedule(() -> notifyAt(due), left.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // shutting down: nobody is served any more
    }
  }

  private void notifyListeners() {
    listeners.forEach(Runnable::run);
  }

  @Override
  public void close() {
    listeners.clear();
  }
}
