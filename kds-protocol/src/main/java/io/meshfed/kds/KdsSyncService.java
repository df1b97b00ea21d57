package io.meshfed.kds;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshfed.kds.proto.InspectRequest;
import io.meshfed.kds.proto.InspectResponse;
import io.meshfed.kds.proto.KdsSyncServiceGrpc;
import io.meshfed.kds.proto.ZoneCaRequest;
import io.meshfed.kds.proto.ZoneCaResponse;
import io.meshfed.store.SerialExecutor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KDS gRPC service, run by global. {@code GlobalToZoneSync} runs a serving side over the zone's
 * source; {@code ZoneToGlobalSync} runs a requesting side into the zone's sink. The zone is the one
 * an authentication interceptor put into {@link KdsPeer#ZONE_NAME}; without it the call fails with
 * {@code UNAUTHENTICATED}. {@code SignZoneCa} (unary) is answered by the {@link ZoneCaSigning}
 * given, for the same verified zone. {@code InspectRelay} streams go to the {@link
 * InspectRelayBinding} given, for the same verified zone.
 *
 * <pre>{@code
 * Server server = NettyServerBuilder.forPort(5685)
 *     .addService(ServerInterceptors.intercept(new KdsSyncService(bindings, runtime), auth))
 *     .maxInboundMessageSize(runtime.settings().inboundLimit())
 *     .build().start();
 * }</pre>
 */
public final class KdsSyncService extends KdsSyncServiceGrpc.KdsSyncServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(KdsSyncService.class);

  private final KdsPeerBindings bindings;
  private final KdsRuntime runtime;
  private final ZoneCaSigning caSigning;
  private final InspectRelayBinding inspect;

  /** A service that refuses {@code SignZoneCa} with {@code UNIMPLEMENTED}. */
  public KdsSyncService(KdsPeerBindings bindings, KdsRuntime runtime) {
    this(bindings, runtime, ZoneCaSigning.UNAVAILABLE);
  }

  public KdsSyncService(KdsPeerBindings bindings, KdsRuntime runtime, ZoneCaSigning caSigning) {
    this(bindings, runtime, caSigning, InspectRelayBinding.UNAVAILABLE);
  }

  public KdsSyncService(
      KdsPeerBindings bindings,
      KdsRuntime runtime,
      ZoneCaSigning caSigning,
      InspectRelayBinding inspect) {
    this.bindings = bindings;
    this.runtime = runtime;
    this.caSigning = java.util.Objects.requireNonNull(caSigning, "caSigning");
    this.inspect = java.util.Objects.requireNonNull(inspect, "inspect");
  }

  @Override
  public StreamObserver<InspectResponse> inspectRelay(StreamObserver<InspectRequest> requests) {
    ServerCallStreamObserver<InspectRequest> call =
        (ServerCallStreamObserver<InspectRequest>) requests;
    String zone = KdsPeer.ZONE_NAME.get();
    if (zone == null) {
      call.onError(
          Status.UNAUTHENTICATED
              .withDescription("InspectRelay without a verified zone identity (no zone token?)")
              .asRuntimeException());
      return new Ignoring<>();
    }
    return inspect.open(zone, call);
  }

  @Override
  public void signZoneCa(ZoneCaRequest request, StreamObserver<ZoneCaResponse> response) {
    String zone = KdsPeer.ZONE_NAME.get();
    if (zone == null) {
      response.onError(
          Status.UNAUTHENTICATED
              .withDescription("SignZoneCa without a verified zone identity (no zone token?)")
              .asRuntimeException());
      return;
    }
    CompletableFuture<ZoneCaResponse> signed;
    try {
      signed = caSigning.sign(zone, request);
    } catch (RuntimeException e) {
      signed = CompletableFuture.failedFuture(e);
    }
    signed.whenComplete(
        (ok, error) -> {
          if (error == null) {
            response.onNext(ok);
            response.onCompleted();
            return;
          }
          Throwable cause =
              error instanceof CompletionException && error.getCause() != null
                  ? error.getCause()
                  : error;
          if (cause instanceof StatusRuntimeException refused) {
            response.onError(refused);
          } else {
            log.warn("zone={}: SignZoneCa for mesh {} failed", zone, request.getMesh(), cause);
            response.onError(
                Status.INTERNAL
                    .withDescription(
                        "global could not sign the intermediate CA of zone "
                            + zone
                            + " for mesh "
                            + request.getMesh()
                            + ": "
                            + cause.getMessage())
                    .asRuntimeException());
          }
        });
  }

  @Override
  public StreamObserver<DeltaDiscoveryRequest> globalToZoneSync(
      StreamObserver<DeltaDiscoveryResponse> responses) {
    ServerCallStreamObserver<DeltaDiscoveryResponse> call =
        (ServerCallStreamObserver<DeltaDiscoveryResponse>) responses;
    String zone = KdsPeer.ZONE_NAME.get();
    KdsSource source = bind(zone, call, bindings::sourceFor);
    if (source == null) {
      return new Ignoring<>();
    }
    KdsStreamInfo info =
        new KdsStreamInfo(
            zone, KdsDirection.GLOBAL_TO_ZONE, KdsStreamInfo.Role.SERVING, StreamIds.next());
    SerialExecutor serial = new SerialExecutor(runtime.executor());
    ServingSide machine =
        new ServingSide(info, source, runtime, new StreamPort<>(info, call), serial, s -> {});
    call.setOnReadyHandler(() -> serial.execute(machine::onReady));
    call.setOnCancelHandler(
        () ->
            serial.execute(
                () ->
                    machine.peerClosed(
                        Status.CANCELLED.withDescription("zone " + zone + " cancelled"))));
    serial.execute(machine::start);
    return new InboundObserver<>(serial, machine, "zone " + zone);
  }

  @Override
  public StreamObserver<DeltaDiscoveryResponse> zoneToGlobalSync(
      StreamObserver<DeltaDiscoveryRequest> requests) {
    ServerCallStreamObserver<DeltaDiscoveryRequest> call =
        (ServerCallStreamObserver<DeltaDiscoveryRequest>) requests;
    String zone = KdsPeer.ZONE_NAME.get();
    KdsSink sink = bind(zone, call, bindings::sinkFor);
    if (sink == null) {
      return new Ignoring<>();
    }
    KdsStreamInfo info =
        new KdsStreamInfo(
            zone, KdsDirection.ZONE_TO_GLOBAL, KdsStreamInfo.Role.REQUESTING, StreamIds.next());
    SerialExecutor serial = new SerialExecutor(runtime.executor());
    java.util.Set<String> features = KdsPeer.FEATURES.get();
    RequestingSide machine =
        new RequestingSide(
            info,
            sink,
            runtime,
            new StreamPort<>(info, call),
            serial,
            s -> {},
            CompletableFuture.completedFuture(features == null ? java.util.Set.of() : features));
    call.disableAutoRequest();
    call.setOnCancelHandler(
        () ->
            serial.execute(
                () ->
                    machine.peerClosed(
                        Status.CANCELLED.withDescription("zone " + zone + " cancelled"))));
    call.request(1);
    serial.execute(machine::start);
    return new InboundObserver<>(serial, machine, "zone " + zone);
  }

  /** Asks the bindings for the zone's source or sink; fails the call when there is none. */
  private <T> T bind(String zone, ServerCallStreamObserver<?> call, Function<String, T> factory) {
    if (zone == null) {
      call.onError(
          Status.UNAUTHENTICATED
              .withDescription("KDS call without a verified zone identity (no zone token?)")
              .asRuntimeException());
      return null;
    }
    try {
      T bound = factory.apply(zone);
      if (bound == null) {
        throw Status.PERMISSION_DENIED
            .withDescription("zone " + zone + " is not allowed to sync")
            .asRuntimeException();
      }
      return bound;
    } catch (StatusRuntimeException e) {
      log.info("zone={}: KDS call refused: {}", zone, e.getStatus());
      call.onError(e);
      return null;
    } catch (RuntimeException e) {
      log.warn("zone={}: KDS call failed while binding", zone, e);
      call.onError(
          Status.INTERNAL
              .withDescription("cannot start KDS for zone " + zone + ": " + e.getMessage())
              .asRuntimeException());
      return null;
    }
  }

  /** The inbound side of a refused call. */
  private static final class Ignoring<T> implements StreamObserver<T> {
    @Override
    public void onNext(T value) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
