package io.meshfed.kds;

import static io.meshfed.kds.TestTypes.MESH;
import static io.meshfed.kds.TestTypes.TP;
import static io.meshfed.kds.TestTypes.ZONE_THING;
import static io.meshfed.kds.TestTypes.mesh;
import static io.meshfed.kds.TestTypes.permission;
import static io.meshfed.kds.TestTypes.thing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.meshfed.kds.KdsStreamListener.SentResponse;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Resume by digest, both RPCs end to end in-process: equal, changed, and peers without it. */
class DigestResumeTest {
  private static final int POLICIES = 300; // over ResourceDigest.TREE_FROM: bucket digests sent
  private static final int THINGS = 20; // under it: the top digest alone
  private static final Duration WAIT = Duration.ofSeconds(10);

  private KdsHarness h;

  @AfterEach
  void tearDown() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  private KdsHarness harness(boolean globalDigests, boolean zoneDigests) {
    h = new KdsHarness();
    h.globalDigests = globalDigests;
    h.zoneDigests = zoneDigests;
    h.startServer();
    h.globalSource.put(mesh("default"));
    for (int i = 0; i < POLICIES; i++) {
      h.globalSource.put(permission("default", "p" + i, "svc-" + i));
    }
    for (int i = 0; i < THINGS; i++) {
      h.zoneSource.put(thing("default", "t" + i, "x" + i));
    }
    return h;
  }

  /** First session: everything syncs; then it closes. */
  private void syncOnceAndDisconnect() {
    h.session();
    await()
        .atMost(WAIT)
        .until(
            () ->
                h.zoneSink.resources(TP).size() == POLICIES
                    && h.globalSink.resources(ZONE_THING).size() == THINGS
                    && h.globalListener.acks(TP) >= 1
                    && h.zoneListener.acks(ZONE_THING) >= 1);
    h.closeSessions();
  }

  private int received(List<Object> messages) {
    return messages.size();
  }

  private static List<DeltaDiscoveryRequest> subscriptions(List<Object> messages, int from) {
    List<DeltaDiscoveryRequest> out = new ArrayList<>();
    for (Object m : messages.subList(from, messages.size())) {
      if (m instanceof DeltaDiscoveryRequest r
          && r.getResponseNonce().isEmpty()
          && !r.getTypeUrl().equals(KdsEnvelope.HEARTBEAT_TYPE_URL)) {
        out.add(r);
      }
    }
    return out;
  }

  private static List<String> sentNames(List<SentResponse> responses, int from) {
    List<String> names = new ArrayList<>();
    for (SentResponse r : responses.subList(from, responses.size())) {
      names.addAll(r.resources().keySet());
    }
    return names;
  }

  @Test
  void aReconnectWithNothingChangedSendsDigestsAndNoResourceInEitherDirection() {
    harness(true, true);
    syncOnceAndDisconnect();
    Map<String, Resource> zoneHeld = new TreeMap<>(h.zoneSink.resources(TP));
    int globalFrom = received(h.globalReceived);
    int zoneFrom = received(h.zoneReceived);
    long globalSentBefore = h.globalListener.resourcesSent(TP);
    long zoneSentBefore = h.zoneListener.resourcesSent(ZONE_THING);
    long acksBefore = h.globalListener.acks(TP);
    long zoneAcksBefore = h.zoneListener.acks(ZONE_THING);

    h.session();
    await()
        .atMost(WAIT)
        .until(
            () ->
                h.globalListener.acks(TP) > acksBefore
                    && h.zoneListener.acks(ZONE_THING) > zoneAcksBefore);

    // The zone's subscriptions to global carry a digest, not 301 versions; global's to the zone
    // too.
    List<DeltaDiscoveryRequest> zoneSubs = subscriptions(h.globalReceived, globalFrom);
    assertThat(zoneSubs).extracting(DeltaDiscoveryRequest::getTypeUrl).contains(MESH, TP);
    for (DeltaDiscoveryRequest r : zoneSubs) {
      assertThat(r.getInitialResourceVersionsCount()).as(r.getTypeUrl()).isZero();
      assertThat(r.getNode().getMetadata().getFieldsMap()).containsKey(ResourceDigest.NODE_FIELD);
    }
    int subscriptionBytes =
        zoneSubs.stream().mapToInt(DeltaDiscoveryRequest::getSerializedSize).sum();
    assertThat(subscriptionBytes).isLessThan(4_000); // 301 versions alone are ~10 KiB
    List<DeltaDiscoveryRequest> globalSubs = subscriptions(h.zoneReceived, zoneFrom);
    assertThat(globalSubs).extracting(DeltaDiscoveryRequest::getTypeUrl).contains(ZONE_THING);
    globalSubs.forEach(r -> assertThat(r.getInitialResourceVersionsCount()).isZero());

    // Nothing sent back, nothing removed, and the serving side knows what the peer holds.
    assertThat(h.globalListener.resourcesSent(TP)).isEqualTo(globalSentBefore);
    assertThat(h.globalListener.removalsSent(TP)).isZero();
    assertThat(h.zoneListener.resourcesSent(ZONE_THING)).isEqualTo(zoneSentBefore);
    assertThat(h.zoneSink.resources(TP)).isEqualTo(zoneHeld);
    assertThat(h.globalSink.resources(ZONE_THING)).hasSize(THINGS);
    assertThat(h.globalListener.held(TP)).hasSize(POLICIES);

    // The resumed stream still follows changes.
    h.globalSource.put(permission("default", "p7", "changed"));
    await()
        .atMost(WAIT)
        .until(
            () ->
                h.zoneSink
                    .resources(TP)
                    .get("default/p7")
                    .sameContent(permission("default", "p7", "changed")));
  }

  @Test
  void oneChangedOneAddedOneDeletedWhileAwayResendOnlyTheirBucketsAndTheDeletionArrives() {
    harness(true, true);
    syncOnceAndDisconnect();
    Resource changed = permission("default", "p1", "changed");
    h.globalSource.put(changed, permission("default", "p-new", "new"));
    h.globalSource.remove(ResourceKey.inMesh(TP, "default", "p2"));
    h.zoneSource.remove(ResourceKey.inMesh(ZONE_THING, "default", "t3"));
    int responsesFrom = h.globalListener.sentResponses().size();
    long acksBefore = h.globalListener.acks(TP);

    h.session();
    await()
        .atMost(WAIT)
        .until(
            () ->
                h.zoneSink.resources(TP).containsKey("default/p-new")
                    && !h.zoneSink.resources(TP).containsKey("default/p2")
                    && !h.globalSink.resources(ZONE_THING).containsKey("default/t3")
                    && h.globalListener.acks(TP) > acksBefore);

    assertThat(h.zoneSink.resources(TP)).hasSize(POLICIES);
    assertThat(h.zoneSink.resources(TP).get("default/p1").sameContent(changed)).isTrue();
    Set<Integer> differing = new HashSet<>();
    for (String name : List.of("default/p1", "default/p-new", "default/p2")) {
      differing.add(ResourceDigest.bucket(name));
    }
    List<String> sent = sentNames(h.globalListener.sentResponses(), responsesFrom);
    assertThat(sent).contains("default/p1", "default/p-new");
    assertThat(sent)
        .as("only resources of the buckets that differ are resent")
        .allMatch(n -> differing.contains(ResourceDigest.bucket(n)));
    assertThat(sent.size()).isLessThan(POLICIES / 10);
    assertThat(h.globalSink.resources(ZONE_THING)).hasSize(THINGS - 1);
  }

  @Test
  void aGlobalThatAnnouncesNoDigestsGetsEveryVersionAndSendsNothingBack() {
    harness(false, true); // a global of an earlier build: no features in its response headers
    syncOnceAndDisconnect();
    int globalFrom = received(h.globalReceived);
    long sentBefore = h.globalListener.resourcesSent(TP);
    long acksBefore = h.globalListener.acks(TP);

    h.session();
    await().atMost(WAIT).until(() -> h.globalListener.acks(TP) > acksBefore);

    DeltaDiscoveryRequest tp =
        subscriptions(h.globalReceived, globalFrom).stream()
            .filter(r -> r.getTypeUrl().equals(TP))
            .findFirst()
            .orElseThrow();
    assertThat(tp.getInitialResourceVersionsCount()).isEqualTo(POLICIES);
    assertThat(tp.hasNode()).isFalse();
    assertThat(h.globalListener.resourcesSent(TP)).isEqualTo(sentBefore);
  }

  @Test
  void aZoneThatAnnouncesNoDigestsIsAskedWithEveryVersion() {
    harness(true, false); // a zone of an earlier build: no digest feature in its handshake
    syncOnceAndDisconnect();
    int zoneFrom = received(h.zoneReceived);
    long sentBefore = h.zoneListener.resourcesSent(ZONE_THING);
    long acksBefore = h.zoneListener.acks(ZONE_THING);

    h.session();
    await().atMost(WAIT).until(() -> h.zoneListener.acks(ZONE_THING) > acksBefore);

    DeltaDiscoveryRequest things =
        subscriptions(h.zoneReceived, zoneFrom).stream()
            .filter(r -> r.getTypeUrl().equals(ZONE_THING))
            .findFirst()
            .orElseThrow();
    assertThat(things.getInitialResourceVersionsCount()).isEqualTo(THINGS);
    assertThat(things.hasNode()).isFalse();
    assertThat(h.zoneListener.resourcesSent(ZONE_THING)).isEqualTo(sentBefore);
  }
}
