package io.meshfed.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.store.ListQuery;
import io.meshfed.store.RecordingListener;
import io.meshfed.store.ResourceEvent;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ResourceStoreContract;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contract, plus what only a persistent store promises: restarts keep everything. */
class EmbeddedResourceStoreTest extends ResourceStoreContract {
  @TempDir Path root;
  private int historyLimit = EmbeddedResourceStore.DEFAULT_HISTORY;
  private int opened;

  @Override
  protected ResourceStore newStore(Clock clock) {
    return EmbeddedResourceStore.open(
        dataDir(), StandardTypes.registry(), clock, historyLimit, null);
  }

  private Path dataDir() {
    return root.resolve("data");
  }

  @Override
  protected int updatesPerWriter() {
    return 100; // 800 conditional writes, each fsynced
  }

  /** Closes the store and opens the same directory again. */
  private void reopen() {
    store.close();
    store = newStore(clock);
    opened++;
  }

  @Test
  void aReopenedStoreHasEveryResourceVersionAndTheRevision() {
    create(mesh("m"));
    Resource p1 = create(permission("m", "p1", Map.of("team", "a")));
    Resource p2 = create(permission("m", "p2", Map.of()));
    join(store.delete(p2.key(), 0));
    long before = revision();

    reopen();

    assertThat(revision()).isEqualTo(before);
    assertThat(get(p1.key())).contains(p1);
    assertThat(get(p2.key())).isEmpty();
    assertThat(names(join(store.list(ListQuery.all(StandardTypes.TRAFFIC_PERMISSION))).items()))
        .containsExactly("p1");
    Resource p3 = create(permission("m", "p3", Map.of()));
    assertThat(p3.version()).isGreaterThan(before);
    assertThat(opened).isEqualTo(1);
  }

  @Test
  void aSecondStoreOnTheSameDirectoryIsRefusedUntilTheFirstCloses() {
    create(mesh("m"));

    assertThatThrownBy(() -> newStore(clock))
        .isInstanceOf(DataDirInUseException.class)
        .hasMessageContaining(dataDir().toAbsolutePath().toString())
        .hasMessageContaining("pid " + ProcessHandle.current().pid())
        .hasMessageContaining("--data-dir");
    assertThat(get(meshKey("m"))).isPresent();

    reopen();
    assertThat(get(meshKey("m"))).isPresent();
  }

  @Test
  void theFilesLiveInTheDataDirectory() {
    create(mesh("m"));
    assertThat(Files.isRegularFile(dataDir().resolve(SqliteResources.FILE))).isTrue();
    assertThat(Files.isRegularFile(dataDir().resolve(DataDirLock.FILE))).isTrue();
  }

  @Test
  void aWatchFromBeforeTheStoreWasOpenedGetsAResetWithTheFullState() throws IOException {
    long start = revision();
    Resource m = create(mesh("m"));
    Resource p = create(permission("m", "p", Map.of()));
    reopen();
    long now = revision();

    RecordingListener listener = new RecordingListener();
    try (Closeable ignored = store.watch(start, listener)) {
      await().atMost(WAIT).untilAsserted(() -> assertThat(listener.resets()).hasSize(1));
      assertThat(listener.resets().get(0).revision()).isEqualTo(now);
      assertThat(listener.resets().get(0).all()).containsExactlyInAnyOrder(m, p);
      Resource later = create(permission("m", "later", Map.of()));
      await().atMost(WAIT).untilAsserted(() -> assertThat(listener.events()).hasSize(1));
      assertThat(listener.events()).containsExactly(ResourceEvent.put(later, later.version()));
    }
  }

  @Test
  void aWatchOlderThanTheHistoryGetsAResetAndOneWithinItReplays() throws IOException {
    historyLimit = 3;
    reopen();
    long start = revision();
    create(mesh("m"));
    List<Resource> expected = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      create(permission("m", "p" + i, Map.of()));
    }
    expected.addAll(join(store.list(ListQuery.all(StandardTypes.MESH))).items());
    expected.addAll(join(store.list(ListQuery.all(StandardTypes.TRAFFIC_PERMISSION))).items());
    long now = revision();

    RecordingListener old = new RecordingListener();
    RecordingListener recent = new RecordingListener();
    try (Closeable a = store.watch(start, old);
        Closeable b = store.watch(now - 3, recent)) {
      await().atMost(WAIT).untilAsserted(() -> assertThat(old.resets()).hasSize(1));
      assertThat(old.resets().get(0).all()).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(old.events()).isEmpty();
      await().atMost(WAIT).untilAsserted(() -> assertThat(recent.events()).hasSize(3));
      assertThat(recent.resets()).isEmpty();
      assertThat(recent.events())
          .extracting(e -> e.resource().name())
          .containsExactly("p2", "p3", "p4");
    }
  }

  @Test
  void closingTheStoreTellsWatchersAndReleasesTheDirectory() {
    RecordingListener listener = watch(revision());
    store.close();
    await().atMost(WAIT).untilAsserted(() -> assertThat(listener.closedCalls()).isEqualTo(1));
    store = newStore(clock);
    assertThat(get(meshKey("nothing"))).isEmpty();
  }
}
