package io.meshfed.kds;

import static io.meshfed.kds.TestTypes.MESH;
import static io.meshfed.kds.TestTypes.TP;
import static io.meshfed.kds.TestTypes.ZONE_THING;
import static io.meshfed.kds.TestTypes.mesh;
import static io.meshfed.kds.TestTypes.permission;
import static io.meshfed.kds.TestTypes.thing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.meshfed.kds.KdsStreamListener.SentResponse;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Both RPCs end to end through the generated stub, in-process, with memory sources and sinks. */
class KdsSyncTest {
  private KdsHarness h;

  @AfterEach
  void tearDown() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  private KdsHarness harness() {
    h = new KdsHarness().startServer();
    return h;
  }

  private static List<String> sentNames(List<SentResponse> responses, String type) {
    List<String> names = new ArrayList<>();
    for (SentResponse r : responses) {
      if (r.type().equals(type)) {
        names.addAll(r.resources().keySet());
      }
    }
    return names;
  }

  @Test
  void bothDirectionsSyncUpdatesAndDeletes() {
    harness();
    h.globalSource.put(
        mesh("default"), permission("default", "p1", "a"), permission("default", "p2", "b"));
    h.zoneSource.put(thing("default", "t1", "x"));

    KdsClientSession session = h.session();

    await()
        .atMost(10, TimeUnit.SECONDS)
        .untilAsserted(
            () -> {
              assertThat(h.zoneSink.resources(MESH)).containsOnlyKeys("default");
              assertThat(h.zoneSink.resources(TP)).containsOnlyKeys("default/p1", "default/p2");
              assertThat(h.globalSink.resources(ZONE_THING)).containsOnlyKeys("default/t1");
            });

    h.globalSource.put(permission("default", "p1", "changed"));
    h.globalSource.remove(ResourceKey.inMesh(TP, "default", "p2"));
    h.zoneSource.put(thing("default", "t2", "y"));

    await()
        .atMost(10, TimeUnit.SECONDS)
        .untilAsserted(
            () -> {
              assertThat(h.zoneSink.resources(TP)).containsOnlyKeys("default/p1");
              assertThat(
                      h.zoneSink
                          .resources(TP)
                          .get("default/p1")
                          .sameContent(permission("default", "p1", "changed")))
                  .isTrue();
              assertThat(h.globalSink.resources(ZONE_THING))
                  .containsOnlyKeys("default/t1", "default/t2");
              assertThat(h.globalListener.acks(TP)).isEqualTo(h.globalListener.responsesSent(TP));
              assertThat(h.zoneListener.acks(ZONE_THING))
                  .isEqualTo(h.zoneListener.responsesSent(ZONE_THING));
            });
    assertThat(h.globalListener.removalsSent(TP)).isEqualTo(1);
    assertThat(h.globalListener.nacks(TP)).isZero();
    assertThat(session.closed()).isNotDone();
  }

  @Test
  void nackNamesTheBadResourceWhileGoodOnesApply() {
    harness();
    h.zoneSink.rejectWhen((type, r) -> r.name().equals("default/bad") ? "bad on purpose" : null);
    h.globalSource.put(
        mesh("default"),
        permission("default", "good1", "a"),
        permission("default", "bad", "b"),
        permission("default", "good2", "c"));

    h.session();

    await()
        .atMost(10, TimeUnit.SECONDS)
        .untilAsserted(
            () -> {
              assertThat(h.zoneSink.resources(TP))
                  .containsOnlyKeys("default/good1", "default/good2");
              assertThat(h.globalListener.nacks(TP)).isEqualTo(1);
            });
    assertThat(h.globalListener.nackedNames())
        .containsExactly(java.util.Map.entry("default/bad", "bad on purpose"));
    assertThat(h.zoneListener.count("rejectedApplies:" + TP)).isEqualTo(1);
  }

  @Test
  void nackedResourceIsNotResentUntilItChangesOrTheBackoffPasses() {
    harness();
    h.zoneSink.rejectWhen((type, r) -> r.name().equals("default/bad") ? "no" : null);
    h.globalSource.put(mesh("default"), permission("default", "bad", "v1"));
    h.session();
    await().atMost(10, TimeUnit.SECONDS).until(() -> h.globalListener.nacks(TP) == 1);

    // An unrelated change is sent on its own: the rejected version is held back.
    h.globalSource.put(permission("default", "other", "x"));
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(() -> h.zoneSink.resources(TP).containsKey("default/other"));
    await().atMost(10, TimeUnit.SECONDS).until(() -> h.globalListener.acks(TP) == 1);
    assertThat(sentNames(h.globalListener.sentResponses(), TP))
        .containsExactly("default/bad", "default/other");

    // A new version is sent at once (and rejected again).
    h.globalSource.put(permission("default", "bad", "v2"));
    await().atMost(10, TimeUnit.SECONDS).until(() -> h.globalListener.nacks(TP) == 2);
    assertThat(sentNames(h.globalListener.sentResponses(), TP))
        .containsExactly("default/bad", "default/other", "default/bad");

    // Just before the back-off nothing moves; once it passes the same version is retried.
    h.scheduler.advance(Duration.ofSeconds(29));
    h.globalSource.put(permission("default", "other2", "x"));
    await().atMost(10, TimeUnit.SECONDS).until(() -> h.globalListener.acks(TP) == 2);
    assertThat(sentNames(h.globalListener.sentResponses(), TP))
        .containsExactly("default/bad", "default/other", "default/bad", "default/other2");
    h.scheduler.advance(Duration.ofSeconds(2));
    await().atMost(10, TimeUnit.SECONDS).until(() -> h.globalListener.nacks(TP) == 3);
    assertThat(sentNames(h.globalListener.sentResponses(), TP))
        .containsExactly(
            "default/bad", "default/other", "default/bad", "default/other2", "default/bad");

    // Once the zone accepts it, it is held and the back-off is over.
    h.zoneSink.rejectWhen((type, r) -> null);
    h.scheduler.advance(Duration.ofSeconds(31));
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(() -> h.zoneSink.resources(TP).containsKey("default/bad"));
  }

  @Test
  void aSubscriptionTellsTheListenerWhatThePeerHolds() {
    harness();
    h.globalSource.put(mesh("default"), permission("default", "p1", "a"));
    KdsClientSession first = h.session();
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(() -> h.zoneSink.resources(TP).size() == 1 && h.globalListener.acks(TP) >= 1);
    assertThat(h.globalListener.count("subscribed:" + TP)).isEqualTo(1);
    assertThat(h.globalListener.held(TP)).isEmpty();
    first.close();
    await().atMost(10, TimeUnit.SECONDS).until(() -> h.globalListener.count("streamsClosed") == 2);

    h.session();
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(() -> h.globalListener.count("subscribed:" + TP) == 2);
    String sentVersion =
        h.globalListener.sentResponses().stream()
            .filter(r -> r.type().equals(TP) && r.resources().containsKey("default/p1"))
            .findFirst()
            .orElseThrow()
            .resources()
            .get("default/p1");
    assertThat(h.globalListener.held(TP)).isEqualTo(java.util.Map.of("default/p1", sentVersion));
  }

  @Test
  void resumeSendsNothingWhenNothingChangedAndOnlyTheDiffOtherwise() {
    harness();
    h.globalSource.put(
        mesh("default"),
        permission("default", "p1", "a"),
        permission("default", "p2", "b"),
        permission("default", "p3", "c"));
    KdsClientSession first = h.session();
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(() -> h.zoneSink.resources(TP).size() == 3 && h.globalListener.acks(TP) >= 1);
    first.close();
    await().atMost(10, TimeUnit.SECONDS).until(() -> h.globalListener.count("streamsClosed") == 2);
    long resourcesBefore =
        h.globalListener.resourcesSent(TP) + h.globalListener.resourcesSent(MESH);
    long responsesBefore = h.globalListener.responsesSent(TP);

    h.session();
    await().atMost(10, TimeUnit.SECONDS).until(() -> h.globalListener.acks(TP) == 2);
    assertThat(h.globalListener.responsesSent(TP)).isEqualTo(responsesBefore + 1);
    assertThat(h.globalListener.resourcesSent(TP) + h.globalListener.resourcesSent(MESH))
        .isEqualTo(resourcesBefore);
    assertThat(h.globalListener.removalsSent(TP)).isZero();

    // Changed while disconnected: one update, one delete, one new.
    h.closeSessions();
    h.globalSource.put(permission("default", "p1", "changed"), permission("default", "p4", "d"));
    h.globalSource.remove(ResourceKey.inMesh(TP, "default", "p2"));
    long sentBefore = h.globalListener.resourcesSent(TP);
    long acksBefore = h.globalListener.acks(TP);
    h.session();
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(
            () ->
                h.zoneSink
                        .resources(TP)
                        .keySet()
                        .equals(java.util.Set.of("default/p1", "default/p3", "default/p4"))
                    && h.globalListener.acks(TP) > acksBefore);
    assertThat(h.globalListener.resourcesSent(TP) - sentBefore).isEqualTo(2);
    assertThat(h.globalListener.removalsSent(TP)).isEqualTo(1);
  }

  @Test
  void aNotReadySourceNeitherServesNorRemoves() {
    harness();
    Resource old = permission("default", "old", "a");
    h.zoneSink.hold(TP, new KdsReceived("default/old", "0123456789abcdef", old));
    h.globalSource.setReady(false);
    h.globalSource.put(mesh("default"), permission("default", "p1", "a"));

    h.session();
    await().atMost(10, TimeUnit.SECONDS).until(() -> h.globalListener.count("streamsOpened") == 2);
    await()
        .during(500, TimeUnit.MILLISECONDS)
        .atMost(5, TimeUnit.SECONDS)
        .untilAsserted(
            () -> {
              assertThat(h.zoneSink.resources(TP)).containsOnlyKeys("default/old");
              assertThat(h.globalListener.responsesSent(TP)).isZero();
              assertThat(h.globalListener.responsesSent(MESH)).isZero();
            });

    h.globalSource.setReady(true);
    await()
        .atMost(10, TimeUnit.SECONDS)
        .untilAsserted(
            () -> {
              assertThat(h.zoneSink.resources(TP)).containsOnlyKeys("default/p1");
              assertThat(h.zoneSink.resources(MESH)).containsOnlyKeys("default");
            });
    assertThat(h.globalListener.removalsSent(TP)).isEqualTo(1);
  }

  @Test
  void responsesAreSplitUnderTheByteBudget() {
    h = new KdsHarness();
    h.settings = h.settings.withMaxResponseBytes(10 * 1024);
    h.startServer();
    List<Resource> many = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      many.add(
          permission(
              "default", String.format("permission-%03d", i), "service-with-a-longish-name-" + i));
    }
    h.globalSource.put(mesh("default"));
    h.globalSource.put(many);

    h.session();

    await().atMost(20, TimeUnit.SECONDS).until(() -> h.zoneSink.resources(TP).size() == 200);
    List<SentResponse> tp =
        h.globalListener.sentResponses().stream().filter(r -> r.type().equals(TP)).toList();
    assertThat(tp).hasSizeGreaterThan(3);
    assertThat(tp).allSatisfy(r -> assertThat(r.bytes()).isLessThanOrEqualTo(10 * 1024));
    assertThat(tp.stream().mapToInt(r -> r.resources().size()).sum()).isEqualTo(200);
    await().atMost(10, TimeUnit.SECONDS).until(() -> h.globalListener.acks(TP) == tp.size());
  }

  @Test
  void anOversizedResourceIsRejectedByNameAndTheStreamLivesOn() {
    h = new KdsHarness();
    h.settings = h.settings.withMaxResponseBytes(10 * 1024);
    h.startServer();
    h.globalSource.put(
        mesh("default"),
        permission("default", "small1", "a"),
        permission("default", "huge", "x".repeat(20_000)),
        permission("default", "small2", "b"));

    KdsClientSession session = h.session();

    await().atMost(10, TimeUnit.SECONDS).until(() -> h.zoneSink.resources(TP).size() == 2);
    assertThat(h.zoneSink.resources(TP)).containsOnlyKeys("default/small1", "default/small2");
    assertThat(h.globalListener.tooLarge()).containsOnlyKeys("default/huge");
    h.globalSource.put(permission("default", "small3", "c"));
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(() -> h.zoneSink.resources(TP).containsKey("default/small3"));
    assertThat(h.globalListener.count("tooLarge:" + TP)).isEqualTo(1);
    assertThat(session.closed()).isNotDone();

    // Shrunk below the budget, it is sent.
    h.globalSource.put(permission("default", "huge", "now-small"));
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(() -> h.zoneSink.resources(TP).containsKey("default/huge"));
  }

  @Test
  void whenOneRpcFailsTheSessionClosesBothAndSaysWhy() {
    harness();
    h.bindings.set(
        new KdsPeerBindings() {
          @Override
          public KdsSource sourceFor(String zone) {
            return h.globalSource;
          }

          @Override
          public KdsSink sinkFor(String zone) {
            throw Status.PERMISSION_DENIED
                .withDescription("zone " + zone + " is disabled")
                .asRuntimeException();
          }
        });

    KdsClientSession session = h.session();

    Status why = session.closed().orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(why.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(why.getDescription()).contains("zone zone-1 is disabled");
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(
            () ->
                h.globalListener.count("streamsClosed") == h.globalListener.count("streamsOpened")
                    && h.zoneListener.count("streamsClosed") == 2);
  }
}
