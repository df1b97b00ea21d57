package io.meshfed.zone.kds;

import io.meshfed.kds.KdsDirection;
import io.meshfed.kds.KdsRejection;
import io.meshfed.kds.KdsStreamInfo;
import io.meshfed.kds.KdsStreamListener;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the zone has received global's state: done once a response of every global→zone type has
 * been applied in this process (global sends a first response for each subscribed type, empty or
 * not, so a type with nothing in it counts too), or from the start when the store already held
 * copies from global (a persistent store that synced in an earlier run), or, on a replica that does
 * not lead the zone, once the leader has written global's copies into the shared store. Until then
 * a dataplane could name a mesh the zone has not received yet, so the zone does not report ready.
 *
 * <p>Thread-safe: KDS streams call it from their serial executors; readers poll {@link #isDone}.
 */
public final class FirstSync implements KdsStreamListener {
  private static final Logger log = LoggerFactory.getLogger(FirstSync.class);

  private final String zone;
  private final Set<String> expected;
  private final Set<String> applied = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean done = new AtomicBoolean();

  /**
   * @param zone this zone, for logs
   * @param expected every type global sends to the zone
   */
  public FirstSync(String zone, Collection<String> expected) {
    this.zone = zone;
    this.expected = Set.copyOf(expected);
    if (this.expected.isEmpty()) {
      done.set(true);
    }
  }

  /** The store already holds global's copies from an earlier run: serve them now. */
  public void heldFromAnEarlierRun() {
    if (done.compareAndSet(false, true)) {
      log.info(
          "zone={}: the store holds resources from an earlier sync with global; ready now, a"
              + " new sync runs in the background",
          zone);
    }
  }

  /**
   * Another replica of the zone (the leader) wrote global's copies into the shared store, {@code
   * seen} among them: serve them now. True when this made the sync done (or it was done already).
   */
  public boolean heldInTheStore(String seen) {
    if (done.compareAndSet(false, true)) {
      log.info(
          "zone={}: the zone store holds global's resources ({} among them), synced by the zone"
              + " leader; ready",
          zone,
          seen);
    }
    return true;
  }

  @Override
  public void responseApplied(
      KdsStreamInfo stream,
      String type,
      String nonce,
      int upserts,
      int removed,
      List<KdsRejection> rejected) {
    if (stream.direction() != KdsDirection.GLOBAL_TO_ZONE
        || stream.role() != KdsStreamInfo.Role.REQUESTING
        || !expected.contains(type)
        || !applied.add(type)) {
      return;
    }
    if (applied.containsAll(expected) && done.compareAndSet(false, true)) {
      log.info(
          "zone={}: first sync from global complete ({} types applied); ready",
          zone,
          expected.size());
    }
  }

  public boolean isDone() {
    return done.get();
  }

  /** The types no response has been applied for yet, sorted (empty once every type arrived). */
  public Set<String> missing() {
    Set<String> out = new TreeSet<>(expected);
    out.removeAll(applied);
    return out;
  }
}
