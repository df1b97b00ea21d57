package io.meshfed.kds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.meshfed.kds.proto.KdsSyncServiceGrpc;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Heartbeats, silent peers and authentication, driven by the manual clock. */
class KdsLivenessTest {
  private KdsHarness h;

  @AfterEach
  void tearDown() throws Exception {
    h.close();
  }

  /** Collects what a raw client stub receives. */
  private static final class Recorder<T> implements StreamObserver<T> {
    final List<T> received = new CopyOnWriteArrayList<>();
    final CompletableFuture<Status> ended = new CompletableFuture<>();

    @Override
    public void onNext(T value) {
      received.add(value);
    }

    @Override
    public void onError(Throwable t) {
      ended.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      ended.complete(Status.OK);
    }
  }

  @Test
  void globalClosesAStreamWhoseZoneFallsSilent() {
    h = new KdsHarness(KdsSettings.defaults().withCoalesceDelay(Duration.ZERO)).startServer();
    h.globalSource.put(TestTypes.mesh("default"));
    Recorder<DeltaDiscoveryResponse> zone = new Recorder<>();
    StreamObserver<DeltaDiscoveryRequest> requests =
        KdsSyncServiceGrpc.newStub(h.channel(KdsHarness.ZONE)).globalToZoneSync(zone);
    requests.onNext(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(TestTypes.MESH)
            .addResourceNamesSubscribe("*")
            .build());
    await().atMost(10, TimeUnit.SECONDS).until(() -> zone.received.size() == 1);

    // A heartbeat is answered and keeps the stream alive past the timeout.
    h.scheduler.advance(Duration.ofSeconds(10));
    requests.onNext(
        DeltaDiscoveryRequest.newBuilder().setTypeUrl(KdsEnvelope.HEARTBEAT_TYPE_URL).build());
    await().atMost(10, TimeUnit.SECONDS).until(() -> zone.received.size() == 2);
    assertThat(zone.received.get(1).getTypeUrl()).isEqualTo(KdsEnvelope.HEARTBEAT_TYPE_URL);
    h.scheduler.advance(Duration.ofSeconds(10));
    assertThat(zone.ended).isNotDone();

    // Then silence for longer than the timeout.
    h.scheduler.advance(Duration.ofSeconds(10));

    Status status = zone.ended.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.getDescription())
        .contains("no heartbeat from the requesting peer on GlobalToZoneSync (zone zone-1) for")
        .contains("(timeout 15s)");
  }

  @Test
  void theZoneSessionEndsWhenGlobalFallsSilent() {
    h = new KdsHarness(KdsSettings.defaults().withCoalesceDelay(Duration.ZERO));
    Recorder<DeltaDiscoveryRequest> global = new Recorder<>();
    List<DeltaDiscoveryRequest> heardByGlobal = global.received;
    h.startServer(
        new KdsSyncServiceGrpc.KdsSyncServiceImplBase() {
          @Override
          public StreamObserver<DeltaDiscoveryRequest> globalToZoneSync(
              StreamObserver<DeltaDiscoveryResponse> responses) {
            return global;
          }

          @Override
          public StreamObserver<DeltaDiscoveryResponse> zoneToGlobalSync(
              StreamObserver<DeltaDiscoveryRequest> requests) {
            return new Recorder<>();
          }
        }.bindService());

    KdsClientSession session = h.session();
    // This global sends no headers: after a heartbeat interval the zone subscribes without
    // digests (both types); it keeps sending heartbeats.
    h.scheduler.advance(Duration.ofSeconds(5));
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(
            () ->
                heardByGlobal.stream()
                        .filter(r -> !r.getTypeUrl().equals(KdsEnvelope.HEARTBEAT_TYPE_URL))
                        .count()
                    == 2);
    h.scheduler.advance(Duration.ofSeconds(5)); // the heartbeat timer started with the stream
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(
            () ->
                heardByGlobal.stream()
                    .anyMatch(r -> r.getTypeUrl().equals(KdsEnvelope.HEARTBEAT_TYPE_URL)));
    assertThat(session.closed()).isNotDone();

    h.scheduler.advance(Duration.ofSeconds(11));

    Status why = session.closed().orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(why.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(why.getDescription())
        .contains("no heartbeat from the")
        .contains("(zone zone-1)")
        .contains("(timeout 15s)");
  }

  @Test
  void aCallWithoutAVerifiedZoneIsUnauthenticated() {
    h = new KdsHarness().startServer();
    Recorder<DeltaDiscoveryResponse> g2z = new Recorder<>();
    Recorder<DeltaDiscoveryRequest> z2g = new Recorder<>();

    KdsSyncServiceGrpc.KdsSyncServiceStub stub = KdsSyncServiceGrpc.newStub(h.channel(null));
    stub.globalToZoneSync(g2z);
    stub.zoneToGlobalSync(z2g);

    for (Recorder<?> r : List.of(g2z, z2g)) {
      Status status = r.ended.orTimeout(10, TimeUnit.SECONDS).join();
      assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(status.getDescription()).contains("without a verified zone identity");
    }
    assertThat(h.globalListener.count("streamsOpened")).isZero();
  }
}
