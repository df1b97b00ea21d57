package io.meshfed.global.kds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.store.ha.Fence;
import io.meshfed.store.ha.LeasedKeys;
import io.meshfed.store.ha.LeasedKeys.Claim;
import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which global replica serves each zone's KDS streams, kept in the shared leased keys {@code
 * zone-streams} (name = zone, value = {@code {"globalInstance","zoneInstance","since"}}). A replica
 * claims a zone before it admits the zone's first streaming call and releases it when the zone's
 * last call on it ends; the key is bound to the replica's lease, so a dead replica's claims go with
 * it. A claim held for the same zone instance (a zone failing over from one replica to another) is
 * taken over; one held for another zone instance is refused. When another replica takes the key,
 * this one is told ({@code lost}) and closes the zone's calls. The held claim's fence guards the
 * writes made for the zone.
 *
 * <p>Per zone state is guarded by {@code lock}; claims and releases run on the caller's thread.
 */
final class ZoneStreamClaims {
  private static final Logger log = LoggerFactory.getLogger(ZoneStreamClaims.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final LeasedKeys keys;
  private final String globalInstance;
  private final Clock clock;
  private final Duration timeout;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, Held> held = new HashMap<>();

  /** A zone this replica holds: its claim, who the zone is, and how many calls use it. */
  private static final class Held {
    final Claim claim;
    final String zoneInstance;
    final Closeable watch;
    int calls;

    Held(Claim claim, String zoneInstance, Closeable watch) {
      this.claim = claim;
      this.zoneInstance = zoneInstance;
      this.watch = watch;
    }
  }

  /**
   * The outcome of {@link #acquire}.
   *
   * @param admitted whether the call may go on
   * @param holderGlobal when refused, the replica serving the zone
   * @param holderZone when refused, the zone instance it serves
   * @param ticket when admitted, what {@link #release} takes back
   */
  record Outcome(boolean admitted, String holderGlobal, String holderZone, Object ticket) {
    static Outcome admitted(Object ticket) {
      return new Outcome(true, null, null, ticket);
    }
  }

  /**
   * @param keys the shared {@code zone-streams} keys
   * @param globalInstance this replica's instance id
   * @param clock time source of the {@code since} field
   * @param timeout how long a claim may take before the call is refused as unavailable
   */
  ZoneStreamClaims(LeasedKeys keys, String globalInstance, Clock clock, Duration timeout) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.globalInstance = Objects.requireNonNull(globalInstance, "globalInstance");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  /**
   * Holds {@code zone} for one more call from {@code zoneInstance} (null when the zone did not
   * say), claiming its key when this replica does not hold it yet. {@code lost} runs (once, from
   * the watch's thread) when another replica takes the key or it expires while held.
   *
   * @throws ZoneClaimException when the shared keys did not answer in time
   */
  Outcome acquire(String zone, String zoneInstance, Runnable lost) {
    lock.lock();
    try {
      Held h = held.get(zone);
      if (h != null) {
        // the local guard admitted this call, so it replaces or joins the zone's calls here
        h.calls++;
        return Outcome.admitted(h);
      }
      String value = value(zoneInstance);
      Claim claim = await(keys.claim(zone, value, current -> mayTakeOver(current, zoneInstance)));
      if (!claim.held()) {
        JsonNode holder = parse(claim.value());
        return new Outcome(
            false, text(holder, "globalInstance"), text(holder, "zoneInstance"), null);
      }
      Held fresh = new Held(claim, zoneInstance, watch(zone, value, lost));
      fresh.calls = 1;
      held.put(zone, fresh);
      log.info("zone={}: this replica ({}) serves its KDS streams now", zone, globalInstance);
      return Outcome.admitted(fresh);
    } finally {
      lock.unlock();
    }
  }

  /**
   * One call of {@code zone}, admitted with {@code ticket}, ended; the last one releases the key
   * (unless the claim was lost meanwhile).
   */
  void release(String zone, Object ticket) {
    Held gone;
    lock.lock();
    try {
      Held h = held.get(zone);
      if (h == null || h != ticket || --h.calls > 0) {
        return;
      }
      held.remove(zone);
      gone = h;
    } finally {
      lock.unlock();
    }
    closeQuietly(gone.watch);
    keys.release(gone.claim)
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                log.warn(
                    "zone={}: cannot release its stream key (it expires with this replica's"
                        + " lease): {}",
                    zone,
                    error.toString());
              }
            });
  }

  /** The fence of this replica's claim of {@code zone}, when it holds it. */
  Optional<Fence> fence(String zone) {
    lock.lock();
    try {
      Held h = held.get(zone);
      return h == null ? Optional.empty() : h.claim.fence();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The fence of writes made for {@code zone}'s streams: this replica's claim while it holds it;
   * otherwise the key's vacancy, so a write after the claim ended (a subscription's disconnect)
   * commits only if no other replica serves the zone now.
   */
  Fence writeFence(String zone) {
    return fence(zone).orElseGet(() -> keys.vacancy(zone));
  }

  private Closeable watch(String zone, String ours, Runnable lost) {
    return keys.watch(
        zone,
        now -> {
          if (now.isPresent() && now.get().equals(ours)) {
            return;
          }
          Held h;
          lock.lock();
          try {
            h = held.get(zone);
            if (h == null || !h.claim.value().equals(ours)) {
              return;
            }
            held.remove(zone);
          } finally {
            lock.unlock();
          }
          closeQuietly(h.watch);
          log.warn(
              "zone={}: its stream key was {} (now {}): closing its calls on this replica",
              zone,
              now.isPresent() ? "taken by another replica" : "lost",
              now.orElse("absent"));
          lost.run();
        });
  }

  private boolean mayTakeOver(String current, String zoneInstance) {
    JsonNode holder = parse(current);
    String heldFor = text(holder, "zoneInstance");
    // the same zone process moving between replicas, or a stale key of this very replica
    return (zoneInstance != null && zoneInstance.equals(heldFor))
        || globalInstance.equals(text(holder, "globalInstance"));
  }

  private String value(String zoneInstance) {
    ObjectNode v = JSON.createObjectNode();
    v.put("globalInstance", globalInstance);
    v.put("zoneInstance", zoneInstance == null ? "" : zoneInstance);
    v.put("since", clock.instant().toString());
    return v.toString();
  }

  private <T> T await(java.util.concurrent.CompletableFuture<T> f) {
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ZoneClaimException("interrupted while claiming the zone's stream key", e);
    } catch (ExecutionException e) {
      throw new ZoneClaimException(
          "the zone's stream key cannot be claimed: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new ZoneClaimException(
          "the zone's stream key was not claimed within " + timeout.toMillis() + " ms", e);
    }
  }

  private static JsonNode parse(String value) {
    try {
      return value == null ? JSON.createObjectNode() : JSON.readTree(value);
    } catch (JsonProcessingException e) {
      return JSON.createObjectNode();
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.asText().isEmpty() ? null : v.asText();
  }

  private static void closeQuietly(Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      log.debug("closing a zone stream key watch failed: {}", e.toString());
    }
  }

  /** The shared keys could not be reached or did not answer in time. */
  static final class ZoneClaimException extends RuntimeException {
    ZoneClaimException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
