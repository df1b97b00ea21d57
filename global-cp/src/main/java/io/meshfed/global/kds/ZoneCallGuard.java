package io.meshfed.global.kds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Context;
import io.grpc.ForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.meshfed.global.kds.auth.ZoneAuthInterceptor;
import io.meshfed.global.kds.auth.ZoneHandshake;
import io.meshfed.kds.KdsHeaders;
import io.meshfed.kds.KdsPeer;
import io.meshfed.store.ha.LocalCoordination;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one stream set per zone, to one zone control plane process at a time, for as long as the
 * zone may stay connected. Runs after the authentication interceptor, which put the zone into
 * {@link KdsPeer#ZONE_NAME} (and its token into {@link ZoneAuthInterceptor#HANDSHAKE}).
 *
 * <ul>
 *   <li>A zone that {@link ZoneAccess} refuses (disabled) is closed before its handler starts.
 *   <li>A new streaming call of an RPC for a zone that already has one from <em>another</em>
 *       instance (metadata {@link KdsHeaders#INSTANCE}) is refused with {@code ALREADY_EXISTS}
 *       naming that instance while the open call is live: something arrived on it within {@code
 *       liveWindow} (heartbeats come every few seconds). A silent open call, or one from the same
 *       instance (a reconnect global had not noticed), is replaced and closed with {@code ABORTED}.
 *   <li>Across global replicas, the zone's key in {@link ZoneStreamClaims} decides: a call admitted
 *       here claims it; a zone served by another replica for another zone instance is refused with
 *       {@code ALREADY_EXISTS}; the same zone instance moving here takes the key over, and the
 *       replica that lost it closes its calls with {@code ABORTED}.
 *   <li>{@link #recheck()} closes the open calls {@link ZoneAccess} no longer allows (token expired
 *       or revoked, zone disabled or deleted); the owner calls it on every change and every second.
 * </ul>
 *
 * <p>The map of open calls is guarded by {@code lock}. An evicted call is closed under its own lock
 * and its listener is told it was cancelled, so the KDS state machine on it ends at once; whatever
 * the machine still sends is dropped.
 */
final class ZoneCallGuard implements ServerInterceptor {
  private static final ObjectMapper CONFIG_JSON = new ObjectMapper();

  private static final Logger log = LoggerFactory.getLogger(ZoneCallGuard.class);

  private final Context.Key<String> versionKey;
  private final Handshake handshake;
  private final ZoneAccess access;
  private final Clock clock;
  private final Duration liveWindow;
  private final Consumer<SocketAddress> authenticated;
  private final ZoneStreamClaims claims;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, Guarded<?, ?>> active = new HashMap<>();

  /**
   * @param versionKey where the zone's version is, or null
   * @param handshake told (zone, version or null, instance or null, config or null) when a zone
   *     opens {@code GlobalToZoneSync}
   * @param access whether a zone may connect and stay connected
   * @param clock time source of the liveness of open calls
   * @param liveWindow an open call with nothing received for this long may be taken over
   * @param authenticated told the remote address of every connection that opened an authenticated
   *     call
   */
  ZoneCallGuard(
      Context.Key<String> versionKey,
      Handshake handshake,
      ZoneAccess access,
      Clock clock,
      Duration liveWindow,
      Consumer<SocketAddress> authenticated) {
    this(
        versionKey,
        handshake,
        access,
        clock,
        liveWindow,
        authenticated,
        new ZoneStreamClaims(
            new LocalCoordination("this-global").keys("zone-streams"),
            "this-global",
            clock,
            Duration.ofSeconds(5)));
  }

  /**
   * Like the other constructor, with the zone stream keys shared by the global replicas.
   *
   * @param claims which replica serves each zone
   */
  ZoneCallGuard(
      Context.Key<String> versionKey,
      Handshake handshake,
      ZoneAccess access,
      Clock clock,
      Duration liveWindow,
      Consumer<SocketAddress> authenticated,
      ZoneStreamClaims claims) {
    this.claims = claims;
    this.versionKey = versionKey;
    this.handshake = handshake;
    this.access = access;
    this.clock = clock;
    this.liveWindow = liveWindow;
    this.authenticated = authenticated;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String zone = KdsPeer.ZONE_NAME.get();
    if (zone == null) {
      return next.startCall(call, headers); // the KDS service refuses it
    }
    SocketAddress remoteAddress = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    if (remoteAddress != null) {
      authenticated.accept(remoteAddress);
    }
    String rpc = call.getMethodDescriptor().getBareMethodName();
    Status refusal = access.atConnect(zone);
    if (refusal != null) {
      log.warn(
          "zone={}: {} from {} refused: {}", zone, rpc, remoteAddress, refusal.getDescription());
      call.close(refusal, new Metadata());
      return new ServerCall.Listener<>() {};
    }
    if (call.getMethodDescriptor().getType() != MethodDescriptor.MethodType.BIDI_STREAMING) {
      return next.startCall(call, headers); // unary calls (SignZoneCa) never replace each other
    }
    String key = zone + "/" + rpc;
    Guarded<Q, R> guarded =
        new Guarded<>(call, key, zone, instance(headers), ZoneAuthInterceptor.HANDSHAKE.get());
    Instant now = clock.instant();
    Guarded<?, ?> previous;
    boolean refused = false;
    lock.lock();
    try {
      previous = active.get(key);
      if (previous != null
          && previous.isLive(now)
          && !Objects.equals(previous.instance, guarded.instance)) {
        refused = true;
      } else {
        active.put(key, guarded);
      }
    } finally {
      lock.unlock();
    }
    if (refused) {
      Status duplicate =
          Status.ALREADY_EXISTS.withDescription(
              "zone '"
                  + zone
                  + "' is already connected to global from instance "
                  + previous.instanceName()
                  + " ("
                  + previous.remote()
                  + ", since "
                  + previous.since
                  + "): two zone control planes cannot run as one zone; this one ("
                  + guarded.instanceName()
                  + ") may take over only once that connection is gone");
      log.warn(
          "zone={}: {} from {} ({}) refused: the zone is connected from {} ({}), which is alive",
          zone,
          rpc,
          guarded.remote(),
          guarded.instanceName(),
          previous.remote(),
          previous.instanceName());
      call.close(duplicate, new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Status crossReplica = claim(guarded);
    if (crossReplica != null) {
      lock.lock();
      try {
        if (previous == null) {
          active.remove(key, guarded);
        } else {
          active.replace(key, guarded, previous);
        }
      } finally {
        lock.unlock();
      }
      call.close(crossReplica, new Metadata());
      return new ServerCall.Listener<>() {};
    }
    if ("GlobalToZoneSync".equals(rpc)) {
      handshake.accept(
          zone, versionKey == null ? null : versionKey.get(), guarded.instance, config(headers));
    }
    if (previous != null) {
      boolean sameInstance = Objects.equals(previous.instance, guarded.instance);
      log.warn(
          "zone={}: a new {} call from {} ({}) replaces the open one from {} ({}), {}",
          zone,
          rpc,
          guarded.remote(),
          guarded.instanceName(),
          previous.remote(),
          previous.instanceName(),
          sameInstance
              ? "the same instance reconnecting"
              : "silent for " + previous.silentFor(now).toSeconds() + "s");
      previous.evict(
          Status.ABORTED.withDescription(
              "replaced by a newer KDS connection of zone "
                  + zone
                  + " from "
                  + guarded.remote()
                  + " (instance "
                  + guarded.instanceName()
                  + "): global serves one connection per zone"));
    }
    guarded.listener = next.startCall(guarded, headers);
    return guarded.new GuardedListener();
  }

  /**
   * Claims the zone's stream key for {@code guarded}; null when admitted, else the status to close
   * the call with.
   */
  private Status claim(Guarded<?, ?> guarded) {
    ZoneStreamClaims.Outcome outcome;
    try {
      outcome = claims.acquire(guarded.zone, guarded.instance, () -> lostZone(guarded.zone));
    } catch (ZoneStreamClaims.ZoneClaimException e) {
      log.warn(
          "zone={}: {} from {} refused: {}",
          guarded.zone,
          guarded.key,
          guarded.remote(),
          e.getMessage());
      return Status.UNAVAILABLE.withDescription(
          "global cannot record which replica serves zone '"
              + guarded.zone
              + "' ("
              + e.getMessage()
              + "); retry later");
    }
    if (outcome.admitted()) {
      guarded.ticket = outcome.ticket();
      return null;
    }
    log.warn(
        "zone={}: {} from {} ({}) refused: the zone is served by global replica {} for zone"
            + " instance {}",
        guarded.zone,
        guarded.key,
        guarded.remote(),
        guarded.instanceName(),
        outcome.holderGlobal(),
        outcome.holderZone());
    return Status.ALREADY_EXISTS.withDescription(
        "zone '"
            + guarded.zone
            + "' is already connected to global replica "
            + outcome.holderGlobal()
            + " from instance '"
            + outcome.holderZone()
            + "': two zone control planes cannot run as one zone; this one ("
            + guarded.instanceName()
            + ") may take over only once that connection is gone");
  }

  /** Another replica took {@code zone}'s key (or it expired): its calls here end. */
  private void lostZone(String zone) {
    List<Guarded<?, ?>> open = new ArrayList<>();
    lock.lock();
    try {
      for (Guarded<?, ?> g : active.values()) {
        if (g.zone.equals(zone)) {
          open.add(g);
        }
      }
    } finally {
      lock.unlock();
    }
    for (Guarded<?, ?> g : open) {
      ended(g.key, g);
      g.evict(
          Status.ABORTED.withDescription(
              "zone "
                  + zone
                  + " is now served by another global replica: global serves one connection per"
                  + " zone"));
    }
  }

  /** The fence of this replica's claim of {@code zone}'s streams, while it holds it. */
  java.util.Optional<io.meshfed.store.ha.Fence> fence(String zone) {
    return claims.fence(zone);
  }

  /** Told about each admitted {@code GlobalToZoneSync} call. */
  @FunctionalInterface
  interface Handshake {
    void accept(String zone, String version, String instance, String config);
  }

  /**
   * The zone's {@link KdsHeaders#CONFIG}, or null when absent, longer than allowed or not a JSON
   * object (it is shown as-is in zone overviews, where kumactl parses it).
   */
  private static String config(Metadata headers) {
    String config = headers.get(KdsHeaders.CONFIG);
    if (config == null || config.isBlank() || config.length() > KdsHeaders.MAX_CONFIG_CHARS) {
      return null;
    }
    try {
      return CONFIG_JSON.readTree(config).isObject() ? config : null;
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  private static String instance(Metadata headers) {
    String id = headers.get(KdsHeaders.INSTANCE);
    if (id == null || id.isBlank()) {
      return null;
    }
    return id.length() > KdsHeaders.MAX_INSTANCE_CHARS
        ? id.substring(0, KdsHeaders.MAX_INSTANCE_CHARS)
        : id;
  }

  /**
   * Closes every open call whose zone may no longer stay connected: token expired, revoked or its
   * key removed, {@code Zone} disabled or deleted. Safe to call from any thread.
   */
  void recheck() {
    List<Guarded<?, ?>> open;
    lock.lock();
    try {
      open = new ArrayList<>(active.values());
    } finally {
      lock.unlock();
    }
    for (Guarded<?, ?> g : open) {
      if (!g.zoneSeen && access.zoneExists(g.zone)) {
        g.zoneSeen = true;
      }
      Status close = access.whileOpen(g.zone, g.handshake, g.zoneSeen);
      if (close != null) {
        log.warn(
            "zone={}: closing {} from {} ({}): {}",
            g.zone,
            g.key,
            g.remote(),
            g.instanceName(),
            close.getDescription());
        ended(g.key, g);
        g.evict(close);
      }
    }
  }

  /** How many streaming calls are open (for tests and metrics). */
  int openCalls() {
    lock.lock();
    try {
      return active.size();
    } finally {
      lock.unlock();
    }
  }

  private void ended(String key, Guarded<?, ?> call) {
    lock.lock();
    try {
      active.remove(key, call);
    } finally {
      lock.unlock();
    }
    call.releaseClaim();
  }

  /** A call that can be closed from outside its own executor. */
  private final class Guarded<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private final String key;
    private final String zone;
    private final String instance;
    private final ZoneHandshake handshake;
    private final Instant since;
    private volatile Instant lastInbound;
    private volatile boolean zoneSeen;
    private final ReentrantLock callLock = new ReentrantLock();
    private final ReentrantLock listenerLock = new ReentrantLock();
    private boolean evicted;
    private boolean cancelDelivered;
    private volatile Object ticket;
    private final java.util.concurrent.atomic.AtomicBoolean claimReleased =
        new java.util.concurrent.atomic.AtomicBoolean();
    private volatile ServerCall.Listener<Q> listener;

    Guarded(
        ServerCall<Q, R> delegate,
        String key,
        String zone,
        String instance,
        ZoneHandshake handshake) {
      super(delegate);
      this.key = key;
      this.zone = zone;
      this.instance = instance;
      this.handshake = handshake;
      this.since = clock.instant();
      this.lastInbound = since;
    }

    String instanceName() {
      return instance == null ? "unknown instance" : "'" + instance + "'";
    }

    Duration silentFor(Instant now) {
      return Duration.between(lastInbound, now);
    }

    boolean isLive(Instant now) {
      return silentFor(now).compareTo(liveWindow) < 0;
    }

    String remote() {
      Object addr = getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
      return addr == null ? "unknown address" : addr.toString();
    }

    /** Gives back this call's share of the zone's stream key, once. */
    void releaseClaim() {
      Object t = ticket;
      if (t != null && claimReleased.compareAndSet(false, true)) {
        claims.release(zone, t);
      }
    }

    void evict(Status status) {
      releaseClaim();
      callLock.lock();
      try {
        if (evicted) {
          return;
        }
        evicted = true;
        try {
          super.close(status, new Metadata());
        } catch (IllegalStateException alreadyClosed) {
          // the stream ended on its own meanwhile
        }
      } finally {
        callLock.unlock();
      }
      listenerLock.lock();
      try {
        if (!cancelDelivered && listener != null) {
          cancelDelivered = true;
          listener.onCancel();
        }
      } finally {
        listenerLock.unlock();
      }
    }

    @Override
    public void sendHeaders(Metadata headers) {
      callLock.lock();
      try {
        if (!evicted) {
          super.sendHeaders(headers);
        }
      } finally {
        callLock.unlock();
      }
    }

    @Override
    public void sendMessage(R message) {
      callLock.lock();
      try {
        if (!evicted) {
          super.sendMessage(message);
        }
      } finally {
        callLock.unlock();
      }
    }

    @Override
    public void request(int n) {
      callLock.lock();
      try {
        if (!evicted) {
          super.request(n);
        }
      } finally {
        callLock.unlock();
      }
    }

    @Override
    public boolean isReady() {
      callLock.lock();
      try {
        return !evicted && super.isReady();
      } finally {
        callLock.unlock();
      }
    }

    @Override
    public void close(Status status, Metadata trailers) {
      callLock.lock();
      try {
        if (!evicted) {
          super.close(status, trailers);
        }
      } finally {
        callLock.unlock();
      }
    }

    /** Forwards gRPC's callbacks unless the call was evicted and told so already. */
    private final class GuardedListener extends ServerCall.Listener<Q> {
      private void deliver(Runnable event) {
        listenerLock.lock();
        try {
          if (!cancelDelivered) {
            event.run();
          }
        } finally {
          listenerLock.unlock();
        }
      }

      @Override
      public void onMessage(Q message) {
        lastInbound = clock.instant();
        deliver(() -> listener.onMessage(message));
      }

      @Override
      public void onHalfClose() {
        deliver(() -> listener.onHalfClose());
      }

      @Override
      public void onReady() {
        deliver(() -> listener.onReady());
      }

      @Override
      public void onCancel() {
        ended(key, Guarded.this);
        listenerLock.lock();
        try {
          if (!cancelDelivered) {
            cancelDelivered = true;
            listener.onCancel();
          }
        } finally {
          listenerLock.unlock();
        }
      }

      @Override
      public void onComplete() {
        ended(key, Guarded.this);
        deliver(() -> listener.onComplete());
      }
    }
  }
}
