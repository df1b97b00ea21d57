package io.meshfed.global.kds;

import io.grpc.Context;
import io.grpc.ForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.meshfed.kds.KdsPeer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one stream set per zone: a new streaming call of an RPC for a zone replaces the older call
 * of the same RPC for that zone, which is closed with {@code ABORTED} and a message saying why.
 * (When one of a zone's streams ends, the zone closes its other one, so a reconnect replaces the
 * whole set.) Runs after the authentication interceptor, which put the zone into {@link
 * KdsPeer#ZONE_NAME}; also reports the zone's handshake version, when an interceptor put it into
 * the given key.
 *
 * <p>An evicted call is closed under its own lock and its listener is told it was cancelled, so the
 * KDS state machine on it ends at once; whatever the machine still sends is dropped.
 */
final class ZoneCallGuard implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(ZoneCallGuard.class);

  private final Context.Key<String> versionKey;
  private final BiConsumer<String, String> handshake;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, Guarded<?, ?>> active = new HashMap<>();

  /**
   * @param versionKey where the zone's version is, or null
   * @param handshake told (zone, version or null) when a zone opens {@code GlobalToZoneSync}
   */
  ZoneCallGuard(Context.Key<String> versionKey, BiConsumer<String, String> handshake) {
    this.versionKey = versionKey;
    this.handshake = handshake;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String zone = KdsPeer.ZONE_NAME.get();
    if (zone == null) {
      return next.startCall(call, headers); // the KDS service refuses it
    }
    if (call.getMethodDescriptor().getType() != MethodDescriptor.MethodType.BIDI_STREAMING) {
      return next.startCall(call, headers); // unary calls (SignZoneCa) never replace each other
    }
    String rpc = call.getMethodDescriptor().getBareMethodName();
    if ("GlobalToZoneSync".equals(rpc)) {
      handshake.accept(zone, versionKey == null ? null : versionKey.get());
    }
    String key = zone + "/" + rpc;
    Guarded<Q, R> guarded = new Guarded<>(call, key);
    Guarded<?, ?> previous;
    lock.lock();
    try {
      previous = active.put(key, guarded);
    } finally {
      lock.unlock();
    }
    if (previous != null) {
      log.warn(
          "zone={}: a new {} call from {} replaces the open one from {}: one connection per zone"
              + " is served (two zone control planes with the same identity will take turns)",
          zone,
          rpc,
          guarded.remote(),
          previous.remote());
      previous.evict(
          Status.ABORTED.withDescription(
              "replaced by a newer KDS connection of zone "
                  + zone
                  + " (from "
                  + guarded.remote()
                  + "): global serves one connection per zone"));
    }
    guarded.listener = next.startCall(guarded, headers);
    return guarded.new GuardedListener();
  }

  private void ended(String key, Guarded<?, ?> call) {
    lock.lock();
    try {
      active.remove(key, call);
    } finally {
      lock.unlock();
    }
  }

  /** A call that can be closed from outside its own executor. */
  private final class Guarded<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private final String key;
    private final ReentrantLock callLock = new ReentrantLock();
    private final ReentrantLock listenerLock = new ReentrantLock();
    private boolean evicted;
    private boolean cancelDelivered;
    private volatile ServerCall.Listener<Q> listener;

    Guarded(ServerCall<Q, R> delegate, String key) {
      super(delegate);
      this.key = key;
    }

    String remote() {
      Object addr = getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
      return addr == null ? "unknown address" : addr.toString();
    }

    void evict(Status status) {
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
