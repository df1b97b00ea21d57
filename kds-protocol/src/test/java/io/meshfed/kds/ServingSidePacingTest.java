package io.meshfed.kds;

import static io.meshfed.kds.TestTypes.MESH;
import static io.meshfed.kds.TestTypes.TP;
import static io.meshfed.kds.TestTypes.mesh;
import static io.meshfed.kds.TestTypes.permission;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Status;
import io.grpc.stub.CallStreamObserver;
import io.meshfed.kds.proto.RejectedResource;
import io.meshfed.kds.proto.RejectedResources;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.codec.ResourceCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The serving side's pacing, driven by hand: one machine, a recording outbound port, the manual
 * scheduler as both its serial executor and its timer. Nothing runs until {@link #run()}, so each
 * test sees exactly what one turn of the executor sends.
 */
class ServingSidePacingTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private final InMemoryKdsSource source =
      new InMemoryKdsSource(KdsDirection.GLOBAL_TO_ZONE.typeNames(TestTypes.registry()), true);
  private final RecordingObserver out = new RecordingObserver();
  private final CountingKdsStreamListener listener = new CountingKdsStreamListener();
  private final List<Status> terminated = new ArrayList<>();
  private ServingSide side;

  private ServingSide start(KdsSettings settings) {
    KdsRuntime rt =
        new KdsRuntime(
            new KdsEnvelope(new ResourceCodec(TestTypes.registry())),
            settings,
            scheduler.clock,
            scheduler,
            scheduler,
            listener);
    KdsStreamInfo info =
        new KdsStreamInfo("zone-1", KdsDirection.GLOBAL_TO_ZONE, KdsStreamInfo.Role.SERVING, 1);
    side =
        new ServingSide(info, source, rt, new StreamPort<>(info, out), scheduler, terminated::add);
    side.start();
    return side;
  }

  private ServingSide start() {
    return start(KdsSettings.defaults());
  }

  /** Runs what is queued on the serial executor, without moving time. */
  private void run() {
    scheduler.advance(Duration.ZERO);
  }

  private void subscribe(String type) {
    side.onMessage(
        DeltaDiscoveryRequest.newBuilder().setTypeUrl(type).addResourceNamesSubscribe("*").build());
    run();
  }

  private void ack(DeltaDiscoveryResponse response) {
    side.onMessage(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(response.getTypeUrl())
            .setResponseNonce(response.getNonce())
            .build());
    run();
  }

  private void nack(DeltaDiscoveryResponse response, String name) {
    RejectedResources details =
        RejectedResources.newBuilder()
            .addResources(RejectedResource.newBuilder().setName(name).setReason("bad on purpose"))
            .build();
    side.onMessage(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(response.getTypeUrl())
            .setResponseNonce(response.getNonce())
            .setErrorDetail(
                com.google.rpc.Status.newBuilder()
                    .setCode(3)
                    .setMessage("rejected")
                    .addDetails(Any.pack(details)))
            .build());
    run();
  }

  private static List<String> names(DeltaDiscoveryResponse r) {
    return r.getResourcesList().stream().map(Resource::getName).toList();
  }

  /** Subscribes to TP with a mesh and p0 in the source, and ACKs the first response. */
  private void syncedWithOnePermission() {
    source.put(mesh("default"), permission("default", "p0", "a"));
    start();
    subscribe(TP);
    assertThat(out.sent).hasSize(1);
    ack(out.last());
  }

  @Test
  void aChangeGoesOutAtOnceWhenNothingIsInFlight() {
    syncedWithOnePermission();

    source.put(permission("default", "p1", "b"));
    run(); // no time passes: no timer stands between the change and the response

    assertThat(out.sent).hasSize(2);
    assertThat(names(out.last())).containsExactly("default/p1");
    assertThat(side.responsesInFlight()).isEqualTo(1);
  }

  @Test
  void changesWhileAResponseIsUnansweredAreFoldedIntoTheNextOne() {
    syncedWithOnePermission();
    source.put(permission("default", "p1", "b"));
    run();
    DeltaDiscoveryResponse inFlight = out.last();

    source.put(permission("default", "p2", "c"));
    run();
    source.put(permission("default", "p3", "d"), permission("default", "p1", "changed"));
    run();
    source.remove(ResourceKey.inMesh(TP, "default", "p0"));
    run();
    scheduler.advance(Duration.ofSeconds(1));

    assertThat(out.sent).hasSize(2); // nothing more until the peer answers
    assertThat(side.pendingTypes()).containsExactly(TP);

    ack(inFlight);

    assertThat(out.sent).hasSize(3);
    DeltaDiscoveryResponse folded = out.last();
    assertThat(names(folded)).containsExactly("default/p1", "default/p2", "default/p3");
    assertThat(folded.getRemovedResourcesList()).containsExactly("default/p0");
    assertThat(side.pendingTypes()).isEmpty();

    ack(folded);
    run();
    assertThat(out.sent).hasSize(3); // nothing was left over
  }

  @Test
  void aNackFreesTheTypeAndTheNextChangeGoesWithoutTheRejectedVersion() {
    syncedWithOnePermission();
    source.put(permission("default", "bad", "b"));
    run();
    DeltaDiscoveryResponse withBad = out.last();

    nack(withBad, "default/bad");
    assertThat(listener.nacks(TP)).isEqualTo(1);
    assertThat(out.sent).hasSize(2); // a NACK alone sends nothing

    source.put(permission("default", "p1", "c"));
    run();

    assertThat(out.sent).hasSize(3);
    assertThat(names(out.last())).containsExactly("default/p1");
  }

  @Test
  void aNackWithChangesPendingSendsThemRightAway() {
    syncedWithOnePermission();
    source.put(permission("default", "bad", "b"));
    run();
    DeltaDiscoveryResponse withBad = out.last();
    source.put(permission("default", "p1", "c"));
    run();
    assertThat(out.sent).hasSize(2);

    nack(withBad, "default/bad");

    assertThat(out.sent).hasSize(3);
    assertThat(names(out.last())).containsExactly("default/p1");
  }

  @Test
  void aPeerThatNeverAnswersGetsOneResponsePerTypeAndIsOwedOneFlagPerType() {
    syncedWithOnePermission();
    subscribe(MESH);
    assertThat(out.sent).hasSize(2); // the Mesh type's first response, unanswered from now on
    for (int i = 0; i < 500; i++) {
      source.put(permission("default", "p" + i, "v" + i), mesh("m" + (i % 7)));
      run();
      side.onMessage(
          DeltaDiscoveryRequest.newBuilder().setTypeUrl(KdsEnvelope.HEARTBEAT_TYPE_URL).build());
      scheduler.advance(Duration.ofMillis(20));
    }

    List<DeltaDiscoveryResponse> data =
        out.sent.stream()
            .filter(r -> !r.getTypeUrl().equals(KdsEnvelope.HEARTBEAT_TYPE_URL))
            .toList();
    assertThat(data).hasSize(3); // the two first responses and the first change of TP
    assertThat(side.responsesInFlight()).isEqualTo(2);
    assertThat(side.pendingTypes()).containsExactlyInAnyOrder(MESH, TP);
    assertThat(out.sent).hasSize(3 + 500); // every heartbeat was answered meanwhile
    assertThat(terminated).isEmpty(); // heartbeats kept it alive for 10 s
  }

  @Test
  void aSilentPeerIsStillClosedAfterTheHeartbeatTimeout() {
    syncedWithOnePermission();
    source.put(permission("default", "p1", "b"));
    run();

    scheduler.advance(Duration.ofSeconds(14));
    assertThat(terminated).isEmpty();
    scheduler.advance(Duration.ofSeconds(2));

    assertThat(terminated).hasSize(1);
    assertThat(terminated.get(0).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(terminated.get(0).getDescription()).contains("no heartbeat");
    assertThat(side.responsesInFlight()).isZero();
  }

  @Test
  void aDeltaOverTheBudgetGoesOneResponsePerAnswer() {
    for (int i = 0; i < 30; i++) {
      source.put(permission("default", "p" + i, "service-with-a-long-name-" + i));
    }
    start(KdsSettings.defaults().withMaxResponseBytes(2048));
    subscribe(TP);
    assertThat(out.sent).hasSize(1);
    assertThat(out.last().getSerializedSize()).isLessThanOrEqualTo(2048);

    int responses = 1;
    int carried = out.last().getResourcesCount();
    while (carried < 30 && responses < 30) {
      ack(out.last());
      responses++;
      assertThat(out.sent).hasSize(responses);
      carried += out.last().getResourcesCount();
    }
    assertThat(responses).isGreaterThan(1);
    assertThat(carried).isEqualTo(30);
    ack(out.last());
    assertThat(out.sent).hasSize(responses);
  }

  @Test
  void anOptionalMinimumGapHoldsTheNextResponseUntilItPasses() {
    source.put(mesh("default"), permission("default", "p0", "a"));
    start(KdsSettings.defaults().withCoalesceDelay(Duration.ofMillis(50)));
    subscribe(TP);
    assertThat(out.sent).hasSize(1); // the first response is never held
    ack(out.last());

    scheduler.advance(Duration.ofMillis(10));
    source.put(permission("default", "p1", "b"));
    run();
    scheduler.advance(Duration.ofMillis(39));
    assertThat(out.sent).hasSize(1);
    source.put(permission("default", "p2", "c"));
    scheduler.advance(Duration.ofMillis(1));

    assertThat(out.sent).hasSize(2);
    assertThat(names(out.last())).containsExactly("default/p1", "default/p2");
  }

  /** Records what the machine sends; always ready. */
  private static final class RecordingObserver extends CallStreamObserver<DeltaDiscoveryResponse> {
    final List<DeltaDiscoveryResponse> sent = new ArrayList<>();

    DeltaDiscoveryResponse last() {
      return sent.get(sent.size() - 1);
    }

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setOnReadyHandler(Runnable onReadyHandler) {}

    @Override
    public void disableAutoInboundFlowControl() {}

    @Override
    public void request(int count) {}

    @Override
    public void setMessageCompression(boolean enable) {}

    @Override
    public void onNext(DeltaDiscoveryResponse value) {
      sent.add(value);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }

  @Test
  void aChangeReadsOnlyTheKeysItNamesAndSendsOnlyThem() {
    source.put(mesh("default"));
    for (int i = 0; i < 1000; i++) {
      source.put(permission("default", "p" + i, "svc"));
    }
    start();
    subscribe(TP);
    assertThat(out.last().getResourcesCount()).isEqualTo(1000);
    ack(out.last());
    long fullReads = source.fullReads();
    long keyReads = source.keyReads();

    source.put(permission("default", "p7", "changed"), permission("default", "new", "svc"));
    source.remove(ResourceKey.inMesh(TP, "default", "p8"));
    run();
    ack(out.last());
    source.put(permission("default", "p9", "changed"));
    run();

    assertThat(source.fullReads()).as("the type is not listed again").isEqualTo(fullReads);
    assertThat(source.keyReads() - keyReads).isEqualTo(4);
    DeltaDiscoveryResponse first = out.sent.get(out.sent.size() - 2);
    assertThat(names(first)).containsExactly("default/new", "default/p7");
    assertThat(first.getRemovedResourcesList()).containsExactly("default/p8");
    assertThat(names(out.last())).containsExactly("default/p9");
  }

  @Test
  void aNackedChangeIsComparedAgainWhenItsBackoffEnds() {
    source.put(mesh("default"), permission("default", "p0", "a"));
    start(KdsSettings.defaults().withHeartbeat(Duration.ofMinutes(10), Duration.ofHours(1)));
    subscribe(TP);
    ack(out.last());
    source.put(permission("default", "p1", "bad"));
    run();
    nack(out.last(), "default/p1");
    int sent = out.sent.size();

    scheduler.advance(KdsSettings.defaults().nackBackoff().minusMillis(1));
    assertThat(out.sent).hasSize(sent);
    scheduler.advance(Duration.ofMillis(1));

    assertThat(terminated).isEmpty();
    assertThat(out.sent).hasSize(sent + 1);
    assertThat(names(out.last())).containsExactly("default/p1");
  }
}
