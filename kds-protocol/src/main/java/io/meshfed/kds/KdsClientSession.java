package io.meshfed.kds;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.meshfed.kds.proto.KdsSyncServiceGrpc;
import io.meshfed.store.SerialExecutor;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The zone's end of one KDS connection: opens {@code GlobalToZoneSync} (a requesting side into
 * {@code sink}) and {@code ZoneToGlobalSync} (a serving side over {@code source}) on {@code
 * channel}. When either stream ends, the other is closed too and {@link #closed()} completes with
 * the reason; the caller then reconnects after {@link Backoff#next()}. Authentication metadata is
 * added by the caller with a {@code ClientInterceptor} on the channel.
 *
 * <pre>{@code
 * KdsClientSession session = new KdsClientSession(channel, "zone-1", sink, source, runtime).start();
 * Status why = session.closed().join();
 * }</pre>
 */
public final class KdsClientSession implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KdsClientSession.class);

  private final Channel channel;
  private final String zone;
  private final KdsSink sink;
  private final KdsSource source;
  private final KdsRuntime runtime;
  private final CompletableFuture<Status> closed = new CompletableFuture<>();
  private final AtomicBoolean started = new AtomicBoolean();
  private final CompletableFuture<Set<String>> globalFeatures = new CompletableFuture<>();
  private volatile StreamMachine<?> globalToZone;
  private volatile StreamMachine<?> zoneToGlobal;
  private volatile SerialExecutor globalToZoneSerial;
  private volatile SerialExecutor zoneToGlobalSerial;

  /**
   * @param channel the connection to global
   * @param zone this zone's name, for logs and listeners (identity travels in the credential)
   * @param sink receives global's resources
   * @param source what this zone reports to global
   * @param runtime codec, settings, time and executors
   */
  public KdsClientSession(
      Channel channel, String zone, KdsSink sink, KdsSource source, KdsRuntime runtime) {
    this.channel = channel;
    this.zone = zone;
    this.sink = sink;
    this.source = source;
    this.runtime = runtime;
  }

  /** Opens both RPCs. */
  public KdsClientSession start() {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("zone " + zone + ": KDS session already started");
    }
    KdsSyncServiceGrpc.KdsSyncServiceStub stub =
        KdsSyncServiceGrpc.newStub(ClientInterceptors.intercept(channel, new PeerFeatures()));
    globalToZoneSerial = new SerialExecutor(runtime.executor());
    zoneToGlobalSerial = new SerialExecutor(runtime.executor());
    // A global that sends no headers within a heartbeat interval is taken to know no digests.
    long wait = runtime.settings().heartbeatInterval().toNanos();
    runtime
        .scheduler()
        .schedule(
            () -> globalFeatures.complete(Set.of()),
            wait,
            java.util.concurrent.TimeUnit.NANOSECONDS);
    stub.globalToZoneSync(new GlobalToZoneObserver());
    stub.zoneToGlobalSync(new ZoneToGlobalObserver());
    globalToZoneSerial.execute(globalToZone::start);
    zoneToGlobalSerial.execute(zoneToGlobal::start);
    return this;
  }

  /** Completes with why the session ended (the first stream to end decides). */
  public CompletableFuture<Status> closed() {
    return closed;
  }

  /** Closes both streams; {@link #closed()} completes with {@code CANCELLED}. */
  @Override
  public void close() {
    terminated(Status.CANCELLED.withDescription("zone " + zone + " closed the KDS session"));
  }

  private void terminated(Status status) {
    if (closed.isDone()) {
      return;
    }
    if (!closed.complete(status)) {
      return;
    }
    if (status.getCode() == Status.Code.CANCELLED) {
      log.info("zone={}: KDS session closed: {}", zone, status);
    } else {
      log.warn("zone={}: KDS session ended: {}", zone, describe(status));
    }
    Status toPeer =
        Status.CANCELLED.withDescription(
            "KDS session of zone " + zone + " ended: " + describe(status));
    StreamMachine<?> a = globalToZone;
    StreamMachine<?> b = zoneToGlobal;
    if (a != null) {
      globalToZoneSerial.execute(() -> a.close(toPeer));
    }
    if (b != null) {
      zoneToGlobalSerial.execute(() -> b.close(toPeer));
    }
  }

  private static String describe(Status status) {
    return status.getCode()
        + (status.getDescription() == null ? "" : ": " + status.getDescription());
  }

  private KdsStreamInfo info(KdsDirection direction, KdsStreamInfo.Role role) {
    return new KdsStreamInfo(zone, direction, role, StreamIds.next());
  }

  /**
   * Reads global's features from the response headers of the first of this session's calls to get
   * them (global sends headers with its first message; on {@code ZoneToGlobalSync} that is its
   * first subscription, which does not wait for the zone). A call that ends without headers, or no
   * headers within a heartbeat interval, leaves none: the zone then resumes by version list.
   */
  private final class PeerFeatures implements ClientInterceptor {
    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          super.start(
              new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                @Override
                public void onHeaders(Metadata responseHeaders) {
                  globalFeatures.complete(
                      KdsHeaders.parseFeatures(responseHeaders.get(KdsHeaders.FEATURES)));
                  super.onHeaders(responseHeaders);
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                  globalFeatures.complete(Set.of());
                  super.onClose(status, trailers);
                }
              },
              headers);
        }
      };
    }
  }

  /** GlobalToZone: this end requests, global serves. */
  private final class GlobalToZoneObserver
      implements ClientResponseObserver<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
    private InboundObserver<DeltaDiscoveryResponse> inbound;

    @Override
    public void beforeStart(ClientCallStreamObserver<DeltaDiscoveryRequest> requests) {
      KdsStreamInfo info = info(KdsDirection.GLOBAL_TO_ZONE, KdsStreamInfo.Role.REQUESTING);
      RequestingSide machine =
          new RequestingSide(
              info,
              sink,
              runtime,
              new StreamPort<>(info, requests),
              globalToZoneSerial,
              KdsClientSession.this::terminated,
              globalFeatures);
      requests.disableAutoRequestWithInitial(1);
      requests.setOnReadyHandler(() -> globalToZoneSerial.execute(machine::onReady));
      globalToZone = machine;
      inbound = new InboundObserver<>(globalToZoneSerial, machine, "global");
    }

    @Override
    public void onNext(DeltaDiscoveryResponse value) {
      inbound.onNext(value);
    }

    @Override
    public void onError(Throwable t) {
      inbound.onError(t);
    }

    @Override
    public void onCompleted() {
      inbound.onCompleted();
    }
  }

  /** ZoneToGlobal: this end serves, global requests. */
  private final class ZoneToGlobalObserver
      implements ClientResponseObserver<DeltaDiscoveryResponse, DeltaDiscoveryRequest> {
    private InboundObserver<DeltaDiscoveryRequest> inbound;

    @Override
    public void beforeStart(ClientCallStreamObserver<DeltaDiscoveryResponse> responses) {
      KdsStreamInfo info = info(KdsDirection.ZONE_TO_GLOBAL, KdsStreamInfo.Role.SERVING);
      ServingSide machine =
          new ServingSide(
              info,
              source,
              runtime,
              new StreamPort<>(info, responses),
              zoneToGlobalSerial,
              KdsClientSession.this::terminated);
      responses.setOnReadyHandler(() -> zoneToGlobalSerial.execute(machine::onReady));
      zoneToGlobal = machine;
      inbound = new InboundObserver<>(zoneToGlobalSerial, machine, "global");
    }

    @Override
    public void onNext(DeltaDiscoveryRequest value) {
      inbound.onNext(value);
    }

    @Override
    public void onError(Throwable t) {
      inbound.onError(t);
    }

    @Override
    public void onCompleted() {
      inbound.onCompleted();
    }
  }
}
