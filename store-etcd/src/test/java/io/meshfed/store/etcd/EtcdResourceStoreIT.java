package io.meshfed.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.meshfed.model.Labels;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.store.ListQuery;
import io.meshfed.store.RecordingListener;
import io.meshfed.store.ResourceEvent;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ResourceStoreContract;
import io.meshfed.store.StoreUnavailableException;
import io.meshfed.testing.EtcdExtension;
import io.meshfed.testing.FreePorts;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store contract and etcd's failure modes, against a real etcd (one per class). */
class EtcdResourceStoreIT extends ResourceStoreContract {
  @RegisterExtension static final EtcdExtension ETCD = new EtcdExtension();

  private final String prefix = "/meshfed-it/" + UUID.randomUUID();
  private final List<AutoCloseable> extra = new ArrayList<>();

  @Override
  protected ResourceStore newStore(Clock clock) {
    return EtcdResourceStore.connect(options(), StandardTypes.registry(), clock);
  }

  @Override
  protected int updatesPerWriter() {
    return 100; // 800 conditional writes, each fsynced by etcd
  }

  private EtcdStoreOptions options() {
    return EtcdStoreOptions.of(ETCD.clientUrl())
        .withPrefix(prefix)
        .withWatchRetry(Duration.ofMillis(100), Duration.ofSeconds(1))
        .withPageKeys(2); // every list and relist here takes several pages
  }

  private Client rawClient() {
    Client c = Client.builder().endpoints(ETCD.clientUrl()).build();
    extra.add(c);
    return c;
  }

  @AfterEach
  void closeExtras() throws Exception {
    for (AutoCloseable c : extra) {
      c.close();
    }
    ETCD.ensureRunning();
  }

  @Test
  void hiddenResourcesAnEarlierVersionWroteAreIndexedOnceAndLeftOutOfVisibleLists()
      throws Exception {
    // what an earlier meshfed wrote: resources at their keys, no hidden index
    var raw = rawClient().getKVClient();
    Map<String, Resource> earlier = new java.util.LinkedHashMap<>();
    earlier.put("/Mesh/_/m", mesh("m"));
    earlier.put(
        "/TrafficPermission/m/a-key",
        permission("m", "a-key", Map.of(Labels.MANAGED_BY, "meshfed")));
    earlier.put("/TrafficPermission/m/b", permission("m", "b", Map.of()));
    earlier.put("/TrafficPermission/m/c", permission("m", "c", Map.of()));
    for (Map.Entry<String, Resource> e : earlier.entrySet()) {
      raw.put(
              ByteSequence.from(prefix + e.getKey(), StandardCharsets.UTF_8),
              ByteSequence.from(codec.toJsonBytes(e.getValue())))
          .get();
    }
    ListQuery visible = ListQuery.all(StandardTypes.TRAFFIC_PERMISSION).page(0, 1).onlyVisible();
    assertThat(join(store.list(visible)).total()).as("before the index").isEqualTo(3);

    EtcdResourceStore etcd = (EtcdResourceStore) store;
    assertThat(join(etcd.indexHiddenResources())).isEqualTo(1);

    ResourcePage page = join(store.list(visible));
    assertThat(names(page.items())).containsExactly("b");
    assertThat(page.total()).isEqualTo(2);
    assertThat(page.nextOffset()).isEqualTo(1);
    assertThat(names(join(store.list(ListQuery.all(StandardTypes.TRAFFIC_PERMISSION))).items()))
        .containsExactly("a-key", "b", "c");
    // once done, a marker keeps later starts from reading everything again
    long before = revision();
    assertThat(join(etcd.indexHiddenResources())).isZero();
    assertThat(revision()).isEqualTo(before);
    assertThat(
            raw.get(
                    ByteSequence.from(
                        prefix + "/_hidden/TrafficPermission/m/a-key", StandardCharsets.UTF_8))
                .get()
                .getKvs())
        .hasSize(1);
  }

  @Test
  void keysFollowTheLayoutAndValuesKeepLabelsAndTimes() throws Exception {
    create(mesh("m"));
    Resource p = create(permission("m", "p1", Map.of("team", "core")));

    KeyValue stored =
        rawClient()
            .getKVClient()
            .get(ByteSequence.from(prefix + "/TrafficPermission/m/p1", StandardCharsets.UTF_8))
            .get()
            .getKvs()
            .get(0);
    String json = stored.getValue().toString(StandardCharsets.UTF_8);
    assertThat(stored.getModRevision()).isEqualTo(p.version());
    assertThat(json)
        .contains("\"creationTime\":\"" + p.meta().creationTime() + "\"")
        .contains("\"team\":\"core\"");
    assertThat(
            rawClient()
                .getKVClient()
                .get(ByteSequence.from(prefix + "/Mesh/_/m", StandardCharsets.UTF_8))
                .get()
                .getKvs())
        .hasSize(1);
  }

  @Test
  void dataWrittenBeforeAnEtcdRestartIsReadBackAfterIt() {
    create(mesh("m"));
    Resource p1 = create(permission("m", "p1", Map.of("a", "1")));
    Resource p2 = join(store.update(permission("m", "p1", "web", Map.of("a", "2")), p1.version()));
    Resource p3 = create(permission("m", "p3", Map.of()));

    ETCD.process().kill();
    ETCD.process().start();

    assertThat(get(permissionKey("m", "p1"))).contains(p2);
    assertThat(join(store.list(ListQuery.inMesh(StandardTypes.TRAFFIC_PERMISSION, "m"))).items())
        .containsExactly(p2, p3);

    ETCD.process().stop();
    ETCD.process().start();

    assertThat(get(permissionKey("m", "p3"))).contains(p3);
    Resource p3b = join(store.update(permission("m", "p3", "db", Map.of()), p3.version()));
    assertThat(p3b.version()).isGreaterThan(p3.version());
  }

  @Test
  void aWatchResumesAcrossAnEtcdKillWithoutLosingOrDuplicatingEvents() {
    Resource m = create(mesh("m"));
    RecordingListener listener = watch(m.version());
    Resource p1 = create(permission("m", "p1", Map.of()));
    await().atMost(WAIT).untilAsserted(() -> assertThat(listener.events()).hasSize(1));

    ETCD.process().kill();
    ETCD.process().start();

    // a second store writes at once, while the watch is still reconnecting
    List<ResourceEvent> expected = new ArrayList<>();
    expected.add(ResourceEvent.put(p1, p1.version()));
    try (EtcdResourceStore writer =
        EtcdResourceStore.connect(options(), StandardTypes.registry(), clock)) {
      Resource p2 = join(writer.create(permission("m", "p2", Map.of())));
      Resource p3 = join(writer.create(permission("m", "p3", Map.of())));
      Resource p2b = join(writer.update(permission("m", "p2", "web", Map.of()), p2.version()));
      join(writer.delete(p3.key(), p3.version()));
      expected.add(ResourceEvent.put(p2, p2.version()));
      expected.add(ResourceEvent.put(p3, p3.version()));
      expected.add(ResourceEvent.put(p2b, p2b.version()));
    }

    await().atMost(WAIT).untilAsserted(() -> assertThat(listener.events()).hasSize(5));
    List<ResourceEvent> events = listener.events();
    assertThat(events.subList(0, 4)).containsExactlyElementsOf(expected);
    assertThat(events.get(4).kind()).isEqualTo(ResourceEvent.Kind.DELETE);
    assertThat(events.get(4).key()).isEqualTo(permissionKey("m", "p3"));
    assertThat(events).extracting(ResourceEvent::revision).doesNotHaveDuplicates().isSorted();
    assertThat(listener.resets()).isEmpty();

    // and it keeps going
    Resource p4 = create(permission("m", "p4", Map.of()));
    await().atMost(WAIT).untilAsserted(() -> assertThat(listener.events()).hasSize(6));
    assertThat(listener.events().get(5)).isEqualTo(ResourceEvent.put(p4, p4.version()));
    assertThat(listener.overlaps()).isZero();
  }

  @Test
  void compactionPastTheWatchPositionResetsWithExactlyTheCurrentState() throws Exception {
    Resource m = create(mesh("m"));
    Resource p1 = create(permission("m", "p1", Map.of()));
    Resource p2 = create(permission("m", "p2", Map.of()));
    long position = p2.version();
    Resource p2b = join(store.update(permission("m", "p2", "web", Map.of("v", "2")), 0));
    join(store.delete(p1.key(), 0));
    Resource p3 = create(permission("m", "p3", Map.of()));
    long now = revision();
    rawClient().getKVClient().compact(now).get();

    RecordingListener listener = watch(position);

    await().atMost(WAIT).untilAsserted(() -> assertThat(listener.resets()).hasSize(1));
    RecordingListener.Reset reset = listener.resets().get(0);
    assertThat(reset.revision()).isGreaterThanOrEqualTo(now);
    assertThat(reset.all()).containsExactlyInAnyOrder(m, p2b, p3);
    assertThat(listener.events()).isEmpty();

    Resource p4 = create(permission("m", "p4", Map.of()));
    await().atMost(WAIT).untilAsserted(() -> assertThat(listener.events()).hasSize(1));
    assertThat(listener.events()).containsExactly(ResourceEvent.put(p4, p4.version()));
    assertThat(listener.resets()).hasSize(1);
  }

  @Test
  void aLiveWatchThatResumesAtACompactedRevisionResets() throws Exception {
    // a long first retry, so that writes and a compaction happen while the watch is away
    EtcdResourceStore slowResume =
        EtcdResourceStore.connect(
            options().withWatchRetry(Duration.ofSeconds(3), Duration.ofSeconds(3)),
            StandardTypes.registry(),
            clock);
    extra.add(slowResume);
    Resource m = create(mesh("m"));
    RecordingListener listener = new RecordingListener();
    extra.add(slowResume.watch(m.version(), listener));
    Resource p1 = create(permission("m", "p1", Map.of()));
    await().atMost(WAIT).untilAsserted(() -> assertThat(listener.events()).hasSize(1));

    ETCD.process().kill();
    ETCD.process().start();
    join(store.delete(p1.key(), 0));
    Resource p2 = create(permission("m", "p2", Map.of()));
    rawClient().getKVClient().compact(revision()).get();

    await().atMost(WAIT).untilAsserted(() -> assertThat(listener.resets()).hasSize(1));
    assertThat(listener.resets().get(0).all()).containsExactlyInAnyOrder(m, p2);
    assertThat(listener.events()).containsExactly(ResourceEvent.put(p1, p1.version()));
    Resource p3 = create(permission("m", "p3", Map.of()));
    await().atMost(WAIT).untilAsserted(() -> assertThat(listener.events()).hasSize(2));
    assertThat(listener.events().get(1)).isEqualTo(ResourceEvent.put(p3, p3.version()));
  }

  @Test
  void aWatchWhoseCatchUpIsOverTheMessageLimitRelistsInPagesInstead() {
    Resource m = create(mesh("m"));
    byte[] noise = new byte[1_000_000];
    new java.util.Random(7).nextBytes(noise);
    List<Resource> secrets = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      noise[0] = (byte) i;
      secrets.add(
          create(
              new Resource(
                  io.meshfed.model.ResourceKey.inMesh(StandardTypes.SECRET, "m", "big-" + i),
                  Meta.EMPTY,
                  io.meshfed.model.spec.SecretSpec.of(noise))));
    }

    // etcd sends the 5 missed revisions (6.7 MB) to a watch from before them in one response
    RecordingListener listener = watch(m.version());

    await().atMost(WAIT).untilAsserted(() -> assertThat(listener.resets()).hasSize(1));
    List<Resource> expected = new ArrayList<>(secrets);
    expected.add(m);
    assertThat(listener.resets().get(0).all()).containsExactlyInAnyOrderElementsOf(expected);
    Resource p1 = create(permission("m", "p1", Map.of()));
    await().atMost(WAIT).untilAsserted(() -> assertThat(listener.events()).hasSize(1));
    assertThat(listener.events()).containsExactly(ResourceEvent.put(p1, p1.version()));
  }

  @Test
  void aValueOverEtcdsRequestLimitIsRefusedAsBadDataNotAsAnOutage() {
    Map<String, String> labels = new java.util.HashMap<>();
    String value = "v".repeat(200);
    for (int i = 0; i < 10_000; i++) {
      labels.put("label-" + i, value);
    }
    assertThatThrownBy(() -> create(mesh("huge").withMeta(Meta.withLabels(labels))))
        .isInstanceOf(io.meshfed.store.StoreException.class)
        .isNotInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("too large")
        .hasMessageContaining("huge");
    assertThat(get(meshKey("huge"))).isEmpty();
  }

  @Test
  void anUnreachableEtcdFailsWithStoreUnavailableNamingTheEndpoint() {
    String endpoint = "http://127.0.0.1:" + FreePorts.one();
    try (EtcdResourceStore unreachable =
        EtcdResourceStore.connect(
            EtcdStoreOptions.of(endpoint)
                .withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(2)),
            StandardTypes.registry(),
            clock)) {
      assertThatThrownBy(() -> join(unreachable.get(meshKey("m"))))
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining(endpoint);
      assertThatThrownBy(
              () -> join(unreachable.create(mesh("m").withMeta(Meta.withLabels(Map.of("a", "b"))))))
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining(endpoint);
    }
  }
}
