package io.meshfed.store.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.model.Resource;
import io.meshfed.store.ListQuery;
import io.meshfed.store.RecordingListener;
import io.meshfed.store.ResourceEvent;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ResourceStoreContract;
import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemoryResourceStoreTest extends ResourceStoreContract {
  private int historyLimit = MemoryResourceStore.DEFAULT_HISTORY;

  @Override
  protected ResourceStore newStore(Clock clock) {
    return new MemoryResourceStore(clock, historyLimit);
  }

  private void reopen(int limit) {
    store.close();
    historyLimit = limit;
    store = newStore(clock);
  }

  @Test
  void aWatchOlderThanTheHistoryGetsAResetWithTheFullStateThenEvents() throws IOException {
    reopen(3);
    long start = revision();
    create(mesh("m"));
    List<Resource> expected = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      create(permission("m", "p" + i, Map.of()));
    }
    expected.addAll(join(store.list(ListQuery.all("Mesh"))).items());
    expected.addAll(join(store.list(ListQuery.all("TrafficPermission"))).items());
    long now = revision();

    RecordingListener listener = new RecordingListener();
    try (Closeable ignored = store.watch(start, listener)) {
      await().atMost(WAIT).untilAsserted(() -> assertThat(listener.resets()).hasSize(1));
      RecordingListener.Reset reset = listener.resets().get(0);
      assertThat(reset.revision()).isEqualTo(now);
      assertThat(reset.all()).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(listener.events()).isEmpty();

      Resource later = create(permission("m", "later", Map.of()));
      await().atMost(WAIT).untilAsserted(() -> assertThat(listener.events()).hasSize(1));
      assertThat(listener.events()).containsExactly(ResourceEvent.put(later, later.version()));
    }
  }

  @Test
  void aWatchWithinTheHistoryReplaysWithoutReset() throws IOException {
    reopen(3);
    create(mesh("m"));
    for (int i = 0; i < 5; i++) {
      create(permission("m", "p" + i, Map.of()));
    }
    long now = revision();
    RecordingListener listener = new RecordingListener();
    try (Closeable ignored = store.watch(now - 3, listener)) {
      await().atMost(WAIT).untilAsserted(() -> assertThat(listener.events()).hasSize(3));
      assertThat(listener.resets()).isEmpty();
      assertThat(listener.events())
          .extracting(e -> e.resource().name())
          .containsExactly("p2", "p3", "p4");
    }
  }

  @Test
  void theHistoryNeverKeepsHalfATransaction() throws IOException {
    reopen(2);
    create(mesh("m"));
    create(permission("m", "p1", Map.of()));
    create(permission("m", "p2", Map.of()));
    long beforeDelete = revision();
    join(store.delete(meshKey("m"), 0));

    // three events in one revision exceed the limit: the revision is dropped whole
    RecordingListener listener = new RecordingListener();
    try (Closeable ignored = store.watch(beforeDelete, listener)) {
      await().atMost(WAIT).untilAsserted(() -> assertThat(listener.resets()).hasSize(1));
      assertThat(listener.resets().get(0).all()).isEmpty();
      assertThat(listener.events()).isEmpty();
    }
  }

  @Test
  void closingTheStoreTellsWatchers() {
    RecordingListener listener = watch(revision());
    store.close();
    await().atMost(WAIT).untilAsserted(() -> assertThat(listener.closedCalls()).isEqualTo(1));
  }
}
